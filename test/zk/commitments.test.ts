/**
 * The pieces under the circuit: Poseidon (checked against circomlibjs's published vectors), the
 * chained commitments, fixed-point rounding, the sigmoid threshold table and the format file.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { artifactPaths } from '../../zk/src/artifacts'
import { ArtifactError } from '../../zk/src/errors'
import { FIELD_MODULUS, signedBits, toField, toFixed } from '../../zk/src/fixed-point'
import { formatHashOf, parseFormat } from '../../zk/src/format'
import { inputCommitment, weightsCommitment } from '../../zk/src/mirror'
import { loadModelFolder, loadQuantised, quantiseFolder } from '../../zk/src/model-folder'
import { asciiTag, chainCommit, poseidon } from '../../zk/src/poseidon'
import { encodeFeature, WEIGHTS_TAG } from '../../zk/src/quantised-model'
import { sigmoidTable, tableResult } from '../../zk/src/sigmoid-table'
import { prng, RISK_DIR } from './support'

describe('poseidon', () => {
  it('matches circomlibjs’s vectors', () => {
    expect(poseidon([1n, 2n])).toBe(
      0x115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189an,
    )
    expect(poseidon([1n, 2n, 3n, 4n])).toBe(
      0x299c867db6c1fdd79dcefa40e4510b9837e60ebb1ce0663dbaa525df65250465n,
    )
  })

  it('reduces inputs modulo the field and refuses widths circomlib lacks', () => {
    expect(poseidon([1n + FIELD_MODULUS, 2n])).toBe(poseidon([1n, 2n]))
    expect(() => poseidon([])).toThrow(RangeError)
    expect(() => poseidon(Array.from({ length: 17 }, () => 0n))).toThrow(RangeError)
  })

  it('chains commitments 15 elements at a time after the tag', () => {
    const xs = Array.from({ length: 16 }, (_, i) => BigInt(i + 1))
    const first = poseidon([9n, ...xs.slice(0, 15)])
    expect(chainCommit(9n, xs)).toBe(poseidon([first, 16n]))
    expect(chainCommit(9n, xs.slice(0, 3))).toBe(poseidon([9n, 1n, 2n, 3n]))
  })

  it('reads short ASCII tags as big-endian field elements', () => {
    expect(asciiTag('ab')).toBe(0x6162n)
    expect(() => asciiTag('x'.repeat(32))).toThrow(RangeError)
    expect(() => asciiTag('tab\there')).toThrow(RangeError)
  })
})

describe('fixed point', () => {
  it('rounds half to even and handles large and negative values exactly', () => {
    expect([2.5, 3.5, -2.5, -3.5, 0.49999999999999994].map((x) => toFixed(x, 0))).toEqual([
      2n,
      4n,
      -2n,
      -4n,
      0n,
    ])
    expect(toFixed(1 / 3, 40)).toBe(366503875925n)
    expect(toFixed(123456.789, 40)).toBe(BigInt(123456.789 * 2 ** 40))
    expect(() => toFixed(Number.NaN, 8)).toThrow(RangeError)
  })

  it('maps signed integers to field elements and sizes signed ranges', () => {
    expect(toField(-1n)).toBe(FIELD_MODULUS - 1n)
    expect(signedBits(-8n, 7n)).toBe(3)
    expect(signedBits(-9n, 7n)).toBe(4)
    expect(signedBits(0n, 8n)).toBe(4)
  })

  it('encodes number features from their float32 value, integer features as themselves', () => {
    expect(encodeFeature('fixed', 0.1, 32)).toBe(toFixed(Math.fround(0.1), 32))
    expect(encodeFeature('fixed', 0.1, 32)).not.toBe(toFixed(0.1, 32))
    expect(encodeFeature('integer', 42, 32)).toBe(42n)
    expect(() => encodeFeature('integer', 4.5, 32)).toThrow(RangeError)
  })
})

describe('the sigmoid threshold table', () => {
  const table = sigmoidTable(10_000, 40, 46)

  it('gives round(scale * sigmoid(d)) for the fixed-point logit d', () => {
    const rand = prng(11)
    for (let i = 0; i < 2_000; i++) {
      const d = (rand() - 0.5) * 24
      const fixed = toFixed(d, 40)
      const exact = 10_000 / (1 + Math.exp(-Number(fixed) / 2 ** 40))
      if (Math.abs(exact - Math.floor(exact) - 0.5) < 1e-6) continue // a tie at float precision
      expect(tableResult(table, fixed)).toBe(Math.round(exact))
    }
  })

  it('is non-decreasing, spans 0..scale, and clamps to +-2^logitBits', () => {
    const t = table.thresholds
    expect(t.every((v, i) => i === 0 || (t[i - 1] as bigint) <= v)).toBe(true)
    expect(tableResult(table, -(1n << 46n))).toBe(0)
    expect(tableResult(table, (1n << 46n) - 1n)).toBe(10_000)
    const narrow = sigmoidTable(10_000, 40, 42) // |d| < 4: logit(0.99995) ~ 9.9 is clamped
    expect(narrow.thresholds[9_999]).toBe(1n << 42n)
    expect(narrow.rows * narrow.cols).toBeGreaterThan(10_000)
  })
})

describe('the risk-v1 format and commitments', () => {
  const { folder, model } = loadQuantised(RISK_DIR)
  const text = readFileSync(artifactPaths(RISK_DIR, 'risk-v1').format, 'utf8')

  it('commits to the format hash then the weights, with the weights tag', () => {
    expect(weightsCommitment(model).toString()).toBe(model.format.weightsCommitment)
    expect(
      chainCommit(WEIGHTS_TAG, [BigInt(model.format.formatHash), ...model.weightElements]),
    ).toBe(BigInt(model.format.weightsCommitment))
  })

  it('gives the same commitment in both weight modes (the mode is outside the hashed format)', () => {
    const fp = model.format.circuit.fixedPoint
    const priv = quantiseFolder(loadModelFolder(RISK_DIR), fp, 'private')
    expect(priv.format.weights).toBe('private')
    expect(priv.format.weightsCommitment).toBe(model.format.weightsCommitment)
  })

  it('gives other weights (other fraction bits) another commitment', () => {
    const fp = model.format.circuit.fixedPoint
    const other = quantiseFolder(loadModelFolder(RISK_DIR), {
      ...fp,
      weightBits: fp.weightBits - 1,
    })
    expect(other.format.weightsCommitment).not.toBe(model.format.weightsCommitment)
    expect(other.format.formatHash).not.toBe(model.format.formatHash)
  })

  it('commits to the input with the salt, so equal features hide behind different commitments', () => {
    const vector = JSON.parse(
      readFileSync(
        join(__dirname, '..', '..', 'zk', 'circuits', 'risk-v1', 'proof-vector.json'),
        'utf8',
      ),
    ) as { features: Record<string, number>; salt: string; inputCommitment: string }
    const encoded = model.format.circuit.features.map((f) =>
      encodeFeature(f.encoding, vector.features[f.name] as number, 32),
    )
    expect(inputCommitment(encoded, BigInt(vector.salt))).toBe(BigInt(vector.inputCommitment))
    expect(inputCommitment(encoded, BigInt(vector.salt) + 1n)).not.toBe(
      BigInt(vector.inputCommitment),
    )
    expect(folder.manifest.id).toBe('risk-v1')
  })

  it('refuses a format whose hash does not match its circuit parameters', () => {
    const json = JSON.parse(text)
    expect(parseFormat(json).formatHash).toBe(formatHashOf(json.circuit).toString())
    json.circuit.fixedPoint.inputBits += 1
    expect(() => parseFormat(json)).toThrow(ArtifactError)
    expect(() => parseFormat({ ...JSON.parse(text), schema: 'v0' })).toThrow(/schema/)
  })
})
