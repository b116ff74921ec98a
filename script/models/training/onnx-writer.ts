/**
 * Writes ONNX models (IR version 8, opset 13) from TypeScript with onnx-proto. Float32 tensors only;
 * inputs and outputs get a symbolic leading dimension `batch` so the adapter can run micro-batches.
 * Initializers are stored as little-endian `raw_data`, and nothing time- or host-dependent goes in,
 * so the same spec always encodes to the same bytes.
 */
import { onnx } from 'onnx-proto'

export const ONNX_IR_VERSION = 8
export const ONNX_OPSET = 13
export const BATCH_DIM = 'batch'

export interface TensorSpec {
  name: string
  /** Dimensions after the leading `batch` dimension. */
  dims: number[]
}

export interface Initializer {
  name: string
  dims: number[]
  data: Float32Array
}

export type Attribute =
  | { kind: 'int'; value: number }
  | { kind: 'ints'; value: readonly number[] }
  | { kind: 'float'; value: number }

export interface NodeSpec {
  op: string
  inputs: string[]
  outputs: string[]
  attributes?: Record<string, Attribute>
}

export interface ModelSpec {
  graphName: string
  docString: string
  producerVersion: string
  inputs: TensorSpec[]
  outputs: TensorSpec[]
  initializers: Initializer[]
  nodes: NodeSpec[]
}

function valueInfo(spec: TensorSpec): onnx.IValueInfoProto {
  return {
    name: spec.name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: {
          dim: [{ dimParam: BATCH_DIM }, ...spec.dims.map((d) => ({ dimValue: d }))],
        },
      },
    },
  }
}

function float32LittleEndian(data: Float32Array): Uint8Array {
  const out = new Uint8Array(data.length * 4)
  const view = new DataView(out.buffer)
  data.forEach((v, i) => view.setFloat32(i * 4, v, true))
  return out
}

function tensor(init: Initializer): onnx.ITensorProto {
  const size = init.dims.reduce((a, b) => a * b, 1)
  if (size !== init.data.length) {
    throw new Error(`initializer ${init.name}: dims ${init.dims} need ${size} values`)
  }
  return {
    name: init.name,
    dims: init.dims,
    dataType: onnx.TensorProto.DataType.FLOAT,
    rawData: float32LittleEndian(init.data),
  }
}

function attribute(name: string, attr: Attribute): onnx.IAttributeProto {
  switch (attr.kind) {
    case 'int':
      return { name, type: onnx.AttributeProto.AttributeType.INT, i: attr.value }
    case 'ints':
      return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: [...attr.value] }
    case 'float':
      return { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: attr.value }
  }
}

/** Encodes the model as ONNX protobuf bytes. */
export function encodeModel(spec: ModelSpec): Uint8Array {
  const nodes: onnx.INodeProto[] = spec.nodes.map((n, i) => ({
    name: `${n.op.toLowerCase()}_${i}`,
    opType: n.op,
    input: n.inputs,
    output: n.outputs,
    attribute: Object.entries(n.attributes ?? {}).map(([k, v]) => attribute(k, v)),
  }))
  const model: onnx.IModelProto = {
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'onnx-oracle',
    producerVersion: spec.producerVersion,
    docString: spec.docString,
    graph: {
      name: spec.graphName,
      node: nodes,
      initializer: spec.initializers.map(tensor),
      input: spec.inputs.map(valueInfo),
      output: spec.outputs.map(valueInfo),
    },
  }
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish()
}
