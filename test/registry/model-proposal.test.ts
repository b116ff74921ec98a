/**
 * From a model folder to the registry's Proposal: the bundled models' proposals (label counts, short
 * strings, digests), a folder that does not verify is refused with every problem (in-process by
 * `readModelFolder`, and by the CLI with models:verify's full check), and the limits of the on-chain
 * fields.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { decodeBytes32String, toUtf8String, ZeroHash } from 'ethers'

import { parseManifest, type Manifest } from '../../protocol/manifest'
import { REPO_ROOT } from '../../script/local/repo-root'
import {
  labelCountOf,
  ManifestVerificationError,
  ProposalError,
  proposalFromManifest,
  readModelFolder,
} from '../../script/registry/model-proposal'
import { RegistryUsageError, resolveTarget } from '../../script/registry/operations'
import { runRegistryCli } from './cli-process'
import { tempDirFor } from '../support/temp-dir'

const MODELS = join(REPO_ROOT, 'adapter', 'models')
const manifestOf = (id: string): Manifest =>
  parseManifest(JSON.parse(readFileSync(join(MODELS, id, 'manifest.json'), 'utf8')))

const scratch = tempDirFor('registry-proposal-')

describe('proposalFromManifest', () => {
  it('maps damage-v1: four classes indexed by its argmax result', () => {
    const { manifest, proposal } = readModelFolder(join(MODELS, 'damage-v1'))
    expect(manifest.outputs.result.kind).toBe('argmax')
    expect(proposal.labelCount).toBe(4)
    expect(decodeBytes32String(proposal.modelId)).toBe('damage-v1')
    expect(proposal.modelHash).toBe(manifest.file.sha256)
    expect(proposal.provenanceHash).toBe(manifest.provenanceHash)
    expect(proposal.datasetDigest).toBe(manifest.provenance.dataset.digest.sha256)
    expect(proposal.hyperparamsHash).toBe(manifest.provenance.hyperparametersHash)
    expect(proposal.codeCommit).toBe(`0x${manifest.provenance.trainingCode.gitTree}`)
    expect(proposal.weightsUri).toBe(`ipfs://${manifest.file.cid}`)
    expect(proposal.weightsCommitment).toBe(ZeroHash)
    // bytes12, right-padded with zeros
    expect(proposal.version).toHaveLength(2 + 24)
    expect(toUtf8String(proposal.version.replace(/(00)+$/, ''))).toBe('1.0.0')
  })

  it('maps risk-v1: a probability is a scalar result, label count 0', () => {
    const manifest = manifestOf('risk-v1')
    expect(manifest.outputs.result.kind).toBe('probability')
    expect(manifest.outputs.labels).toHaveLength(2)
    expect(proposalFromManifest(manifest).labelCount).toBe(0)
  })

  it('counts a regression value as 0 labels', () => {
    const m = manifestOf('risk-v1')
    const regression = { ...m, outputs: { ...m.outputs, result: { kind: 'value' as const } } }
    expect(labelCountOf(regression)).toBe(0)
  })

  it('carries a weights commitment given for a zero-knowledge circuit, lower-cased', () => {
    const commitment = '0x' + 'AB'.repeat(32)
    const p = proposalFromManifest(manifestOf('risk-v1'), { weightsCommitment: commitment })
    expect(p.weightsCommitment).toBe(commitment.toLowerCase())
    expect(() =>
      proposalFromManifest(manifestOf('risk-v1'), { weightsCommitment: '0x1234' }),
    ).toThrow(ProposalError)
  })

  it('refuses a version longer than the registry keeps (12 bytes)', () => {
    const m = { ...manifestOf('risk-v1'), version: '1.0.0-beta.12' }
    expect(() => proposalFromManifest(m)).toThrow(/13 bytes; the registry keeps at most 12/)
  })

  it('prefers the training code commit over its tree id', () => {
    const m = manifestOf('risk-v1')
    const commit = 'c'.repeat(40)
    const withCommit = {
      ...m,
      provenance: {
        ...m.provenance,
        trainingCode: { ...m.provenance.trainingCode, gitCommit: commit },
      },
    }
    expect(proposalFromManifest(withCommit).codeCommit).toBe(`0x${commit}`)
  })
})

describe('readModelFolder (in-process) and the CLI (full check, with the CID)', () => {
  it('refuses a folder whose model file no longer matches its manifest', async () => {
    const dir = join(scratch(), 'risk-v1')
    cpSync(join(MODELS, 'risk-v1'), dir, { recursive: true })
    const bytes = readFileSync(join(dir, 'model.onnx'))
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1)
    writeFileSync(join(dir, 'model.onnx'), bytes)
    expect(() => readModelFolder(dir)).toThrow(ManifestVerificationError)
    expect(() => readModelFolder(dir)).toThrow(/manifest.file.sha256/)

    // The CLI runs models:verify's checks before it needs a chain: no RPC is configured here.
    const run = await runRegistryCli(['propose', dir], {})
    expect(run.code).toBe(1)
    expect(run.json.error).toBe('ManifestVerificationError')
    const problems = run.json.problems as string[]
    expect(problems.some((p) => p.startsWith('manifest.file.sha256'))).toBe(true)
    expect(problems.some((p) => p.startsWith('manifest.file.cid'))).toBe(true)
  }, 90_000)

  it('refuses a folder whose provenance was edited after sealing', async () => {
    const dir = join(scratch(), 'edited', 'damage-v1')
    cpSync(join(MODELS, 'damage-v1'), dir, { recursive: true })
    const json = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
      provenance: { dataset: { seed: number } }
    }
    json.provenance.dataset.seed += 1
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(json, null, 2))
    expect(() => readModelFolder(dir)).toThrow(/provenanceHash/)
    const run = await runRegistryCli(['approve', dir], {})
    expect(run.code).toBe(1)
    expect(run.json.error).toBe('ManifestVerificationError')
  }, 90_000)

  it('refuses, as a usage error, a --hash that contradicts the folder', async () => {
    const run = await runRegistryCli(
      ['status', join(MODELS, 'risk-v1'), '--hash', '0x' + '12'.repeat(32)],
      {},
    )
    expect(run.code).toBe(2)
    expect(run.json.error).toBe('RegistryUsageError')
  }, 90_000)
})

describe('resolveTarget', () => {
  it('takes a model id, with or without --hash', async () => {
    const hash = '0x' + '12'.repeat(32)
    expect((await resolveTarget('risk-v1', { hash })).modelHash).toBe(hash)
    const bare = await resolveTarget('risk-v1')
    expect(bare.modelHash).toBeUndefined()
    expect(decodeBytes32String(bare.modelId)).toBe('risk-v1')
  })

  it('refuses something that is neither a folder nor a model id, and a malformed hash', async () => {
    await expect(resolveTarget('Not A Model!')).rejects.toThrow(RegistryUsageError)
    await expect(resolveTarget('risk-v1', { hash: '0x12' })).rejects.toThrow(ProposalError)
  })
})
