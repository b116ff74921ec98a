/**
 * Small ONNX models written for the tests with the project's ONNX writer (script/models/), each with
 * a manifest: a two-feature MLP ending in a one-output Sigmoid, and variants that the generator must
 * refuse. Manifests borrow risk-v1's provenance (lowering never reads it).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { onnx } from 'onnx-proto'

import { parseManifest, type Manifest } from '../../protocol/manifest'
import {
  encodeModel,
  type NodeSpec,
  type Initializer,
} from '../../script/models/training/onnx-writer'
import { RISK_DIR } from './support'

export interface SyntheticModel {
  manifest: Manifest
  onnx: Uint8Array
}

const risk = parseManifest(JSON.parse(readFileSync(join(RISK_DIR, 'manifest.json'), 'utf8')))

export function syntheticManifest(
  id: string,
  features: { name: string; type: 'number' | 'integer'; min: number; max: number }[],
  outputs: Partial<Manifest['outputs']> & { labels: string[] },
): Manifest {
  return {
    ...risk,
    id,
    inputs: {
      kind: 'tabular',
      tensor: 'x',
      features: features.map((f) => ({ ...f, unit: 'unit', description: f.name })),
    },
    outputs: {
      tensor: 'p',
      scale: 100,
      rounding: 'half-even',
      result: { kind: 'probability', index: 0 },
      ...outputs,
    },
  }
}

export const TINY_FEATURES = [
  { name: 'a', type: 'number' as const, min: -2, max: 3 },
  { name: 'b', type: 'integer' as const, min: 0, max: 9 },
]

const f32 = (xs: number[]): Float32Array => Float32Array.from(xs)

/** Gemm (transB) -> Relu -> (Mul 2, MatMul, MatMul) -> Add -> Sigmoid, after an x*0.5+1 map. */
export function tinySigmoidModel(extraNodes: NodeSpec[] = []): SyntheticModel {
  const initializers: Initializer[] = [
    { name: 'half', dims: [1], data: f32([0.5]) },
    { name: 'one', dims: [2], data: f32([1, -1]) },
    { name: 'w1', dims: [3, 2], data: f32([0.5, -1, 0.25, 0.75, -0.5, 1.5]) },
    { name: 'b1', dims: [3], data: f32([0.1, -0.2, 0.3]) },
    { name: 'two', dims: [1], data: f32([2]) },
    { name: 'w2', dims: [3, 2], data: f32([1, 0.5, -2, 0.25, 0.5, -1]) },
    { name: 'w3', dims: [2, 1], data: f32([0.75, -0.5]) },
    { name: 'b3', dims: [1], data: f32([0.05]) },
  ]
  const nodes: NodeSpec[] = [
    { op: 'Mul', inputs: ['x', 'half'], outputs: ['xs'] },
    { op: 'Add', inputs: ['xs', 'one'], outputs: ['xa'] },
    {
      op: 'Gemm',
      inputs: ['xa', 'w1', 'b1'],
      outputs: ['h'],
      attributes: { transB: { kind: 'int', value: 1 }, alpha: { kind: 'float', value: 1.5 } },
    },
    { op: 'Relu', inputs: ['h'], outputs: ['r'] },
    { op: 'Mul', inputs: ['r', 'two'], outputs: ['r2'] },
    { op: 'MatMul', inputs: ['r2', 'w2'], outputs: ['m'] },
    { op: 'MatMul', inputs: ['m', 'w3'], outputs: ['z0'] },
    { op: 'Add', inputs: ['z0', 'b3'], outputs: ['z'] },
    ...extraNodes,
    { op: 'Sigmoid', inputs: [extraNodes.length ? 'zz' : 'z'], outputs: ['p'] },
  ]
  return {
    manifest: syntheticManifest('tiny-v1', TINY_FEATURES, { labels: ['yes'] }),
    onnx: encodeModel({
      graphName: 'tiny',
      docString: 'zk test model',
      producerVersion: '1',
      inputs: [{ name: 'x', dims: [2] }],
      outputs: [{ name: 'p', dims: [1] }],
      initializers,
      nodes,
    }),
  }
}

/**
 * A two-feature MatMul + softmax model; `middle` nodes go between the MatMul (output `m`) and the
 * softmax (input `z`), `first` nodes between the input and the MatMul (input `x1`).
 */
export function softmaxModel(
  classes: number,
  middle: NodeSpec[] = [],
  first: NodeSpec[] = [],
): SyntheticModel {
  const labels = Array.from({ length: classes }, (_, i) => `c${i}`)
  return {
    manifest: syntheticManifest('soft-v1', TINY_FEATURES, {
      labels,
      result: { kind: 'probability', index: 1 },
    }),
    onnx: encodeModel({
      graphName: 'soft',
      docString: 'zk test model',
      producerVersion: '1',
      inputs: [{ name: 'x', dims: [2] }],
      outputs: [{ name: 'p', dims: [classes] }],
      initializers: [
        {
          name: 'w',
          dims: [2, classes],
          data: f32(Array.from({ length: 2 * classes }, (_, i) => ((i * 7) % 5) / 4 - 0.5)),
        },
      ],
      nodes: [
        ...first,
        {
          op: 'MatMul',
          inputs: [first.length ? 'x1' : 'x', 'w'],
          outputs: [middle.length ? 'm' : 'z'],
        },
        ...middle,
        {
          op: 'Softmax',
          inputs: ['z'],
          outputs: ['p'],
          attributes: { axis: { kind: 'int', value: 1 } },
        },
      ],
    }),
  }
}

/** The model with an int64 initializer added (e.g. the shape a Reshape reads). */
export function withInt64Initializer(
  m: SyntheticModel,
  name: string,
  values: number[],
): SyntheticModel {
  const model = onnx.ModelProto.decode(m.onnx)
  const graph = model.graph ?? onnx.GraphProto.create()
  graph.initializer = [
    ...(graph.initializer ?? []),
    onnx.TensorProto.create({
      name,
      dims: [values.length],
      dataType: onnx.TensorProto.DataType.INT64,
      int64Data: values,
    }),
  ]
  model.graph = graph
  return { ...m, onnx: onnx.ModelProto.encode(model).finish() }
}
