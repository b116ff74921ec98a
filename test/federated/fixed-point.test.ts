import fc from 'fast-check'

import {
  divRoundHalfEven,
  FixedPointError,
  floorDiv,
  fromFixed,
  isqrt,
  MAX_ABS_VALUE,
  roundHalfEven,
  toFixed,
} from '../../federated/fixed-point'

const SAFE = fc.integer({ min: -(2 ** 52), max: 2 ** 52 })
const DIVISOR = fc.integer({ min: 1, max: 2 ** 30 })

/** Reference floor division in bigints. */
function bigFloorDiv(a: number, b: number): number {
  const A = BigInt(a)
  const B = BigInt(b)
  const q = A / B // truncates toward zero
  return Number(A % B !== 0n && A < 0n ? q - 1n : q)
}

describe('fixed point', () => {
  it('rounds ties to the even neighbour and never returns -0', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999, -0.4].map(roundHalfEven)).toEqual([
      0, 2, 2, 0, -2, -2, 2, 0,
    ])
    expect(Object.is(roundHalfEven(-0.2), 0)).toBe(true)
  })

  it('converts floats to Q16 and back exactly for representable values', () => {
    expect(toFixed(1)).toBe(65536)
    expect(toFixed(-0.5)).toBe(-32768)
    expect(fromFixed(toFixed(3.25))).toBe(3.25)
    expect(toFixed(1 / 2 ** 17)).toBe(0) // exactly half a unit: even neighbour 0
    expect(toFixed(3 / 2 ** 17)).toBe(2) // 1.5 units -> 2
  })

  it('refuses NaN, infinities and values beyond +-16 with a reason', () => {
    for (const [x, reason] of [
      [Number.NaN, 'non-finite'],
      [Infinity, 'non-finite'],
      [-Infinity, 'non-finite'],
      [16.0001, 'out-of-range'],
      [-17, 'out-of-range'],
    ] as const) {
      try {
        toFixed(x)
        throw new Error(`accepted ${x}`)
      } catch (err) {
        expect(err).toBeInstanceOf(FixedPointError)
        expect((err as FixedPointError).reason).toBe(reason)
      }
    }
    expect(toFixed(16)).toBe(MAX_ABS_VALUE)
  })

  it('floors integer quotients exactly (bigint reference)', () => {
    fc.assert(
      fc.property(SAFE, DIVISOR, (a, b) => {
        expect(floorDiv(a, b)).toBe(bigFloorDiv(a, b))
      }),
    )
    // Quotients the float division rounds up to the next integer.
    expect(floorDiv(2 ** 53 - 1, 2 ** 53 - 2)).toBe(1)
    expect(floorDiv(-(2 ** 52) - 1, 2 ** 52)).toBe(-2)
    expect(() => floorDiv(1, 0)).toThrow(RangeError)
    expect(() => floorDiv(2 ** 53, 3)).toThrow(RangeError)
  })

  it('divides rounding half to even (bigint reference)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), DIVISOR, (a, b) => {
        const q = divRoundHalfEven(a, b)
        const twice = 2 * a - 2 * q * b // 2 * (a - q b): within [-b, b]
        expect(Math.abs(twice)).toBeLessThanOrEqual(b)
        if (Math.abs(twice) === b) expect(Math.abs(q % 2)).toBe(0)
      }),
    )
    expect([divRoundHalfEven(5, 2), divRoundHalfEven(7, 2), divRoundHalfEven(-5, 2)]).toEqual([
      2, 4, -2,
    ])
  })

  it('takes integer square roots', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 100n }), (n) => {
        const r = isqrt(n)
        expect(r * r <= n && (r + 1n) * (r + 1n) > n).toBe(true)
      }),
    )
    expect(isqrt(0n)).toBe(0n)
    expect(isqrt(2n ** 64n)).toBe(2n ** 32n)
    expect(() => isqrt(-1n)).toThrow(RangeError)
  })
})
