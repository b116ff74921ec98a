/**
 * @jest-environment ./test/models/ort-test-environment.js
 *
 * The circuit's result against the served model's: ONNX Runtime with the adapter's session options
 * and quantisation (adapter/src/inference/model-loader.ts, quantise.ts, result-rule.ts) on one side,
 * the BigInt mirror of the circuit on the other (circuit.test.ts shows the mirror equals the
 * circuit's witness). Documented bound: |circuit - served| <= 1 unit of the manifest's scale.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { InferenceSession, Tensor } from 'onnxruntime-node'

import { quantise } from '../../adapter/src/inference/quantise'
import { applyResultRule } from '../../adapter/src/inference/result-rule'
import { sessionOptions } from '../../adapter/src/inference/model-loader'
import { mirrorForward } from '../../zk/src/mirror'
import { loadQuantised } from '../../zk/src/model-folder'
import { forwardFloat } from '../../zk/src/network'
import { encodeFeature } from '../../zk/src/quantised-model'
import { featureRow, prng, randomFeatures, RISK_DIR } from './support'

const ROWS = 2_000

describe('risk-v1: the circuit agrees with the served model', () => {
  const { folder, model } = loadQuantised(RISK_DIR)
  const { manifest } = folder
  const rand = prng(16_001)
  const requests = Array.from({ length: ROWS }, () => randomFeatures(manifest, rand))
  // Edges: every feature at its minimum, at its maximum, and at both ends alternately.
  if (manifest.inputs.kind !== 'tabular') throw new Error('risk-v1 is tabular')
  const fs = manifest.inputs.features
  requests.push(Object.fromEntries(fs.map((f) => [f.name, f.min])))
  requests.push(Object.fromEntries(fs.map((f) => [f.name, f.max])))
  requests.push(Object.fromEntries(fs.map((f, i) => [f.name, i % 2 ? f.min : f.max])))
  requests.push(Object.fromEntries(fs.map((f, i) => [f.name, i % 2 ? f.max : f.min])))

  let served: number[]
  let servedProbability: number[]
  beforeAll(async () => {
    const session = await InferenceSession.create(
      readFileSync(join(RISK_DIR, manifest.file.path)),
      sessionOptions(1),
    )
    const width = fs.length
    const data = new Float32Array(requests.length * width)
    requests.forEach((r, i) => data.set(featureRow(manifest, r), i * width))
    const out = await session.run({
      [manifest.inputs.tensor]: new Tensor('float32', data, [requests.length, width]),
    })
    const probs = out[manifest.outputs.tensor]?.data as Float32Array
    const { index } = manifest.outputs.result as { index: number }
    servedProbability = requests.map((_, i) => probs[i * 2 + index] as number)
    served = requests.map((_, i) => {
      const row = [0, 1].map((j) => quantise(probs[i * 2 + j] as number, manifest.outputs.scale))
      return applyResultRule(manifest.outputs, row).result
    })
    await session.release()
  })

  const encode = (r: Record<string, number>): bigint[] =>
    model.format.circuit.features.map((f) =>
      encodeFeature(f.encoding, r[f.name] as number, model.format.circuit.fixedPoint.inputBits),
    )

  it(`is within 1 unit on all ${ROWS + 4} rows and exact on at least 99% of them`, () => {
    let exact = 0
    const off: string[] = []
    requests.forEach((r, i) => {
      const circuit = mirrorForward(model, encode(r)).result
      const diff = Math.abs(circuit - (served[i] as number))
      if (diff === 0) exact++
      if (diff > 1) off.push(`row ${i}: circuit ${circuit}, served ${served[i]}`)
    })
    expect(off).toEqual([])
    expect(exact / requests.length).toBeGreaterThanOrEqual(0.99)
  })

  it("keeps the fixed-point logit within the format's recorded error bound of the float network", () => {
    const bound = model.format.bounds.maxLogitError
    const last = model.layers[model.layers.length - 1]
    const scale = 2 ** (last?.accumulatorFractionBits ?? 0)
    let worst = 0
    for (const r of requests.slice(0, 500)) {
      const x = featureRow(manifest, r).map((v) => Math.fround(v))
      const exact = forwardFloat(folder.network, x).d
      worst = Math.max(worst, Math.abs(Number(mirrorForward(model, encode(r)).d) / scale - exact))
    }
    expect(worst).toBeLessThanOrEqual(bound)
    // The bound is far below one result unit: the table, not the arithmetic, decides rounding.
    expect(model.format.bounds.maxResultError).toBeLessThan(0.01)
  })

  it("stays within 0.01 unit of ONNX Runtime's unrounded probability on every row", () => {
    // The circuit's value before its final rounding is scale * sigmoid(d), d its fixed-point logit
    // difference; ONNX Runtime's float32 softmax is the served value before quantisation. Both
    // arithmetics together move the value by far less than the rounding step, which is why the
    // results are equal except (rarely) next to a .5 boundary.
    const last = model.layers[model.layers.length - 1]
    const unit = 2 ** (last?.accumulatorFractionBits ?? 0)
    const scale = manifest.outputs.scale
    let worst = 0
    requests.forEach((r, i) => {
      const d = Number(mirrorForward(model, encode(r)).d) / unit
      const circuit = scale / (1 + Math.exp(-d))
      worst = Math.max(worst, Math.abs(circuit - scale * (servedProbability[i] as number)))
    })
    expect(worst).toBeLessThan(0.01)
  })
})
