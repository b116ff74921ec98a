/**
 * The wire format of updates and models: a fixed 100-byte header binding the values to a task, a
 * round (or model version), a participant and a model shape, then the values as Q16 int32
 * little-endian. The content hash is keccak256 of all the bytes (what a participant commits to and
 * reveals on-chain); the values hash covers the values only (equal values from two identities are
 * Sybils or copies, whatever their headers say).
 *
 * ```
 * offset size
 *      0    4  magic "OOFL"
 *      4    1  format version (1)
 *      5    1  kind: 1 = update (a delta to the round's base model), 2 = model (the weights)
 *      6    1  fraction bits (16)
 *      7    1  reserved (0)
 *      8   32  task id
 *     40    4  round (update) or model version (model), uint32 big-endian
 *     44   20  participant address (zero for a model)
 *     64   32  layout hash (layout.ts)
 *     96    4  parameter count, uint32 big-endian
 *    100  4*n  values, int32 little-endian, Q16
 * ```
 *
 * Decoding checks every field against what the round expects and every value against the range,
 * and throws UpdateRejectedError with the reason the report will carry. Floats become values only
 * through `encodeUpdate`, which refuses NaN and infinities.
 */
import { keccak256 } from 'ethers'

import { FRACTION_BITS, FixedPointError, MAX_ABS_VALUE, toFixed } from './fixed-point'
import { layoutHash, parameterCount, type MlpLayout } from './layout'
import { UpdateRejectedError } from './reasons'

const MAGIC = Buffer.from('OOFL', 'ascii')
export const FORMAT_VERSION = 1
export const HEADER_BYTES = 100
const KIND = { update: 1, model: 2 } as const
export const ZERO_ADDRESS = `0x${'0'.repeat(40)}`

const BYTES32 = /^0x[0-9a-f]{64}$/
const ADDRESS = /^0x[0-9a-f]{40}$/

export interface VectorHeader {
  kind: keyof typeof KIND
  /** bytes32, 0x + 64 lowercase hex. */
  taskId: string
  /** The round of an update, the version (rounds applied) of a model. */
  round: number
  /** 0x + 40 lowercase hex; ZERO_ADDRESS for a model. */
  participant: string
  layout: MlpLayout
}

function checkHeaderFields(h: VectorHeader): void {
  if (!BYTES32.test(h.taskId)) throw new TypeError(`taskId must be 0x + 64 lowercase hex`)
  if (!ADDRESS.test(h.participant)) throw new TypeError(`participant must be 0x + 40 lowercase hex`)
  if (!Number.isInteger(h.round) || h.round < 0 || h.round > 0xffffffff) {
    throw new TypeError(`round must be a uint32, got ${h.round}`)
  }
}

/** Encodes Q16 values under `header`; every value must be within the protocol's range. */
export function encodeVector(header: VectorHeader, values: Int32Array): Uint8Array {
  checkHeaderFields(header)
  const count = parameterCount(header.layout)
  if (values.length !== count) {
    throw new UpdateRejectedError(
      'wrongShape',
      `expected ${count} values for the layout, got ${values.length}`,
    )
  }
  const out = Buffer.alloc(HEADER_BYTES + 4 * count)
  MAGIC.copy(out, 0)
  out.writeUInt8(FORMAT_VERSION, 4)
  out.writeUInt8(KIND[header.kind], 5)
  out.writeUInt8(FRACTION_BITS, 6)
  Buffer.from(header.taskId.slice(2), 'hex').copy(out, 8)
  out.writeUInt32BE(header.round, 40)
  Buffer.from(header.participant.slice(2), 'hex').copy(out, 44)
  Buffer.from(layoutHash(header.layout).slice(2), 'hex').copy(out, 64)
  out.writeUInt32BE(count, 96)
  values.forEach((v, i) => {
    if (Math.abs(v) > MAX_ABS_VALUE) {
      throw new UpdateRejectedError('outOfRange', `value ${i} (${v}) is beyond +-${MAX_ABS_VALUE}`)
    }
    out.writeInt32LE(v, HEADER_BYTES + 4 * i)
  })
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength)
}

/**
 * Encodes a float update (a client's clipped, noised delta) for a round: each coordinate to Q16,
 * half to even. NaN or an infinity is refused (`nonFinite`), as is a coordinate beyond +-16.
 */
export function encodeUpdate(
  header: Omit<VectorHeader, 'kind'>,
  update: ArrayLike<number>,
): Uint8Array {
  const values = new Int32Array(update.length)
  for (let i = 0; i < update.length; i++) {
    try {
      values[i] = toFixed(update[i] as number)
    } catch (err) {
      if (!(err instanceof FixedPointError)) throw err
      throw new UpdateRejectedError(
        err.reason === 'non-finite' ? 'nonFinite' : 'outOfRange',
        `update coordinate ${i}: ${err.message}`,
      )
    }
  }
  return encodeVector({ ...header, kind: 'update' }, values)
}

/** keccak256 of the encoded bytes: what a participant commits to and reveals. */
export function contentHash(bytes: Uint8Array): string {
  return keccak256(bytes)
}

/** keccak256 of the values part only (the same values under two identities hash the same). */
export function valuesHash(bytes: Uint8Array): string {
  return keccak256(bytes.subarray(HEADER_BYTES))
}

/** What the round expects of an update; decoding compares the header with it. */
export interface ExpectedVector {
  kind: VectorHeader['kind']
  taskId: string
  round: number
  participant: string
  layout: MlpLayout
}

/** Decodes and checks an encoded vector; throws UpdateRejectedError with the reason. */
export function decodeVector(bytes: Uint8Array, expected: ExpectedVector): Int32Array {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (buf.length < HEADER_BYTES) {
    throw new UpdateRejectedError(
      'malformed',
      `${buf.length} bytes is shorter than the ${HEADER_BYTES}-byte header`,
    )
  }
  if (!buf.subarray(0, 4).equals(MAGIC)) throw new UpdateRejectedError('malformed', 'bad magic')
  const version = buf.readUInt8(4)
  if (version !== FORMAT_VERSION) {
    throw new UpdateRejectedError('malformed', `format version ${version}, expected 1`)
  }
  const kind = buf.readUInt8(5)
  if (kind !== KIND[expected.kind]) {
    throw new UpdateRejectedError('malformed', `kind ${kind}, expected ${KIND[expected.kind]}`)
  }
  const bits = buf.readUInt8(6)
  if (bits !== FRACTION_BITS || buf.readUInt8(7) !== 0) {
    throw new UpdateRejectedError('malformed', `fraction bits ${bits}, expected ${FRACTION_BITS}`)
  }
  const taskId = `0x${buf.subarray(8, 40).toString('hex')}`
  if (taskId !== expected.taskId) {
    throw new UpdateRejectedError('wrongBinding', `task ${taskId}, expected ${expected.taskId}`)
  }
  const round = buf.readUInt32BE(40)
  if (round !== expected.round) {
    throw new UpdateRejectedError('wrongBinding', `round ${round}, expected ${expected.round}`)
  }
  const participant = `0x${buf.subarray(44, 64).toString('hex')}`
  if (participant !== expected.participant) {
    throw new UpdateRejectedError(
      'wrongBinding',
      `participant ${participant}, expected ${expected.participant}`,
    )
  }
  const layout = `0x${buf.subarray(64, 96).toString('hex')}`
  if (layout !== layoutHash(expected.layout)) {
    throw new UpdateRejectedError('wrongShape', `layout ${layout} is not the task's model shape`)
  }
  const count = buf.readUInt32BE(96)
  const want = parameterCount(expected.layout)
  if (count !== want) {
    throw new UpdateRejectedError('wrongShape', `${count} parameters, the layout has ${want}`)
  }
  if (buf.length !== HEADER_BYTES + 4 * count) {
    throw new UpdateRejectedError(
      'wrongSize',
      `${buf.length} bytes, expected ${HEADER_BYTES + 4 * count} for ${count} values`,
    )
  }
  const values = new Int32Array(count)
  for (let i = 0; i < count; i++) {
    const v = buf.readInt32LE(HEADER_BYTES + 4 * i)
    if (Math.abs(v) > MAX_ABS_VALUE) {
      throw new UpdateRejectedError('outOfRange', `value ${i} (${v}) is beyond +-${MAX_ABS_VALUE}`)
    }
    values[i] = v
  }
  return values
}

/** Decodes a revealed update after checking it against its revealed content hash. */
export function decodeRevealedUpdate(
  bytes: Uint8Array,
  revealedHash: string,
  expected: Omit<ExpectedVector, 'kind'>,
): Int32Array {
  const actual = contentHash(bytes)
  if (actual !== revealedHash.toLowerCase()) {
    throw new UpdateRejectedError(
      'hashMismatch',
      `bytes hash to ${actual}, the participant revealed ${revealedHash}`,
    )
  }
  return decodeVector(bytes, { ...expected, kind: 'update' })
}

/** Encodes a model (the weights after `version` rounds) of a task. */
export function encodeModel(
  taskId: string,
  version: number,
  layout: MlpLayout,
  values: Int32Array,
): Uint8Array {
  return encodeVector(
    { kind: 'model', taskId, round: version, participant: ZERO_ADDRESS, layout },
    values,
  )
}
