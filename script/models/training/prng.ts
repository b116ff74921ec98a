/**
 * Seeded pseudo-random numbers for the synthetic data sets and weight initialisation. Every random
 * choice of the model build flows from one of these generators, so a build is a pure function of
 * its seeds. The core is mulberry32 (a 32-bit state, Tommy Ettinger's constants); normals use the
 * Box-Muller transform. Only IEEE-754 operations and V8's deterministic Math.log/cos/sqrt are used.
 */

export class Prng {
  private state: number

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new Error(`seed must be a uint32, got ${seed}`)
    }
    this.state = seed >>> 0
  }

  /** Next uint32 (mulberry32). */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  uniform(): number {
    return this.nextUint32() / 4294967296
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform()
  }

  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.uniform() * (hi - lo + 1))
  }

  /** Standard normal (Box-Muller, one value per call; the pair's second value is discarded). */
  normal(): number {
    const u1 = 1 - this.uniform() // (0, 1]
    const u2 = this.uniform()
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2)
  }

  /** Poisson-distributed count with mean `lambda` (Knuth's method; lambda is small here). */
  poisson(lambda: number): number {
    const limit = Math.exp(-lambda)
    let k = 0
    let p = this.uniform()
    while (p > limit && k < 1000) {
      k += 1
      p *= this.uniform()
    }
    return k
  }

  /** True with probability `p`. */
  bernoulli(p: number): boolean {
    return this.uniform() < p
  }

  /** In-place Fisher-Yates shuffle. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.uniform() * (i + 1))
      const tmp = items[i] as T
      items[i] = items[j] as T
      items[j] = tmp
    }
    return items
  }
}
