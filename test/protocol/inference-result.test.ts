/*
 * The 192-byte InferenceResult and the 320-byte CRE payload: the shared vectors (also read by the
 * contracts' and sources' tests), round trips, and every range the on-chain decoder refuses.
 */
import { getAddress, hexlify, randomBytes, zeroPadValue } from 'ethers'
import fc from 'fast-check'

import {
  CRE_PAYLOAD_BYTES,
  decodeCrePayload,
  encodeCrePayload,
  type CrePayload,
} from '../../protocol/cre-payload'
import {
  INFERENCE_RESULT_BYTES,
  InferenceResultLayoutError,
  decodeInferenceResult,
  encodeInferenceResult,
  type InferenceResult,
} from '../../protocol/inference-result'
import { RESULT_LAYOUT_VECTORS as VECTORS, vectorFields } from '../vectors/result-layout'

const word = (n: bigint): string => n.toString(16).padStart(64, '0')

/** Replaces the ABI word at `index` of 0x-hex `encoded`. */
function withWord(encoded: string, index: number, value: bigint): string {
  const start = 2 + index * 64
  return encoded.slice(0, start) + word(value) + encoded.slice(start + 64)
}

const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => hexlify(b))
const counts = fc
  .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }))
  .map(([a, b]) => (a >= b ? { responded: a, agreed: b } : { responded: b, agreed: a }))
const resultArb: fc.Arbitrary<InferenceResult> = fc
  .record({
    result: fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
    modelHash: bytes32,
    inputHash: bytes32,
    counts,
    observedAt: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  })
  .map(({ counts: c, ...r }) => ({ ...r, ...c }))

describe('InferenceResult layout (192 bytes)', () => {
  it.each(VECTORS.map((v) => [v.name, v] as const))('matches the shared vector: %s', (_, v) => {
    const fields: InferenceResult = vectorFields(v)
    expect(encodeInferenceResult(fields)).toBe(v.encoded)
    expect(decodeInferenceResult(v.encoded)).toEqual(fields)
  })

  it('round-trips any in-range result, 192 bytes, result first as a big-endian word', () => {
    fc.assert(
      fc.property(resultArb, (r) => {
        const encoded = encodeInferenceResult(r)
        expect((encoded.length - 2) / 2).toBe(INFERENCE_RESULT_BYTES)
        expect(encoded.slice(2, 66)).toBe(word(r.result))
        expect(decodeInferenceResult(encoded)).toEqual(r)
      }),
    )
  })

  it('refuses other lengths and out-of-range counts or time', () => {
    const good = VECTORS[0]?.encoded ?? ''
    expect(() => decodeInferenceResult(good.slice(0, -2))).toThrow(InferenceResultLayoutError)
    expect(() => decodeInferenceResult(good + '00')).toThrow(InferenceResultLayoutError)
    expect(() => decodeInferenceResult(withWord(good, 3, 256n))).toThrow(/out of range/)
    expect(() => decodeInferenceResult(withWord(withWord(good, 3, 2n), 4, 3n))).toThrow(
      /out of range/,
    )
    expect(() => decodeInferenceResult(withWord(good, 5, 1n << 64n))).toThrow(/out of range/)
    const base = decodeInferenceResult(good)
    expect(() => encodeInferenceResult({ ...base, responded: 2, agreed: 3 })).toThrow(
      InferenceResultLayoutError,
    )
    expect(() => encodeInferenceResult({ ...base, result: -1n })).toThrow(
      InferenceResultLayoutError,
    )
  })
})

describe('CRE payload layout (320 bytes)', () => {
  const payloadArb: fc.Arbitrary<CrePayload> = fc
    .record({
      result: resultArb,
      requestId: bytes32,
      client: fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => getAddress(hexlify(b))),
      modelId: bytes32,
      requestedInputHash: bytes32,
    })
    .map(({ result, ...head }) => ({ ...head, ...result }))

  it('round-trips: four request words, then the InferenceResult encoding', () => {
    fc.assert(
      fc.property(payloadArb, (p) => {
        const encoded = encodeCrePayload(p)
        expect((encoded.length - 2) / 2).toBe(CRE_PAYLOAD_BYTES)
        const words = [p.requestId, p.client, p.modelId, p.requestedInputHash].map((w) =>
          zeroPadValue(w.toLowerCase(), 32).slice(2),
        )
        expect(encoded).toBe(`0x${words.join('')}${encodeInferenceResult(p).slice(2)}`)
        expect(decodeCrePayload(encoded)).toEqual(p)
      }),
      { numRuns: 200 },
    )
  })

  it('carries a shared result vector unchanged in its last six words', () => {
    const vector = VECTORS[0]
    if (vector === undefined) throw new Error('no vector')
    const result = decodeInferenceResult(vector.encoded)
    const payload: CrePayload = {
      ...result,
      requestId: hexlify(randomBytes(32)),
      client: getAddress(hexlify(randomBytes(20))),
      modelId: zeroPadValue('0x01', 32),
      requestedInputHash: result.inputHash,
    }
    expect(encodeCrePayload(payload).slice(2 + 4 * 64)).toBe(vector.encoded.slice(2))
  })

  it('refuses other lengths, a client wider than an address and out-of-range counts', () => {
    const vector = VECTORS[0]
    if (vector === undefined) throw new Error('no vector')
    const good = encodeCrePayload({
      ...decodeInferenceResult(vector.encoded),
      requestId: zeroPadValue('0x02', 32),
      client: getAddress(`0x${'11'.repeat(20)}`),
      modelId: zeroPadValue('0x03', 32),
      requestedInputHash: zeroPadValue('0x04', 32),
    })
    expect(() => decodeCrePayload(good.slice(0, -64))).toThrow(InferenceResultLayoutError)
    expect(() => decodeCrePayload(withWord(good, 1, 1n << 160n))).toThrow(/out of range/)
    expect(() => decodeCrePayload(withWord(good, 7, 256n))).toThrow(/out of range/)
    expect(() => decodeCrePayload(withWord(withWord(good, 7, 1n), 8, 2n))).toThrow(/out of range/)
    expect(() => decodeCrePayload(withWord(good, 9, 1n << 64n))).toThrow(/out of range/)
  })
})
