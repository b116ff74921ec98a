/**
 * Lowers an ONNX graph to the network the circuit computes: a chain of dense layers (ReLU between
 * them) and a binary head. What is supported, and how:
 *
 * - `MatMul(x, W)` and `Gemm(x, B, C)` (transA = 0, any alpha, beta, transB) with constant weights
 *   become a dense layer;
 * - `Add`, `Sub`, `Mul` and `Div` with one constant operand (a scalar or one value per element) are
 *   element-wise affine maps: they are folded, in float64, into the neighbouring dense layer (input
 *   side when they come before it, e.g. the `(x - mean) / std` standardisation; output side when
 *   they come after it, e.g. a bias `Add`); two dense layers with nothing non-linear between them
 *   are multiplied into one;
 * - `Relu` after a dense layer;
 * - the final `Softmax` over two classes or `Sigmoid` over one output, with the manifest's
 *   `probability` result rule: the circuit replaces it by an exact lookup of the logit difference
 *   (see sigmoid-table.ts);
 * - `Identity` and `Constant` nodes.
 *
 * Anything else is refused with UnsupportedModelError naming every unsupported operator and node.
 */
import type { Manifest } from '../../protocol/manifest'
import { UnsupportedModelError } from './errors'
import type { ConstTensor, GraphNode, OnnxGraph } from './onnx-graph'

export interface DenseLayer {
  inputs: number
  outputs: number
  /** Row-major [inputs][outputs]. */
  weights: Float64Array
  bias: Float64Array
  /** `relu` for hidden layers; the last layer (the logits) is `none`. */
  activation: 'relu' | 'none'
}

/**
 * The result is round_half_even(scale * sigmoid(d)) with d = logits[positive] - logits[negative]
 * (two-class softmax: softmax(z)[i] = sigmoid(z[i] - z[1-i]) exactly) or d = logits[positive]
 * (one-output sigmoid, `negative` null).
 */
export interface BinaryHead {
  kind: 'binary-probability'
  source: 'softmax' | 'sigmoid'
  positive: number
  negative: number | null
}

export interface Network {
  inputSize: number
  layers: DenseLayer[]
  head: BinaryHead
}

export const SUPPORTED_OPS = [
  'Gemm',
  'MatMul',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Relu',
  'Softmax',
  'Sigmoid',
  'Identity',
  'Constant',
] as const

const SUPPORTED = new Set<string>(SUPPORTED_OPS)

const SUPPORTED_TEXT =
  'the zk generator supports Gemm, MatMul, Add/Sub/Mul/Div by a constant, Relu, and a final ' +
  'Softmax over two classes or Sigmoid over one output'

/** Element-wise affine map v = a * base + c pending on the current vector. */
interface Affine {
  a: Float64Array
  c: Float64Array
}

function identityAffine(width: number): Affine {
  return { a: new Float64Array(width).fill(1), c: new Float64Array(width) }
}

function isIdentity(f: Affine): boolean {
  return f.a.every((v) => v === 1) && f.c.every((v) => v === 0)
}

/** Lists every unsupported operator of the graph, or returns undefined when there is none. */
function unsupportedOperators(graph: OnnxGraph): string | undefined {
  const byOp = new Map<string, string[]>()
  for (const n of graph.nodes) {
    const key = n.domain === '' || n.domain === 'ai.onnx' ? n.op : `${n.domain}.${n.op}`
    if (SUPPORTED.has(key)) continue
    const list = byOp.get(key) ?? []
    list.push(n.name)
    byOp.set(key, list)
  }
  if (byOp.size === 0) return undefined
  return [...byOp.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([op, names]) => `${op} (${names.map((s) => `"${s}"`).join(', ')})`)
    .join(', ')
}

/** Lowers the model's graph, or throws UnsupportedModelError saying why it cannot. */
export function lowerModel(graph: OnnxGraph, manifest: Manifest): Network {
  const id = manifest.id
  const refuse = (why: string): never => {
    throw new UnsupportedModelError(`model ${id} cannot be compiled to a circuit: ${why}`)
  }
  const unsupported = unsupportedOperators(graph)
  if (unsupported !== undefined) {
    refuse(`unsupported operators ${unsupported}; ${SUPPORTED_TEXT}`)
  }
  if (manifest.inputs.kind !== 'tabular') {
    refuse(`inputs of kind "${manifest.inputs.kind}" are not supported (tabular only)`)
  }
  const inputs = manifest.inputs as Extract<Manifest['inputs'], { kind: 'tabular' }>
  const outputs = manifest.outputs
  const rule = outputs.result
  if (rule.kind !== 'probability') {
    refuse(`result rule "${rule.kind}" is not supported (only "probability" of a binary head)`)
  }
  const ruleIndex = (rule as { index: number }).index

  if (graph.inputs.length !== 1) {
    refuse(`expected one graph input, found ${graph.inputs.length}`)
  }
  const input = graph.inputs[0] as OnnxGraph['inputs'][number]
  const width0 = inputs.features.length
  const lastDim = input.dims[input.dims.length - 1]
  if (input.name !== inputs.tensor || input.dims.length > 2 || lastDim !== width0) {
    refuse(
      `graph input "${input.name}" [${input.dims.join(',')}] is not the manifest's ` +
        `"${inputs.tensor}" [batch,${width0}]`,
    )
  }

  const constants = new Map<string, ConstTensor>(graph.initializers)
  const layers: DenseLayer[] = []
  let current = input.name
  let width = width0
  let affine = identityAffine(width)
  /** True while the last layer's output has not gone through a non-linearity yet. */
  let open = false
  let head: BinaryHead | undefined

  const constOperand = (node: GraphNode): { value: ConstTensor; first: boolean } => {
    if (node.inputs.length !== 2) refuse(`node "${node.name}" (${node.op}) needs two inputs`)
    const [x, y] = node.inputs as [string, string]
    if (x === current && constants.has(y))
      return { value: constants.get(y) as ConstTensor, first: false }
    if (y === current && constants.has(x))
      return { value: constants.get(x) as ConstTensor, first: true }
    return refuse(
      `node "${node.name}" (${node.op}) must combine the running tensor "${current}" with a ` +
        'constant; the generator only handles a single chain',
    )
  }
  const broadcast = (node: GraphNode, t: ConstTensor): Float64Array => {
    if (t.data.length === 1) return new Float64Array(width).fill(t.data[0] as number)
    if (t.data.length === width && t.dims[t.dims.length - 1] === width) return t.data
    return refuse(
      `node "${node.name}" (${node.op}): constant of dims [${t.dims.join(',')}] does not ` +
        `broadcast element-wise over ${width} values`,
    )
  }
  /** Folds the pending affine map into the open layer's outputs. */
  const closeAffine = (): void => {
    if (isIdentity(affine)) return
    const layer = layers[layers.length - 1] as DenseLayer
    for (let j = 0; j < layer.outputs; j++) {
      const a = affine.a[j] as number
      for (let i = 0; i < layer.inputs; i++) {
        const k = i * layer.outputs + j
        layer.weights[k] = (layer.weights[k] as number) * a
      }
      layer.bias[j] = (layer.bias[j] as number) * a + (affine.c[j] as number)
    }
    affine = identityAffine(width)
  }
  const addDense = (w: Float64Array, m: number, bias: Float64Array): void => {
    // v = a * base + c;  y = v W + bias = base (diag(a) W) + (c W + bias)
    const n = width
    const folded = new Float64Array(n * m)
    const b = Float64Array.from(bias)
    for (let i = 0; i < n; i++) {
      const a = affine.a[i] as number
      const c = affine.c[i] as number
      for (let j = 0; j < m; j++) {
        const wij = w[i * m + j] as number
        folded[i * m + j] = a * wij
        b[j] = (b[j] as number) + c * wij
      }
    }
    const prev = layers[layers.length - 1]
    if (open && prev) {
      // Two linear layers in a row: base = u P + p, so y = u (P W') + (p W' + b).
      const composedW = new Float64Array(prev.inputs * m)
      const composedB = Float64Array.from(b)
      for (let j = 0; j < m; j++) {
        for (let k = 0; k < n; k++) {
          const wkj = folded[k * m + j] as number
          composedB[j] = (composedB[j] as number) + (prev.bias[k] as number) * wkj
          for (let i = 0; i < prev.inputs; i++) {
            const idx = i * m + j
            composedW[idx] = (composedW[idx] as number) + (prev.weights[i * n + k] as number) * wkj
          }
        }
      }
      layers[layers.length - 1] = {
        inputs: prev.inputs,
        outputs: m,
        weights: composedW,
        bias: composedB,
        activation: 'none',
      }
    } else {
      layers.push({ inputs: n, outputs: m, weights: folded, bias: b, activation: 'none' })
    }
    width = m
    affine = identityAffine(width)
    open = true
  }

  for (const [index, node] of graph.nodes.entries()) {
    if (head !== undefined)
      refuse(`node "${node.name}" (${node.op}) follows the final ${head.source}`)
    if (node.op === 'Constant') {
      // A float tensor becomes a constant operand; anything else (an int64 shape) is left out, so a
      // node that uses it is refused as not combining the running tensor with a constant.
      const v = node.attributes.get('value')
      if (v?.kind === 'tensor') constants.set(node.outputs[0] ?? '', v.value)
      continue
    }
    switch (node.op) {
      case 'Identity':
        if (node.inputs[0] !== current) refuse(`node "${node.name}" does not read "${current}"`)
        break
      case 'Add': {
        const { value } = constOperand(node)
        const k = broadcast(node, value)
        affine.c = affine.c.map((c, i) => c + (k[i] as number))
        break
      }
      case 'Sub': {
        const { value, first } = constOperand(node)
        const k = broadcast(node, value)
        if (first) {
          affine.a = affine.a.map((a) => -a)
          affine.c = affine.c.map((c, i) => (k[i] as number) - c)
        } else {
          affine.c = affine.c.map((c, i) => c - (k[i] as number))
        }
        break
      }
      case 'Mul': {
        const k = broadcast(node, constOperand(node).value)
        affine.a = affine.a.map((a, i) => a * (k[i] as number))
        affine.c = affine.c.map((c, i) => c * (k[i] as number))
        break
      }
      case 'Div': {
        const { value, first } = constOperand(node)
        if (first) refuse(`node "${node.name}" divides a constant by the running tensor`)
        const k = broadcast(node, value)
        if (k.some((v) => v === 0)) refuse(`node "${node.name}" divides by zero`)
        affine.a = affine.a.map((a, i) => a / (k[i] as number))
        affine.c = affine.c.map((c, i) => c / (k[i] as number))
        break
      }
      case 'MatMul': {
        const [x, wName] = node.inputs as [string, string]
        const w = constants.get(wName)
        if (x !== current || !w) {
          refuse(`MatMul node "${node.name}" must be running tensor x constant matrix`)
        }
        const wt = w as ConstTensor
        if (wt.dims.length !== 2 || wt.dims[0] !== width) {
          refuse(`MatMul node "${node.name}": weights [${wt.dims.join(',')}] for width ${width}`)
        }
        addDense(wt.data, wt.dims[1] as number, new Float64Array(wt.dims[1] as number))
        break
      }
      case 'Gemm': {
        const [x, bName, cName] = node.inputs as [string, string, string | undefined]
        const bT = constants.get(bName)
        const int = (k: string, d: number): number => {
          const a = node.attributes.get(k)
          return a?.kind === 'int' ? a.value : d
        }
        const float = (k: string): number => {
          const a = node.attributes.get(k)
          return a?.kind === 'float' ? a.value : 1
        }
        if (x !== current || !bT)
          refuse(`Gemm node "${node.name}" must be running tensor x constant`)
        if (int('transA', 0) !== 0) refuse(`Gemm node "${node.name}" has transA = 1`)
        const b = bT as ConstTensor
        const transB = int('transB', 0) === 1
        const [r, c] = b.dims as [number, number]
        const n = transB ? c : r
        const m = transB ? r : c
        if (b.dims.length !== 2 || n !== width) {
          refuse(`Gemm node "${node.name}": B [${b.dims.join(',')}] for width ${width}`)
        }
        const alpha = float('alpha')
        const beta = float('beta')
        const w = new Float64Array(n * m)
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < m; j++) {
            w[i * m + j] = alpha * (b.data[transB ? j * n + i : i * m + j] as number)
          }
        }
        let bias = new Float64Array(m)
        if (cName !== undefined && cName !== '') {
          const cT = constants.get(cName)
          if (!cT) refuse(`Gemm node "${node.name}": C "${cName}" is not a constant`)
          const cv = (cT as ConstTensor).data
          if (cv.length !== 1 && cv.length !== m)
            refuse(`Gemm node "${node.name}": C size ${cv.length}`)
          bias = Float64Array.from(
            { length: m },
            (_, j) => beta * (cv[cv.length === 1 ? 0 : j] as number),
          )
        }
        addDense(w, m, bias)
        break
      }
      case 'Relu':
        if (node.inputs[0] !== current)
          refuse(`Relu node "${node.name}" does not read "${current}"`)
        if (!open) refuse(`Relu node "${node.name}" does not follow a Gemm/MatMul layer`)
        closeAffine()
        ;(layers[layers.length - 1] as DenseLayer).activation = 'relu'
        open = false
        break
      case 'Softmax':
      case 'Sigmoid': {
        if (node.inputs[0] !== current)
          refuse(`${node.op} node "${node.name}" does not read "${current}"`)
        if (!open)
          refuse(`${node.op} node "${node.name}" must directly follow the last Gemm/MatMul`)
        if (index !== graph.nodes.length - 1 || node.outputs[0] !== outputs.tensor) {
          refuse(
            `${node.op} node "${node.name}" must be the last node, producing "${outputs.tensor}"`,
          )
        }
        closeAffine()
        if (node.op === 'Softmax') {
          const axis = node.attributes.get('axis')
          const ax = axis?.kind === 'int' ? axis.value : -1
          if (ax !== -1 && ax !== 1) refuse(`Softmax node "${node.name}" has axis ${ax}`)
          if (width !== 2) {
            refuse(`Softmax over ${width} classes (only two classes reduce to a sigmoid)`)
          }
          if (ruleIndex > 1) refuse(`result index ${ruleIndex} of a two-class softmax`)
          head = {
            kind: 'binary-probability',
            source: 'softmax',
            positive: ruleIndex,
            negative: 1 - ruleIndex,
          }
        } else {
          if (width !== 1) refuse(`Sigmoid over ${width} outputs (only one is supported)`)
          if (ruleIndex !== 0) refuse(`result index ${ruleIndex} of a one-output sigmoid`)
          head = { kind: 'binary-probability', source: 'sigmoid', positive: 0, negative: null }
        }
        break
      }
      default:
        refuse(`unsupported operator ${node.op} (node "${node.name}"); ${SUPPORTED_TEXT}`)
    }
    current = node.outputs[0] ?? ''
  }
  if (head === undefined) {
    return refuse('the graph does not end in a Softmax over two classes or a Sigmoid')
  }
  if (layers.length === 0) refuse('the graph has no Gemm/MatMul layer')
  const last = layers[layers.length - 1] as DenseLayer
  last.activation = 'none'
  return { inputSize: width0, layers, head }
}

/** Float64 forward pass of the lowered network: the logits and the result's probability. */
export function forwardFloat(
  net: Network,
  x: readonly number[],
): { logits: number[]; d: number; p: number } {
  let v = [...x]
  for (const layer of net.layers) {
    const y: number[] = []
    for (let j = 0; j < layer.outputs; j++) {
      let s = layer.bias[j] as number
      for (let i = 0; i < layer.inputs; i++)
        s += (v[i] as number) * (layer.weights[i * layer.outputs + j] as number)
      y.push(layer.activation === 'relu' ? Math.max(0, s) : s)
    }
    v = y
  }
  const { positive, negative } = net.head
  const d = (v[positive] as number) - (negative === null ? 0 : (v[negative] as number))
  return { logits: v, d, p: 1 / (1 + Math.exp(-d)) }
}
