/**
 * The small convolutional network of damage-v1 and its training, in float64 with seeded
 * initialisation and batch order:
 *
 *   input [3, 64, 64] (normalised) -> AveragePool 2x2 -> Conv 3x3 stride 2 pad 1 (c1) -> ReLU
 *   -> Conv 3x3 stride 2 pad 1 (c2) -> ReLU -> GlobalAveragePool -> Dense c2 x classes -> Softmax
 *
 * The average pool has no weights, so training works on pre-pooled [3, 32, 32] inputs.
 */
import { heNormal } from './he-init'
import { trainMinibatches, type MinibatchHyperparameters } from './minibatch'
import { Prng } from './prng'
import { softmaxInPlace } from './softmax'

export interface CnnHyperparameters extends MinibatchHyperparameters {
  conv1Channels: number
  conv2Channels: number
  seed: number
}

export interface ConvLayer {
  /** [out, in, 3, 3] (the ONNX Conv layout). */
  w: Float64Array
  b: Float64Array
  cin: number
  cout: number
}

export interface Cnn {
  conv1: ConvLayer
  conv2: ConvLayer
  /** Row-major [2 * c2, classes] (the ONNX MatMul layout). */
  denseW: Float64Array
  denseB: Float64Array
  classes: number
}

export const POOLED = 32 // 64 / 2
const K = 3
const STRIDE = 2
const PAD = 1

const outSize = (size: number): number => Math.floor((size + 2 * PAD - K) / STRIDE) + 1

/** 2x2 average pool of a CHW image [c, 2s, 2s] into [c, s, s]. */
export function averagePool2(x: ArrayLike<number>, channels: number, size: number): Float64Array {
  const s = size / 2
  const out = new Float64Array(channels * s * s)
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < s; y++) {
      for (let xx = 0; xx < s; xx++) {
        const i = c * size * size + 2 * y * size + 2 * xx
        out[c * s * s + y * s + xx] =
          ((x[i] as number) +
            (x[i + 1] as number) +
            (x[i + size] as number) +
            (x[i + size + 1] as number)) /
          4
      }
    }
  }
  return out
}

/** Copies CHW `x` [c, size, size] into a zero-padded buffer [c, size + 2, size + 2]. */
function pad(x: Float64Array, channels: number, size: number): Float64Array {
  const p = size + 2 * PAD
  const out = new Float64Array(channels * p * p)
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < size; y++) {
      const src = c * size * size + y * size
      out.set(x.subarray(src, src + size), c * p * p + (y + PAD) * p + PAD)
    }
  }
  return out
}

/** 3x3 convolution, stride 2, on a padded input [cin, size + 2, size + 2]. */
function convForward(layer: ConvLayer, xp: Float64Array, size: number, out: Float64Array): void {
  const o = outSize(size)
  const p = size + 2 * PAD
  const { w, b, cin, cout } = layer
  for (let co = 0; co < cout; co++) {
    for (let oy = 0; oy < o; oy++) {
      for (let ox = 0; ox < o; ox++) {
        let s = b[co] as number
        for (let ci = 0; ci < cin; ci++) {
          const wb = (co * cin + ci) * 9
          const r0 = ci * p * p + oy * STRIDE * p + ox * STRIDE
          const r1 = r0 + p
          const r2 = r1 + p
          s +=
            (w[wb] as number) * (xp[r0] as number) +
            (w[wb + 1] as number) * (xp[r0 + 1] as number) +
            (w[wb + 2] as number) * (xp[r0 + 2] as number) +
            (w[wb + 3] as number) * (xp[r1] as number) +
            (w[wb + 4] as number) * (xp[r1 + 1] as number) +
            (w[wb + 5] as number) * (xp[r1 + 2] as number) +
            (w[wb + 6] as number) * (xp[r2] as number) +
            (w[wb + 7] as number) * (xp[r2 + 1] as number) +
            (w[wb + 8] as number) * (xp[r2 + 2] as number)
        }
        out[(co * o + oy) * o + ox] = s
      }
    }
  }
}

/**
 * Accumulates dW and db of a conv layer from dOut, and, if `dxp` is given, the gradient of the
 * padded input (the caller drops the padding).
 */
function convBackward(
  layer: ConvLayer,
  xp: Float64Array,
  size: number,
  dOut: Float64Array,
  dw: Float64Array,
  db: Float64Array,
  dxp: Float64Array | undefined,
): void {
  const o = outSize(size)
  const p = size + 2 * PAD
  const { w, cin, cout } = layer
  for (let co = 0; co < cout; co++) {
    for (let oy = 0; oy < o; oy++) {
      for (let ox = 0; ox < o; ox++) {
        const g = dOut[(co * o + oy) * o + ox] as number
        if (g === 0) continue
        db[co] = (db[co] as number) + g
        for (let ci = 0; ci < cin; ci++) {
          const wb = (co * cin + ci) * 9
          const r0 = ci * p * p + oy * STRIDE * p + ox * STRIDE
          const r1 = r0 + p
          const r2 = r1 + p
          // Unrolled 3x3; each element's accumulation order is the same as a ky/kx loop's.
          dw[wb] = (dw[wb] as number) + g * (xp[r0] as number)
          dw[wb + 1] = (dw[wb + 1] as number) + g * (xp[r0 + 1] as number)
          dw[wb + 2] = (dw[wb + 2] as number) + g * (xp[r0 + 2] as number)
          dw[wb + 3] = (dw[wb + 3] as number) + g * (xp[r1] as number)
          dw[wb + 4] = (dw[wb + 4] as number) + g * (xp[r1 + 1] as number)
          dw[wb + 5] = (dw[wb + 5] as number) + g * (xp[r1 + 2] as number)
          dw[wb + 6] = (dw[wb + 6] as number) + g * (xp[r2] as number)
          dw[wb + 7] = (dw[wb + 7] as number) + g * (xp[r2 + 1] as number)
          dw[wb + 8] = (dw[wb + 8] as number) + g * (xp[r2 + 2] as number)
          if (!dxp) continue
          dxp[r0] = (dxp[r0] as number) + g * (w[wb] as number)
          dxp[r0 + 1] = (dxp[r0 + 1] as number) + g * (w[wb + 1] as number)
          dxp[r0 + 2] = (dxp[r0 + 2] as number) + g * (w[wb + 2] as number)
          dxp[r1] = (dxp[r1] as number) + g * (w[wb + 3] as number)
          dxp[r1 + 1] = (dxp[r1 + 1] as number) + g * (w[wb + 4] as number)
          dxp[r1 + 2] = (dxp[r1 + 2] as number) + g * (w[wb + 5] as number)
          dxp[r2] = (dxp[r2] as number) + g * (w[wb + 6] as number)
          dxp[r2 + 1] = (dxp[r2 + 1] as number) + g * (w[wb + 7] as number)
          dxp[r2 + 2] = (dxp[r2 + 2] as number) + g * (w[wb + 8] as number)
        }
      }
    }
  }
}

interface Activations {
  xp: Float64Array // padded input, [3, 34, 34]
  h1: Float64Array // after ReLU, [c1, 16, 16]
  h1p: Float64Array // h1 padded, [c1, 18, 18]
  h2: Float64Array // after ReLU, [c2, 8, 8]
  gap: Float64Array // [2 * c2]: channel averages, then channel maxima
  maxAt: Int32Array // [c2]: position of each channel's maximum
  probs: Float64Array // [classes]
}

/** Forward pass of one pre-pooled input [3, 32, 32]. */
function forward(model: Cnn, x: Float64Array): Activations {
  const s1 = outSize(POOLED)
  const s2 = outSize(s1)
  const xp = pad(x, 3, POOLED)
  const h1 = new Float64Array(model.conv1.cout * s1 * s1)
  convForward(model.conv1, xp, POOLED, h1)
  for (let i = 0; i < h1.length; i++) if ((h1[i] as number) < 0) h1[i] = 0
  const h1p = pad(h1, model.conv1.cout, s1)
  const h2 = new Float64Array(model.conv2.cout * s2 * s2)
  convForward(model.conv2, h1p, s1, h2)
  for (let i = 0; i < h2.length; i++) if ((h2[i] as number) < 0) h2[i] = 0
  const c2 = model.conv2.cout
  // Pooled features: [average of each channel..., maximum of each channel...].
  const gap = new Float64Array(2 * c2)
  const maxAt = new Int32Array(c2)
  const area = s2 * s2
  for (let c = 0; c < c2; c++) {
    let s = 0
    let best = 0
    for (let i = 0; i < area; i++) {
      const v = h2[c * area + i] as number
      s += v
      if (v > (h2[c * area + best] as number)) best = i
    }
    gap[c] = s / area
    gap[c2 + c] = h2[c * area + best] as number
    maxAt[c] = best
  }
  const z = new Float64Array(model.classes)
  for (let k = 0; k < model.classes; k++) {
    let s = model.denseB[k] as number
    for (let c = 0; c < 2 * c2; c++)
      s += (gap[c] as number) * (model.denseW[c * model.classes + k] as number)
    z[k] = s
  }
  return { xp, h1, h1p, h2, gap, maxAt, probs: softmaxInPlace(z) }
}

/** Class probabilities of one pre-pooled input [3, 32, 32]. */
export function cnnPredict(model: Cnn, pooled: Float64Array): Float64Array {
  return forward(model, pooled).probs
}

/** A copy with every parameter rounded to float32: the weights the ONNX file stores. */
export function roundCnnToFloat32(model: Cnn): Cnn {
  const r = (a: Float64Array): Float64Array => Float64Array.from(Float32Array.from(a))
  return {
    conv1: { ...model.conv1, w: r(model.conv1.w), b: r(model.conv1.b) },
    conv2: { ...model.conv2, w: r(model.conv2.w), b: r(model.conv2.b) },
    denseW: r(model.denseW),
    denseB: r(model.denseB),
    classes: model.classes,
  }
}

/** Trains the CNN on pre-pooled inputs (`inputs[i]` is [3, 32, 32]) with class labels. */
export function trainCnn(
  inputs: Float64Array[],
  labels: Uint8Array,
  classes: number,
  hp: CnnHyperparameters,
): Cnn {
  const rng = new Prng(hp.seed)
  const c1 = hp.conv1Channels
  const c2 = hp.conv2Channels
  const model: Cnn = {
    conv1: { w: heNormal(rng, c1 * 3 * 9, 3 * 9), b: new Float64Array(c1), cin: 3, cout: c1 },
    conv2: { w: heNormal(rng, c2 * c1 * 9, c1 * 9), b: new Float64Array(c2), cin: c1, cout: c2 },
    denseW: heNormal(rng, 2 * c2 * classes, 2 * c2),
    denseB: new Float64Array(classes),
    classes,
  }
  const s1 = outSize(POOLED)
  const s2 = outSize(s1)
  const area2 = s2 * s2
  const p1 = s1 + 2 * PAD
  const params = [
    { values: model.conv1.w, decayed: true },
    { values: model.conv1.b, decayed: false },
    { values: model.conv2.w, decayed: true },
    { values: model.conv2.b, decayed: false },
    { values: model.denseW, decayed: true },
    { values: model.denseB, decayed: false },
  ]
  trainMinibatches(params, inputs.length, hp, rng, (i, grads) => {
    const [gw1, gb1, gw2, gb2, gdw, gdb] = grads as [
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
    ]
    const act = forward(model, inputs[i] as Float64Array)
    const dz = Float64Array.from(act.probs)
    dz[labels[i] as number] = (dz[labels[i] as number] as number) - 1
    const dGap = new Float64Array(2 * c2)
    for (let c = 0; c < 2 * c2; c++) {
      let s = 0
      for (let k = 0; k < classes; k++) {
        gdw[c * classes + k] =
          (gdw[c * classes + k] as number) + (act.gap[c] as number) * (dz[k] as number)
        s += (model.denseW[c * classes + k] as number) * (dz[k] as number)
      }
      dGap[c] = s
    }
    for (let k = 0; k < classes; k++) gdb[k] = (gdb[k] as number) + (dz[k] as number)
    const dH2 = new Float64Array(act.h2.length)
    for (let c = 0; c < c2; c++) {
      const g = (dGap[c] as number) / area2
      for (let j = 0; j < area2; j++)
        if ((act.h2[c * area2 + j] as number) > 0) dH2[c * area2 + j] = g
      const m = c * area2 + (act.maxAt[c] as number)
      if ((act.h2[m] as number) > 0) dH2[m] = (dH2[m] as number) + (dGap[c2 + c] as number)
    }
    const dH1p = new Float64Array(act.h1p.length)
    convBackward(model.conv2, act.h1p, s1, dH2, gw2, gb2, dH1p)
    const dH1 = new Float64Array(act.h1.length)
    for (let c = 0; c < c1; c++) {
      for (let y = 0; y < s1; y++) {
        for (let xx = 0; xx < s1; xx++) {
          const j = (c * s1 + y) * s1 + xx
          if ((act.h1[j] as number) > 0)
            dH1[j] = dH1p[c * p1 * p1 + (y + PAD) * p1 + xx + PAD] as number
        }
      }
    }
    convBackward(model.conv1, act.xp, POOLED, dH1, gw1, gb1, undefined)
  })
  return model
}
