/**
 * @jest-environment ./test/models/ort-test-environment.js
 *
 * Lowering ONNX graphs to the circuit's network: what is folded, what is refused, and that the
 * lowered float network computes what ONNX Runtime computes.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { onnx } from 'onnx-proto'
import { InferenceSession, Tensor } from 'onnxruntime-node'

import { parseManifest, type Manifest } from '../../protocol/manifest'
import { UnsupportedModelError } from '../../zk/src/errors'
import { loadModelFolder } from '../../zk/src/model-folder'
import { forwardFloat, lowerModel } from '../../zk/src/network'
import { readOnnxGraph } from '../../zk/src/onnx-graph'
import {
  softmaxModel,
  tinySigmoidModel,
  withInt64Initializer,
  type SyntheticModel,
} from './synthetic-models'
import { DAMAGE_DIR, featureRow, prng, randomFeatures, RISK_DIR } from './support'

async function ortProbabilities(
  onnx: Uint8Array,
  manifest: Manifest,
  rows: number[][],
): Promise<Float32Array> {
  const session = await InferenceSession.create(onnx)
  const width = rows[0]?.length ?? 0
  const data = new Float32Array(rows.length * width)
  rows.forEach((r, i) => data.set(r, i * width))
  const out = await session.run({
    [manifest.inputs.tensor]: new Tensor('float32', data, [rows.length, width]),
  })
  await session.release()
  return out[manifest.outputs.tensor]?.data as Float32Array
}

function lower(m: SyntheticModel) {
  return lowerModel(readOnnxGraph(m.onnx), m.manifest)
}

function refusal(m: SyntheticModel): string {
  try {
    lower(m)
  } catch (err) {
    expect(err).toBeInstanceOf(UnsupportedModelError)
    return (err as Error).message
  }
  throw new Error('the model was not refused')
}

describe('lowering risk-v1', () => {
  const folder = loadModelFolder(RISK_DIR)

  it('folds the standardisation into a 10-16 ReLU layer, then a 16-2 layer and a softmax head', () => {
    const { layers, head } = folder.network
    expect(layers.map((l) => [l.inputs, l.outputs, l.activation])).toEqual([
      [10, 16, 'relu'],
      [16, 2, 'none'],
    ])
    expect(head).toEqual({
      kind: 'binary-probability',
      source: 'softmax',
      positive: 1,
      negative: 0,
    })
  })

  it('computes the probabilities ONNX Runtime computes (within float32 rounding)', async () => {
    const { manifest, network } = folder
    const rand = prng(7)
    const rows = Array.from({ length: 300 }, () =>
      featureRow(manifest, randomFeatures(manifest, rand)),
    )
    const probs = await ortProbabilities(
      readFileSync(join(RISK_DIR, manifest.file.path)),
      manifest,
      rows,
    )
    rows.forEach((r, i) => {
      const { p } = forwardFloat(network, r.map(Math.fround))
      expect(Math.abs(p - (probs[i * 2 + 1] as number))).toBeLessThan(2e-6)
    })
  })
})

describe('lowering other graphs', () => {
  it('folds Mul/Add maps, Gemm alpha and transB, and two MatMuls in a row, like ONNX Runtime', async () => {
    const m = tinySigmoidModel()
    const net = lower(m)
    expect(net.layers.map((l) => [l.inputs, l.outputs, l.activation])).toEqual([
      [2, 3, 'relu'],
      [3, 1, 'none'],
    ])
    expect(net.head.source).toBe('sigmoid')
    const rand = prng(3)
    const rows = Array.from({ length: 50 }, () => [-2 + 5 * rand(), Math.round(9 * rand())])
    const probs = await ortProbabilities(m.onnx, m.manifest, rows)
    rows.forEach((r, i) => {
      expect(forwardFloat(net, r.map(Math.fround)).p).toBeCloseTo(probs[i] as number, 6)
    })
  })

  it('refuses damage-v1, naming every unsupported operator and the nodes using it', () => {
    const manifest = parseManifest(
      JSON.parse(readFileSync(join(DAMAGE_DIR, 'manifest.json'), 'utf8')),
    )
    const bytes = readFileSync(join(DAMAGE_DIR, manifest.file.path))
    expect(() => lowerModel(readOnnxGraph(bytes), manifest)).toThrow(UnsupportedModelError)
    expect(() => loadModelFolder(DAMAGE_DIR)).toThrow(
      'model damage-v1 cannot be compiled to a circuit: unsupported operators AveragePool ' +
        '("averagepool_0"), Concat ("concat_7"), Conv ("conv_1", "conv_3"), Flatten ("flatten_8"), ' +
        'GlobalAveragePool ("globalaveragepool_5"), GlobalMaxPool ("globalmaxpool_6")',
    )
  })

  it('refuses an operator it has no circuit for', () => {
    const m = tinySigmoidModel([{ op: 'Tanh', inputs: ['z'], outputs: ['zz'] }])
    expect(refusal(m)).toMatch(
      /unsupported operators Tanh \("tanh_8"\); the zk generator supports Gemm/,
    )
  })

  it('names an unsupported operator even when it reads a non-float initializer', () => {
    const reshaped = softmaxModel(
      2,
      [],
      [{ op: 'Reshape', inputs: ['x', 'shape'], outputs: ['x1'] }],
    )
    const m = withInt64Initializer(reshaped, 'shape', [-1, 2])
    expect(readOnnxGraph(m.onnx).otherInitializers.get('shape')).toBe(
      onnx.TensorProto.DataType.INT64,
    )
    expect(refusal(m)).toMatch(/unsupported operators Reshape \("reshape_0"\)/)
  })

  it('refuses a softmax over more than two classes', () => {
    expect(refusal(softmaxModel(3))).toMatch(/Softmax over 3 classes/)
  })

  it('refuses a ReLU right before the head', () => {
    expect(refusal(softmaxModel(2, [{ op: 'Relu', inputs: ['m'], outputs: ['z'] }]))).toMatch(
      /Softmax node "softmax_2" must directly follow the last Gemm\/MatMul/,
    )
  })

  it('refuses a ReLU on the raw input', () => {
    const m = softmaxModel(2, [], [{ op: 'Relu', inputs: ['x'], outputs: ['x1'] }])
    expect(refusal(m)).toMatch(/Relu node "relu_0" does not follow a Gemm\/MatMul layer/)
  })

  it('refuses a graph that branches', () => {
    const m = softmaxModel(2, [{ op: 'Add', inputs: ['m', 'x'], outputs: ['z'] }])
    expect(refusal(m)).toMatch(/must combine the running tensor "m" with a constant/)
  })

  it('refuses result rules other than a binary probability', () => {
    const m = softmaxModel(2)
    const argmax = {
      ...m,
      manifest: {
        ...m.manifest,
        outputs: { ...m.manifest.outputs, result: { kind: 'argmax' as const } },
      },
    }
    expect(refusal(argmax)).toMatch(/result rule "argmax" is not supported/)
  })

  it('accepts the two-class softmax and reads the result index from the manifest', () => {
    const net = lower(softmaxModel(2))
    expect(net.head).toEqual({
      kind: 'binary-probability',
      source: 'softmax',
      positive: 1,
      negative: 0,
    })
  })
})
