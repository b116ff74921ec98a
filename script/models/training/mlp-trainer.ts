/**
 * A small multilayer perceptron (dense layers, ReLU between them, softmax at the end) trained with
 * mini-batch Adam on cross-entropy, in float64, with a seeded initialisation and batch order. The
 * inputs are standardised with the training set's mean and standard deviation; those two vectors are
 * part of the model (the ONNX graph applies them), so callers pass raw features.
 */
import { heNormal } from './he-init'
import { trainMinibatches, type MinibatchHyperparameters, type Parameter } from './minibatch'
import { Prng } from './prng'
import { softmaxInPlace } from './softmax'

export interface MlpHyperparameters extends MinibatchHyperparameters {
  hidden: number[]
  seed: number
}

export interface DenseLayer {
  /** Row-major [in, out] (the ONNX MatMul layout). */
  w: Float64Array
  b: Float64Array
  in: number
  out: number
}

export interface Mlp {
  mean: Float64Array
  std: Float64Array
  layers: DenseLayer[]
}

/** Per-feature mean and standard deviation (std floored at 1e-6). */
export function standardisation(
  x: Float64Array,
  n: number,
  f: number,
): { mean: Float64Array; std: Float64Array } {
  const mean = new Float64Array(f)
  const std = new Float64Array(f)
  for (let i = 0; i < n; i++)
    for (let j = 0; j < f; j++) mean[j] = (mean[j] as number) + (x[i * f + j] as number) / n
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < f; j++) {
      const d = (x[i * f + j] as number) - (mean[j] as number)
      std[j] = (std[j] as number) + (d * d) / n
    }
  }
  for (let j = 0; j < f; j++) std[j] = Math.max(Math.sqrt(std[j] as number), 1e-6)
  return { mean, std }
}

/** Forward pass of one row; returns the activations of every layer (last = probabilities). */
export function mlpForward(model: Mlp, row: ArrayLike<number>): Float64Array[] {
  const f = model.mean.length
  let a: Float64Array = new Float64Array(f)
  for (let j = 0; j < f; j++) {
    a[j] = ((row[j] as number) - (model.mean[j] as number)) / (model.std[j] as number)
  }
  const acts: Float64Array[] = [a]
  model.layers.forEach((layer, li) => {
    const z = new Float64Array(layer.out)
    for (let o = 0; o < layer.out; o++) z[o] = layer.b[o] as number
    for (let i = 0; i < layer.in; i++) {
      const ai = a[i] as number
      if (ai === 0) continue
      for (let o = 0; o < layer.out; o++) {
        z[o] = (z[o] as number) + ai * (layer.w[i * layer.out + o] as number)
      }
    }
    if (li < model.layers.length - 1) {
      for (let o = 0; o < layer.out; o++) z[o] = Math.max(0, z[o] as number)
    } else {
      softmaxInPlace(z)
    }
    acts.push(z)
    a = z
  })
  return acts
}

/** Probabilities for every row, row-major [n, classes]. */
export function mlpPredict(model: Mlp, x: Float64Array, n: number): Float64Array {
  const f = model.mean.length
  const classes = model.layers[model.layers.length - 1]?.out ?? 0
  const out = new Float64Array(n * classes)
  for (let i = 0; i < n; i++) {
    const acts = mlpForward(model, x.subarray(i * f, (i + 1) * f))
    out.set(acts[acts.length - 1] as Float64Array, i * classes)
  }
  return out
}

/** A copy with every parameter rounded to float32: the weights the ONNX file stores. */
export function roundMlpToFloat32(model: Mlp): Mlp {
  const r = (a: Float64Array): Float64Array => Float64Array.from(Float32Array.from(a))
  return {
    mean: r(model.mean),
    std: r(model.std),
    layers: model.layers.map((l) => ({ ...l, w: r(l.w), b: r(l.b) })),
  }
}

/** He-initialised dense layers of the given sizes ([inputs, ...hidden, classes]), zero biases. */
export function initMlpLayers(sizes: readonly number[], rng: Prng): DenseLayer[] {
  const layers: DenseLayer[] = []
  for (let l = 0; l + 1 < sizes.length; l++) {
    const fanIn = sizes[l] as number
    const fanOut = sizes[l + 1] as number
    layers.push({
      w: heNormal(rng, fanIn * fanOut, fanIn),
      b: new Float64Array(fanOut),
      in: fanIn,
      out: fanOut,
    })
  }
  return layers
}

/**
 * Adds the cross-entropy gradient of one row with class `label` to `grads` (per layer: weights,
 * then bias, the order of `mlpParameters`).
 */
export function accumulateMlpGradient(
  model: Mlp,
  row: ArrayLike<number>,
  label: number,
  grads: readonly Float64Array[],
): void {
  const { layers } = model
  const acts = mlpForward(model, row)
  // dLoss/dz of the softmax + cross-entropy output layer.
  let delta = Float64Array.from(acts[acts.length - 1] as Float64Array)
  delta[label] = (delta[label] as number) - 1
  for (let l = layers.length - 1; l >= 0; l--) {
    const layer = layers[l] as DenseLayer
    const input = acts[l] as Float64Array
    const gw = grads[2 * l] as Float64Array
    const gb = grads[2 * l + 1] as Float64Array
    for (let o = 0; o < layer.out; o++) gb[o] = (gb[o] as number) + (delta[o] as number)
    for (let k = 0; k < layer.in; k++) {
      const ak = input[k] as number
      if (ak === 0) continue
      for (let o = 0; o < layer.out; o++) {
        gw[k * layer.out + o] = (gw[k * layer.out + o] as number) + ak * (delta[o] as number)
      }
    }
    if (l === 0) break
    const prev = new Float64Array(layer.in)
    for (let k = 0; k < layer.in; k++) {
      if ((input[k] as number) <= 0) continue // ReLU gradient
      let s = 0
      for (let o = 0; o < layer.out; o++)
        s += (layer.w[k * layer.out + o] as number) * (delta[o] as number)
      prev[k] = s
    }
    delta = prev
  }
}

/** The trainable tensors of `model` in training order: per layer its weights, then its bias. */
export function mlpParameters(model: Mlp): Parameter[] {
  return model.layers.flatMap((l) => [
    { values: l.w, decayed: true },
    { values: l.b, decayed: false },
  ])
}

/**
 * Trains `model`'s layers in place on rows `x` [n, f] with class labels `y` for `hp.epochs` epochs
 * of mini-batch Adam (a fresh optimiser state), batch order drawn from `rng`. The standardisation
 * stays as it is.
 */
export function fitMlp(
  model: Mlp,
  x: Float64Array,
  y: Uint8Array,
  n: number,
  hp: MinibatchHyperparameters,
  rng: Prng,
): void {
  const f = model.mean.length
  trainMinibatches(mlpParameters(model), n, hp, rng, (i, grads) =>
    accumulateMlpGradient(model, x.subarray(i * f, (i + 1) * f), y[i] as number, grads),
  )
}

/** Trains an MLP classifier on rows `x` [n, f] with class labels `y`. */
export function trainMlp(
  x: Float64Array,
  y: Uint8Array,
  n: number,
  f: number,
  classes: number,
  hp: MlpHyperparameters,
): Mlp {
  const rng = new Prng(hp.seed)
  const { mean, std } = standardisation(x, n, f)
  const model: Mlp = { mean, std, layers: initMlpLayers([f, ...hp.hidden, classes], rng) }
  fitMlp(model, x, y, n, hp, rng)
  return model
}
