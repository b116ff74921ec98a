import { fromFixed, ONE } from '../../federated/fixed-point'
import { softplusQ16 } from '../../federated/softplus'

const exact = (t: number): number => Math.max(t, 0) + Math.log1p(Math.exp(-Math.abs(t)))

describe('integer softplus', () => {
  it('is within 2 units of 2^-16 of ln(1 + e^t) from -40 to 40', () => {
    let worst = 0
    for (let q = -40 * ONE; q <= 40 * ONE; q += 97) {
      const err = Math.abs(softplusQ16(q) - exact(fromFixed(q)) * ONE)
      worst = Math.max(worst, err)
    }
    expect(worst).toBeLessThan(2)
  })

  it('returns integers, is monotone, and keeps softplus(t) - softplus(-t) = t', () => {
    let previous = -1
    for (let q = -20 * ONE; q <= 20 * ONE; q += 511) {
      const v = softplusQ16(q)
      expect(Number.isInteger(v)).toBe(true)
      expect(v).toBeGreaterThanOrEqual(previous)
      previous = v
      expect(softplusQ16(q) - softplusQ16(-q)).toBe(q)
    }
    expect(softplusQ16(0)).toBe(Math.round(Math.LN2 * ONE))
    expect(softplusQ16(-100 * ONE)).toBe(0)
  })

  it('refuses a non-integer argument', () => {
    expect(() => softplusQ16(0.5)).toThrow(RangeError)
  })
})
