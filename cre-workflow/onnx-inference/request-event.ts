/**
 * The oracle's request event, as the EVM log trigger delivers it (DESIGN.md section 1;
 * IInferenceOracle):
 *
 *   event InferenceRequested(bytes32 indexed requestId, bytes32 indexed modelId,
 *     address indexed client, bytes32 modelHash, bytes32 inputHash, string input,
 *     uint8 threshold, uint32 tolerance)
 *
 * Decoded strictly: the log must come from the configured oracle, carry exactly the four topics of
 * this event, and its data must be the canonical ABI encoding of the five non-indexed values (it
 * is re-encoded and compared byte for byte, so dirty high bits, a wrong string offset or trailing
 * bytes are refused). No SDK import: the local CRE DON (Node.js) decodes with the same code.
 */
import {
  decodeEventLog,
  encodeAbiParameters,
  parseAbiItem,
  parseAbiParameters,
  toEventSelector,
  type Hex,
} from 'viem'

import { bytesToHex } from '../../don-core/inference-core'

export const INFERENCE_REQUESTED_EVENT = parseAbiItem(
  'event InferenceRequested(bytes32 indexed requestId, bytes32 indexed modelId, address indexed client, bytes32 modelHash, bytes32 inputHash, string input, uint8 threshold, uint32 tolerance)',
)

/** topics[0] of the event: keccak256 of its signature. */
export const INFERENCE_REQUESTED_TOPIC: Hex = toEventSelector(INFERENCE_REQUESTED_EVENT)

/** The non-indexed parameters, in order: the event's data. */
const DATA_PARAMETERS = parseAbiParameters(
  'bytes32 modelHash, bytes32 inputHash, string input, uint8 threshold, uint32 tolerance',
)
const TOPIC_BYTES = 32
const ADDRESS_BYTES = 20

/** The fields of the trigger's log the decoder reads (the SDK's EVMLog has them all). */
export interface RequestLog {
  address: Uint8Array
  topics: Uint8Array[]
  data: Uint8Array
  removed?: boolean
}

/** A decoded request: what the workflow asks the adapters and what its report must echo. */
export interface InferenceRequestedEvent {
  requestId: Hex
  /** bytes32 as on-chain. */
  modelId: Hex
  /** The same id as the adapters know it, e.g. "risk-v1". */
  modelName: string
  /** Lowercase address of the requesting client contract. */
  client: Hex
  modelHash: Hex
  inputHash: Hex
  /** JSON of the adapter input (the request `data` fields besides `model`). */
  input: string
  threshold: number
  tolerance: bigint
}

/** The trigger's log is not an InferenceRequested event of the configured oracle. */
export class TriggerLogError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TriggerLogError'
  }
}

/**
 * The model id of a bytes32 short string: printable ASCII, left-aligned, zero-padded
 * (docs/protocol.md, "Model id"). Anything else is refused.
 */
export function modelNameFromBytes32(word: Uint8Array): string {
  const length = word.indexOf(0) === -1 ? word.length : word.indexOf(0)
  if (length === 0 || length > 31) {
    throw new TriggerLogError('modelId must hold 1 to 31 characters')
  }
  let name = ''
  for (let i = 0; i < word.length; i++) {
    const byte = word[i] as number
    if (i >= length) {
      if (byte !== 0) throw new TriggerLogError('modelId is not zero-padded after its characters')
    } else if (byte < 0x20 || byte > 0x7e) {
      throw new TriggerLogError('modelId must be printable ASCII')
    } else {
      name += String.fromCharCode(byte)
    }
  }
  return name
}

/** Decodes and checks one trigger log; throws `TriggerLogError` for anything malformed. */
export function decodeInferenceRequested(
  log: RequestLog,
  oracleAddress: string,
): InferenceRequestedEvent {
  if (log.removed === true) throw new TriggerLogError('log was removed by a reorganisation')
  const emitter = bytesToHex(log.address)
  if (emitter !== oracleAddress.toLowerCase()) {
    throw new TriggerLogError(`log comes from ${emitter}, not the configured oracle`)
  }
  if (log.topics.length !== 4 || log.topics.some((topic) => topic.length !== TOPIC_BYTES)) {
    throw new TriggerLogError(`expected 4 topics of 32 bytes, got ${log.topics.length}`)
  }
  const [signature, requestId, modelId, clientTopic] = log.topics as [
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
  ]
  if (bytesToHex(signature) !== INFERENCE_REQUESTED_TOPIC) {
    throw new TriggerLogError('topics[0] is not the InferenceRequested event')
  }
  if (clientTopic.subarray(0, TOPIC_BYTES - ADDRESS_BYTES).some((byte) => byte !== 0)) {
    throw new TriggerLogError('client topic is not an address')
  }
  const data = bytesToHex(log.data) as Hex
  let args
  try {
    args = decodeEventLog({
      abi: [INFERENCE_REQUESTED_EVENT],
      data,
      topics: log.topics.map((topic) => bytesToHex(topic) as Hex) as [Hex, ...Hex[]],
      strict: true,
    }).args
  } catch (error) {
    throw new TriggerLogError(
      `malformed event data: ${error instanceof Error ? error.message.split('\n')[0] : 'undecodable'}`,
    )
  }
  const canonical = encodeAbiParameters(DATA_PARAMETERS, [
    args.modelHash,
    args.inputHash,
    args.input,
    args.threshold,
    args.tolerance,
  ])
  if (canonical !== data.toLowerCase()) {
    throw new TriggerLogError('event data is not the canonical ABI encoding')
  }
  return {
    requestId: bytesToHex(requestId) as Hex,
    modelId: bytesToHex(modelId) as Hex,
    modelName: modelNameFromBytes32(modelId),
    client: bytesToHex(clientTopic.subarray(TOPIC_BYTES - ADDRESS_BYTES)) as Hex,
    modelHash: args.modelHash.toLowerCase() as Hex,
    inputHash: args.inputHash.toLowerCase() as Hex,
    input: args.input,
    threshold: args.threshold,
    tolerance: BigInt(args.tolerance),
  }
}
