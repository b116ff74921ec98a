/**
 * The public validation set and the aggregator's loss on it, in integers only. The set is published
 * with its hash: standardised features (the task's standardisation applied in float64, then Q16,
 * clamped to +-8 standard deviations) and labels. The forward pass of a fixed-point MLP runs on
 * Q16 integers held in JS numbers; `checkExactBounds` proves (before any row is read) that no
 * intermediate value of the layout can reach 2^53, so every `+` and `*` is exact and every
 * aggregator computes the same loss to the bit.
 *
 * Per layer: acc = sum_i x_i * w_io + b_o * 2^16 (Q32), then floor(acc / 2^16) (exact: a division by
 * a power of two), ReLU between layers. Loss of a row = softplus(z_other - z_label) (two classes),
 * the mean over the rows floored to Q16.
 */
import { keccak256 } from 'ethers'

import { floorDiv, MAX_ABS_VALUE, ONE, roundHalfEven } from './fixed-point'
import type { MlpLayout } from './layout'
import { softplusQ16 } from './softplus'

/** 1.0 in Q16, as a module constant: the inner loops read it without an import binding. */
const SCALE = ONE
/** Largest magnitude of a standardised feature: 8.0 (2^19 in Q16). */
export const MAX_ABS_FEATURE = 8 * ONE
const EXACT_LIMIT = 2 ** 53

export interface ValidationSet {
  n: number
  features: number
  /** Row-major [n, features], standardised, Q16, within +-MAX_ABS_FEATURE. */
  x: Int32Array
  /** Class index per row (0 or 1). */
  y: Uint8Array
}

/** Standardises raw rows with the task's mean/std (float64), then Q16, clamped to +-8. */
export function quantiseValidationSet(
  raw: { x: Float64Array; y: Uint8Array; n: number; features: number },
  standardisation: { mean: Float64Array; std: Float64Array },
): ValidationSet {
  const { n, features: f } = raw
  const x = new Int32Array(n * f)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < f; j++) {
      const z =
        ((raw.x[i * f + j] as number) - (standardisation.mean[j] as number)) /
        (standardisation.std[j] as number)
      const q = roundHalfEven(z * ONE)
      x[i * f + j] = Math.max(-MAX_ABS_FEATURE, Math.min(MAX_ABS_FEATURE, q))
    }
  }
  for (const label of raw.y) {
    if (label !== 0 && label !== 1) throw new RangeError(`labels must be 0 or 1, got ${label}`)
  }
  return { n, features: f, x, y: Uint8Array.from(raw.y) }
}

/** The published bytes of the set: n (uint32 BE), features (uint32 BE), x (int32 LE each), y (one byte each). */
export function encodeValidationSet(v: ValidationSet): Uint8Array {
  const buf = Buffer.alloc(8 + 4 * v.x.length + v.y.length)
  buf.writeUInt32BE(v.n, 0)
  buf.writeUInt32BE(v.features, 4)
  v.x.forEach((q, i) => buf.writeInt32LE(q, 8 + 4 * i))
  Buffer.from(v.y).copy(buf, 8 + 4 * v.x.length)
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
}

/** keccak256 of `encodeValidationSet(v)`. */
export function validationSetHash(v: ValidationSet): string {
  return keccak256(encodeValidationSet(v))
}

/** Most rows a published set may have (the loss sums stay exact far beyond: checkExactBounds). */
export const MAX_VALIDATION_ROWS = 100_000

/**
 * Decodes published set bytes; throws RangeError (with what is wrong) on a length that does not
 * match the header, more than MAX_VALIDATION_ROWS rows, a feature beyond +-MAX_ABS_FEATURE or a
 * label other than 0/1.
 */
export function decodeValidationSet(bytes: Uint8Array): ValidationSet {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (buf.length < 8) throw new RangeError(`${buf.length} bytes is shorter than the 8-byte header`)
  const n = buf.readUInt32BE(0)
  const features = buf.readUInt32BE(4)
  if (n === 0 || n > MAX_VALIDATION_ROWS || features === 0 || features > 1024) {
    throw new RangeError(`a set of ${n} rows of ${features} features is not accepted`)
  }
  const expected = 8 + 4 * n * features + n
  if (buf.length !== expected) {
    throw new RangeError(`${buf.length} bytes, expected ${expected} for ${n} x ${features}`)
  }
  const x = new Int32Array(n * features)
  for (let i = 0; i < x.length; i++) {
    const q = buf.readInt32LE(8 + 4 * i)
    if (Math.abs(q) > MAX_ABS_FEATURE)
      throw new RangeError(`feature value ${i} (${q}) beyond +-8.0`)
    x[i] = q
  }
  const y = Uint8Array.from(buf.subarray(8 + 4 * x.length))
  y.forEach((label, i) => {
    if (label > 1) throw new RangeError(`label ${i} is ${label}, not 0 or 1`)
  })
  return { n, features, x, y }
}

/**
 * Throws unless every intermediate value of the integer forward pass of `layout`, with weights and
 * biases within +-MAX_ABS_VALUE and features within +-MAX_ABS_FEATURE, over `rows` rows of loss
 * sums, stays below 2^53.
 */
export function checkExactBounds(layout: MlpLayout, rows: number): void {
  const { sizes } = layout
  if (sizes[sizes.length - 1] !== 2) {
    throw new RangeError('the integer validation loss is defined for two classes')
  }
  let bound = MAX_ABS_FEATURE
  for (let l = 0; l + 1 < sizes.length; l++) {
    const acc = (sizes[l] as number) * bound * MAX_ABS_VALUE + MAX_ABS_VALUE * ONE
    if (acc >= EXACT_LIMIT) {
      throw new RangeError(`layer ${l + 1}'s accumulator can reach ${acc}, beyond 2^53`)
    }
    bound = Math.ceil(acc / ONE)
  }
  // Loss of a row <= |margin| + 1.0 <= 2 * bound + ONE; the sum over all rows must stay exact.
  if (rows * (2 * bound + ONE) >= EXACT_LIMIT) {
    throw new RangeError(`the loss sum over ${rows} rows can reach 2^53`)
  }
}

/** Scratch buffers of one forward pass: the input row, then each layer's output. */
function scratchFor(layout: MlpLayout): Float64Array[] {
  return layout.sizes.map((width) => new Float64Array(width))
}

/**
 * The output logits (Q16) of `values` on row `i` of the set. Returns the last scratch buffer (valid
 * until the next call). All buffers are Float64Array, so the loops stay monomorphic.
 */
function logitsOfRow(
  layout: MlpLayout,
  values: Int32Array,
  v: ValidationSet,
  i: number,
  scratch: Float64Array[],
): Float64Array {
  const { sizes } = layout
  const row = scratch[0] as Float64Array
  for (let k = 0; k < v.features; k++) row[k] = v.x[i * v.features + k] as number
  let at = 0
  for (let l = 0; l + 1 < sizes.length; l++) {
    const input = scratch[l] as Float64Array
    const out = scratch[l + 1] as Float64Array
    const fanIn = sizes[l] as number
    const fanOut = sizes[l + 1] as number
    const bias = at + fanIn * fanOut
    for (let o = 0; o < fanOut; o++) out[o] = (values[bias + o] as number) * SCALE
    for (let k = 0; k < fanIn; k++) {
      const a = input[k] as number
      if (a === 0) continue
      const w = at + k * fanOut
      for (let o = 0; o < fanOut; o++) out[o] = (out[o] as number) + a * (values[w + o] as number)
    }
    const last = l + 2 === sizes.length
    for (let o = 0; o < fanOut; o++) {
      const q = Math.floor((out[o] as number) / SCALE) // exact: power-of-two divisor
      out[o] = last ? q : Math.max(0, q)
    }
    at = bias + fanOut
  }
  return scratch[sizes.length - 1] as Float64Array
}

/** Mean cross-entropy (natural log) of the model `values` on the set, in Q16 (floored). */
export function validationLossQ16(layout: MlpLayout, values: Int32Array, v: ValidationSet): number {
  if (v.features !== layout.sizes[0]) {
    throw new RangeError(`the set has ${v.features} features, the layout ${layout.sizes[0]}`)
  }
  checkExactBounds(layout, v.n)
  const scratch = scratchFor(layout)
  let sum = 0
  for (let i = 0; i < v.n; i++) {
    const z = logitsOfRow(layout, values, v, i, scratch)
    const label = v.y[i] as number
    sum += softplusQ16((z[1 - label] as number) - (z[label] as number))
  }
  return floorDiv(sum, v.n)
}

/** The logit margin z1 - z0 (Q16) of every row: a score for AUC, computed in integers. */
export function marginsQ16(layout: MlpLayout, values: Int32Array, v: ValidationSet): Float64Array {
  checkExactBounds(layout, v.n)
  const scratch = scratchFor(layout)
  const out = new Float64Array(v.n)
  for (let i = 0; i < v.n; i++) {
    const z = logitsOfRow(layout, values, v, i, scratch)
    out[i] = (z[1] as number) - (z[0] as number)
  }
  return out
}
