/**
 * From the lowered float network to the integers the circuit works with, and the format that
 * records how: weights and biases in fixed point, the accumulator widths from exact interval
 * arithmetic over every valid input (the manifest's feature ranges), the weights commitment, and
 * a worst-case error bound against the float64 network.
 *
 * Arithmetic of layer l (f = the input's fraction bits: inputBits for the features, activationBits
 * after a ReLU; F = weightBits):
 *   acc_j = sum_i x_i * w_ij + b_j            (fraction bits f + F, exact in the field)
 *   hidden: h_j = floor((max(acc_j, 0) + 2^(R-1)) / 2^R) with R = f + F - activationBits
 *   last:   the logits stay at f + F fraction bits; d = logits[positive] - logits[negative].
 */
import type { Manifest } from '../../protocol/manifest'
import { UnsupportedModelError } from './errors'
import { fromFixed, signedBits, toField, toFixed } from './fixed-point'
import {
  FORMAT_SCHEMA,
  formatHashOf,
  PUBLIC_SIGNALS,
  type CircuitFormat,
  type FixedPoint,
  type WeightMode,
  type ZkFormat,
} from './format'
import type { Network } from './network'
import { asciiTag, chainCommit } from './poseidon'

export const DEFAULT_FIXED_POINT: FixedPoint = {
  inputBits: 32,
  weightBits: 40,
  activationBits: 32,
  headroomBits: 4,
}

export const INPUT_TAG = asciiTag('onnx-oracle/zk/input/v1')
export const WEIGHTS_TAG = asciiTag('onnx-oracle/zk/weights/v1')

export interface QuantisedLayer {
  inputs: number
  outputs: number
  /** Row-major [inputs][outputs], at weightBits. */
  weights: bigint[]
  /** At the accumulator's fraction bits. */
  bias: bigint[]
  activation: 'relu' | 'none'
  accumulatorFractionBits: number
  /** Hidden layers: the rescale shift R; 0 for the last layer. */
  rescaleBits: number
  accumulatorBits: number
}

export interface QuantisedModel {
  format: ZkFormat
  layers: QuantisedLayer[]
  /** Field elements the weights commitment absorbs after the format hash, in circuit order. */
  weightElements: bigint[]
}

/** Six significant digits, never below x (a bound must stay a bound). */
const roundUp = (x: number): number => {
  const r = Number(x.toPrecision(6))
  return r >= x ? r : Number((x * (1 + 1e-5)).toPrecision(6))
}

const abs = (v: bigint): bigint => (v < 0n ? -v : v)
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b)
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b)

/** The encoded value of one feature (integer features as themselves). */
export function encodeFeature(encoding: 'integer' | 'fixed', x: number, inputBits: number): bigint {
  if (encoding === 'integer') {
    if (!Number.isSafeInteger(x)) throw new RangeError(`${x} is not an integer`)
    return BigInt(x)
  }
  return toFixed(Math.fround(x), inputBits)
}

/** Quantises the network, bounds every accumulator and writes the format. */
export function quantiseModel(
  net: Network,
  manifest: Manifest,
  fp: FixedPoint,
  weights: WeightMode = 'constant',
): QuantisedModel {
  if (manifest.inputs.kind !== 'tabular') throw new UnsupportedModelError('tabular models only')
  const { inputBits, weightBits, activationBits, headroomBits } = fp
  const features = manifest.inputs.features.map((f) => {
    const encoding = f.type === 'integer' ? ('integer' as const) : ('fixed' as const)
    const lo =
      encoding === 'integer' ? BigInt(Math.ceil(f.min)) : encodeFeature('fixed', f.min, inputBits)
    const hi =
      encoding === 'integer' ? BigInt(Math.floor(f.max)) : encodeFeature('fixed', f.max, inputBits)
    return { name: f.name, encoding, min: lo, max: hi }
  })
  // Value ranges (as fixed-point integers at `fraction` bits) and error bounds (real units).
  let lo = features.map((f) => (f.encoding === 'integer' ? f.min << BigInt(inputBits) : f.min))
  let hi = features.map((f) => (f.encoding === 'integer' ? f.max << BigInt(inputBits) : f.max))
  let err = features.map((f) => (f.encoding === 'integer' ? 0 : 2 ** -(inputBits + 1)))
  let fraction = inputBits
  const dw = 2 ** -(weightBits + 1)
  const layers: QuantisedLayer[] = []
  const tooWide = (what: string, k: number): void => {
    if (k > 240) {
      throw new UnsupportedModelError(
        `model ${manifest.id}: ${what} needs ${k} bits, beyond the field; lower the fraction bits`,
      )
    }
  }
  for (const [l, layer] of net.layers.entries()) {
    const accFraction = fraction + weightBits
    const weights = Array.from(layer.weights, (w) => toFixed(w, weightBits))
    const bias = Array.from(layer.bias, (b) => toFixed(b, accFraction))
    const accLo: bigint[] = []
    const accHi: bigint[] = []
    const accErr: number[] = []
    for (let j = 0; j < layer.outputs; j++) {
      let sLo = bias[j] as bigint
      let sHi = bias[j] as bigint
      let e = 2 ** -(accFraction + 1)
      for (let i = 0; i < layer.inputs; i++) {
        const w = weights[i * layer.outputs + j] as bigint
        const a = (lo[i] as bigint) * w
        const b = (hi[i] as bigint) * w
        sLo += min(a, b)
        sHi += max(a, b)
        const xMax = fromFixed(max(abs(lo[i] as bigint), abs(hi[i] as bigint)), fraction)
        const wAbs = Math.abs(layer.weights[i * layer.outputs + j] as number)
        e += xMax * dw + (wAbs + dw) * (err[i] as number)
      }
      accLo.push(sLo)
      accHi.push(sHi)
      accErr.push(e)
    }
    if (layer.activation === 'relu') {
      const rescale = accFraction - activationBits
      if (rescale < 1) {
        throw new UnsupportedModelError(
          `model ${manifest.id}: activationBits (${activationBits}) must be below the ` +
            `accumulator's fraction bits (${accFraction})`,
        )
      }
      const half = 1n << BigInt(rescale - 1)
      let need = 1
      for (let j = 0; j < layer.outputs; j++) {
        need = Math.max(need, signedBits((accLo[j] as bigint) + half, (accHi[j] as bigint) + half))
      }
      const accumulatorBits = need + headroomBits
      tooWide(`layer ${l}'s accumulator`, accumulatorBits + 1)
      layers.push({
        inputs: layer.inputs,
        outputs: layer.outputs,
        weights,
        bias,
        activation: 'relu',
        accumulatorFractionBits: accFraction,
        rescaleBits: rescale,
        accumulatorBits,
      })
      lo = accLo.map(() => 0n)
      hi = accHi.map((h) => max(0n, (h + half) >> BigInt(rescale)))
      err = accErr.map((e) => e + 2 ** -(activationBits + 1))
      fraction = activationBits
    } else {
      layers.push({
        inputs: layer.inputs,
        outputs: layer.outputs,
        weights,
        bias,
        activation: 'none',
        accumulatorFractionBits: accFraction,
        rescaleBits: 0,
        accumulatorBits: 0,
      })
      lo = accLo
      hi = accHi
      err = accErr
      fraction = accFraction
    }
  }
  const { positive, negative } = net.head
  const dLo = (lo[positive] as bigint) - (negative === null ? 0n : (hi[negative] as bigint))
  const dHi = (hi[positive] as bigint) - (negative === null ? 0n : (lo[negative] as bigint))
  const logitBits = signedBits(dLo, dHi) + headroomBits
  tooWide('the logit difference', logitBits + 2)
  const maxLogitError =
    (err[positive] as number) + (negative === null ? 0 : (err[negative] as number))
  const scale = manifest.outputs.scale
  // Each hidden layer's accumulatorBits is one value for all its neurons (the widest).
  for (const layer of layers) {
    if (layer.activation === 'none') layer.accumulatorBits = logitBits
  }
  const circuit: CircuitFormat = {
    fixedPoint: { ...fp },
    features: features.map((f) => ({
      name: f.name,
      encoding: f.encoding,
      min: f.min.toString(),
      max: f.max.toString(),
    })),
    layers: layers.map((l) => ({
      inputs: l.inputs,
      outputs: l.outputs,
      activation: l.activation,
      accumulatorFractionBits: l.accumulatorFractionBits,
      accumulatorBits: l.accumulatorBits,
    })),
    head: {
      kind: 'binary-probability',
      source: net.head.source,
      positive,
      negative,
      scale,
      logitBits,
    },
    commitments: { inputTag: INPUT_TAG.toString(), weightsTag: WEIGHTS_TAG.toString() },
  }
  const formatHash = formatHashOf(circuit)
  const weightElements = layers.flatMap((l) => [...l.weights, ...l.bias].map(toField))
  const weightsCommitment = chainCommit(WEIGHTS_TAG, [formatHash, ...weightElements])
  const format: ZkFormat = {
    schema: FORMAT_SCHEMA,
    model: { id: manifest.id, version: manifest.version, sha256: manifest.file.sha256 },
    weights,
    circuit,
    formatHash: formatHash.toString(),
    weightsCommitment: weightsCommitment.toString(),
    publicSignals: [...PUBLIC_SIGNALS],
    bounds: {
      maxLogitError: roundUp(maxLogitError),
      maxResultError: roundUp((maxLogitError * scale) / 4),
    },
  }
  return { format, layers, weightElements }
}
