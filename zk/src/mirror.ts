/**
 * A BigInt mirror of the generated circuit's arithmetic: the same integers, the same rescaling and
 * the same table, so it must produce the circuit's public signals exactly (the tests check it
 * against the circuit's witness). Used to compare with the served model on many rows cheaply, and
 * to build the circuit's input signals for the prover.
 */
import { ZkInputError } from './errors'
import { toField } from './fixed-point'
import { INPUT_TAG, WEIGHTS_TAG, type QuantisedModel } from './quantised-model'
import { chainCommit } from './poseidon'
import { sigmoidTable, tableResult, type SigmoidTable } from './sigmoid-table'

export interface MirrorRun {
  result: number
  /** The logit difference d at the last accumulator's fraction bits. */
  d: bigint
}

/** The circuit's private inputs, as the witness calculator reads them (decimal strings). */
export interface CircuitInputs {
  features: string[]
  salt: string
  /** Private weight mode only. */
  weights?: string[]
}

export interface PublicSignals {
  result: bigint
  inputCommitment: bigint
  weightsCommitment: bigint
}

const tables = new WeakMap<QuantisedModel, SigmoidTable>()

export function tableOf(model: QuantisedModel): SigmoidTable {
  let t = tables.get(model)
  if (!t) {
    const last = model.layers[model.layers.length - 1]
    const head = model.format.circuit.head
    t = sigmoidTable(head.scale, last?.accumulatorFractionBits ?? 0, head.logitBits)
    tables.set(model, t)
  }
  return t
}

/** Throws ZkInputError unless every encoded feature lies in the format's range (as the circuit). */
export function checkEncodedRanges(model: QuantisedModel, encoded: readonly bigint[]): void {
  const fs = model.format.circuit.features
  if (encoded.length !== fs.length) {
    throw new ZkInputError(`expected ${fs.length} encoded features, got ${encoded.length}`)
  }
  fs.forEach((f, i) => {
    const v = encoded[i] as bigint
    if (v < BigInt(f.min) || v > BigInt(f.max)) {
      throw new ZkInputError(`feature "${f.name}" encodes to ${v}, outside ${f.min}..${f.max}`)
    }
  })
}

/** The circuit's forward pass on encoded features: the result and the logit difference. */
export function mirrorForward(model: QuantisedModel, encoded: readonly bigint[]): MirrorRun {
  checkEncodedRanges(model, encoded)
  const { fixedPoint, features, head } = model.format.circuit
  let x = encoded.map((v, i) =>
    features[i]?.encoding === 'integer' ? v << BigInt(fixedPoint.inputBits) : v,
  )
  for (const [l, layer] of model.layers.entries()) {
    const out: bigint[] = []
    for (let j = 0; j < layer.outputs; j++) {
      let acc = layer.bias[j] as bigint
      for (let i = 0; i < layer.inputs; i++) {
        acc += (x[i] as bigint) * (layer.weights[i * layer.outputs + j] as bigint)
      }
      if (layer.activation === 'relu') {
        const v = acc + (1n << BigInt(layer.rescaleBits - 1))
        const bound = 1n << BigInt(layer.accumulatorBits)
        if (v < -bound || v >= bound) {
          throw new ZkInputError(
            `layer ${l} neuron ${j}: accumulator ${v} exceeds 2^${layer.accumulatorBits}`,
          )
        }
        out.push(v < 0n ? 0n : v >> BigInt(layer.rescaleBits))
      } else {
        out.push(acc)
      }
    }
    x = out
  }
  const d =
    (x[head.positive] as bigint) - (head.negative === null ? 0n : (x[head.negative] as bigint))
  const bound = 1n << BigInt(head.logitBits)
  if (d < -bound || d >= bound) {
    throw new ZkInputError(`logit difference ${d} exceeds 2^${head.logitBits}`)
  }
  return { result: tableResult(tableOf(model), d), d }
}

export function inputCommitment(encoded: readonly bigint[], salt: bigint): bigint {
  return chainCommit(INPUT_TAG, [...encoded.map(toField), toField(salt)])
}

export function weightsCommitment(model: QuantisedModel): bigint {
  return chainCommit(WEIGHTS_TAG, [BigInt(model.format.formatHash), ...model.weightElements])
}

/** Everything public the circuit outputs for these inputs. */
export function mirrorPublicSignals(
  model: QuantisedModel,
  encoded: readonly bigint[],
  salt: bigint,
): PublicSignals {
  return {
    result: BigInt(mirrorForward(model, encoded).result),
    inputCommitment: inputCommitment(encoded, salt),
    weightsCommitment: BigInt(model.format.weightsCommitment),
  }
}

/** The witness calculator's input object. */
export function circuitInputs(
  model: QuantisedModel,
  encoded: readonly bigint[],
  salt: bigint,
): CircuitInputs {
  const inputs: CircuitInputs = {
    features: encoded.map((v) => toField(v).toString()),
    salt: toField(salt).toString(),
  }
  if (model.format.weights === 'private') inputs.weights = model.weightElements.map(String)
  return inputs
}
