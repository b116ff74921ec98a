import { decodeAllSync } from 'cbor'

import { RequestDecodeError } from './errors'

/** `FunctionsRequest.Location` in Chainlink's contracts. */
export enum Location {
  Inline = 0,
  Remote = 1,
  DONHosted = 2,
}

/** `FunctionsRequest.CodeLanguage`: only JavaScript exists. */
export const CODE_LANGUAGE_JAVASCRIPT = 0

/** Where a request's secrets are, as a DON node learns it from the request. */
export type SecretsReference =
  | { location: Location.DONHosted; slotId: number; version: bigint }
  | { location: Location.Remote; encryptedUrls: string }

/** A Functions request as a DON node reads it from the `OracleRequest` event's `data`. */
export interface FunctionsRequestData {
  codeLocation: Location
  language: number
  source: string
  args: string[]
  bytesArgs: string[]
  secrets: SecretsReference | undefined
}

function asInteger(value: unknown, field: string): bigint {
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value)
  if (typeof value === 'bigint') return value
  throw new RequestDecodeError(`${field} must be an integer, got ${typeof value}`)
}

function asBytes(value: unknown, field: string): Buffer {
  if (Buffer.isBuffer(value)) return value
  throw new RequestDecodeError(`${field} must be a byte string`)
}

function decodeSequence(bytes: Buffer, what: string): unknown[] {
  try {
    return decodeAllSync(bytes)
  } catch (err) {
    throw new RequestDecodeError(`${what} is not valid CBOR`, { cause: err })
  }
}

/**
 * Reads the key/value pairs that `FunctionsRequest.encodeCBOR` writes (a flat CBOR sequence of
 * key string, value, ...) into a map; unknown keys are kept and ignored, as a DON node does.
 */
function readPairs(items: unknown[], what: string): Map<string, unknown> {
  if (items.length % 2 !== 0) throw new RequestDecodeError(`${what} has an odd number of items`)
  const pairs = new Map<string, unknown>()
  for (let i = 0; i < items.length; i += 2) {
    const key = items[i]
    if (typeof key !== 'string')
      throw new RequestDecodeError(`${what} key ${i / 2} is not a string`)
    pairs.set(key, items[i + 1])
  }
  return pairs
}

function decodeSecretsReference(location: bigint, bytes: Buffer): SecretsReference {
  if (location === BigInt(Location.DONHosted)) {
    const ref = readPairs(
      decodeSequence(bytes, 'DON-hosted secrets reference'),
      'secrets reference',
    )
    const slotId = asInteger(ref.get('slotID'), 'secrets slotID')
    const version = asInteger(ref.get('version'), 'secrets version')
    return { location: Location.DONHosted, slotId: Number(slotId), version }
  }
  if (location === BigInt(Location.Remote)) {
    return { location: Location.Remote, encryptedUrls: `0x${bytes.toString('hex')}` }
  }
  throw new RequestDecodeError(`unsupported secretsLocation ${location}`)
}

/** Decodes the CBOR `data` of an `OracleRequest` event (hex string) into a typed request. */
export function decodeRequestData(dataHex: string): FunctionsRequestData {
  if (!/^0x([0-9a-fA-F]{2})+$/.test(dataHex)) {
    throw new RequestDecodeError('request data must be non-empty 0x-prefixed hex')
  }
  const pairs = readPairs(
    decodeSequence(Buffer.from(dataHex.slice(2), 'hex'), 'request data'),
    'request data',
  )

  const codeLocation = asInteger(pairs.get('codeLocation'), 'codeLocation')
  const language = asInteger(pairs.get('language'), 'language')
  const source = pairs.get('source')
  if (typeof source !== 'string' || source.length === 0) {
    throw new RequestDecodeError('source must be a non-empty string')
  }

  const rawArgs = pairs.get('args') ?? []
  if (!Array.isArray(rawArgs) || !rawArgs.every((a): a is string => typeof a === 'string')) {
    throw new RequestDecodeError('args must be an array of strings')
  }
  const rawBytesArgs = pairs.get('bytesArgs') ?? []
  if (!Array.isArray(rawBytesArgs)) throw new RequestDecodeError('bytesArgs must be an array')
  const bytesArgs = rawBytesArgs.map((b, i) => `0x${asBytes(b, `bytesArgs[${i}]`).toString('hex')}`)

  let secrets: SecretsReference | undefined
  if (pairs.has('secrets')) {
    const location = asInteger(pairs.get('secretsLocation'), 'secretsLocation')
    secrets = decodeSecretsReference(location, asBytes(pairs.get('secrets'), 'secrets'))
  }

  return {
    codeLocation: Number(codeLocation) as Location,
    language: Number(language),
    source,
    args: rawArgs,
    bytesArgs,
    secrets,
  }
}
