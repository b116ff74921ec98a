/**
 * softplus(t) = ln(1 + e^t) in Q16 with integer arithmetic only: the cross-entropy of a two-class
 * softmax is softplus(z_other - z_label), and the aggregator's validation loss must come out
 * bit-identical on every machine and JS engine (Math.exp and Math.log are not required to be
 * correctly rounded, so two engines may differ in the last bit).
 *
 * softplus(t) = max(t, 0) + g(|t|) with g(u) = ln(1 + e^-u), u >= 0. g is tabulated at u = k/64 for
 * k = 0..1024 (u up to 16; beyond, g < 2^-23 and is 0 in Q16) and linearly interpolated. The table
 * is computed once, when the module loads, from integer series in bigint at 2^-96 precision
 * (e^-x by its Taylor series, ln(1 + y) = 2 atanh(y / (2 + y))), then rounded to Q16. Error against
 * the exact function: under 2 units of 2^-16 (tested).
 */
import { FRACTION_BITS, ONE } from './fixed-point'

const STEPS_PER_UNIT = 64
const STEP = ONE / STEPS_PER_UNIT // 1024 in Q16
const TABLE_END = 16 * STEPS_PER_UNIT // u = 16
const PRECISION_BITS = 96n
const P = 1n << PRECISION_BITS

/** e^-x for x = num / den in [0, 1], in P-fixed point, by its Taylor series. */
function expNeg(num: bigint, den: bigint): bigint {
  let sum = 0n
  let term = P // x^0 / 0!
  for (let n = 1n; term !== 0n; n++) {
    sum += term
    term = (-term * num) / (den * n)
  }
  return sum
}

/** ln(1 + y) for y in P-fixed point within (0, 1]: 2 * sum s^(2j+1) / (2j+1), s = y / (2 + y). */
function log1p(y: bigint): bigint {
  const s = (y * P) / (2n * P + y)
  const s2 = (s * s) / P
  let power = s
  let sum = 0n
  for (let j = 1n; power !== 0n; j += 2n) {
    sum += power / j
    power = (power * s2) / P
  }
  return 2n * sum
}

function buildTable(): Int32Array {
  const table = new Int32Array(TABLE_END + 1)
  const stepFactor = expNeg(1n, BigInt(STEPS_PER_UNIT)) // e^(-1/64)
  let e = P // e^0
  for (let k = 0; k <= TABLE_END; k++) {
    const g = log1p(e)
    // Round to Q16: (g * 2^16 + P/2) / P.
    table[k] = Number(((g << BigInt(FRACTION_BITS)) + P / 2n) / P)
    e = (e * stepFactor) / P
  }
  return table
}

const TABLE = buildTable()

/** ln(1 + e^-u) in Q16 for u >= 0 in Q16. (Floors of divisions by STEP, a power of two: exact.) */
function g(u: number): number {
  const k = Math.floor(u / STEP)
  if (k >= TABLE_END) return 0
  const at = TABLE[k] as number
  const next = TABLE[k + 1] as number
  return at + Math.floor(((next - at) * (u - k * STEP)) / STEP)
}

/** softplus(t) = ln(1 + e^t) in Q16, for a Q16 integer t. */
export function softplusQ16(t: number): number {
  if (!Number.isSafeInteger(t)) throw new RangeError(`softplus needs a safe integer, got ${t}`)
  return Math.max(t, 0) + g(Math.abs(t))
}
