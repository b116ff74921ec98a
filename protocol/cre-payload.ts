/**
 * The CRE report payload (DESIGN.md section 1; what the workflow passes to `runtime.report` and
 * `CreInferenceOracle.onReport` receives as `report`): 10 ABI words, 320 bytes,
 *
 *   abi.encode(bytes32 requestId, address client, bytes32 modelId, bytes32 requestedInputHash,
 *              uint256 result, bytes32 modelHash, bytes32 inputHash, uint8 responded,
 *              uint8 agreed, uint64 observedAt)
 *
 * The first four words come from the `InferenceRequested` event (identical on every node); the last
 * six are the InferenceResult fields (protocol/inference-result.ts).
 */
import { AbiCoder, getAddress, getBytes } from 'ethers'

import { InferenceResultLayoutError, type InferenceResult } from './inference-result'

export const CRE_PAYLOAD_TYPES = [
  'bytes32',
  'address',
  'bytes32',
  'bytes32',
  'uint256',
  'bytes32',
  'bytes32',
  'uint8',
  'uint8',
  'uint64',
] as const

/** Length in bytes of an encoded payload. */
export const CRE_PAYLOAD_BYTES = 320

// Decoded as full words and range-checked, as the receiver does (ethers would mask over-wide values).
const WORD_TYPES = [
  'bytes32',
  'uint256',
  'bytes32',
  'bytes32',
  'uint256',
  'bytes32',
  'bytes32',
  'uint256',
  'uint256',
  'uint256',
]
const MAX_UINT8 = 0xffn
const MAX_UINT64 = (1n << 64n) - 1n
const MAX_UINT160 = (1n << 160n) - 1n

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

/** Encodes a payload as 0x-hex of 320 bytes. */
export function encodeCrePayload(p: CrePayload): string {
  if (p.agreed > p.responded) {
    throw new InferenceResultLayoutError(`agreed ${p.agreed} exceeds responded ${p.responded}`)
  }
  return AbiCoder.defaultAbiCoder().encode(
    [...CRE_PAYLOAD_TYPES],
    [
      p.requestId,
      p.client,
      p.modelId,
      p.requestedInputHash,
      p.result,
      p.modelHash,
      p.inputHash,
      p.responded,
      p.agreed,
      p.observedAt,
    ],
  )
}

/** Decodes 0x-hex payload bytes; throws InferenceResultLayoutError on any other length or range. */
export function decodeCrePayload(hex: string): CrePayload {
  const bytes = getBytes(hex)
  if (bytes.length !== CRE_PAYLOAD_BYTES) {
    throw new InferenceResultLayoutError(`expected ${CRE_PAYLOAD_BYTES} bytes, got ${bytes.length}`)
  }
  const [
    requestId,
    client,
    modelId,
    requestedInputHash,
    result,
    modelHash,
    inputHash,
    responded,
    agreed,
    observedAt,
  ] = AbiCoder.defaultAbiCoder().decode(WORD_TYPES, bytes).toArray() as [
    string,
    bigint,
    string,
    string,
    bigint,
    string,
    string,
    bigint,
    bigint,
    bigint,
  ]
  if (
    client > MAX_UINT160 ||
    responded > MAX_UINT8 ||
    agreed > responded ||
    observedAt > MAX_UINT64
  ) {
    throw new InferenceResultLayoutError(
      `fields out of range: client word ${client}, responded ${responded}, agreed ${agreed}, ` +
        `observedAt ${observedAt}`,
    )
  }
  return {
    requestId,
    client: getAddress(`0x${client.toString(16).padStart(40, '0')}`),
    modelId,
    requestedInputHash,
    result,
    modelHash,
    inputHash,
    responded: Number(responded),
    agreed: Number(agreed),
    observedAt,
  }
}
