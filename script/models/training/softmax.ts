/** The softmax both networks end with, in float64 (max-shifted for range). */

/** Replaces the logits `z` by their softmax, in place; returns `z`. */
export function softmaxInPlace(z: Float64Array): Float64Array {
  let max = -Infinity
  for (const v of z) max = Math.max(max, v)
  let sum = 0
  for (let k = 0; k < z.length; k++) {
    z[k] = Math.exp((z[k] as number) - max)
    sum += z[k] as number
  }
  for (let k = 0; k < z.length; k++) z[k] = (z[k] as number) / sum
  return z
}
