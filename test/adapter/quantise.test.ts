import fc from 'fast-check'

import { quantise, roundHalfEven } from '../../adapter/src/inference/quantise'

describe('quantisation: round_half_even(float64(x) * scale)', () => {
  it('rounds ties to even and everything else to nearest', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999, 2.5001, -2.5001].map(roundHalfEven)).toEqual([
      0, 2, 2, 0, -2, -2, 2, 3, -3,
    ])
    expect(Object.is(roundHalfEven(-0.4), 0)).toBe(true)
  })

  it('multiplies the float32 value in float64, as the manifest says', () => {
    const p = Math.fround(0.123456789)
    expect(quantise(p, 10_000)).toBe(roundHalfEven(p * 10_000))
    // 0.00005 is not exact in float32: it lands below the tie, so it rounds down.
    expect(quantise(Math.fround(0.00005), 10_000)).toBe(Math.fround(0.00005) * 10_000 < 0.5 ? 0 : 1)
  })

  it('meets the definition on random values: nearest integer, ties to the even one', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), (y) => {
        const r = roundHalfEven(y)
        // r - y is exact here (Sterbenz), so the distance test is exact.
        const dist = Math.abs(r - y)
        return Number.isInteger(r) && (dist < 0.5 || (dist === 0.5 && r % 2 === 0))
      }),
      { numRuns: 2000 },
    )
  })

  it('refuses NaN, infinities and unsafe integers', () => {
    expect(() => quantise(Number.NaN, 100)).toThrow(/cannot be quantised/)
    expect(() => quantise(Number.POSITIVE_INFINITY, 100)).toThrow(/cannot be quantised/)
    expect(() => quantise(1e300, 1e10)).toThrow(/cannot be quantised/)
  })
})
