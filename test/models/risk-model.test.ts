/**
 * @jest-environment ./test/models/ort-test-environment.js
 */
import { committedModel, expectDeterministic, runFloat, sessionForSuite } from './ort-session'
import { riskReference } from './reference-forward'

const { manifest, onnx } = committedModel('risk-v1')

/** Policies spanning the feature ranges (in manifest feature order). */
const ROWS: number[][] = [
  [18, 0, 12, 35000, 2, 0.9, 180, 0, 9.5, 0],
  [45, 25, 5, 12000, 0, 0.5, 90, 1, 1.2, 500],
  [80, 60, 20, 4000, 1, 0.1, 60, 1, 0, 2000],
  [33, 10, 0, 60000, 10, 1, 400, 0, 20, 250],
  [90, 72, 30, 1000, 0, 0, 40, 1, 0, 1000],
]

describe('risk-v1', () => {
  const session = sessionForSuite('risk-v1')
  /** The probabilities of `rows` run as one batch. */
  const runRows = (rows: number[][]) =>
    runFloat(session(), 'features', 'probabilities', Float32Array.from(rows.flat()), [
      rows.length,
      10,
    ])

  it('is an IR 8 / opset 13 float32 model with a dynamic batch dimension', () => {
    if (manifest.inputs.kind !== 'tabular') throw new Error('risk-v1 must be tabular')
    expect(onnx.irVersion).toBe(8)
    expect(onnx.opset).toBe(13)
    expect(onnx.inputs).toEqual([
      { name: manifest.inputs.tensor, dims: ['batch', manifest.inputs.features.length] },
    ])
    expect(onnx.outputs).toEqual([
      { name: manifest.outputs.tensor, dims: ['batch', manifest.outputs.labels.length] },
    ])
    expect(session().inputNames).toEqual([manifest.inputs.tensor])
    expect(session().outputNames).toEqual([manifest.outputs.tensor])
  })

  it('matches an independent float64 forward pass of the stored weights within 1e-5', async () => {
    const out = await runRows(ROWS)
    expect(out.dims).toEqual([ROWS.length, 2])
    ROWS.forEach((row, i) => {
      const ref = riskReference(onnx.initializers, row)
      expect(Math.abs((out.data[2 * i] as number) - (ref[0] as number))).toBeLessThan(1e-5)
      expect(Math.abs((out.data[2 * i + 1] as number) - (ref[1] as number))).toBeLessThan(1e-5)
    })
    // The rows were chosen to span low and high risk: the model must separate them.
    expect(out.data[1] as number).toBeGreaterThan(out.data[9] as number)
  })

  it('gives a batch row the same bits as the row alone', async () => {
    const all = await runRows(ROWS)
    const one = await runRows([ROWS[2] ?? []])
    expect(Array.from(one.data)).toEqual(Array.from(all.data.subarray(4, 6)))
  })

  it('quantises to the same integers with 1 and 2 intra-op threads and across runs', async () => {
    await expectDeterministic(
      session(),
      { id: 'risk-v1', scale: manifest.outputs.scale },
      { input: 'features', output: 'probabilities' },
      Float32Array.from(ROWS.flat()),
      [ROWS.length, 10],
    )
  })
})
