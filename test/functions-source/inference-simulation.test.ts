/**
 * The Functions sources, run whole through the toolkit's simulateScript (Deno sandbox, Functions
 * limits) against real adapter processes: four adapters with distinct operator keys and API keys,
 * a fifth serving a different version of risk-v1, and a FaultProxy in front of each that can delay,
 * drop or falsify answers. Every returned value is decoded with ethers' AbiCoder and compared field
 * by field with what the adapters answer when asked directly.
 */
import { readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'

import { Wallet } from 'ethers'

import { sha256Hex } from '../../protocol/hashes'
import { decodeInferenceResult, type InferenceResult } from '../../protocol/inference-result'
import { tabularInputHash } from '../../protocol/input-hash'
import { functionsJobRunId } from '../../protocol/job-run-id'
import { simulateCommand, type SimulateOptions } from '../../script/functions/cli'
import { startAdapter, type LocalAdapter } from '../../script/local/adapters'
import {
  FUNCTIONS_SOURCES,
  simulateSource,
  TOOLKIT_LIMITS,
  type JobKind,
  type SimulationOutcome,
} from '../../script/local/functions-simulator'
import { REPO_ROOT } from '../../script/local/repo-root'
import { runTsScript, type TsScriptResult } from '../../script/local/tsx-process'
import { writeUnapprovedVariant, type ModelVariant } from '../../script/local/unapproved-model'
import { companionBodies } from '../support/batched-answer'
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy'
import {
  IMAGE_FOLDER_CID,
  OTHER_MODEL_NOTE,
  SAMPLE_IMAGE,
  VECTORS_PATH,
  apiKey,
  operatorKey,
  recordedRequests,
} from '../cre-workflow/vectors/record-adapter-answers'
import type { AdapterVectors, RecordedAnswer } from '../cre-workflow/vectors/adapter-vectors'

jest.setTimeout(30_000)

interface Manifest {
  file: { sha256: string }
  inputs: { features?: { name: string; type: string; min: number; max: number }[] }
}

const MODELS_DIR = join(REPO_ROOT, 'adapter', 'models')
const readManifest = (id: string) =>
  JSON.parse(readFileSync(join(MODELS_DIR, id, 'manifest.json'), 'utf8')) as Manifest

const RISK = readManifest('risk-v1')
const DAMAGE = readManifest('damage-v1')
/** A valid feature row: each feature at a quarter of its range. */
const FEATURES = Object.fromEntries(
  (RISK.inputs.features ?? []).map((f) => {
    const value = f.min + (f.max - f.min) / 4
    return [f.name, f.type === 'integer' ? Math.round(value) : value]
  }),
)
const FEATURES_HASH = tabularInputHash(FEATURES)
const JOB_RUN_ID = functionsJobRunId(FEATURES_HASH)
const SAMPLES_DIR = join(MODELS_DIR, 'damage-v1', 'samples')
const IMAGE_FILE = SAMPLE_IMAGE
const IMAGE = readFileSync(join(SAMPLES_DIR, IMAGE_FILE))
const IMAGE_HASH = sha256Hex(IMAGE)

/** Honest adapter processes; one more serves a different risk-v1 (five processes in all). */
const OPERATOR_COUNT = 4
/** Past the source's 4 s timeout, at the sandbox's 9 s per-request limit: waiting for it would show. */
const SLOW_MS = 9_000
/** Other requests sent with a batched mode's request, so the adapter signs them together. */
const COMPANIONS = companionBodies(7)

interface Honest {
  result: string
  modelHash: string
  inputHash: string
}

/** Indexes 0 to OPERATOR_COUNT - 1: honest adapters; OPERATOR_COUNT: the other model's. */
let adapters: LocalAdapter[] = []
let proxies: FaultProxy[] = []
let otherModel: ModelVariant
let imageServer: Server
let imageUrl: string
let honestRisk: Honest
let honestDamage: Honest

async function askDirectly(i: number, data: Record<string, unknown>): Promise<Honest> {
  const res = await fetch(adapters[i]?.url ?? '', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': apiKey(i) },
    body: JSON.stringify({ id: 'direct', data }),
    signal: AbortSignal.timeout(10_000),
  })
  const body = (await res.json()) as { data: Honest }
  expect(res.status).toBe(200)
  return body.data
}

async function closedPortUrl(): Promise<string> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `http://127.0.0.1:${port}/`
}

interface Entry {
  url: string
  apiKey?: string
  signer?: string
}

/** ADAPTERS entries for proxies `indexes`, with their API keys and (optionally) signers. */
function entries(indexes: number[], withSigners: boolean): Entry[] {
  return indexes.map((i) => ({
    url: proxies[i]?.url ?? '',
    apiKey: apiKey(i),
    ...(withSigners ? { signer: adapters[i]?.signer ?? '' } : {}),
  }))
}

function riskArgs(threshold: number, tolerance = '0', inputHash = FEATURES_HASH): string[] {
  return [
    'risk-v1',
    RISK.file.sha256,
    inputHash,
    JSON.stringify({ features: FEATURES }),
    String(threshold),
    tolerance,
  ]
}

function damageArgs(threshold: number, url = imageUrl): string[] {
  return [
    'damage-v1',
    DAMAGE.file.sha256,
    IMAGE_HASH,
    JSON.stringify({ image: { url, sha256: IMAGE_HASH } }),
    String(threshold),
    '0',
  ]
}

const totalRequests = () => proxies.reduce((sum, proxy) => sum + proxy.requests.length, 0)

async function run(job: JobKind, args: string[], list: Entry[]): Promise<SimulationOutcome> {
  const outcome = await simulateSource({
    sourcePath: FUNCTIONS_SOURCES[job],
    args,
    secrets: { ADAPTERS: JSON.stringify(list) },
  })
  // Inside the Functions limits, whatever the outcome.
  expect(outcome.durationMs).toBeLessThan(TOOLKIT_LIMITS.maxExecutionTimeMs)
  expect(totalRequests()).toBeLessThanOrEqual(TOOLKIT_LIMITS.numAllowedQueries)
  return outcome
}

function decoded(outcome: SimulationOutcome): InferenceResult {
  if (outcome.responseHex === undefined) {
    throw new Error(`simulation failed: ${outcome.error}\n${outcome.log}`)
  }
  expect((outcome.responseHex.length - 2) / 2).toBe(192)
  expect((outcome.responseHex.length - 2) / 2).toBeLessThanOrEqual(
    TOOLKIT_LIMITS.maxOnChainResponseBytes,
  )
  return decodeInferenceResult(outcome.responseHex)
}

function expectRiskResult(
  outcome: SimulationOutcome,
  counts: { responded: number; agreed: number },
): void {
  const nowSeconds = BigInt(Math.floor(Date.now() / 1000))
  const value = decoded(outcome)
  expect(value.result).toBe(BigInt(honestRisk.result))
  expect(value.modelHash).toBe(RISK.file.sha256)
  expect(value.inputHash).toBe(FEATURES_HASH)
  expect(value.responded).toBe(counts.responded)
  expect(value.agreed).toBe(counts.agreed)
  expect(value.observedAt).toBeGreaterThan(nowSeconds - 30n)
  expect(value.observedAt).toBeLessThanOrEqual(nowSeconds)
}

function expectError(outcome: SimulationOutcome, message: RegExp): void {
  expect(outcome.responseHex).toBeUndefined()
  expect(outcome.error).toMatch(message)
}

beforeAll(async () => {
  imageServer = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'image/png' })
    res.end(IMAGE)
  })
  await new Promise<void>((resolve) => imageServer.listen(0, '127.0.0.1', resolve))
  // A stand-in IPFS gateway: adapters reach loopback only for ipfs:// through IPFS_GATEWAY.
  const gateway = `http://127.0.0.1:${(imageServer.address() as AddressInfo).port}`
  imageUrl = `ipfs://${IMAGE_FOLDER_CID}/${IMAGE_FILE}`

  otherModel = writeUnapprovedVariant('risk-v1', OTHER_MODEL_NOTE)
  const env = (i: number) => ({
    API_KEYS: apiKey(i),
    FETCH_ALLOWLIST: '127.0.0.1/32',
    IPFS_GATEWAY: gateway,
  })
  adapters = await Promise.all(
    Array.from({ length: OPERATOR_COUNT + 1 }, (_, i) =>
      startAdapter({
        name: `operator-${i}`,
        signerKey: operatorKey(i),
        env: env(i),
        ...(i === OPERATOR_COUNT ? { modelDir: otherModel.modelDir } : {}),
      }),
    ),
  )
  proxies = await Promise.all(adapters.map((a) => startFaultProxy(a.url)))

  honestRisk = await askDirectly(0, { model: 'risk-v1', features: FEATURES })
  honestDamage = await askDirectly(0, {
    model: 'damage-v1',
    image: { url: imageUrl, sha256: IMAGE_HASH },
  })
}, 150_000)

afterAll(async () => {
  await Promise.all(proxies.map((proxy) => proxy.close()))
  await Promise.all(adapters.map((a) => a.stop()))
  await new Promise<void>((resolve) =>
    imageServer ? imageServer.close(() => resolve()) : resolve(),
  )
  if (otherModel) rmSync(otherModel.modelDir, { recursive: true, force: true })
})

beforeEach(() => {
  for (const proxy of proxies) {
    proxy.mode = { kind: 'pass' }
    proxy.resetRequests()
  }
})

describe('the adapters, asked directly (the reference for every simulation)', () => {
  it('answer risk-v1 with the manifest hash and the JCS input hash', () => {
    expect(honestRisk.modelHash).toBe(RISK.file.sha256)
    expect(honestRisk.inputHash).toBe(FEATURES_HASH)
    expect(honestRisk.result).toMatch(/^[0-9]+$/)
  })

  it('serve a different risk-v1 file from the other MODEL_DIR', () => {
    expect(otherModel.modelHash).not.toBe(RISK.file.sha256)
  })
})

describe('the recorded CRE workflow vectors (test/cre-workflow/vectors): still what adapters answer', () => {
  const vectors = JSON.parse(readFileSync(VECTORS_PATH, 'utf8')) as AdapterVectors

  it('were recorded with these operator keys and for these requests', () => {
    expect(vectors.signers.slice(0, OPERATOR_COUNT + 1)).toEqual(
      adapters.map((a) => (a.signer ?? '').toLowerCase()),
    )
    expect(vectors.otherModelHash).toBe(otherModel.modelHash)
    expect(recordedRequests(imageUrl)).toEqual(vectors.requests)
  })

  it('answer byte for byte as recorded, signatures included', async () => {
    const fresh = recordedRequests(imageUrl)
    const replay = async (answer: RecordedAnswer, body: string, key = apiKey(answer.operator)) => {
      const res = await fetch(adapters[answer.operator]?.url ?? '', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        body,
        signal: AbortSignal.timeout(10_000),
      })
      expect(res.status).toBe(answer.status)
      expect(await res.json()).toEqual(answer.body)
    }
    const { answers } = vectors
    for (const answer of answers.risk) await replay(answer, fresh.risk.body)
    await replay(answers.riskOtherModel, fresh.risk.body)
    await replay(answers.riskOtherFeatures, fresh.riskOtherFeatures.body)
    for (const answer of answers.damage) await replay(answer, fresh.damage.body)
    await replay(answers.unauthorized, fresh.risk.body, 'not-the-key')
  })

  it('batch-signed: the same answer but for the batch signature and a non-empty proof', () => {
    const { risk, riskBatched } = vectors.answers
    expect(riskBatched).toHaveLength(3)
    riskBatched.forEach((batched, i) => {
      type Body = { data: { signature: string; proof: string[] } }
      const alone = risk[i]?.body as Body
      const { data } = batched.body as Body
      expect(data.proof.length).toBeGreaterThan(0)
      expect(data.signature).not.toBe(alone.data.signature)
      expect({ ...data, signature: '', proof: [] }).toEqual({
        ...alone.data,
        signature: '',
        proof: [],
      })
    })
  })
})

describe('tabular-inference.js (risk-v1)', () => {
  it('three honest signed adapters: the result, responded 3, agreed 3, one request each', async () => {
    const outcome = await run('tabular', riskArgs(2), entries([0, 1, 2], true))
    expectRiskResult(outcome, { responded: 3, agreed: 3 })
    for (const i of [0, 1, 2]) {
      const [request] = proxies[i]?.requests ?? []
      expect(proxies[i]?.requests).toHaveLength(1)
      expect(request?.headers['x-api-key']).toBe(apiKey(i))
      expect(request?.headers['content-type']).toBe('application/json')
      expect(JSON.parse(request?.body ?? '')).toEqual({
        id: JOB_RUN_ID,
        data: { features: FEATURES, model: 'risk-v1' },
      })
    }
  })

  it('one adapter down: responded 2, agreed 2', async () => {
    const list = [
      ...entries([0, 1], true),
      { url: await closedPortUrl(), signer: adapters[2]?.signer },
    ]
    const outcome = await run('tabular', riskArgs(2), list)
    expectRiskResult(outcome, { responded: 2, agreed: 2 })
    expect(outcome.log).toMatch(/adapter 2: request failed/)
  })

  it('one adapter closing the connection mid-request: responded 2, agreed 2', async () => {
    ;(proxies[0] as FaultProxy).mode = { kind: 'drop' }
    const outcome = await run('tabular', riskArgs(2), entries([0, 1, 2], true))
    expectRiskResult(outcome, { responded: 2, agreed: 2 })
    expect(outcome.log).toMatch(/adapter 0: request failed/)
    expect(proxies[0]?.requests).toHaveLength(1)
  })

  it('one adapter slower than the timeout: dropped, and the run stays inside 10 s', async () => {
    ;(proxies[1] as FaultProxy).mode = { kind: 'delay', ms: SLOW_MS }
    const outcome = await run('tabular', riskArgs(2), entries([0, 1, 2], true))
    expectRiskResult(outcome, { responded: 2, agreed: 2 })
    expect(outcome.log).toMatch(/adapter 1: request failed/)
    expect(outcome.durationMs).toBeLessThan(SLOW_MS)
  })

  it('one adapter lying (no signers configured): responded 3, agreed 2, the honest result', async () => {
    ;(proxies[2] as FaultProxy).mode = { kind: 'lie', result: '1' }
    const outcome = await run('tabular', riskArgs(2), entries([0, 1, 2], false))
    expectRiskResult(outcome, { responded: 3, agreed: 2 })
  })

  it('one adapter on a different model version: dropped by model hash', async () => {
    const list = entries([0, 1, OPERATOR_COUNT], true)
    const outcome = await run('tabular', riskArgs(2), list)
    expectRiskResult(outcome, { responded: 2, agreed: 2 })
    expect(outcome.log).toMatch(/adapter 2: different model hash/)
  })

  it('two of three lying differently: an error, never a wrong result', async () => {
    ;(proxies[0] as FaultProxy).mode = { kind: 'lie', result: '1' }
    ;(proxies[1] as FaultProxy).mode = { kind: 'lie', result: '999999' }
    const outcome = await run('tabular', riskArgs(2), entries([0, 1, 2], false))
    expectError(outcome, /quorum not met: 1 of 3 adapters agree, threshold 2 \(3 valid\)/)
  })

  it('two of three altered in transit to the same value: signatures catch it, an error', async () => {
    ;(proxies[0] as FaultProxy).mode = { kind: 'lie', result: '1' }
    ;(proxies[1] as FaultProxy).mode = { kind: 'lie', result: '1' }
    const outcome = await run('tabular', riskArgs(2), entries([0, 1, 2], true))
    expectError(outcome, /quorum not met: 1 of 3 adapters agree, threshold 2 \(1 valid\)/)
    expect(outcome.log).toMatch(/adapter 0: signature does not recover/)
  })

  it('a wrong signer configured: that answer is dropped', async () => {
    const list = entries([0, 1, 2, 3], true)
    ;(list[0] as Entry).signer = new Wallet(operatorKey(7)).address
    const outcome = await run('tabular', riskArgs(3), list)
    expectRiskResult(outcome, { responded: 3, agreed: 3 })
    expect(outcome.log).toMatch(/adapter 0: signature does not recover/)
  })

  it('three honest adapters that signed their answers in Merkle batches: responded 3, agreed 3', async () => {
    for (const i of [0, 1, 2]) {
      ;(proxies[i] as FaultProxy).mode = { kind: 'batched', companions: COMPANIONS }
    }
    const outcome = await run('tabular', riskArgs(2), entries([0, 1, 2], true))
    expectRiskResult(outcome, { responded: 3, agreed: 3 })
    expect(outcome.log).not.toMatch(/signature does not recover/)
  })

  it('a batch-signed answer altered in transit: its proof no longer verifies, dropped', async () => {
    ;(proxies[0] as FaultProxy).mode = { kind: 'batched', companions: COMPANIONS, lie: '1' }
    ;(proxies[1] as FaultProxy).mode = { kind: 'batched', companions: COMPANIONS }
    const outcome = await run('tabular', riskArgs(2), entries([0, 1, 2], true))
    expectRiskResult(outcome, { responded: 2, agreed: 2 })
    expect(outcome.log).toMatch(/adapter 0: signature does not recover/)
  })

  it('a wrong API key: that answer is dropped with the HTTP status', async () => {
    const list = entries([0, 1, 2], true)
    ;(list[1] as Entry).apiKey = 'not-the-key'
    const outcome = await run('tabular', riskArgs(2), list)
    expectRiskResult(outcome, { responded: 2, agreed: 2 })
    expect(outcome.log).toMatch(/adapter 1: request failed \(401\)/)
  })

  it('five adapters, one on a different model: responded 4, agreed 4, exactly five requests', async () => {
    const outcome = await run('tabular', riskArgs(4), entries([0, 1, 2, 3, OPERATOR_COUNT], true))
    expectRiskResult(outcome, { responded: 4, agreed: 4 })
    expect(totalRequests()).toBe(5)
    for (const proxy of proxies) expect(proxy.requests).toHaveLength(1)
  })

  it('tolerance: an answer off by one agrees with tolerance 1', async () => {
    const offByOne = (BigInt(honestRisk.result) + 1n).toString()
    ;(proxies[2] as FaultProxy).mode = { kind: 'lie', result: offByOne }
    const outcome = await run('tabular', riskArgs(3, '1'), entries([0, 1, 2], false))
    expectRiskResult(outcome, { responded: 3, agreed: 3 })
  })

  it('an input hash that is not the hash of the features: refused before any request', async () => {
    const outcome = await run('tabular', riskArgs(2, '0', IMAGE_HASH), entries([0, 1, 2], true))
    expectError(outcome, /args\[2\] is not the sha256 of the canonical features/)
    expect(totalRequests()).toBe(0)
  })
})

describe('the quorum rule and the adapter list (issue 13.6), refused before any request', () => {
  it('a threshold that is not a strict majority of the adapters: 1 of 3, 2 of 4', async () => {
    const one = await run('tabular', riskArgs(1), entries([0, 1, 2], true))
    expectError(
      one,
      /^threshold 1 is not a strict majority of the 3 adapters \(needs at least 2\)$/,
    )
    const two = await run('tabular', riskArgs(2), entries([0, 1, 2, 3], true))
    expectError(two, /threshold 2 is not a strict majority of the 4 adapters \(needs at least 3\)/)
    expect(totalRequests()).toBe(0)
  })

  it('the same adapter URL twice (a trailing slash does not make it another adapter)', async () => {
    const list = entries([0, 1, 2], false)
    ;(list[2] as Entry).url = (proxies[0]?.url ?? '').replace(/\/$/, '')
    const outcome = await run('tabular', riskArgs(2), list)
    expectError(outcome, /secret ADAPTERS\[2\]\.url repeats ADAPTERS\[0\]\.url/)
    expect(totalRequests()).toBe(0)
  })

  it('one signer behind two URLs (one operator would count twice)', async () => {
    const list = entries([0, 1, 2], true)
    ;(list[1] as Entry).signer = adapters[0]?.signer ?? ''
    const outcome = await run('image', damageArgs(2), list)
    expectError(outcome, /secret ADAPTERS\[1\]\.signer repeats ADAPTERS\[0\]\.signer/)
    expect(totalRequests()).toBe(0)
  })

  it('an adapter without a signer: served, with a warning in the node log', async () => {
    const list = [...entries([0, 1], true), ...entries([2], false)]
    const outcome = await run('tabular', riskArgs(2), list)
    expectRiskResult(outcome, { responded: 3, agreed: 3 })
    expect(outcome.log).toMatch(/warning: ADAPTERS\[2\] has no signer/)
    expect(outcome.log).not.toMatch(/ADAPTERS\[[01]\] has no signer/)
  })
})

describe('image-inference.js (damage-v1)', () => {
  it('three honest signed adapters on a locally served photo: the result, agreed 3', async () => {
    const outcome = await run('image', damageArgs(2), entries([0, 1, 2], true))
    const value = decoded(outcome)
    expect(value.result).toBe(BigInt(honestDamage.result))
    expect(value.modelHash).toBe(DAMAGE.file.sha256)
    expect(value.inputHash).toBe(IMAGE_HASH)
    expect(value.responded).toBe(3)
    expect(value.agreed).toBe(3)
    expect(honestDamage.inputHash).toBe(IMAGE_HASH)
  })

  it('three honest adapters that signed their answers in Merkle batches: agreed 3', async () => {
    for (const i of [0, 1, 2]) {
      ;(proxies[i] as FaultProxy).mode = { kind: 'batched', companions: COMPANIONS }
    }
    const value = decoded(await run('image', damageArgs(2), entries([0, 1, 2], true)))
    expect(value.result).toBe(BigInt(honestDamage.result))
    expect([value.responded, value.agreed]).toEqual([3, 3])
  })

  it('an image whose bytes do not match args[2]: every adapter refuses, an error', async () => {
    const elsewhere = imageUrl.replace(IMAGE_FILE, 'other.png')
    imageServer.removeAllListeners('request')
    imageServer.on('request', (req, res) => {
      res.writeHead(200, { 'content-type': 'image/png' })
      res.end(req.url?.endsWith('other.png') ? Buffer.concat([IMAGE, Buffer.from([0])]) : IMAGE)
    })
    const outcome = await run('image', damageArgs(2, elsewhere), entries([0, 1, 2], true))
    expectError(outcome, /no valid answer from 3 adapters/)
    expect(totalRequests()).toBe(3)
  })
})

function runCli(cliArgs: string[], env: Record<string, string>): Promise<TsScriptResult> {
  return runTsScript('script/functions/cli.ts', cliArgs, { env, timeoutMs: 25_000 })
}

describe('npm run functions -- simulate (the CLI, offline: only loopback adapters)', () => {
  const tabular = ['simulate', 'tabular', '--model', 'risk-v1', '--features']

  it('prints the decoded result and exits 0', async () => {
    const adaptersJson = JSON.stringify(entries([0, 1, 2], true))
    const cli = await runCli([...tabular, JSON.stringify(FEATURES)], {
      FUNCTIONS_ADAPTERS: adaptersJson,
    })
    expect(cli.code).toBe(0)
    expect(JSON.parse(cli.stdout)).toMatchObject({
      ok: true,
      result: honestRisk.result,
      modelHash: RISK.file.sha256,
      inputHash: FEATURES_HASH,
      responded: 3,
      agreed: 3,
    })
    // The API keys travel in the environment and never show in the output.
    expect(cli.stdout + cli.stderr).not.toContain(apiKey(0))
  })

  const options: SimulateOptions = {
    model: 'risk-v1',
    threshold: 2,
    tolerance: 0n,
    features: JSON.stringify(FEATURES),
  }

  it('reports the source error with exit code 1 when the adapters do not agree', async () => {
    ;(proxies[0] as FaultProxy).mode = { kind: 'lie', result: '1' }
    ;(proxies[1] as FaultProxy).mode = { kind: 'lie', result: '2' }
    const { exitCode, report } = await simulateCommand('tabular', options, {
      FUNCTIONS_ADAPTERS: JSON.stringify(entries([0, 1, 2], false)),
    })
    expect(exitCode).toBe(1)
    expect(report).toMatchObject({ ok: false, error: expect.stringMatching(/quorum not met/) })
  })

  it('refuses a request it cannot build, before contacting any adapter', async () => {
    const env = { FUNCTIONS_ADAPTERS: JSON.stringify(entries([0], false)) }
    await expect(
      simulateCommand('tabular', { ...options, features: '{not json' }, env),
    ).rejects.toThrow(/--features is not valid JSON/)
    await expect(simulateCommand('video', options, env)).rejects.toThrow(/tabular" or "image/)
    await expect(simulateCommand('tabular', options, {})).rejects.toThrow(/FUNCTIONS_ADAPTERS/)
    await expect(simulateCommand('tabular', options, { FUNCTIONS_ADAPTERS: '[]' })).rejects.toThrow(
      /1 to 5 adapters/,
    )
    expect(totalRequests()).toBe(0)
  })
})
