/**
 * Reads the parts of an ONNX model the circuit generator needs: the nodes in graph order (op type,
 * inputs, outputs, attributes), the float32 initializers (from `raw_data` or `float_data`, and
 * `Constant` nodes' tensors) widened to float64 exactly, and the graph's declared inputs and outputs.
 */
import { onnx } from 'onnx-proto'

import { UnsupportedModelError } from './errors'

export interface ConstTensor {
  dims: number[]
  /** The float32 values, widened to float64 (exact). */
  data: Float64Array
}

export type AttributeValue =
  | { kind: 'int'; value: number }
  | { kind: 'ints'; value: number[] }
  | { kind: 'float'; value: number }
  | { kind: 'floats'; value: number[] }
  | { kind: 'string'; value: string }
  | { kind: 'tensor'; value: ConstTensor }
  | { kind: 'other' }

export interface GraphNode {
  name: string
  op: string
  domain: string
  inputs: string[]
  outputs: string[]
  attributes: Map<string, AttributeValue>
}

export interface GraphValue {
  name: string
  /** Dimensions; a symbolic dimension (e.g. `batch`) is its name. */
  dims: (number | string)[]
}

export interface OnnxGraph {
  opset: number
  inputs: GraphValue[]
  outputs: GraphValue[]
  initializers: Map<string, ConstTensor>
  /** Initializers of other element types (e.g. int64 shapes), by name: their ONNX data type. */
  otherInitializers: Map<string, number>
  nodes: GraphNode[]
}

const FLOAT = onnx.TensorProto.DataType.FLOAT

function tensorOf(t: onnx.ITensorProto, where: string): ConstTensor {
  if (t.dataType !== FLOAT) {
    throw new UnsupportedModelError(
      `${where}: tensor "${t.name ?? ''}" has ONNX data type ${String(t.dataType)}; only float32 ` +
        'weights are supported',
    )
  }
  const dims = (t.dims ?? []).map(Number)
  const size = dims.reduce((a, b) => a * b, 1)
  let data: Float64Array
  if (t.rawData && t.rawData.length > 0) {
    const raw = t.rawData
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength)
    data = new Float64Array(raw.byteLength / 4)
    for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(i * 4, true)
  } else {
    data = Float64Array.from(t.floatData ?? [], (v) => Math.fround(v))
  }
  if (data.length !== size) {
    throw new UnsupportedModelError(
      `${where}: tensor "${t.name ?? ''}" has ${data.length} values for dims [${dims.join(',')}]`,
    )
  }
  return { dims, data }
}

function attributeOf(a: onnx.IAttributeProto, where: string): AttributeValue {
  const T = onnx.AttributeProto.AttributeType
  switch (a.type) {
    case T.INT:
      return { kind: 'int', value: Number(a.i ?? 0) }
    case T.INTS:
      return { kind: 'ints', value: (a.ints ?? []).map(Number) }
    case T.FLOAT:
      return { kind: 'float', value: a.f ?? 0 }
    case T.FLOATS:
      return { kind: 'floats', value: [...(a.floats ?? [])] }
    case T.STRING:
      return { kind: 'string', value: new TextDecoder().decode(a.s ?? new Uint8Array(0)) }
    case T.TENSOR:
      // A non-float tensor (e.g. an int64 shape) is no weight: callers see 'other'.
      return a.t?.dataType === FLOAT
        ? { kind: 'tensor', value: tensorOf(a.t, where) }
        : { kind: 'other' }
    default:
      return { kind: 'other' }
  }
}

function valueOf(info: onnx.IValueInfoProto): GraphValue {
  return {
    name: info.name ?? '',
    dims: (info.type?.tensorType?.shape?.dim ?? []).map((d) =>
      d.dimParam ? d.dimParam : Number(d.dimValue ?? 0),
    ),
  }
}

/** Decodes an ONNX model file. Throws UnsupportedModelError when the bytes are not a model. */
export function readOnnxGraph(bytes: Uint8Array): OnnxGraph {
  let model: onnx.ModelProto
  try {
    model = onnx.ModelProto.decode(bytes)
  } catch (err) {
    throw new UnsupportedModelError('the file is not an ONNX model', { cause: err })
  }
  const graph = model.graph
  if (!graph) throw new UnsupportedModelError('the ONNX model has no graph')
  const initializers = new Map<string, ConstTensor>()
  const otherInitializers = new Map<string, number>()
  for (const t of graph.initializer ?? []) {
    // Non-float tensors (shapes, axes) only matter to operators the lowering refuses anyway.
    if (t.dataType === FLOAT) initializers.set(t.name ?? '', tensorOf(t, 'initializer'))
    else otherInitializers.set(t.name ?? '', Number(t.dataType))
  }
  const initNames = new Set([...initializers.keys(), ...otherInitializers.keys()])
  const opset = Number((model.opsetImport ?? []).find((o) => (o.domain ?? '') === '')?.version ?? 0)
  const nodes = (graph.node ?? []).map((n, i): GraphNode => {
    const name = n.name || `#${i}`
    const attributes = new Map<string, AttributeValue>()
    for (const a of n.attribute ?? []) {
      attributes.set(a.name ?? '', attributeOf(a, `node "${name}" attribute ${a.name ?? ''}`))
    }
    return {
      name,
      op: n.opType ?? '',
      domain: n.domain ?? '',
      inputs: [...(n.input ?? [])],
      outputs: [...(n.output ?? [])],
      attributes,
    }
  })
  return {
    opset,
    // Older exporters list initializers among the graph inputs too; they are not runtime inputs.
    inputs: (graph.input ?? []).map(valueOf).filter((v) => !initNames.has(v.name)),
    outputs: (graph.output ?? []).map(valueOf),
    initializers,
    otherInitializers,
    nodes,
  }
}
