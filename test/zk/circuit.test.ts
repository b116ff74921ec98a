/**
 * The generated circuit computes what the mirror computes: the committed risk-v1 witness calculator
 * (zk/circuits/risk-v1/circuit.wasm) gives the mirror's public signals on random and extreme rows,
 * and refuses inputs outside the manifest's ranges; a freshly generated and compiled circuit in the
 * private-weights mode does the same for a small model.
 */
import { readFileSync } from 'node:fs'

import { wtns } from 'snarkjs'

import { artifactPaths } from '../../zk/src/artifacts'
import { emitCircuit } from '../../zk/src/circuit-emit'
import { compileCircuit } from '../../zk/src/compile'
import { toField } from '../../zk/src/fixed-point'
import { circuitInputs, mirrorPublicSignals, type CircuitInputs } from '../../zk/src/mirror'
import { loadQuantised } from '../../zk/src/model-folder'
import { lowerModel } from '../../zk/src/network'
import { readOnnxGraph } from '../../zk/src/onnx-graph'
import { releaseCurve } from '../../zk/src/prover'
import { encodeFeature, quantiseModel, type QuantisedModel } from '../../zk/src/quantised-model'
import { prng, randomFeatures, RISK_DIR } from './support'
import { tinySigmoidModel } from './synthetic-models'

/** The public signals (result, inputCommitment, weightsCommitment) of the circuit's witness. */
async function witnessSignals(wasm: Uint8Array, inputs: CircuitInputs): Promise<string[]> {
  const out: { type: 'mem'; data?: Uint8Array } = { type: 'mem' }
  await wtns.calculate({ ...inputs }, { type: 'mem', data: wasm }, out)
  const w = await wtns.exportJson(out)
  return w.slice(1, 4).map(String)
}

function mirrorSignals(model: QuantisedModel, encoded: bigint[], salt: bigint): string[] {
  const s = mirrorPublicSignals(model, encoded, salt)
  return [s.result, s.inputCommitment, s.weightsCommitment].map(String)
}

afterAll(releaseCurve)

describe('the committed risk-v1 circuit', () => {
  const { folder, model } = loadQuantised(RISK_DIR)
  const wasm = readFileSync(artifactPaths(RISK_DIR, 'risk-v1').wasm)
  const { features, fixedPoint } = model.format.circuit
  const encode = (r: Record<string, number>): bigint[] =>
    features.map((f) => encodeFeature(f.encoding, r[f.name] as number, fixedPoint.inputBits))

  it('gives the mirror’s public signals on random and extreme rows', async () => {
    const rand = prng(99)
    const rows: bigint[][] = Array.from({ length: 6 }, () =>
      encode(randomFeatures(folder.manifest, rand)),
    )
    rows.push(features.map((f) => BigInt(f.min)))
    rows.push(features.map((f) => BigInt(f.max)))
    for (const [i, encoded] of rows.entries()) {
      const salt = BigInt(i) * 0x1234567890abcdefn
      expect(await witnessSignals(wasm, circuitInputs(model, encoded, salt))).toEqual(
        mirrorSignals(model, encoded, salt),
      )
    }
  })

  it.each([
    ['one below the minimum', 0, -1n],
    ['one above the maximum', 3, 1n],
  ])('cannot be satisfied with a feature %s', async (_, index, delta) => {
    const encoded = features.map((f) => BigInt(f.min))
    const f = features[index]
    if (!f) throw new Error('no feature')
    encoded[index] = (delta < 0n ? BigInt(f.min) : BigInt(f.max)) + delta
    const inputs = { features: encoded.map((v) => toField(v).toString()), salt: '0' }
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined)
    try {
      await expect(witnessSignals(wasm, inputs)).rejects.toThrow(/Assert Failed/)
      // The failing constraint is that feature's range check (a Bits decomposition).
      expect(logged.mock.calls.flat().join(' ')).toMatch(/Error in template Bits_\d+/)
    } finally {
      logged.mockRestore()
    }
  })
})

describe('a freshly generated circuit with private weights', () => {
  const tiny = tinySigmoidModel()
  const net = lowerModel(readOnnxGraph(tiny.onnx), tiny.manifest)
  const fp = { inputBits: 16, weightBits: 20, activationBits: 16, headroomBits: 2 }
  const model = quantiseModel(net, tiny.manifest, fp, 'private')

  it('hashes the weights it is given and computes the mirror’s result', async () => {
    const compiled = await compileCircuit(emitCircuit(model))
    expect(compiled.constraints).toBeGreaterThan(500)
    const rand = prng(5)
    for (let i = 0; i < 3; i++) {
      const encoded = [
        encodeFeature('fixed', -2 + 5 * rand(), fp.inputBits),
        encodeFeature('integer', Math.round(9 * rand()), fp.inputBits),
      ]
      const inputs = circuitInputs(model, encoded, 77n)
      expect(inputs.weights).toHaveLength(model.weightElements.length)
      expect(await witnessSignals(compiled.wasm, inputs)).toEqual(
        mirrorSignals(model, encoded, 77n),
      )
    }
    // Other weights: the circuit still runs, but commits to them, not to the approved ones.
    const encoded = [encodeFeature('fixed', 1, fp.inputBits), 4n]
    const tampered = circuitInputs(model, encoded, 1n)
    tampered.weights = (tampered.weights ?? []).map((w, i) =>
      i === 0 ? String(BigInt(w) + 1n) : w,
    )
    const signals = await witnessSignals(compiled.wasm, tampered)
    expect(signals[2]).not.toBe(model.format.weightsCommitment)
  }, 120_000)
})
