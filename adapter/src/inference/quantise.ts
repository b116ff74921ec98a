/**
 * Fixed-point quantisation of model outputs, exactly as the manifest says: every output float x
 * goes on-chain as round_half_even(float64(x) * scale). Float32 -> float64 is exact and the product
 * is one IEEE-754 double multiplication, so every machine that computes the same float32 computes
 * the same integer.
 */
import { AdapterError } from '../errors'

/** Rounds to the nearest integer, ties to even (banker's rounding). `y` must be finite. */
export function roundHalfEven(y: number): number {
  const f = Math.floor(y)
  // Exact for |y| < 2^52: y and floor(y) share the exponent range, so the difference is representable.
  const d = y - f
  let r: number
  if (d < 0.5) r = f
  else if (d > 0.5) r = f + 1
  else r = f % 2 === 0 ? f : f + 1
  return r === 0 ? 0 : r // no -0
}

/** round_half_even(x * scale) as a safe integer; throws if the model produced NaN/Infinity. */
export function quantise(x: number, scale: number): number {
  const y = x * scale
  if (!Number.isFinite(y) || Math.abs(y) > Number.MAX_SAFE_INTEGER) {
    throw new AdapterError(`model output ${x} cannot be quantised at scale ${scale}`, 500)
  }
  return roundHalfEven(y)
}
