import {
  addGaussianNoise,
  clipToNorm,
  cryptoNormal,
  exactEpsilon,
  gdpDelta,
  l2Norm,
  normalCdf,
  privatiseUpdate,
  rdpEpsilon,
} from '../../federated/privacy'
import { Prng } from '../../script/models/training/prng'

const DELTA = 1e-5

describe('clipping and noise', () => {
  it('scales an update down to the clip norm and leaves a shorter one alone', () => {
    const long = clipToNorm([3, 4], 1)
    expect(long.norm).toBe(5)
    expect(long.scaled).toBe(true)
    expect(l2Norm(long.clipped)).toBeCloseTo(1, 12)
    expect(Array.from(clipToNorm([0.3, 0.4], 1).clipped)).toEqual([0.3, 0.4])
  })

  it('adds noise of standard deviation z * C per coordinate', () => {
    const rng = new Prng(9)
    const { released, clipped } = privatiseUpdate(
      new Float64Array(50_000),
      { clipNorm: 2, noiseMultiplier: 0.5 },
      () => rng.normal(),
    )
    expect(clipped).toBe(false)
    const variance = released.reduce((a, v) => a + v * v, 0) / released.length
    expect(Math.sqrt(variance)).toBeGreaterThan(0.98)
    expect(Math.sqrt(variance)).toBeLessThan(1.02)
    expect(Array.from(addGaussianNoise([1, 2], 0, () => 5))).toEqual([1, 2])
  })

  it('draws operating-system noise that differs call to call', () => {
    const normal = cryptoNormal()
    const draws = Array.from({ length: 4000 }, normal)
    expect(new Set(draws).size).toBe(draws.length)
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length
    expect(Math.abs(mean)).toBeLessThan(0.1)
  })
})

describe('privacy accounting', () => {
  it('computes the standard normal CDF', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 6)
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6)
    expect(normalCdf(-5) / 2.866515718791939e-7).toBeCloseTo(1, 5)
  })

  it('solves the exact Gaussian-DP epsilon so that delta(epsilon) is the target', () => {
    const dp = { clipNorm: 1, noiseMultiplier: 2 }
    const { epsilon } = exactEpsilon(dp, 4, DELTA)
    const mu = (Math.sqrt(4) * 2) / 2 // sqrt(T) * sensitivity / sigma
    expect(gdpDelta(mu, epsilon) / DELTA).toBeCloseTo(1, 4)
    // Independently: the privacy profile of a mu = 1 Gaussian with a CDF integrated by Simpson's rule.
    const cdf = (x: number): number => {
      const steps = 20_000
      const a = x - 14
      const h = (x - a) / steps
      const pdf = (t: number): number => Math.exp((-t * t) / 2) / Math.sqrt(2 * Math.PI)
      let sum = pdf(a) + pdf(x)
      for (let i = 1; i < steps; i++) sum += (i % 2 === 1 ? 4 : 2) * pdf(a + i * h)
      return (sum * h) / 3
    }
    const e1 = exactEpsilon({ clipNorm: 1, noiseMultiplier: 2 }, 1, DELTA).epsilon
    const profile = cdf(-e1 + 0.5) - Math.exp(e1) * cdf(-e1 - 0.5)
    expect(profile / DELTA).toBeCloseTo(1, 3)
  })

  it('has the RDP accountant bound the exact epsilon from above, within 15%', () => {
    for (const z of [0.5, 1, 2, 5, 10]) {
      for (const rounds of [1, 5, 8]) {
        const dp = { clipNorm: 2, noiseMultiplier: z }
        const rdp = rdpEpsilon(dp, rounds, DELTA).epsilon
        const exact = exactEpsilon(dp, rounds, DELTA).epsilon
        expect(rdp).toBeGreaterThanOrEqual(exact)
        expect(rdp).toBeLessThan(exact * 1.15)
      }
    }
  })

  it('spends more with more rounds and less with more noise; nothing without noise is private', () => {
    const e = (z: number, t: number): number =>
      rdpEpsilon({ clipNorm: 2, noiseMultiplier: z }, t, DELTA).epsilon
    expect(e(1, 8)).toBeGreaterThan(e(1, 1))
    expect(e(5, 8)).toBeLessThan(e(1, 8))
    expect(e(0, 1)).toBe(Infinity)
    expect(exactEpsilon({ clipNorm: 2, noiseMultiplier: 0 }, 1, DELTA).epsilon).toBe(Infinity)
    expect(e(1, 0)).toBe(0)
  })
})
