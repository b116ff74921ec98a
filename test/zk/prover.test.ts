/**
 * The prover end to end with the committed keys: a request's features -> a Groth16 proof that
 * verifies for exactly its result and commitments; bad requests get the adapter's own messages.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { artifactPaths } from '../../zk/src/artifacts'
import { ArtifactError, ZkInputError } from '../../zk/src/errors'
import { FIELD_MODULUS } from '../../zk/src/fixed-point'
import { mirrorForward } from '../../zk/src/mirror'
import { parseSalt, randomSalt, releaseCurve, ZkProver } from '../../zk/src/prover'
import { prng, randomFeatures, RISK_DIR } from './support'

afterAll(releaseCurve)

describe('ZkProver (risk-v1)', () => {
  const prover = ZkProver.open(RISK_DIR)
  const manifest = JSON.parse(readFileSync(join(RISK_DIR, 'manifest.json'), 'utf8'))
  const features = randomFeatures(manifest, prng(2024))

  it('proves a request: the proof verifies for its result and commitments only', async () => {
    const salt = randomSalt()
    const bundle = await prover.prove(features, salt)
    expect(bundle.result).toBe(mirrorForward(prover.model, prover.encode(features)).result)
    expect(BigInt(bundle.inputCommitment)).toBe(prover.commit(features, salt))
    expect(bundle.weightsCommitment).toBe(
      `0x${BigInt(prover.model.format.weightsCommitment).toString(16).padStart(64, '0')}`,
    )
    expect(bundle.publicSignals).toEqual(
      [bundle.result, bundle.inputCommitment, bundle.weightsCommitment].map((v) =>
        BigInt(v).toString(),
      ),
    )
    expect(bundle.proofBytes).toMatch(/^0x[0-9a-f]{512}$/)
    expect(bundle.solidity.b[0]).toEqual(
      [bundle.proof.pi_b[0]?.[1], bundle.proof.pi_b[0]?.[0]].map(
        (v) =>
          `0x${BigInt(v as string)
            .toString(16)
            .padStart(64, '0')}`,
      ),
    )
    expect(await prover.verify(bundle.publicSignals, bundle.proof)).toBe(true)
    const other = [...bundle.publicSignals]
    other[1] = prover.commit(features, salt + 1n).toString()
    expect(await prover.verify(other, bundle.proof)).toBe(false)
  }, 90_000)

  it.each([
    ['a missing feature', { driver_age: 30 }, 'feature "years_licensed" is missing'],
    [
      'a value out of range',
      { ...features, driver_age: 17 },
      'feature "driver_age" must be between 18 and 90 (got 17)',
    ],
    [
      'a fraction for an integer',
      { ...features, driver_age: 30.5 },
      'feature "driver_age" must be an integer (got 30.5)',
    ],
    ['an unknown feature', { ...features, colour: 1 }, 'unknown feature "colour"'],
    ['a string', 'not an object', '"features" must be an object of numbers'],
  ])('refuses %s with the adapter’s message', (_, bad, message) => {
    expect(() => prover.encode(bad)).toThrow(ZkInputError)
    expect(() => prover.encode(bad)).toThrow(message)
  })

  it('parses salts as decimal or hex field elements', () => {
    expect(parseSalt('0x10')).toBe(16n)
    expect(parseSalt('42')).toBe(42n)
    expect(() => parseSalt(FIELD_MODULUS.toString())).toThrow(ZkInputError)
    expect(() => parseSalt('-1')).toThrow('salt "-1" must be a decimal or 0x-hex integer')
    expect(randomSalt()).not.toBe(randomSalt())
    expect(randomSalt() < 1n << 248n).toBe(true)
  })

  it('refuses to load a witness calculator that is not the one setup.json records', () => {
    const root = mkdtempSync(join(tmpdir(), 'zk-prover-'))
    try {
      const modelDir = join(root, 'adapter', 'models', 'risk-v1')
      const paths = artifactPaths(RISK_DIR, 'risk-v1')
      cpSync(RISK_DIR, modelDir, { recursive: true })
      cpSync(paths.circuitDir, join(root, 'zk', 'circuits', 'risk-v1'), { recursive: true })
      const wasm = join(root, 'zk', 'circuits', 'risk-v1', 'circuit.wasm')
      const bytes = readFileSync(wasm)
      bytes.writeUInt8((bytes.at(100) ?? 0) ^ 1, 100)
      writeFileSync(wasm, bytes)
      expect(() => ZkProver.open(modelDir, root)).toThrow(ArtifactError)
      expect(() => ZkProver.open(modelDir, root)).toThrow(
        /circuit.wasm: sha256 0x[0-9a-f]{64}, setup.json records/,
      )
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })
})
