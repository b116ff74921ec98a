/**
 * The committed zk artifacts are what the generator and the keys say they are (the staleness check
 * of `npm run zk -- check`), the committed proof verifies, and the estimator agrees with the
 * compiler on the model it can compile.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { groth16, type Groth16Proof, type VerificationKey } from 'snarkjs'

import { artifactPaths, readSetupRecord } from '../../zk/src/artifacts'
import { estimateModel } from '../../zk/src/estimate'
import { staleness } from '../../zk/src/generate'
import { mirrorPublicSignals } from '../../zk/src/mirror'
import { loadModelFolder, loadQuantised, quantiseFolder } from '../../zk/src/model-folder'
import { releaseCurve } from '../../zk/src/prover'
import { encodeFeature } from '../../zk/src/quantised-model'
import { renderVectorLibrary, type SolidityProof } from '../../zk/src/solidity'
import { DAMAGE_DIR, RISK_DIR } from './support'

const paths = artifactPaths(RISK_DIR, 'risk-v1')

interface Vector {
  features: Record<string, number>
  salt: string
  result: number
  publicSignals: string[]
  proof: Groth16Proof
  solidity: SolidityProof
}
const vector = JSON.parse(readFileSync(paths.proofVector, 'utf8')) as Vector

afterAll(releaseCurve)

describe('the committed risk-v1 artifacts', () => {
  it('match the generator’s output and the proving key', async () => {
    expect(await staleness(RISK_DIR)).toEqual([])
  })

  it('carry a real proof that verifies, for the mirror’s public signals', async () => {
    const vk = JSON.parse(readFileSync(paths.verificationKey, 'utf8')) as VerificationKey
    expect(await groth16.verify(vk, vector.publicSignals, vector.proof)).toBe(true)
    const tampered = [...vector.publicSignals]
    tampered[0] = String(vector.result + 1)
    expect(await groth16.verify(vk, tampered, vector.proof)).toBe(false)
    const { model } = loadQuantised(RISK_DIR)
    const encoded = model.format.circuit.features.map((f) =>
      encodeFeature(f.encoding, vector.features[f.name] as number, 32),
    )
    const s = mirrorPublicSignals(model, encoded, BigInt(vector.salt))
    expect(vector.publicSignals).toEqual(
      [s.result, s.inputCommitment, s.weightsCommitment].map(String),
    )
  })

  it('give forge the same proof as the JSON vector', () => {
    const { model } = loadQuantised(RISK_DIR)
    const fp = model.format.circuit.fixedPoint
    const other = quantiseFolder(loadModelFolder(RISK_DIR), {
      ...fp,
      weightBits: fp.weightBits - 1,
    })
    const expected = renderVectorLibrary({
      libraryName: paths.vectorLibrary,
      modelId: 'risk-v1',
      result: String(vector.result),
      inputCommitment: vector.publicSignals[1] as string,
      weightsCommitment: vector.publicSignals[2] as string,
      otherWeightsCommitment: other.format.weightsCommitment,
      otherWeightsNote: `Another model's weights commitment: risk-v1's network quantised at ${fp.weightBits - 1} weight bits (other weight integers).`,
      proof: vector.solidity,
    })
    expect(readFileSync(paths.vectorSol, 'utf8')).toBe(expected)
  })

  describe('when something drifted', () => {
    let root: string
    let modelDir: string
    beforeEach(() => {
      root = mkdtempSync(join(tmpdir(), 'zk-stale-'))
      modelDir = join(root, 'adapter', 'models', 'risk-v1')
      cpSync(RISK_DIR, modelDir, { recursive: true })
      cpSync(paths.circuitDir, join(root, 'zk', 'circuits', 'risk-v1'), { recursive: true })
      cpSync(paths.verifierSol, join(root, 'contracts', 'zk', 'RiskV1Groth16Verifier.sol'))
    })
    afterEach(() => rmSync(root, { recursive: true, force: true }))

    it('reports an edited circuit', async () => {
      const p = artifactPaths(modelDir, 'risk-v1', root)
      writeFileSync(p.circuit, `${readFileSync(p.circuit, 'utf8')}// edited\n`)
      expect(await staleness(modelDir, root)).toEqual([
        `${p.circuit} differs from the generator's output (npm run zk -- generate)`,
      ])
    })

    it('reports keys made for another circuit', async () => {
      const p = artifactPaths(modelDir, 'risk-v1', root)
      const record = JSON.parse(readFileSync(p.setup, 'utf8'))
      record.circuit.sha256 = `0x${'0'.repeat(64)}`
      writeFileSync(p.setup, JSON.stringify(record))
      expect(await staleness(modelDir, root)).toEqual([
        `${p.setup}: the keys were made for another circuit (npm run zk -- setup)`,
      ])
    })

    it('reports a verifier contract that is not the proving key’s', async () => {
      const p = artifactPaths(modelDir, 'risk-v1', root)
      const text = readFileSync(p.verifierSol, 'utf8')
      const edited = text.replace(
        /alphax {2}= (\d)/,
        (_, d: string) => `alphax  = ${(Number(d) + 1) % 10}`,
      )
      expect(edited).not.toBe(text)
      writeFileSync(p.verifierSol, edited)
      expect(await staleness(modelDir, root)).toEqual([
        `${p.verifierSol}: sha256 differs from setup.json`,
      ])
    })

    it('reports a proving key swapped for another', async () => {
      const p = artifactPaths(modelDir, 'risk-v1', root)
      const zkey = readFileSync(p.zkey)
      zkey.writeUInt8((zkey.at(-1) ?? 0) ^ 1, zkey.length - 1)
      writeFileSync(p.zkey, zkey)
      expect(await staleness(modelDir, root)).toEqual([`${p.zkey}: sha256 differs from setup.json`])
    })
  })
})

describe('the estimator', () => {
  it('agrees with the compiler on risk-v1 within 3%', () => {
    const record = readSetupRecord(paths)
    const { model } = loadQuantised(RISK_DIR)
    const est = estimateModel(RISK_DIR, { accumulatorBits: model.layers[0]?.accumulatorBits })
    expect(
      Math.abs(est.constraints - record.circuit.constraints) / record.circuit.constraints,
    ).toBeLessThan(0.03)
    expect(est.ptauPower).toBe(record.ceremony.ptauPower)
  })

  it('sizes damage-v1: hundreds of thousands of constraints, ReLUs and max pooling dominating', () => {
    const est = estimateModel(DAMAGE_DIR)
    expect(est.unsupported).toEqual([])
    expect(est.constraints).toBeGreaterThan(400_000)
    expect(est.ptauPower).toBe(19)
    const byOp = (op: string): number =>
      est.lines.filter((l) => l.op === op).reduce((a, l) => a + l.constraints, 0)
    expect(byOp('Conv')).toBe(0)
    expect(byOp('Relu') + byOp('GlobalMaxPool')).toBeGreaterThan(est.constraints / 2)
    expect(estimateModel(DAMAGE_DIR, { weights: 'private' }).constraints).toBeGreaterThan(
      est.constraints,
    )
  })
})
