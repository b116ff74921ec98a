/**
 * Decodes the bytes a Functions source returns (docs/protocol.md, "Functions result";
 * contracts/libraries/InferenceResult.sol): abi.encode(uint256 result, bytes32 modelHash,
 * bytes32 inputHash, uint8 responded, uint8 agreed, uint64 observedAt), 192 bytes.
 */
import { AbiCoder, getBytes } from 'ethers'

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

/** Length in bytes of an encoded result. */
export const INFERENCE_RESULT_BYTES = 192

export interface InferenceResult {
  result: bigint
  modelHash: string
  inputHash: string
  responded: number
  agreed: number
  observedAt: bigint
}

/** Thrown when bytes do not have the documented result layout. */
export class InferenceResultLayoutError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'InferenceResultLayoutError'
  }
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
  if (responded > MAX_UINT8 || agreed > responded || observedAt > MAX_UINT64) {
    throw new InferenceResultLayoutError(
      `fields out of range: responded ${responded}, agreed ${agreed}, observedAt ${observedAt}`,
    )
  }
  return {
    result,
    modelHash,
    inputHash,
    responded: Number(responded),
    agreed: Number(agreed),
    observedAt,
  }
}
