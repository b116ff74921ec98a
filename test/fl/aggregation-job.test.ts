/**
 * The adapter's `fl-aggregate` job end to end over HTTP: updates, base model and validation set
 * fetched through the adapter's SSRF-safe fetch from a local IPFS-style gateway, the answer equal
 * to the library's own result, signed by the operator, identical whatever the order of the updates,
 * every bad update turned into the rule's status (the round completes), bad requests typed errors.
 */
import { getBytes, keccak256, recoverAddress } from 'ethers'
import request from 'supertest'

import { aggregateRound, type Submission } from '../../federated/aggregation'
import { exportFederatedOnnx } from '../../federated/model-export'
import { encodeRoundReport, decodeRoundReport, roundReport } from '../../federated/round-report'
import { identitiesOf, roundSubmissions, type SimulationConfig } from '../../federated/simulation'
import { riskTask } from '../../federated/task'
import { taskSpecHash, taskSpecOf } from '../../federated/task-spec'
import { encodeModel } from '../../federated/update-codec'
import { encodeValidationSet } from '../../federated/validation'
import { answerDigest, inferenceLeaf } from '../../protocol/answer-digest'
import { FL_GRAPH_NAME } from '../../adapter/src/federated/fl-aggregation-job'
import { flJobInputHash } from '../../federated/job-input'
import { FlJobSchema } from '../../adapter/src/federated/fl-job-schema'
import { startContentStore, type ContentStore } from '../../script/fl/content-store'
import {
  startTestAdapter,
  TEST_SIGNER_ADDRESS,
  TEST_SIGNER_KEY,
  type TestAdapter,
} from '../adapter/helpers'
import { firstRoundInput } from '../support/fl-round'

jest.setTimeout(60_000)

const CONFIG: SimulationConfig = {
  seed: 11,
  rounds: 1,
  sizes: { union: 3_000, validation: 800, evaluation: 100 },
  attackers: { 1: 'labelFlip', 4: 'signFlip', 7: 'sybil' },
}
const data = riskTask(CONFIG.seed, CONFIG)
const { task } = data
const identities = identitiesOf(10, CONFIG.attackers)
const submissions = roundSubmissions(CONFIG, data, identities, 1, task.initialModel)
const spec = taskSpecOf(task)
const baseBytes = encodeModel(task.taskId, 0, task.layout, task.initialModel)
const validationBytes = encodeValidationSet(task.validation)

let store: ContentStore
let adapter: TestAdapter
let baseUri: string
let validationUri: string
const uris = new Map<string, string>()

beforeAll(async () => {
  store = await startContentStore()
  baseUri = store.put(baseBytes)
  validationUri = store.put(validationBytes)
  for (const s of submissions) uris.set(s.participant, store.put(s.bytes))
  adapter = await startTestAdapter({
    LOG_LEVEL: 'error',
    IPFS_GATEWAY: store.gateway,
    FETCH_ALLOWLIST: '127.0.0.1/32',
    SIGNER_PRIVATE_KEY: TEST_SIGNER_KEY,
    SIGNER_THREADS: '0',
  })
})

afterAll(async () => {
  await adapter?.close()
  await store?.stop()
})

interface Update {
  participant: string
  hash: string
  uri: string
}

function job(updates: Update[], extra: Record<string, unknown> = {}): unknown {
  return {
    id: 'fl-1',
    data: {
      job: 'fl-aggregate',
      taskId: task.taskId,
      round: 1,
      spec,
      base: { uri: baseUri, hash: keccak256(baseBytes) },
      validation: { uri: validationUri, hash: keccak256(validationBytes) },
      updates,
      notRevealed: [],
      ...extra,
    },
  }
}

const revealed = (subs: readonly Submission[]): Update[] =>
  subs.map((s) => ({
    participant: s.participant,
    hash: s.revealedHash,
    uri: uris.get(s.participant) as string,
  }))

async function post(body: unknown): Promise<request.Response> {
  return request(adapter.listener)
    .post('/')
    .send(body as object)
}

describe('fl-aggregate job', () => {
  it('answers the library result, signed, with every attacker rejected', async () => {
    const res = await post(job(revealed(submissions)))
    expect(res.status).toBe(200)
    const d = res.body.data
    const expected = aggregateRound(firstRoundInput(task, submissions))
    const onnx = exportFederatedOnnx(
      task.layout,
      expected.model,
      task.standardisation,
      FL_GRAPH_NAME,
    )
    const report = encodeRoundReport(roundReport(expected, { modelFileHash: onnx.sha256 }))
    expect(d.report).toBe(report)
    expect(d.reportHash).toBe(keccak256(report))
    expect(res.body.result).toBe(d.reportHash)
    expect(d.aggregateHash).toBe(expected.aggregateHash)
    expect(d.modelFileHash).toBe(onnx.sha256)
    expect(d.specHash).toBe(taskSpecHash(spec))
    // The operator's EIP-712 signature over (spec hash as model and manifest hash, input hash,
    // report hash, job run id): the leaf recomputed here, folded by the answer's proof.
    expect(d.manifestHash).toBe(d.specHash)
    const leaf = inferenceLeaf({
      modelHash: d.specHash,
      manifestHash: d.specHash,
      inputHash: flJobInputHash(FlJobSchema.parse(job(revealed(submissions))).data, d.specHash),
      result: BigInt(d.reportHash),
      jobRunId: 'fl-1',
    })
    const digest = answerDigest(
      leaf,
      (d.proof as string[]).map((n) => getBytes(n)),
    )
    expect(recoverAddress(digest, d.signature)).toBe(TEST_SIGNER_ADDRESS)
    const roles = new Map(identities.map((i) => [i.address, i.role]))
    for (const p of d.participants) {
      if (roles.get(p.participant) === 'honest') expect(p.slashed).toBe(false)
      else expect(p.status).not.toBe('accepted')
    }
  })

  it('gives byte-identical reports whatever the order of the updates', async () => {
    const a = await post(job(revealed(submissions)))
    const b = await post(job(revealed([...submissions].reverse())))
    expect(b.body.data.report).toBe(a.body.data.report)
    expect(b.body.data.inputHash).toBe(a.body.data.inputHash)
  })

  it('treats bad updates by the rule and completes the round', async () => {
    const [s0, s1, s2, s3, s4] = submissions as [
      Submission,
      Submission,
      Submission,
      Submission,
      Submission,
    ]
    const truncated = s2.bytes.subarray(0, s2.bytes.length - 4)
    const truncatedUri = store.put(truncated)
    const updates: Update[] = [
      // hash mismatch: the served bytes are not what was revealed
      {
        participant: s0.participant,
        hash: keccak256(s1.bytes),
        uri: uris.get(s0.participant) as string,
      },
      // unreachable: nothing served at that name
      { participant: s1.participant, hash: s1.revealedHash, uri: `ipfs://b${'a'.repeat(58)}` },
      // wrong size: revealed and served consistently, but cut short
      { participant: s2.participant, hash: keccak256(truncated), uri: truncatedUri },
      // duplicate identity: one participant, two updates
      {
        participant: s3.participant,
        hash: s3.revealedHash,
        uri: uris.get(s3.participant) as string,
      },
      {
        participant: s3.participant,
        hash: s4.revealedHash,
        uri: uris.get(s4.participant) as string,
      },
      ...revealed(submissions.slice(5)),
    ]
    const silent = '0x00000000000000000000000000000000000000aa'
    const res = await post(job(updates, { notRevealed: [silent] }))
    expect(res.status).toBe(200)
    const status = (who: string): string[] =>
      res.body.data.participants
        .filter((p: { participant: string }) => p.participant === who)
        .map((p: { status: string }) => p.status)
    expect(status(s0.participant)).toEqual(['hashMismatch'])
    expect(status(s1.participant)).toEqual(['hashMismatch'])
    expect(status(s2.participant)).toEqual(['wrongSize'])
    expect(status(s3.participant)).toEqual(['duplicateParticipant', 'duplicateParticipant'])
    expect(status(silent)).toEqual(['notRevealed'])
    const decoded = decodeRoundReport(res.body.data.report)
    expect(decoded.entries.filter((e) => e.slashed).length).toBeGreaterThanOrEqual(6)
    expect(decoded.entries[0]?.participant).toBe(silent)
  })

  it('refuses bad requests with typed errors', async () => {
    const wrongBase = await post(
      job(revealed(submissions), { base: { uri: baseUri, hash: keccak256('0x01') } }),
    )
    expect(wrongBase.status).toBe(422)
    expect(wrongBase.body.error.name).toBe('UnprocessableError')
    const schema = await post(job(revealed(submissions), { round: 0 }))
    expect(schema.status).toBe(400)
    expect(schema.body.error.message).toMatch(/round/)
    const clash = await post(
      job(revealed(submissions), { notRevealed: [submissions[0]?.participant] }),
    )
    expect(clash.status).toBe(400)
    const shape = await post(
      job(revealed(submissions), { spec: { ...spec, layout: { sizes: [10, 8, 8, 2] } } }),
    )
    expect(shape.status).toBe(400)
    expect(shape.body.error.message).toMatch(/one hidden layer/)
    const wrongValidation = await post(
      job(revealed(submissions), { validation: { uri: baseUri, hash: keccak256(baseBytes) } }),
    )
    expect(wrongValidation.status).toBe(422)
  })
})
