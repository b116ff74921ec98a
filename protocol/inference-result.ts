/**
 * The inference result a DON delivers on-chain (docs/protocol.md, "Functions result";
 * contracts/libraries/InferenceResult.sol): abi.encode(uint256 result, bytes32 modelHash,
 * bytes32 inputHash, uint8 responded, uint8 agreed, uint64 observedAt), 192 bytes. The first word
 * is the result as a fixed-width big-endian integer, so the DON's byte-wise median across nodes
 * picks the node answer with the median result. Test vectors: test/vectors/result-layout.json.
 */
import { AbiCoder, getBytes } from 'ethers'

import type { ResultFields } from '../don-core/inference-core'

/** The declared types; the decoder reads the counts and the time as full words and range-checks
 * them, as InferenceResult.sol does (ethers would silently mask an over-wide uint8). */
export const INFERENCE_RESULT_TYPES = [
  'uint256',
  'bytes32',
  'bytes32',
  'uint8',
  'uint8',
  'uint64',
] as const

const WORD_TYPES = ['uint256', 'bytes32', 'bytes32', 'uint256', 'uint256', 'uint256']
const MAX_UINT8 = 0xffn
const MAX_UINT64 = (1n << 64n) - 1n
const MAX_UINT256 = (1n << 256n) - 1n

/** Length in bytes of an encoded result. */
export const INFERENCE_RESULT_BYTES = 192

/** The fields, as the DON-side core builds them (hashes `0x` + 64 hex, observedAt in seconds). */
export type InferenceResult = ResultFields

/** Thrown when bytes or fields do not have the documented result layout. */
export class InferenceResultLayoutError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'InferenceResultLayoutError'
  }
}

function checkRanges(result: bigint, responded: bigint, agreed: bigint, observedAt: bigint): void {
  if (
    result < 0n ||
    result > MAX_UINT256 ||
    responded < 0n ||
    responded > MAX_UINT8 ||
    agreed < 0n ||
    agreed > responded ||
    observedAt < 0n ||
    observedAt > MAX_UINT64
  ) {
    throw new InferenceResultLayoutError(
      `fields out of range: result ${result}, responded ${responded}, agreed ${agreed}, ` +
        `observedAt ${observedAt}`,
    )
  }
}

/** Encodes a result as 0x-hex of 192 bytes; throws InferenceResultLayoutError on a field out of range. */
export function encodeInferenceResult(r: InferenceResult): string {
  checkRanges(r.result, BigInt(r.responded), BigInt(r.agreed), r.observedAt)
  return AbiCoder.defaultAbiCoder().encode(
    [...INFERENCE_RESULT_TYPES],
    [r.result, r.modelHash, r.inputHash, r.responded, r.agreed, r.observedAt],
  )
}

/** Decodes 0x-hex result bytes; throws InferenceResultLayoutError on any other length or range. */
export function decodeInferenceResult(hex: string): InferenceResult {
  const bytes = getBytes(hex)
  if (bytes.length !== INFERENCE_RESULT_BYTES) {
    throw new InferenceResultLayoutError(
      `expected ${INFERENCE_RESULT_BYTES} bytes, got ${bytes.length}`,
    )
  }
  const [result, modelHash, inputHash, responded, agreed, observedAt] = AbiCoder.defaultAbiCoder()
    .decode(WORD_TYPES, bytes)
    .toArray() as [bigint, string, string, bigint, bigint, bigint]
  checkRanges(result, responded, agreed, observedAt)
  return {
    result,
    modelHash,
    inputHash,
    responded: Number(responded),
    agreed: Number(agreed),
    observedAt,
  }
}
