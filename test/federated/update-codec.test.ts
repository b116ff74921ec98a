import { keccak256 } from 'ethers'

import { MAX_ABS_VALUE, ONE } from '../../federated/fixed-point'
import { layoutHash, parameterCount, RISK_MLP_LAYOUT } from '../../federated/layout'
import { UpdateRejectedError, type RejectReason } from '../../federated/reasons'
import {
  contentHash,
  decodeRevealedUpdate,
  decodeVector,
  encodeModel,
  encodeUpdate,
  encodeVector,
  HEADER_BYTES,
  valuesHash,
} from '../../federated/update-codec'

const TASK = `0x${'ab'.repeat(32)}`
const ALICE = `0x${'11'.repeat(20)}`
const BOB = `0x${'22'.repeat(20)}`
const LAYOUT = RISK_MLP_LAYOUT
const COUNT = parameterCount(LAYOUT)
const EXPECTED = { taskId: TASK, round: 3, participant: ALICE, layout: LAYOUT }

function update(seed = 1): Float64Array {
  return Float64Array.from({ length: COUNT }, (_, i) => Math.sin(seed * 1000 + i) * 0.5)
}

function rejection(fn: () => unknown): RejectReason {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(UpdateRejectedError)
    return (err as UpdateRejectedError).reason
  }
  throw new Error('expected a rejection')
}

describe('update encoding', () => {
  it('round-trips an update as Q16 values under a 100-byte header', () => {
    const u = update()
    const bytes = encodeUpdate({ taskId: TASK, round: 3, participant: ALICE, layout: LAYOUT }, u)
    expect(bytes.length).toBe(HEADER_BYTES + 4 * COUNT)
    expect(Buffer.from(bytes.subarray(0, 4)).toString('ascii')).toBe('OOFL')
    expect(`0x${Buffer.from(bytes.subarray(64, 96)).toString('hex')}`).toBe(layoutHash(LAYOUT))
    const values = decodeRevealedUpdate(bytes, contentHash(bytes), EXPECTED)
    values.forEach((v, i) =>
      expect(Math.abs(v / ONE - (u[i] as number))).toBeLessThanOrEqual(2 ** -17),
    )
    expect(contentHash(bytes)).toBe(keccak256(bytes))
  })

  it('gives the same values hash to the same values under two identities, not the same content hash', () => {
    const a = encodeUpdate({ taskId: TASK, round: 3, participant: ALICE, layout: LAYOUT }, update())
    const b = encodeUpdate({ taskId: TASK, round: 3, participant: BOB, layout: LAYOUT }, update())
    expect(contentHash(a)).not.toBe(contentHash(b))
    expect(valuesHash(a)).toBe(valuesHash(b))
  })

  it('refuses NaN and infinities when encoding, naming the coordinate', () => {
    for (const bad of [Number.NaN, Infinity, -Infinity]) {
      const u = update()
      u[17] = bad
      expect(rejection(() => encodeUpdate({ ...EXPECTED }, u))).toBe('nonFinite')
      expect(() => encodeUpdate({ ...EXPECTED }, u)).toThrow(/coordinate 17/)
    }
    const big = update()
    big[3] = 40
    expect(rejection(() => encodeUpdate({ ...EXPECTED }, big))).toBe('outOfRange')
  })

  describe('decoding refuses, with a reason', () => {
    const good = (): Buffer =>
      Buffer.from(
        encodeUpdate({ taskId: TASK, round: 3, participant: ALICE, layout: LAYOUT }, update()),
      )

    it.each([
      ['a truncated header', () => good().subarray(0, 50), 'malformed'],
      ['a bad magic', () => Buffer.concat([Buffer.from('XXXX'), good().subarray(4)]), 'malformed'],
      ['another format version', () => ((b) => (b.writeUInt8(2, 4), b))(good()), 'malformed'],
      [
        'a model where an update is due',
        () => Buffer.from(encodeModel(TASK, 3, LAYOUT, new Int32Array(COUNT))),
        'malformed',
      ],
      ['other fraction bits', () => ((b) => (b.writeUInt8(8, 6), b))(good()), 'malformed'],
      ['another task', () => ((b) => (b.writeUInt8(0xcd, 8), b))(good()), 'wrongBinding'],
      ['another round', () => ((b) => (b.writeUInt32BE(4, 40), b))(good()), 'wrongBinding'],
      ['another participant', () => ((b) => (b.writeUInt8(0x99, 50), b))(good()), 'wrongBinding'],
      ['another model shape', () => ((b) => (b.writeUInt8(0, 64), b))(good()), 'wrongShape'],
      [
        'a wrong parameter count',
        () => ((b) => (b.writeUInt32BE(COUNT - 1, 96), b))(good()),
        'wrongShape',
      ],
      ['missing values', () => good().subarray(0, HEADER_BYTES + 4 * COUNT - 4), 'wrongSize'],
      ['trailing bytes', () => Buffer.concat([good(), Buffer.alloc(4)]), 'wrongSize'],
      [
        'a value beyond +-16',
        () => ((b) => (b.writeInt32LE(MAX_ABS_VALUE + 1, HEADER_BYTES + 8), b))(good()),
        'outOfRange',
      ],
      [
        'the smallest int32',
        () => ((b) => (b.writeInt32LE(-(2 ** 31), HEADER_BYTES), b))(good()),
        'outOfRange',
      ],
    ] as const)('%s', (_name, make, reason) => {
      expect(rejection(() => decodeVector(make(), { ...EXPECTED, kind: 'update' }))).toBe(reason)
    })

    it('bytes that do not hash to the revealed hash', () => {
      const bytes = good()
      const revealed = contentHash(bytes)
      bytes.writeInt32LE(1, HEADER_BYTES) // tampered after the reveal
      expect(rejection(() => decodeRevealedUpdate(bytes, revealed, EXPECTED))).toBe('hashMismatch')
    })
  })

  it('refuses to encode values of the wrong count or beyond the range', () => {
    expect(rejection(() => encodeVector({ ...EXPECTED, kind: 'update' }, new Int32Array(3)))).toBe(
      'wrongShape',
    )
    const v = new Int32Array(COUNT)
    v[0] = MAX_ABS_VALUE + 1
    expect(rejection(() => encodeVector({ ...EXPECTED, kind: 'update' }, v))).toBe('outOfRange')
    expect(() =>
      encodeVector({ ...EXPECTED, kind: 'update', taskId: '0x12' }, new Int32Array(COUNT)),
    ).toThrow(TypeError)
  })
})
