/**
 * Records the adapter answers the CRE workflow tests replay (adapter-answers.json): real adapter
 * processes (adapter/src/server.ts with the bundled ONNX models, their own EIP-712 signing code),
 * asked exactly what a workflow node asks them (don-core's request body, "cre-" job run ids).
 * The workflow tests run under bun with the SDK's HTTP mock, which answers synchronously and
 * cannot reach a process of its own; replaying recorded answers keeps them real.
 *
 *   node --import tsx test/cre-workflow/vectors/record-adapter-answers.ts
 *
 * The operator keys and API keys are those of test/functions-source/inference-simulation.test.ts,
 * whose adapters then re-ask every recorded request and require the same answer, signature
 * included (ONNX Runtime and RFC 6979 signing are deterministic): stale vectors fail there. The
 * batch-signed answers (`riskBatched`) depend on which requests shared the batch: there, all but
 * their signature and proof must match.
 */
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'

import { keccak256, toUtf8Bytes } from 'ethers'

import { jobRunIdFor, planRound, type InferenceRequest } from '../../../don-core/inference-core'
import {
  CRE_JOB_RUN_ID_PREFIX,
  CRE_MAX_REQUEST_BODY_BYTES,
} from '../../../cre-workflow/onnx-inference/node-round'
import { imageInputHash, tabularInputHash } from '../../../protocol/input-hash'
import { startAdapter, type LocalAdapter } from '../../../script/local/adapters'
import { REPO_ROOT } from '../../../script/local/repo-root'
import { writeUnapprovedVariant } from '../../../script/local/unapproved-model'
import { askInBatch, companionBodies } from '../../support/batched-answer'

import type { AdapterVectors, RecordedAnswer, RecordedRequest } from './adapter-vectors'

/** Shared with inference-simulation.test.ts, which re-asks these requests. */
export const operatorKey = (i: number): string =>
  keccak256(toUtf8Bytes(`onnx-oracle functions test operator ${i}`))
export const apiKey = (i: number): string => `functions-test-key-${i}`
/** Honest operators 0 to 3; operator 4 serves a re-serialised risk-v1 (another model hash). */
export const HONEST_OPERATORS = 4
export const OTHER_MODEL_OPERATOR = 4
export const OTHER_MODEL_NOTE = 'an unapproved retraining'
export const VECTORS_PATH = join(
  REPO_ROOT,
  'test',
  'cre-workflow',
  'vectors',
  'adapter-answers.json',
)
/**
 * The photo goes by ipfs:// through a stand-in gateway (adapters reach loopback only as their
 * IPFS_GATEWAY), so the recorded request names no port and is the same on every run.
 */
export const IMAGE_FOLDER_CID = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'

interface Manifest {
  id: string
  file: { sha256: string }
  inputs: { features?: { name: string; type: string; min: number; max: number }[] }
}

const manifest = (id: string) =>
  JSON.parse(
    readFileSync(join(REPO_ROOT, 'adapter', 'models', id, 'manifest.json'), 'utf8'),
  ) as Manifest

/** A valid feature row: each feature at `fraction` of its range. */
export function featuresAt(fraction: number): Record<string, number> {
  return Object.fromEntries(
    (manifest('risk-v1').inputs.features ?? []).map((f) => {
      const value = f.min + (f.max - f.min) * fraction
      return [f.name, f.type === 'integer' ? Math.round(value) : value]
    }),
  )
}

export const SAMPLE_IMAGE = 'moderate-0.png'

function request(
  modelId: string,
  inputHash: string,
  input: Record<string, unknown>,
): RecordedRequest {
  const parsed: InferenceRequest = {
    modelId,
    modelHash: manifest(modelId).file.sha256,
    inputHash,
    input,
    threshold: 1,
    tolerance: 0n,
  }
  const plan = planRound(parsed, [{ url: 'http://recorder.invalid/' }], {
    jobRunIdPrefix: CRE_JOB_RUN_ID_PREFIX,
    maxBodyBytes: CRE_MAX_REQUEST_BODY_BYTES,
  })
  expectEqual(plan.jobRunId, jobRunIdFor(CRE_JOB_RUN_ID_PREFIX, inputHash), 'job run id')
  return {
    modelId,
    modelHash: parsed.modelHash,
    inputHash,
    input,
    jobRunId: plan.jobRunId,
    body: plan.bodyText,
  }
}

function expectEqual(actual: unknown, expected: unknown, what: string): void {
  if (actual !== expected) throw new Error(`${what}: ${String(actual)} !== ${String(expected)}`)
}

/** The photo's URL: `ipfs://<IMAGE_FOLDER_CID>/<SAMPLE_IMAGE>`. */
export const IMAGE_URL = `ipfs://${IMAGE_FOLDER_CID}/${SAMPLE_IMAGE}`

/** The recorded requests (the photo by `imageUrl`). */
export function recordedRequests(imageUrl: string = IMAGE_URL): AdapterVectors['requests'] {
  const risk = featuresAt(0.25)
  const other = featuresAt(0.5)
  const image = readFileSync(
    join(REPO_ROOT, 'adapter', 'models', 'damage-v1', 'samples', SAMPLE_IMAGE),
  )
  const imageHash = imageInputHash(image)
  return {
    risk: request('risk-v1', tabularInputHash(risk), { features: risk }),
    riskOtherFeatures: request('risk-v1', tabularInputHash(other), { features: other }),
    damage: request('damage-v1', imageHash, { image: { url: imageUrl, sha256: imageHash } }),
  }
}

async function ask(
  adapter: LocalAdapter,
  operator: number,
  body: string,
  key = apiKey(operator),
): Promise<RecordedAnswer> {
  const response = await fetch(adapter.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body,
    signal: AbortSignal.timeout(30_000),
  })
  return { operator, status: response.status, body: await response.json() }
}

/** Companion requests that make an adapter sign the recorded request in a batch. */
export const BATCH_COMPANIONS = 7

async function askBatched(
  adapter: LocalAdapter,
  operator: number,
  body: string,
): Promise<RecordedAnswer> {
  const headers = { 'content-type': 'application/json', 'x-api-key': apiKey(operator) }
  const batched = await askInBatch(adapter.url, body, companionBodies(BATCH_COMPANIONS), headers)
  return { operator, status: batched.status, body: JSON.parse(batched.text) as unknown }
}

async function main(): Promise<void> {
  const samples = join(REPO_ROOT, 'adapter', 'models', 'damage-v1', 'samples')
  const image = readFileSync(join(samples, SAMPLE_IMAGE))
  if (!readdirSync(samples).includes(SAMPLE_IMAGE)) throw new Error('sample image missing')
  // A stand-in IPFS gateway serving the photo under any path.
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'image/png' })
    res.end(image)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const gateway = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const otherModel = writeUnapprovedVariant('risk-v1', OTHER_MODEL_NOTE)
  const adapters: LocalAdapter[] = []
  try {
    for (let i = 0; i <= OTHER_MODEL_OPERATOR; i++) {
      adapters.push(
        await startAdapter({
          name: `operator-${i}`,
          signerKey: operatorKey(i),
          env: { API_KEYS: apiKey(i), FETCH_ALLOWLIST: '127.0.0.1/32', IPFS_GATEWAY: gateway },
          ...(i === OTHER_MODEL_OPERATOR ? { modelDir: otherModel.modelDir } : {}),
        }),
      )
    }
    const requests = recordedRequests()
    const honest = adapters.slice(0, HONEST_OPERATORS)
    const vectors: AdapterVectors = {
      generatedBy: 'node --import tsx test/cre-workflow/vectors/record-adapter-answers.ts',
      signers: adapters.map((a) => (a.signer ?? '').toLowerCase()),
      apiKeys: adapters.map((_, i) => apiKey(i)),
      otherModelHash: otherModel.modelHash,
      requests,
      answers: {
        risk: await Promise.all(honest.map((a, i) => ask(a, i, requests.risk.body))),
        riskBatched: await Promise.all(
          honest.slice(0, 3).map((a, i) => askBatched(a, i, requests.risk.body)),
        ),
        riskOtherModel: await ask(
          adapters[OTHER_MODEL_OPERATOR] as LocalAdapter,
          OTHER_MODEL_OPERATOR,
          requests.risk.body,
        ),
        riskOtherFeatures: await ask(honest[0] as LocalAdapter, 0, requests.riskOtherFeatures.body),
        damage: await Promise.all(
          honest.slice(0, 3).map((a, i) => ask(a, i, requests.damage.body)),
        ),
        unauthorized: await ask(honest[0] as LocalAdapter, 0, requests.risk.body, 'not-the-key'),
      },
    }
    for (const answer of [
      ...vectors.answers.risk,
      ...vectors.answers.riskBatched,
      ...vectors.answers.damage,
    ]) {
      expectEqual(answer.status, 200, `operator ${answer.operator} status`)
    }
    expectEqual(vectors.answers.unauthorized.status, 401, 'wrong API key status')
    // Formatted as `npm run lint` (prettier --check) expects.
    const prettier = await import('prettier')
    const options = (await prettier.resolveConfig(VECTORS_PATH)) ?? {}
    writeFileSync(
      VECTORS_PATH,
      await prettier.format(JSON.stringify(vectors), { ...options, filepath: VECTORS_PATH }),
    )
    process.stdout.write(`wrote ${VECTORS_PATH}\n`)
  } finally {
    await Promise.all(adapters.map((a) => a.stop()))
    await new Promise<void>((resolve) => server.close(() => resolve()))
    rmSync(otherModel.modelDir, { recursive: true, force: true })
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    )
    process.exitCode = 1
  })
}
