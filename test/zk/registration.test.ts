/**
 * Registering a model folder registers its circuit's weights commitment: the registry CLI's proposal
 * (script/registry/model-proposal.ts) takes it from the model's zk format when that format was
 * generated from the very same ONNX file, and never from a format of another file.
 */
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'

import { ZeroHash } from 'ethers'

import { readModelFolder } from '../../script/registry/model-proposal'
import { importSpecifiers } from '../support/import-boundaries'
import { artifactPaths } from '../../zk/src/artifacts'
import { ArtifactError } from '../../zk/src/errors'
import { circuitRegistration } from '../../zk/src/registration'
import { DAMAGE_DIR, RISK_DIR } from './support'
import { REPO_ROOT } from '../../zk/src/artifacts'
import { tempDirFor } from '../support/temp-dir'

const format = JSON.parse(readFileSync(artifactPaths(RISK_DIR, 'risk-v1').format, 'utf8')) as {
  model: { sha256: string }
  weightsCommitment: string
}
const commitmentHex = `0x${BigInt(format.weightsCommitment).toString(16).padStart(64, '0')}`

describe('circuitRegistration', () => {
  const root = tempDirFor('zk-registration-', 'test')

  it('is the format’s weights commitment for the model file it was generated from', () => {
    const r = circuitRegistration('risk-v1', format.model.sha256)
    expect(r?.weightsCommitment).toBe(commitmentHex)
    expect(r?.formatPath).toBe(artifactPaths(RISK_DIR, 'risk-v1').format)
  })

  it('is nothing for another model file or a model without a circuit', () => {
    expect(circuitRegistration('risk-v1', `0x${'11'.repeat(32)}`)).toBeUndefined()
    expect(circuitRegistration('damage-v1', `0x${'11'.repeat(32)}`)).toBeUndefined()
  })

  it('refuses a corrupt format instead of registering a wrong commitment', () => {
    const dir = join(root(), 'zk', 'circuits', 'risk-v1')
    cpSync(artifactPaths(RISK_DIR, 'risk-v1').format, join(dir, 'format.json'))
    const json = JSON.parse(readFileSync(join(dir, 'format.json'), 'utf8')) as {
      circuit: { fixedPoint: { weightBits: number } }
    }
    json.circuit.fixedPoint.weightBits += 1 // no longer hashes to its formatHash
    writeFileSync(join(dir, 'format.json'), JSON.stringify(json))
    expect(() => circuitRegistration('risk-v1', format.model.sha256, root())).toThrow(ArtifactError)
  })
})

describe('the registry proposal of a model folder', () => {
  it('carries risk-v1’s weights commitment from its zk format', () => {
    const model = readModelFolder(RISK_DIR)
    expect(model.proposal.modelHash).toBe(format.model.sha256)
    expect(model.proposal.weightsCommitment).toBe(commitmentHex)
    expect(model.weightsCommitmentFrom).toBe(artifactPaths(RISK_DIR, 'risk-v1').format)
  })

  it('keeps a commitment given explicitly, and zero for a model without a circuit', () => {
    const given = `0x${'ab'.repeat(32)}`
    const model = readModelFolder(RISK_DIR, { weightsCommitment: given })
    expect(model.proposal.weightsCommitment).toBe(given)
    expect(model.weightsCommitmentFrom).toBe('option')
    const damage = readModelFolder(DAMAGE_DIR)
    expect(damage.proposal.weightsCommitment).toBe(ZeroHash)
    expect(damage.weightsCommitmentFrom).toBe('none')
  })
})

/** Every package a module loads, following its relative imports through the repository. */
function packagesLoadedBy(entry: string): Set<string> {
  const packages = new Set<string>()
  const seen = new Set<string>()
  const visit = (file: string): void => {
    if (seen.has(file)) return
    seen.add(file)
    for (const specifier of importSpecifiers(readFileSync(file, 'utf8'))) {
      if (!specifier.startsWith('.')) {
        packages.add(specifier)
        continue
      }
      const base = resolve(dirname(file), specifier)
      const target = [`${base}.ts`, join(base, 'index.ts'), base].find(
        (p) => existsSync(p) && p.endsWith('.ts'),
      )
      if (target !== undefined) visit(target)
    }
  }
  visit(entry)
  return packages
}

describe('the registry CLI and the proving stack', () => {
  it('reads commitments without loading snarkjs, circomlib or circom (GPL-3.0, docs/zk.md)', () => {
    const packages = [...packagesLoadedBy(join(REPO_ROOT, 'script', 'registry', 'cli.ts'))]
    expect(packages).toContain('ethers') // the walk reaches the CLI's dependencies
    expect(packages.filter((p) => /^(snarkjs|circomlib|circom2|ffjavascript)\b/.test(p))).toEqual(
      [],
    )
  })
})
