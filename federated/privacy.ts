/**
 * Differential privacy of a client's update: clip the update to L2 norm C, add Gaussian noise of
 * standard deviation sigma = z * C to every coordinate (z: the noise multiplier), and account for
 * the privacy spent.
 *
 * What is protected: the client's whole local data set. Any change of it (one record or all of
 * them) moves the clipped update by at most 2C in L2, so each released update is a Gaussian
 * mechanism with sensitivity 2C (local, user-level DP; no trusted aggregator, no subsampling: the
 * client takes part in every round). Over T rounds:
 *
 * - RDP accountant (Mironov 2017), the standard one of Opacus and TensorFlow Privacy: order a costs
 *   a * (2C)^2 / (2 sigma^2) = 2a / z^2 per round, summed over rounds, converted to (epsilon, delta)
 *   with the conversion of Balle et al. 2020 (Opacus's `get_privacy_spent`):
 *   epsilon = rdp + ln((a - 1) / a) - (ln delta + ln a) / (a - 1), minimised over the orders.
 * - The exact value, for reference: T Gaussian mechanisms compose to one with mu = sqrt(T) * 2 / z
 *   (Gaussian DP, Dong, Roth & Su 2019), whose delta(epsilon) = Phi(-epsilon/mu + mu/2)
 *   - e^epsilon Phi(-epsilon/mu - mu/2) (Balle & Wang 2018); solved for epsilon by bisection.
 *
 * The noise must be secret and unpredictable: a real client draws it from `cryptoNormal()`. The
 * simulation passes a seeded generator instead so its runs can be repeated.
 */
import { randomBytes } from 'node:crypto'

export interface DpParameters {
  /** L2 norm every update is clipped to. */
  clipNorm: number
  /** sigma / clipNorm; 0 means no noise (and no privacy). */
  noiseMultiplier: number
}

/** Euclidean norm. */
export function l2Norm(v: ArrayLike<number>): number {
  let s = 0
  for (let i = 0; i < v.length; i++) s += (v[i] as number) * (v[i] as number)
  return Math.sqrt(s)
}

/** A copy of `v` scaled down to norm `maxNorm` if it is longer. */
export function clipToNorm(
  v: ArrayLike<number>,
  maxNorm: number,
): { clipped: Float64Array; norm: number; scaled: boolean } {
  const norm = l2Norm(v)
  const factor = norm > maxNorm ? maxNorm / norm : 1
  return { clipped: Float64Array.from(v, (x) => x * factor), norm, scaled: factor !== 1 }
}

/** A copy of `v` with N(0, sigma^2) noise added to every coordinate, drawn from `normal`. */
export function addGaussianNoise(
  v: ArrayLike<number>,
  sigma: number,
  normal: () => number,
): Float64Array {
  return Float64Array.from(v, (x) => (sigma === 0 ? x : x + sigma * normal()))
}

/** Clips and noises an update as the task's DP parameters say. */
export function privatiseUpdate(
  update: ArrayLike<number>,
  dp: DpParameters,
  normal: () => number,
): { released: Float64Array; norm: number; clipped: boolean } {
  const { clipped, norm, scaled } = clipToNorm(update, dp.clipNorm)
  return {
    released: addGaussianNoise(clipped, dp.noiseMultiplier * dp.clipNorm, normal),
    norm,
    clipped: scaled,
  }
}

/** Standard normal draws from the operating system's CSPRNG (Box-Muller on 53-bit uniforms). */
export function cryptoNormal(): () => number {
  const uniform = (): number => {
    const b = randomBytes(8)
    // 53 random bits -> [0, 1)
    return (b.readUInt32BE(0) * 2 ** 21 + (b.readUInt32BE(4) >>> 11)) / 2 ** 53
  }
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform())
}

/** The RDP orders the accountant minimises over (Opacus's default grid, extended). */
export const RDP_ORDERS: readonly number[] = [
  1.01, 1.05, 1.1, 1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 10, 12, 14, 16, 20,
  24, 28, 32, 48, 64, 96, 128, 256, 512, 1024,
]

/** Sensitivity of a clipped update under any change of the client's data: 2C. */
export function updateSensitivity(dp: DpParameters): number {
  return 2 * dp.clipNorm
}

/** RDP of `rounds` Gaussian releases of sensitivity `sensitivity` and noise `sigma`, at `order`. */
export function gaussianRdp(order: number, sensitivity: number, sigma: number, rounds: number) {
  return (rounds * order * sensitivity * sensitivity) / (2 * sigma * sigma)
}

export interface PrivacySpent {
  epsilon: number
  delta: number
  /** The RDP order that gave the smallest epsilon (RDP accountant only). */
  order?: number
}

/** (epsilon, delta) after `rounds` releases by the RDP accountant; epsilon is Infinity without noise. */
export function rdpEpsilon(dp: DpParameters, rounds: number, delta: number): PrivacySpent {
  if (dp.noiseMultiplier <= 0 || rounds <= 0) {
    return { epsilon: rounds <= 0 ? 0 : Infinity, delta }
  }
  const sigma = dp.noiseMultiplier * dp.clipNorm
  let best: PrivacySpent = { epsilon: Infinity, delta }
  for (const a of RDP_ORDERS) {
    const rdp = gaussianRdp(a, updateSensitivity(dp), sigma, rounds)
    const eps = rdp + Math.log((a - 1) / a) - (Math.log(delta) + Math.log(a)) / (a - 1)
    if (eps < best.epsilon) best = { epsilon: Math.max(0, eps), delta, order: a }
  }
  return best
}

/** ln erfc(z) for z >= 0, relative error of erfc below 1.2e-7 (Numerical Recipes' erfcc, in logs). */
function logErfc(z: number): number {
  const t = 1 / (1 + 0.5 * z)
  const poly =
    -1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t *
                  (-0.18628806 +
                    t *
                      (0.27886807 +
                        t *
                          (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))))
  return Math.log(t) - z * z + poly
}

/** ln Phi(x) of the standard normal CDF (stable far in the lower tail). */
function logNormalCdf(x: number): number {
  const z = -x / Math.SQRT2
  if (z >= 0) return Math.log(0.5) + logErfc(z)
  return Math.log(1 - 0.5 * Math.exp(logErfc(-z)))
}

/** Standard normal CDF. */
export function normalCdf(x: number): number {
  return Math.exp(logNormalCdf(x))
}

/** delta(epsilon) of a mu-GDP mechanism (the second term in logs, so a large epsilon cannot overflow). */
export function gdpDelta(mu: number, epsilon: number): number {
  return (
    normalCdf(-epsilon / mu + mu / 2) - Math.exp(epsilon + logNormalCdf(-epsilon / mu - mu / 2))
  )
}

/** The exact epsilon of `rounds` releases at `delta` (Gaussian DP), by bisection. */
export function exactEpsilon(dp: DpParameters, rounds: number, delta: number): PrivacySpent {
  if (rounds <= 0) return { epsilon: 0, delta }
  if (dp.noiseMultiplier <= 0) return { epsilon: Infinity, delta }
  const mu = (Math.sqrt(rounds) * updateSensitivity(dp)) / (dp.noiseMultiplier * dp.clipNorm)
  if (gdpDelta(mu, 0) <= delta) return { epsilon: 0, delta }
  let lo = 0
  let hi = 1
  while (gdpDelta(mu, hi) > delta) {
    hi *= 2
    if (hi > 1e6) return { epsilon: Infinity, delta }
  }
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2
    if (gdpDelta(mu, mid) > delta) lo = mid
    else hi = mid
  }
  return { epsilon: hi, delta }
}
