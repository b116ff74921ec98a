/**
 * The CRE report payload (DESIGN.md section 1; what the workflow passes to `runtime.report` and
 * `CreInferenceOracle.onReport` receives as `report`): 10 ABI words, 320 bytes,
 *
 *   abi.encode(bytes32 requestId, address client, bytes32 modelId, bytes32 requestedInputHash,
 *              uint256 result, bytes32 modelHash, bytes32 inputHash, uint8 responded,
 *              uint8 agreed, uint64 observedAt)
 *
 * The first four words come from the `InferenceRequested` event (identical on every node); the last
 * six are exactly the 192-byte InferenceResult (./inference-result.ts): every field is static, so
 * the ABI encoding is the head's four words followed by the result's six.
 */
import { AbiCoder, getAddress, getBytes, hexlify } from 'ethers'

import {
  INFERENCE_RESULT_BYTES,
  INFERENCE_RESULT_TYPES,
  InferenceResultLayoutError,
  decodeInferenceResult,
  encodeInferenceResult,
  type InferenceResult,
} from './inference-result'

/** The request's fields, from the `InferenceRequested` event. */
const HEAD_TYPES = ['bytes32', 'address', 'bytes32', 'bytes32'] as const
const HEAD_BYTES = 4 * 32
const MAX_ADDRESS = (1n << 160n) - 1n

export const CRE_PAYLOAD_TYPES = [...HEAD_TYPES, ...INFERENCE_RESULT_TYPES] as const

/** Length in bytes of an encoded payload. */
export const CRE_PAYLOAD_BYTES = HEAD_BYTES + INFERENCE_RESULT_BYTES

export interface CrePayload extends InferenceResult {
  /** `0x` + 64 hex. */
  requestId: string
  /** Checksummed address of the requesting client contract. */
  client: string
  /** bytes32 short string of the model id, `0x` + 64 hex. */
  modelId: string
  /** The input hash the request committed to, `0x` + 64 hex. */
  requestedInputHash: string
}

/** Encodes a payload as 0x-hex of 320 bytes; throws InferenceResultLayoutError on a bad field. */
export function encodeCrePayload(p: CrePayload): string {
  const head = AbiCoder.defaultAbiCoder().encode(
    [...HEAD_TYPES],
    [p.requestId, p.client, p.modelId, p.requestedInputHash],
  )
  return head + encodeInferenceResult(p).slice(2)
}

/** Decodes 0x-hex payload bytes; throws InferenceResultLayoutError on any other length or range. */
export function decodeCrePayload(hex: string): CrePayload {
  const bytes = getBytes(hex)
  if (bytes.length !== CRE_PAYLOAD_BYTES) {
    throw new InferenceResultLayoutError(`expected ${CRE_PAYLOAD_BYTES} bytes, got ${bytes.length}`)
  }
  // The address word is read whole and range-checked (ethers would mask a wider value).
  const [requestId, client, modelId, requestedInputHash] = AbiCoder.defaultAbiCoder()
    .decode(['bytes32', 'uint256', 'bytes32', 'bytes32'], bytes.subarray(0, HEAD_BYTES))
    .toArray() as [string, bigint, string, string]
  if (client > MAX_ADDRESS) {
    throw new InferenceResultLayoutError(`fields out of range: client word ${client}`)
  }
  return {
    requestId,
    client: getAddress(`0x${client.toString(16).padStart(40, '0')}`),
    modelId,
    requestedInputHash,
    ...decodeInferenceResult(hexlify(bytes.subarray(HEAD_BYTES))),
  }
}
