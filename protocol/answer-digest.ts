/**
 * The operator signature's message (docs/protocol.md, "Operator signature"): EIP-712 over
 * `Inference(bytes32 modelHash,bytes32 inputHash,uint256 result,string jobRunId)` in the domain
 * `{ name: "onnx-oracle", version: "1" }` (no chainId, no verifyingContract). The domain separator
 * and type hash are computed once; each digest is one keccak256 over 160 bytes plus the keccak256
 * of the job run id. The adapter's signer (inline and in its worker threads) signs this digest.
 */
import { TypedDataEncoder, getBytes, keccak256, toUtf8Bytes } from 'ethers'

export const EIP712_DOMAIN = { name: 'onnx-oracle', version: '1' } as const

export const INFERENCE_TYPES = {
  Inference: [
    { name: 'modelHash', type: 'bytes32' },
    { name: 'inputHash', type: 'bytes32' },
    { name: 'result', type: 'uint256' },
    { name: 'jobRunId', type: 'string' },
  ],
}

export interface InferenceMessage {
  /** `0x` + 64 hex. */
  modelHash: string
  /** `0x` + 64 hex. */
  inputHash: string
  result: bigint
  jobRunId: string
}

/** Thrown for a result that is not a uint256 (it cannot be signed). */
export class Uint256RangeError extends RangeError {
  constructor(readonly value: bigint) {
    super(`result ${value} is not a uint256 and cannot be signed`)
    this.name = 'Uint256RangeError'
  }
}

/** `0x` + hex of the domain separator and of the `Inference` type hash. */
export const DOMAIN_SEPARATOR_HEX = TypedDataEncoder.hashDomain(EIP712_DOMAIN)
export const TYPE_HASH_HEX = keccak256(
  toUtf8Bytes(TypedDataEncoder.from(INFERENCE_TYPES).encodeType('Inference')),
)
const DOMAIN_SEPARATOR = getBytes(DOMAIN_SEPARATOR_HEX)
const TYPE_HASH = getBytes(TYPE_HASH_HEX)
const UINT256_MAX = (1n << 256n) - 1n

/** The result as 64 hex digits (a uint256 word); throws Uint256RangeError if it is not a uint256. */
export function uint256Hex(result: bigint): string {
  if (result < 0n || result > UINT256_MAX) throw new Uint256RangeError(result)
  return result.toString(16).padStart(64, '0')
}

/** The EIP-712 digest (`0x` + 64 hex) an operator signs for one answer. */
export function inferenceDigest(msg: InferenceMessage): string {
  const resultHex = uint256Hex(msg.result)
  const struct = Buffer.alloc(160)
  struct.set(TYPE_HASH, 0)
  struct.write(msg.modelHash.slice(2), 32, 'hex')
  struct.write(msg.inputHash.slice(2), 64, 'hex')
  struct.write(resultHex, 96, 'hex')
  struct.set(getBytes(keccak256(Buffer.from(msg.jobRunId, 'utf8'))), 128)
  const outer = Buffer.alloc(66)
  outer[0] = 0x19
  outer[1] = 0x01
  outer.set(DOMAIN_SEPARATOR, 2)
  outer.set(getBytes(keccak256(struct)), 34)
  return keccak256(outer)
}
