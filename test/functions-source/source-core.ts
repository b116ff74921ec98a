/**
 * Loads the functions of a Functions source into Node, for unit tests of its pure parts (the
 * simulations in the other tests run the whole file in the toolkit's Deno sandbox).
 *
 * A source is the body of an async function: helper declarations, then one `return` at the end.
 * Everything before that last statement declares functions and constants only, so evaluating it
 * with the final `return` replaced by one that hands the functions out has no side effect.
 */
import { readFileSync } from 'node:fs'

export const SHARED_CORE_BEGIN = '// ---- shared core:'
export const SHARED_CORE_END = '// ---- end shared core ----'
export const FINAL_STATEMENT = 'return runInference(checkJobInput)'

/** Crypto functions as the source's `loadCrypto()` returns them (noble APIs). */
export interface SourceCrypto {
  secp256k1: unknown
  keccak256: (data: Uint8Array) => Uint8Array
  sha256: (data: Uint8Array) => Uint8Array
}

export interface ParsedRequest {
  modelId: string
  modelHash: string
  inputHash: string
  input: Record<string, unknown>
  threshold: number
  tolerance: bigint
}

export interface ParsedAdapter {
  url: string
  apiKey?: string
  signer?: string
}

export interface EncodableResult {
  result: bigint
  modelHash: string
  inputHash: string
  responded: number
  agreed: number
  observedAt: number | bigint
}

/** The functions a source declares (both sources declare the same names). */
export interface SourceFunctions {
  checkJobInput: (input: unknown, expectedInputHash: string, crypto: SourceCrypto) => void
  parseRequest: (args: unknown) => ParsedRequest
  parseAdapters: (secrets: unknown) => ParsedAdapter[]
  jobRunIdFor: (inputHash: string) => string
  inferenceDigest: (
    crypto: SourceCrypto,
    modelHash: string,
    inputHash: string,
    result: bigint,
    jobRunId: string,
  ) => Uint8Array
  recoverSigner: (
    crypto: SourceCrypto,
    digest: Uint8Array,
    signature: unknown,
  ) => string | undefined
  judgeAnswer: (
    crypto: SourceCrypto,
    request: ParsedRequest,
    adapter: ParsedAdapter,
    jobRunId: string,
    response: unknown,
  ) => { result?: bigint; reason?: string }
  aggregate: (results: bigint[], tolerance: bigint) => { median: bigint; agreed: number }
  encodeResult: (fields: EncodableResult) => Uint8Array
  constants: { ADAPTER_TIMEOUT_MS: number; MAX_ADAPTERS: number; NOBLE_IMPORTS: string[] }
}

/** The text between the shared-core markers, markers included. */
export function sharedCore(sourceText: string): string {
  const begin = sourceText.indexOf(SHARED_CORE_BEGIN)
  const end = sourceText.indexOf(SHARED_CORE_END)
  if (begin < 0 || end < begin) throw new Error('source has no shared-core markers')
  return sourceText.slice(begin, end + SHARED_CORE_END.length)
}

/** Evaluates a source's declarations and returns its functions. */
export function loadSourceFunctions(path: string): SourceFunctions {
  const text = readFileSync(path, 'utf8')
  const finalAt = text.lastIndexOf(FINAL_STATEMENT)
  if (finalAt < 0 || text.slice(finalAt + FINAL_STATEMENT.length).trim() !== '') {
    throw new Error(`${path} does not end with ${FINAL_STATEMENT}`)
  }
  const declarations = text.slice(0, finalAt)
  const exported = `return {
    checkJobInput, parseRequest, parseAdapters, jobRunIdFor, inferenceDigest, recoverSigner,
    judgeAnswer, aggregate, encodeResult,
    constants: { ADAPTER_TIMEOUT_MS, MAX_ADAPTERS, NOBLE_IMPORTS: [NOBLE_SECP256K1, NOBLE_SHA3, NOBLE_SHA256] },
  }`
  const factory = new Function('Functions', 'args', 'secrets', declarations + exported) as (
    ...params: unknown[]
  ) => SourceFunctions
  return factory(undefined, undefined, undefined)
}
