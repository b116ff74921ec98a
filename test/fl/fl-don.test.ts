/**
 * The local FL DON's node and DON modes against real adapters (in-process, on loopback ports):
 * a node observes the report only when a strict majority of the adapters return byte-identical,
 * correctly signed answers bound to the chain's facts; a tampered, mis-signed or off-task answer
 * never counts; the DON reports only what 2f + 1 nodes observed.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

import { keccak256, Wallet } from 'ethers'

import { identitiesOf, roundSubmissions, type SimulationConfig } from '../../federated/simulation'
import { riskTask } from '../../federated/task'
import { taskSpecHash, taskSpecOf } from '../../federated/task-spec'
import { encodeModel } from '../../federated/update-codec'
import { encodeValidationSet } from '../../federated/validation'
import { decodeRoundReport, encodeRoundReport } from '../../federated/round-report'
import { startContentStore, type ContentStore } from '../../script/fl/content-store'
import {
  donConsensus,
  observeRound,
  type Observation,
  type RoundFacts,
} from '../../script/fl/fl-don'
import { startTestAdapter, type TestAdapter } from '../adapter/helpers'

jest.setTimeout(60_000)

const CONFIG: SimulationConfig = {
  seed: 5,
  rounds: 1,
  sizes: { union: 2_000, validation: 600, evaluation: 100 },
  attackers: { 2: 'signFlip' },
}
const data = riskTask(CONFIG.seed, CONFIG)
const { task } = data
const subs = roundSubmissions(CONFIG, data, identitiesOf(6, CONFIG.attackers), 1, task.initialModel)
const KEYS = [1, 2, 3].map((i) => keccak256(Buffer.from(`fl-don test adapter ${i}`)))
const SIGNERS = KEYS.map((k) => new Wallet(k).address.toLowerCase())

let store: ContentStore
let adapters: TestAdapter[] = []
const servers: Server[] = []
const urls: string[] = []
let tamperUrl = ''
let facts: RoundFacts

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler)
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
}

beforeAll(async () => {
  store = await startContentStore()
  const baseBytes = encodeModel(task.taskId, 0, task.layout, task.initialModel)
  const validationBytes = encodeValidationSet(task.validation)
  const spec = taskSpecOf(task)
  facts = {
    taskId: task.taskId,
    round: 1,
    ruleHash: taskSpecHash(spec),
    spec,
    base: { uri: store.put(baseBytes), hash: keccak256(baseBytes) },
    validation: { uri: store.put(validationBytes), hash: keccak256(validationBytes) },
    updates: subs.map((s) => ({
      participant: s.participant,
      hash: s.revealedHash,
      uri: store.put(s.bytes),
    })),
    notRevealed: [],
  }
  adapters = await Promise.all(
    KEYS.map((key) =>
      startTestAdapter({
        LOG_LEVEL: 'error',
        IPFS_GATEWAY: store.gateway,
        FETCH_ALLOWLIST: '127.0.0.1/32',
        SIGNER_PRIVATE_KEY: key,
        SIGNER_THREADS: '0',
      }),
    ),
  )
  for (const a of adapters) urls.push(await listen(a.listener))
  // A tampering operator: forwards to adapter 3, then flips one participant's weight (and fixes up
  // reportHash so that only the signature can tell).
  tamperUrl = await listen((req, res) => {
    let body = ''
    req.on('data', (d: Buffer) => (body += d.toString('utf8')))
    req.on('end', () => {
      void fetch(urls[2] as string, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      })
        .then((r) => r.json())
        .then((json) => {
          const answer = json as { data: { report: string; reportHash: string } }
          const report = decodeRoundReport(answer.data.report)
          const first = report.entries[0]
          if (first) first.weightBps = first.weightBps === 10_000 ? 9_999 : 10_000
          answer.data.report = encodeRoundReport(report)
          answer.data.reportHash = keccak256(answer.data.report)
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer))
        })
    })
  })
})

afterAll(async () => {
  for (const s of servers) s.closeAllConnections()
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))))
  await Promise.all(adapters.map((a) => a.close()))
  await store?.stop()
})

const secret = (entries: { url: string; signer: string }[]): string => JSON.stringify(entries)
const honest = (): { url: string; signer: string }[] =>
  urls.map((url, i) => ({ url, signer: SIGNERS[i] as string }))

describe('local FL DON, node mode', () => {
  it('observes the report three honest adapters agree on, bound to the round', async () => {
    const o = await observeRound(facts, secret(honest()), 2)
    if (!('payload' in o)) throw new Error(o.reason)
    expect(o.agreed).toBe(3)
    const report = decodeRoundReport(o.payload)
    expect(report.taskId).toBe(task.taskId)
    expect(report.baseModelHash).toBe(facts.base.hash)
    expect(report.entries).toHaveLength(subs.length)
  })

  it('drops a tampered answer and still observes with the other two', async () => {
    const list = honest()
    list[2] = { url: tamperUrl, signer: SIGNERS[2] as string }
    const o = await observeRound(facts, secret(list), 2)
    if (!('payload' in o)) throw new Error(o.reason)
    expect(o.agreed).toBe(2)
    const clean = await observeRound(facts, secret(honest()), 2)
    expect('payload' in clean && clean.payload).toBe(o.payload)
  })

  it('observes nothing when only one answer is signed by its configured operator', async () => {
    const list = honest()
    list[0] = { url: urls[0] as string, signer: Wallet.createRandom().address.toLowerCase() }
    list[1] = { url: tamperUrl, signer: SIGNERS[1] as string }
    const o = await observeRound(facts, secret(list), 2)
    expect('reason' in o && o.reason).toMatch(/no report from 2 of 3 adapters.*signature from/)
  })

  it('refuses answers for another spec than the on-chain rule', async () => {
    const o = await observeRound({ ...facts, ruleHash: keccak256('0x01') }, secret(honest()), 2)
    expect('reason' in o && o.reason).toMatch(/spec hash/)
  })

  it('refuses a quorum that is not a strict majority and repeated adapters', async () => {
    await expect(observeRound(facts, secret(honest()), 1)).rejects.toThrow(/strict majority/)
    const twice = [honest()[0], honest()[0], honest()[1]] as { url: string; signer: string }[]
    await expect(observeRound(facts, secret(twice), 2)).rejects.toThrow(/repeats/)
  })
})

describe('local FL DON, DON mode', () => {
  it('reports only a payload 2f + 1 nodes observed identically', () => {
    const p: Observation = { payload: '0xaa', agreed: 3, answers: [] }
    const q: Observation = { payload: '0xbb', agreed: 2, answers: [] }
    const none: Observation = { reason: 'no report' }
    expect(donConsensus([p, p, none, p], 3)).toBe('0xaa')
    expect(donConsensus([p, p, q, none], 3)).toBeUndefined()
    expect(donConsensus([p, q, q, q], 3)).toBe('0xbb')
  })
})
