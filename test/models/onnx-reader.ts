/**
 * Reads back what the tests need from an ONNX file: the float32 initializers (weights) by name and
 * the graph's declared inputs and outputs, so an independent forward pass can use the exact stored
 * weights.
 */
import { onnx } from 'onnx-proto'

export interface StoredTensor {
  dims: number[]
  data: Float32Array
}

export interface OnnxSummary {
  irVersion: number
  opset: number
  inputs: { name: string; dims: (number | string)[] }[]
  outputs: { name: string; dims: (number | string)[] }[]
  initializers: Map<string, StoredTensor>
  ops: string[]
}

function dimsOf(info: onnx.IValueInfoProto): (number | string)[] {
  return (info.type?.tensorType?.shape?.dim ?? []).map((d) =>
    d.dimParam ? d.dimParam : Number(d.dimValue),
  )
}

/** Decodes an ONNX model file (float32 raw_data initializers only). */
export function readOnnx(bytes: Uint8Array): OnnxSummary {
  const model = onnx.ModelProto.decode(bytes)
  const graph = model.graph
  if (!graph) throw new Error('ONNX model has no graph')
  const initializers = new Map<string, StoredTensor>()
  for (const t of graph.initializer ?? []) {
    if (t.dataType !== onnx.TensorProto.DataType.FLOAT) {
      throw new Error(`initializer ${t.name}: only float32 is supported`)
    }
    const raw = t.rawData ?? new Uint8Array(0)
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength)
    const data = new Float32Array(raw.byteLength / 4)
    for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(i * 4, true)
    initializers.set(t.name ?? '', { dims: (t.dims ?? []).map(Number), data })
  }
  return {
    irVersion: Number(model.irVersion),
    opset: Number(model.opsetImport?.[0]?.version ?? 0),
    inputs: (graph.input ?? []).map((i) => ({ name: i.name ?? '', dims: dimsOf(i) })),
    outputs: (graph.output ?? []).map((o) => ({ name: o.name ?? '', dims: dimsOf(o) })),
    initializers,
    ops: (graph.node ?? []).map((n) => n.opType ?? ''),
  }
}
