/**
 * Builds the `args` and `secrets` of an inference request (docs/protocol.md, "Chainlink Functions
 * request") from what a developer has at hand: a model id, the features or the image, the adapters.
 * The model hash defaults to the bundled manifest's; the input hash is computed as the adapters do
 * (sha256 of the JCS canonical features, or of the image bytes).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import {
  AdapterConfigError,
  InferenceRequestError,
  checkQuorumRule,
  parseAdapters,
} from '../../don-core/inference-core'
import { tabularInputHash } from '../../protocol/input-hash'
import { REPO_ROOT } from '../local/repo-root'

const HASH = /^0x[0-9a-fA-F]{64}$/

/** Thrown for a request that cannot be built; the message says which option is wrong. */
export class RequestArgsError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RequestArgsError'
  }
}

export interface CommonOptions {
  model: string
  /** Defaults to `file.sha256` of adapter/models/<model>/manifest.json. */
  modelHash?: string
  threshold: number
  tolerance: bigint
}

export interface AdapterEntry {
  url: string
  apiKey?: string
  signer?: string
}

/** The model hash of a bundled model, from its manifest. */
export function bundledModelHash(model: string): string {
  const path = join(REPO_ROOT, 'adapter', 'models', model, 'manifest.json')
  let manifest: { file?: { sha256?: unknown } }
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8')) as typeof manifest
  } catch {
    throw new RequestArgsError(`no bundled model "${model}": pass --model-hash`)
  }
  const hash = manifest.file?.sha256
  if (typeof hash !== 'string' || !HASH.test(hash)) {
    throw new RequestArgsError(`manifest of "${model}" has no file.sha256`)
  }
  return hash
}

function commonArgs(options: CommonOptions): { modelHash: string } {
  if (!Number.isInteger(options.threshold) || options.threshold < 1 || options.threshold > 5) {
    throw new RequestArgsError('--threshold must be an integer from 1 to 5')
  }
  if (options.tolerance < 0n) throw new RequestArgsError('--tolerance must not be negative')
  const modelHash = options.modelHash ?? bundledModelHash(options.model)
  if (!HASH.test(modelHash)) throw new RequestArgsError('--model-hash must be 0x + 64 hex')
  return { modelHash: modelHash.toLowerCase() }
}

/** args for tabular-inference.js; the input hash is the sha256 of the JCS of `features`. */
export function tabularArgs(options: CommonOptions & { features: unknown }): string[] {
  const { modelHash } = commonArgs(options)
  const features = options.features
  if (typeof features !== 'object' || features === null || Array.isArray(features)) {
    throw new RequestArgsError('--features must be a JSON object')
  }
  const inputHash = tabularInputHash(features)
  return [
    options.model,
    modelHash,
    inputHash,
    JSON.stringify({ features }),
    String(options.threshold),
    options.tolerance.toString(),
  ]
}

/** args for image-inference.js; the image hash comes from the bytes or is given. */
export function imageArgs(
  options: CommonOptions & { imageUrl: string; imageSha256: string },
): string[] {
  const { modelHash } = commonArgs(options)
  if (!HASH.test(options.imageSha256)) {
    throw new RequestArgsError('the image sha256 must be 0x + 64 hex')
  }
  const inputHash = options.imageSha256.toLowerCase()
  return [
    options.model,
    modelHash,
    inputHash,
    JSON.stringify({ image: { url: options.imageUrl, sha256: inputHash } }),
    String(options.threshold),
    options.tolerance.toString(),
  ]
}

/**
 * Parses and checks the ADAPTERS secret with the sources' own rules (don-core): 1 to 5 entries,
 * http(s) URLs, no duplicate URL or signer.
 */
export function parseAdaptersJson(text: string): AdapterEntry[] {
  try {
    parseAdapters(text)
  } catch (error) {
    if (error instanceof AdapterConfigError) {
      throw new RequestArgsError(error.message.replace(/^secret /, ''))
    }
    throw error
  }
  return JSON.parse(text) as AdapterEntry[]
}

/** Refuses a threshold the sources would refuse: not a strict majority of the adapters. */
export function checkThreshold(threshold: number, adapterCount: number): void {
  try {
    checkQuorumRule(threshold, adapterCount)
  } catch (error) {
    if (error instanceof InferenceRequestError) {
      throw new RequestArgsError(`--threshold: ${error.message}`)
    }
    throw error
  }
}
