/**
 * The Chainlink Functions edge of the DON-side core: reads `args` and `secrets`, asks the adapters
 * with `Functions.makeHttpRequest`, loads the hash and signature code from pinned npm versions,
 * and hands everything else to don-core/inference-core.ts. Built into each generated source
 * (script/functions/build-sources.ts); the job entries (tabular.ts, image.ts) choose the input check.
 */
import {
  cryptoFromNoble,
  decideQuorum,
  encodeResult,
  judgeRound,
  parseAdapters,
  parseInferenceRequest,
  planRound,
  verdictLine,
  AdapterConfigError,
  type AdapterReply,
  type AdapterSet,
  type CoreCrypto,
  type InferenceRequest,
  type RequestLabels,
} from '../../don-core/inference-core'

/** What `Functions.makeHttpRequest` resolves to (functions-toolkit 0.3.2, axios underneath). */
export interface FunctionsHttpResponse {
  error?: boolean
  code?: string
  message?: string
  status?: number
  data?: unknown
}

interface FunctionsHttpRequest {
  url: string
  method: 'POST'
  headers: Record<string, string>
  data: unknown
  timeout: number
}

declare const Functions: {
  makeHttpRequest(request: FunctionsHttpRequest): Promise<FunctionsHttpResponse>
}
declare const args: unknown
declare const secrets: unknown

/** noble versions the sandbox imports (`npm:` specifiers); the unit tests load the same ones. */
export const NOBLE_SECP256K1 = 'npm:@noble/curves@1.2.0/secp256k1'
export const NOBLE_SHA3 = 'npm:@noble/hashes@1.3.2/sha3'
export const NOBLE_SHA256 = 'npm:@noble/hashes@1.3.2/sha256'
export const ARG_COUNT = 6
/** Per adapter; inside the 9 s per-request and 10 s per-execution Functions limits. */
export const ADAPTER_TIMEOUT_MS = 4000
/** The request-size limit the Functions simulator enforces (maxQueryRequestBytes). */
export const MAX_REQUEST_BODY_BYTES = 2048
export const JOB_RUN_ID_PREFIX = 'fn-'
export const ARG_LABELS: RequestLabels = {
  modelId: 'args[0]',
  modelHash: 'args[1]',
  inputHash: 'args[2]',
  input: 'args[3]',
  threshold: 'args[4]',
  tolerance: 'args[5]',
}

/** Loads noble from the pinned versions (the sandbox allows `npm:` imports, nothing else). */
export async function loadCrypto(): Promise<CoreCrypto> {
  const [curves, sha3, sha2] = await Promise.all([
    import(NOBLE_SECP256K1),
    import(NOBLE_SHA3),
    import(NOBLE_SHA256),
  ])
  return cryptoFromNoble({
    secp256k1: curves.secp256k1,
    keccak_256: sha3.keccak_256,
    sha256: sha2.sha256,
  })
}

/** Validates `args` (docs/protocol.md, "Chainlink Functions request"): six strings. */
export function parseArgs(rawArgs: unknown): InferenceRequest {
  if (!Array.isArray(rawArgs) || rawArgs.length !== ARG_COUNT) {
    throw Error(`expected ${ARG_COUNT} args, got ${Array.isArray(rawArgs) ? rawArgs.length : 0}`)
  }
  const [modelId, modelHash, inputHash, input, threshold, tolerance] = rawArgs
  return parseInferenceRequest(
    { modelId, modelHash, inputHash, input, threshold, tolerance },
    ARG_LABELS,
  )
}

/** The ADAPTERS secret from DON-hosted `secrets` (a string map). */
export function readAdapters(rawSecrets: unknown): AdapterSet {
  if (typeof rawSecrets !== 'object' || rawSecrets === null) {
    throw new AdapterConfigError('secret ADAPTERS is missing')
  }
  return parseAdapters((rawSecrets as Record<string, unknown>).ADAPTERS)
}

/** A `makeHttpRequest` outcome as the core judges it. */
export function toAdapterReply(response: FunctionsHttpResponse): AdapterReply {
  if (response.error) return { failed: response.code ?? 'no response or timeout' }
  return { body: response.data }
}

/** Runs one request end to end; `checkInput` is the job's input check. Returns 192 bytes. */
export async function runFunctionsInference(
  checkInput: (request: InferenceRequest, crypto: CoreCrypto) => void,
): Promise<Uint8Array> {
  const request = parseArgs(args)
  const { adapters, warnings } = readAdapters(secrets)
  for (const warning of warnings) console.log(`warning: ${warning}`)
  const plan = planRound(request, adapters, {
    jobRunIdPrefix: JOB_RUN_ID_PREFIX,
    maxBodyBytes: MAX_REQUEST_BODY_BYTES,
  })
  const crypto = await loadCrypto()
  checkInput(request, crypto)
  const responses = await Promise.all(
    plan.adapters.map((adapter, index) =>
      Functions.makeHttpRequest({
        url: adapter.url,
        method: 'POST',
        headers: plan.headers[index] ?? {},
        data: plan.body,
        timeout: ADAPTER_TIMEOUT_MS,
      }),
    ),
  )
  const verdicts = judgeRound(crypto, plan, responses.map(toAdapterReply))
  verdicts.forEach((verdict, index) => console.log(verdictLine(index, verdict)))
  const outcome = decideQuorum(request, plan.adapters.length, verdicts)
  return encodeResult({
    ...outcome,
    modelHash: request.modelHash,
    inputHash: request.inputHash,
    observedAt: BigInt(Math.floor(Date.now() / 1000)),
  })
}
