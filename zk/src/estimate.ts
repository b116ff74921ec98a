/**
 * What a model would cost as a circuit, for any ONNX model, supported or not (issue 16's image
 * model question): walks the graph with shape inference and counts R1CS constraints per operator
 * with the same constructions the generator emits:
 *
 * - linear operators (Gemm/MatMul/Conv with constant weights, Add/Sub/Mul/Div by constants,
 *   average pooling, Concat, Flatten): 0 constraints (R1CS takes linear combinations for free;
 *   pooling divisions fold into the next layer);
 * - ReLU + rescale: k + 2 per element (a (k+1)-bit decomposition and one product);
 * - max pooling: k + 3 per comparison; argmax over c classes: (c - 1)(k + 3);
 * - the binary-probability head: the threshold-table lookup (one-hot row and column, 2 products
 *   per row, two (k+2)-bit range checks);
 * - the input: tabular features range-checked to the manifest (2 x bits each) and committed with
 *   chained Poseidon; image pixels as bytes (8-bit checks), 31 to a field element, then Poseidon;
 * - private weights mode adds one product per multiply-accumulate and Poseidon over the weights.
 *
 * Poseidon(n) costs 3 * (8 * (n + 1) + partialRounds(n + 1)) constraints (x^5 S-boxes), as
 * circomlib's. The count for a supported model is checked against the compiler's in the tests.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { parseManifest, type Manifest } from '../../protocol/manifest'
import { readSetupRecord } from './artifacts'
import { bitLength } from './fixed-point'
import type { FixedPoint } from './format'
import type { GraphNode } from './onnx-graph'
import { readOnnxGraph } from './onnx-graph'
import { CHAIN_RATE } from './poseidon'
import { parseSalt, ZkProver } from './prover'
import { DEFAULT_FIXED_POINT, encodeFeature } from './quantised-model'

const N_ROUNDS_P = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68]
/** Bits of an accumulator in the default format: 72 fraction bits, ~8 of magnitude, headroom. */
const DEFAULT_ACCUMULATOR_BITS = 84
const BYTES_PER_ELEMENT = 31

export function poseidonConstraints(inputs: number): number {
  const t = inputs + 1
  return 3 * (8 * t + (N_ROUNDS_P[t - 2] as number))
}

/** Chained commitment over n elements (tag first): one Poseidon per 15 elements. */
export function chainConstraints(n: number): number {
  let total = 0
  for (let i = 0; i < n; i += CHAIN_RATE)
    total += poseidonConstraints(Math.min(CHAIN_RATE, n - i) + 1)
  return total
}

export interface EstimateLine {
  op: string
  node: string
  shape: number[]
  constraints: number
  note: string
}

export interface Estimate {
  model: string
  weights: 'constant' | 'private'
  constraints: number
  /** Powers of tau needed: 2^power >= constraints + public signals + 1. */
  ptauPower: number
  lines: EstimateLine[]
  unsupported: string[]
}

type Shapes = Map<string, number[]>

const size = (s: number[]): number => s.reduce((a, b) => a * b, 1)

function ints(node: GraphNode, key: string, fallback: number[]): number[] {
  const a = node.attributes.get(key)
  return a?.kind === 'ints' ? a.value : fallback
}

function int(node: GraphNode, key: string, fallback: number): number {
  const a = node.attributes.get(key)
  return a?.kind === 'int' ? a.value : fallback
}

/** Output shape of a spatial window (Conv, pooling) over NCHW input. */
function windowShape(node: GraphNode, x: number[], channels: number): number[] {
  const [n, , h, w] = x as [number, number, number, number]
  const k = ints(node, 'kernel_shape', [1, 1])
  const s = ints(node, 'strides', [1, 1])
  const p = ints(node, 'pads', [0, 0, 0, 0])
  const out = (len: number, i: number): number =>
    Math.floor((len + (p[i] ?? 0) + (p[i + 2] ?? 0) - (k[i] ?? 1)) / (s[i] ?? 1)) + 1
  return [n, channels, out(h, 0), out(w, 1)]
}

/** Estimates a model folder's circuit in both weight modes' terms (`weights` picks which). */
export function estimateModel(
  modelDir: string,
  options: {
    weights?: 'constant' | 'private'
    fixedPoint?: FixedPoint
    accumulatorBits?: number
  } = {},
): Estimate {
  const manifest: Manifest = parseManifest(
    JSON.parse(readFileSync(join(modelDir, 'manifest.json'), 'utf8')),
  )
  const graph = readOnnxGraph(readFileSync(join(modelDir, manifest.file.path)))
  const weights = options.weights ?? 'constant'
  const fp = options.fixedPoint ?? DEFAULT_FIXED_POINT
  const k = options.accumulatorBits ?? DEFAULT_ACCUMULATOR_BITS
  const lines: EstimateLine[] = []
  const unsupported: string[] = []
  const shapes: Shapes = new Map()
  for (const [name, t] of graph.initializers) shapes.set(name, [...t.dims])
  const input = graph.inputs[0]
  if (!input) throw new Error('graph has no input')
  const inShape = input.dims.map((d) => (typeof d === 'number' ? d : 1))
  shapes.set(input.name, inShape)

  // The input: range checks (tabular) or byte checks (image), then its commitment, a Poseidon
  // chain over `elements` field elements plus the tag and the salt.
  const pushInput = (
    inputConstraints: number,
    inputNote: string,
    elements: number,
    commitNote: string,
  ): void => {
    lines.push({
      op: 'input',
      node: input.name,
      shape: inShape,
      constraints: inputConstraints,
      note: inputNote,
    })
    lines.push({
      op: 'commit',
      node: input.name,
      shape: [elements + 1],
      constraints: chainConstraints(elements + 2),
      note: commitNote,
    })
  }
  if (manifest.inputs.kind === 'tabular') {
    let ranges = 0
    for (const f of manifest.inputs.features) {
      const enc = f.type === 'integer' ? 'integer' : 'fixed'
      const lo =
        enc === 'integer' ? BigInt(Math.ceil(f.min)) : encodeFeature('fixed', f.min, fp.inputBits)
      const hi =
        enc === 'integer' ? BigInt(Math.floor(f.max)) : encodeFeature('fixed', f.max, fp.inputBits)
      ranges += 2 * Math.max(1, bitLength(hi - lo))
    }
    const n = manifest.inputs.features.length
    pushInput(ranges, 'range checks', n, 'Poseidon(tag, features, salt)')
  } else {
    const pixels = size(inShape)
    const packed = Math.ceil(pixels / BYTES_PER_ELEMENT)
    pushInput(
      8 * pixels,
      'bytes',
      packed,
      `Poseidon over pixels packed ${BYTES_PER_ELEMENT} bytes per element`,
    )
  }

  let macs = 0
  let weightCount = 0
  const rule = manifest.outputs.result
  for (const node of graph.nodes) {
    const x = shapes.get(node.inputs[0] ?? '') ?? []
    let shape = x
    let constraints = 0
    let note = 'linear'
    switch (node.op) {
      case 'Conv': {
        const w = shapes.get(node.inputs[1] ?? '') ?? []
        shape = windowShape(node, x, w[0] ?? 1)
        const perOut = size(w.slice(1))
        macs += size(shape) * perOut
        weightCount += size(w) + (w[0] ?? 0)
        break
      }
      case 'AveragePool':
        shape = windowShape(node, x, x[1] ?? 1)
        break
      case 'MaxPool': {
        shape = windowShape(node, x, x[1] ?? 1)
        const window = size(ints(node, 'kernel_shape', [1, 1]))
        constraints = size(shape) * (window - 1) * (k + 3)
        note = `${window - 1} comparisons per output`
        break
      }
      case 'GlobalAveragePool':
        shape = [x[0] ?? 1, x[1] ?? 1, 1, 1]
        break
      case 'GlobalMaxPool': {
        shape = [x[0] ?? 1, x[1] ?? 1, 1, 1]
        const spatial = size(x.slice(2))
        constraints = (x[1] ?? 1) * (spatial - 1) * (k + 3)
        note = `${spatial - 1} comparisons per channel`
        break
      }
      case 'Concat': {
        const axis = int(node, 'axis', 1)
        shape = [...x]
        shape[axis] = node.inputs.reduce((a, name) => a + ((shapes.get(name) ?? [])[axis] ?? 0), 0)
        break
      }
      case 'Flatten': {
        const axis = int(node, 'axis', 1)
        shape = [size(x.slice(0, axis)), size(x.slice(axis))]
        break
      }
      case 'MatMul':
      case 'Gemm': {
        const w = shapes.get(node.inputs[1] ?? '') ?? []
        const transB = node.op === 'Gemm' && int(node, 'transB', 0) === 1
        const m = (transB ? w[0] : w[1]) ?? 1
        shape = [...x.slice(0, -1), m]
        macs += size(x) * m
        weightCount += size(w) + m
        break
      }
      case 'Add':
      case 'Sub':
      case 'Mul':
      case 'Div':
      case 'Identity':
        break
      case 'Relu':
        constraints = size(x) * (k + 2)
        note = `ReLU + rescale, ${k}-bit accumulator`
        break
      case 'Softmax':
      case 'Sigmoid': {
        const c = x[x.length - 1] ?? 1
        if (rule.kind === 'argmax') {
          constraints = (c - 1) * (k + 3)
          note = `argmax over ${c} logits (replaces the softmax)`
        } else if (c <= 2) {
          const rows = Math.ceil(
            (manifest.outputs.scale + 1) / Math.ceil(Math.sqrt(manifest.outputs.scale + 1)),
          )
          const cols = Math.ceil(Math.sqrt(manifest.outputs.scale + 1))
          constraints = rows + cols + 2 * rows + 2 * (k + 2)
          note = 'sigmoid threshold-table lookup'
        } else {
          unsupported.push(`${node.op} "${node.name}": probability of one of ${c} classes`)
          note = 'not estimated'
        }
        break
      }
      default:
        unsupported.push(`${node.op} "${node.name}"`)
        note = 'not estimated'
    }
    for (const o of node.outputs) shapes.set(o, shape)
    lines.push({ op: node.op, node: node.name, shape, constraints, note })
  }
  if (weights === 'private') {
    lines.push({
      op: 'weights',
      node: '(all)',
      shape: [macs],
      constraints: macs,
      note: 'one product per MAC',
    })
    lines.push({
      op: 'commit',
      node: '(weights)',
      shape: [weightCount + 1],
      constraints: chainConstraints(weightCount + 1),
      note: 'Poseidon over the weights',
    })
  }
  const constraints = lines.reduce((a, l) => a + l.constraints, 0)
  return {
    model: manifest.id,
    weights,
    constraints,
    ptauPower: Math.ceil(Math.log2(constraints + 4)),
    lines,
    unsupported,
  }
}

export interface Extrapolation {
  /** The compiled model whose proofs were timed. */
  from: string
  constraints: number
  provingCpuMs: number
  /** Linear in constraints: Groth16's cost is dominated by multi-scalar multiplications of that size. */
  estimatedProvingCpuSeconds: number
}

/**
 * Times `runs` proofs of a compiled model's sample request (median CPU time of the proving process)
 * and scales it linearly to `constraints`. A lower bound in practice: bigger circuits also pay for
 * memory traffic the small one does not.
 */
export async function extrapolateProvingTime(
  compiledModelDir: string,
  constraints: number,
  runs = 3,
): Promise<Extrapolation> {
  const prover = ZkProver.open(compiledModelDir)
  const sample = JSON.parse(
    readFileSync(join(prover.paths.circuitDir, 'sample-request.json'), 'utf8'),
  ) as { features: Record<string, number>; salt: string }
  await prover.prove(sample.features, parseSalt(sample.salt))
  const cpu: number[] = []
  for (let i = 0; i < runs; i++) {
    cpu.push((await prover.prove(sample.features, parseSalt(sample.salt))).provingCpuMs)
  }
  cpu.sort((a, b) => a - b)
  const ms = cpu[cpu.length >> 1] as number
  const base = readSetupRecord(prover.paths).circuit.constraints
  return {
    from: prover.paths.id,
    constraints: base,
    provingCpuMs: ms,
    estimatedProvingCpuSeconds: Math.round(((ms * constraints) / base / 1000) * 10) / 10,
  }
}
