/**
 * The shape of the model a federated task trains: an MLP (dense layers, ReLU between them, softmax
 * at the end) like risk-v1, flattened into one vector of parameters in a fixed order: for each layer
 * its weights (row-major [in, out], the ONNX MatMul layout), then its bias. Updates, models and the
 * aggregate are vectors in this order; `layoutHash` names the shape in every encoded update so an
 * update for another model is refused before any arithmetic.
 */
import { keccak256, toUtf8Bytes } from 'ethers'

import type { DenseLayer, Mlp } from '../script/models/training/mlp-trainer'
import { fromFixed, toFixed } from './fixed-point'

export interface MlpLayout {
  /** Layer widths: [features, ...hidden, classes]. */
  sizes: readonly number[]
}

/** risk-v1's architecture: 10 features, 16 hidden units, 2 classes (210 parameters). */
export const RISK_MLP_LAYOUT: MlpLayout = { sizes: [10, 16, 2] }

export interface TensorShape {
  name: string
  dims: number[]
}

/** The tensors of the layout in vector order: dense1_w, dense1_b, dense2_w, ... */
export function layoutTensors(layout: MlpLayout): TensorShape[] {
  const out: TensorShape[] = []
  for (let l = 0; l + 1 < layout.sizes.length; l++) {
    const fanIn = layout.sizes[l] as number
    const fanOut = layout.sizes[l + 1] as number
    out.push({ name: `dense${l + 1}_w`, dims: [fanIn, fanOut] })
    out.push({ name: `dense${l + 1}_b`, dims: [fanOut] })
  }
  return out
}

/** Number of parameters of the layout. */
export function parameterCount(layout: MlpLayout): number {
  return layoutTensors(layout).reduce((n, t) => n + t.dims.reduce((a, b) => a * b, 1), 0)
}

/** keccak256 of the layout's canonical text, e.g. `mlp-relu-softmax:dense1_w=10x16;dense1_b=16;...`. */
export function layoutHash(layout: MlpLayout): string {
  const text = `mlp-relu-softmax:${layoutTensors(layout)
    .map((t) => `${t.name}=${t.dims.join('x')}`)
    .join(';')}`
  return keccak256(toUtf8Bytes(text))
}

/** The parameters of `mlp` as one float vector in layout order. */
export function mlpToVector(mlp: Mlp): Float64Array {
  const out: number[] = []
  for (const layer of mlp.layers) out.push(...layer.w, ...layer.b)
  return Float64Array.from(out)
}

/** Dense layers holding the values of `vector` (layout order). */
export function vectorToLayers(layout: MlpLayout, vector: ArrayLike<number>): DenseLayer[] {
  const count = parameterCount(layout)
  if (vector.length !== count) {
    throw new RangeError(`expected ${count} parameters for the layout, got ${vector.length}`)
  }
  const layers: DenseLayer[] = []
  let at = 0
  for (let l = 0; l + 1 < layout.sizes.length; l++) {
    const fanIn = layout.sizes[l] as number
    const fanOut = layout.sizes[l + 1] as number
    const w = Float64Array.from({ length: fanIn * fanOut }, (_, k) => vector[at + k] as number)
    at += fanIn * fanOut
    const b = Float64Array.from({ length: fanOut }, (_, k) => vector[at + k] as number)
    at += fanOut
    layers.push({ w, b, in: fanIn, out: fanOut })
  }
  return layers
}

/** A float MLP (the trainer's form) of a fixed-point parameter vector and a standardisation. */
export function fixedToMlp(
  layout: MlpLayout,
  values: Int32Array,
  standardisation: { mean: Float64Array; std: Float64Array },
): Mlp {
  return {
    mean: standardisation.mean,
    std: standardisation.std,
    layers: vectorToLayers(layout, Array.from(values, fromFixed)),
  }
}

/** A float vector in Q16 (round half to even); throws FixedPointError on NaN/Inf/out of range. */
export function vectorToFixed(vector: ArrayLike<number>): Int32Array {
  const out = new Int32Array(vector.length)
  for (let i = 0; i < vector.length; i++) out[i] = toFixed(vector[i] as number)
  return out
}
