/**
 * Independent reference forward passes of the two demo networks, in float64, using the float32
 * weights read straight from the ONNX files (not the trainer's code): the tests compare ONNX
 * Runtime's outputs with these.
 */
import type { StoredTensor } from './onnx-reader'

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

/** Zero-padded 3x3 convolution with the given stride over CHW `x` [cin, size, size]. */
function conv3x3(x: number[], size: number, w: StoredTensor, b: StoredTensor, stride: number) {
  const [cout, cin] = w.dims as [number, number]
  const out = Math.floor((size + 2 - 3) / stride) + 1
  const y: number[] = new Array<number>(cout * out * out).fill(0)
  for (let co = 0; co < cout; co++) {
    for (let oy = 0; oy < out; oy++) {
      for (let ox = 0; ox < out; ox++) {
        let s = b.data[co] as number
        for (let ci = 0; ci < cin; ci++) {
          for (let ky = 0; ky < 3; ky++) {
            for (let kx = 0; kx < 3; kx++) {
              const iy = oy * stride + ky - 1
              const ix = ox * stride + kx - 1
              if (iy < 0 || ix < 0 || iy >= size || ix >= size) continue
              s +=
                (w.data[((co * cin + ci) * 3 + ky) * 3 + kx] as number) *
                (x[(ci * size + iy) * size + ix] as number)
            }
          }
        }
        y[(co * out + oy) * out + ox] = s
      }
    }
  }
  return { y, size: out }
}

/**
 * damage-v1 for one normalised CHW image [3, size, size]: 2x2 average pool, two stride-2 convs
 * with ReLU, global average and max pooling, dense, softmax.
 */
export function damageReference(weights: Weights, chw: ArrayLike<number>, size: number): number[] {
  const half = size / 2
  const pooled: number[] = []
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < half; y++) {
      for (let x = 0; x < half; x++) {
        const at = (yy: number, xx: number): number => chw[(c * size + yy) * size + xx] as number
        pooled.push(
          (at(2 * y, 2 * x) +
            at(2 * y, 2 * x + 1) +
            at(2 * y + 1, 2 * x) +
            at(2 * y + 1, 2 * x + 1)) /
            4,
        )
      }
    }
  }
  const c1 = conv3x3(pooled, half, get(weights, 'conv1_w'), get(weights, 'conv1_b'), 2)
  const r1 = c1.y.map((v) => Math.max(0, v))
  const c2 = conv3x3(r1, c1.size, get(weights, 'conv2_w'), get(weights, 'conv2_b'), 2)
  const r2 = c2.y.map((v) => Math.max(0, v))
  const channels = get(weights, 'conv2_b').data.length
  const area = c2.size * c2.size
  const avg: number[] = []
  const max: number[] = []
  for (let c = 0; c < channels; c++) {
    const plane = r2.slice(c * area, (c + 1) * area)
    avg.push(plane.reduce((a, v) => a + v, 0) / area)
    max.push(Math.max(...plane))
  }
  return softmax(dense([...avg, ...max], get(weights, 'dense_w'), get(weights, 'dense_b')))
}
