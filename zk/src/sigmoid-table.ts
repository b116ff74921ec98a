/**
 * The circuit's replacement for the final softmax/sigmoid: an exact threshold table.
 *
 * result = #{k in 0..scale-1 : d >= T_k},  T_k = ceil(logit((k + 0.5) / scale) * 2^f)
 *
 * i.e. the number of rounding boundaries of scale * sigmoid(d) that d has passed: the result is
 * round(scale * sigmoid(d)) for the fixed-point logit difference d (f fraction bits), with the
 * boundaries computed in float64 (relative error ~1e-16, far below the model's own). No
 * approximation of exp is involved: the circuit checks T_{result-1} <= d < T_result with two range
 * checks, after looking both bounds up by result. Thresholds are clamped to [-2^K, 2^K] (|d| < 2^K),
 * which leaves every d in exactly one interval.
 */

export interface SigmoidTable {
  scale: number
  fractionBits: number
  logitBits: number
  /** T_0..T_{scale-1}, non-decreasing. */
  thresholds: bigint[]
  /** The circuit looks result up as (result / cols, result % cols): rows * cols > scale. */
  rows: number
  cols: number
}

function ceilToBigInt(y: number): bigint {
  if (Math.abs(y) >= 2 ** 52) return BigInt(y)
  return BigInt(Math.ceil(y))
}

/** logit(q) = ln(q / (1 - q)), computed as ln(q) - ln1p(-q) for accuracy near both ends. */
function logit(q: number): number {
  return Math.log(q) - Math.log1p(-q)
}

export function sigmoidTable(scale: number, fractionBits: number, logitBits: number): SigmoidTable {
  const bound = 1n << BigInt(logitBits)
  const thresholds: bigint[] = []
  for (let k = 0; k < scale; k++) {
    let t = ceilToBigInt(logit((k + 0.5) / scale) * 2 ** fractionBits)
    if (t < -bound) t = -bound
    if (t > bound) t = bound
    thresholds.push(t)
  }
  const cols = Math.ceil(Math.sqrt(scale + 1))
  const rows = Math.ceil((scale + 1) / cols)
  return { scale, fractionBits, logitBits, thresholds, rows, cols }
}

/** The result the table assigns to d: how many thresholds d has reached (binary search). */
export function tableResult(table: SigmoidTable, d: bigint): number {
  let lo = 0
  let hi = table.thresholds.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (d >= (table.thresholds[mid] as bigint)) lo = mid + 1
    else hi = mid
  }
  return lo
}
