/**
 * Fixed-point numbers of the federated protocol: every weight, update coordinate, standardised
 * feature and loss is an integer count of 2^-16 (Q16). Integers below 2^53 are exact in a JS
 * number and `+`, `-`, `*` on them are exact while the result stays below 2^53, so the integer
 * code here and in the aggregator gives the same bits on every machine and engine; the bounds that
 * keep each computation below 2^53 are checked where the values enter (see validation.ts).
 * Conversions from floats (the clients' side) round half to even.
 */

export const FRACTION_BITS = 16
/** 1.0 in Q16. */
export const ONE = 2 ** FRACTION_BITS
/** Largest magnitude of a weight or an update coordinate: 16.0 (2^20 in Q16). */
export const MAX_ABS_VALUE = 2 ** 20

/** Thrown when a float cannot become a protocol integer (NaN, Infinity, out of range). */
export class FixedPointError extends Error {
  constructor(
    readonly reason: 'non-finite' | 'out-of-range',
    message: string,
  ) {
    super(message)
    this.name = 'FixedPointError'
  }
}

/** round(x) with ties to the even neighbour, for finite x. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x)
  // Math.round rounds ties up; a tie (x exactly k + 0.5) with an odd result goes down instead.
  const q = Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r
  return q === 0 ? 0 : q // never -0
}

/** `x` in Q16 (round half to even); refuses NaN, Infinity and magnitudes above `maxAbs`. */
export function toFixed(x: number, maxAbs = MAX_ABS_VALUE): number {
  if (!Number.isFinite(x)) throw new FixedPointError('non-finite', `value ${x} is not finite`)
  const q = roundHalfEven(x * ONE)
  if (Math.abs(q) > maxAbs) {
    throw new FixedPointError(
      'out-of-range',
      `value ${x} is outside +-${maxAbs / ONE} (Q16 ${q}, limit ${maxAbs})`,
    )
  }
  return q
}

/** The float a Q16 integer stands for (exact: the integer is below 2^53). */
export function fromFixed(q: number): number {
  return q / ONE
}

/** Floor of a / b for integers (b > 0), exact for |a| < 2^53 whatever the float quotient rounds to. */
export function floorDiv(a: number, b: number): number {
  if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b) || b <= 0) {
    throw new RangeError(`floorDiv needs safe integers and b > 0, got ${a} / ${b}`)
  }
  let q = Math.floor(a / b)
  // The float quotient may be off by one near an integer: correct with exact products.
  while (q * b > a) q -= 1
  while ((q + 1) * b <= a) q += 1
  return q
}

/** a / b rounded half to even, for integers (b > 0, |a| < 2^53). */
export function divRoundHalfEven(a: number, b: number): number {
  const q = floorDiv(a, b)
  const twiceRest = 2 * (a - q * b) // in [0, 2b)
  if (twiceRest > b || (twiceRest === b && q % 2 !== 0)) return q + 1 === 0 ? 0 : q + 1
  return q === 0 ? 0 : q
}

/** floor(sqrt(n)) of a non-negative bigint (Newton's method on integers). */
export function isqrt(n: bigint): bigint {
  if (n < 0n) throw new RangeError('isqrt of a negative number')
  if (n < 2n) return n
  // Start above the root (the float root is within a few ulps), then Newton steps down to it.
  let x = BigInt(Math.ceil(Math.sqrt(Number(n)) * (1 + 1e-9))) + 1n
  for (;;) {
    const y = (x + n / x) / 2n
    if (y >= x) break
    x = y
  }
  while (x * x > n) x -= 1n
  while ((x + 1n) * (x + 1n) <= n) x += 1n
  return x
}
