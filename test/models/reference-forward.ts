/**
 * Independent reference forward passes of the two demo networks, in float64, using the float32
 * weights read straight from the ONNX files (not the trainer's code): the tests compare ONNX
 * Runtime's outputs with these.
 */
import type { StoredTensor } from '../../script/models/onnx-reader'

export type Weights = Map<string, StoredTensor>

function get(weights: Weights, name: string): StoredTensor {
  const t = weights.get(name)
  if (!t) throw new Error(`missing initializer ${name}`)
  return t
}

function softmax(z: number[]): number[] {
  const max = Math.max(...z)
  const e = z.map((v) => Math.exp(v - max))
  const sum = e.reduce((a, b) => a + b, 0)
  return e.map((v) => v / sum)
}

/** y = x W + b for W stored row-major [in, out]. */
function dense(x: number[], w: StoredTensor, b: StoredTensor): number[] {
  const [inDim, outDim] = w.dims as [number, number]
  const y: number[] = []
  for (let o = 0; o < outDim; o++) {
    let s = b.data[o] as number
    for (let i = 0; i < inDim; i++) s += (x[i] as number) * (w.data[i * outDim + o] as number)
    y.push(s)
  }
  return y
}

/** risk-v1: standardise, dense, ReLU, dense, softmax. */
export function riskReference(weights: Weights, row: number[]): number[] {
  const mean = get(weights, 'feature_mean').data
  const std = get(weights, 'feature_std').data
  const x = row.map((v, i) => (Math.fround(v) - (mean[i] as number)) / (std[i] as number))
  const h = dense(x, get(weights, 'dense1_w'), get(weights, 'dense1_b')).map((v) => Math.max(0, v))
  return softmax(dense(h, get(weights, 'dense2_w'), get(weights, 'dense2_b')))
}
