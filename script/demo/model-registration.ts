import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import {
  Contract,
  encodeBytes32String,
  hexlify,
  toUtf8Bytes,
  zeroPadBytes,
  type Signer,
} from 'ethers'

import { REPO_ROOT } from '../local/repo-root'
import { registryInterface } from './abis'

/** The manifest fields a registry proposal carries (adapter/models/manifest.schema.json). */
interface ManifestForProposal {
  id: string
  version: string
  file: { sha256: string; cid: string }
  provenance: {
    dataset: { digest: { sha256: string } }
    trainingCode: { gitTree?: string; gitCommit?: string }
    hyperparametersHash: string
  }
  provenanceHash: string
}

/** `IModelRegistry.Proposal`, built from a bundled model's manifest. */
export interface ModelProposal {
  modelId: string
  modelHash: string
  version: string
  codeCommit: string
  provenanceHash: string
  datasetDigest: string
  hyperparamsHash: string
  weightsUri: string
}

export function readManifest(modelId: string): ManifestForProposal {
  const path = join(REPO_ROOT, 'adapter', 'models', modelId, 'manifest.json')
  return JSON.parse(readFileSync(path, 'utf8')) as ManifestForProposal
}

/**
 * Maps a manifest to the registry's proposal: model hash = `file.sha256`, provenance hash =
 * `provenanceHash`, dataset and hyperparameter digests from the provenance, the training code's git
 * commit (or, for code not yet committed separately, its git tree id) and `ipfs://<file.cid>`.
 */
export function proposalFromManifest(m: ManifestForProposal): ModelProposal {
  const code =
    m.provenance.trainingCode.gitCommit ?? m.provenance.trainingCode.gitTree ?? '0'.repeat(40)
  return {
    modelId: encodeBytes32String(m.id),
    modelHash: m.file.sha256,
    version: hexlify(zeroPadBytes(toUtf8Bytes(m.version), 12)),
    codeCommit: `0x${code}`,
    provenanceHash: m.provenanceHash,
    datasetDigest: m.provenance.dataset.digest.sha256,
    hyperparamsHash: m.provenance.hyperparametersHash,
    weightsUri: `ipfs://${m.file.cid}`,
  }
}

export interface RegisteredModel {
  modelId: string
  modelHash: string
  provenanceHash: string
  proposeTx: string
  approveTx: string
}

async function send(contract: Contract, method: string, args: unknown[]): Promise<string> {
  const tx = (await contract.getFunction(method)(...args)) as {
    hash: string
    wait(): Promise<unknown>
  }
  await tx.wait()
  return tx.hash
}

/** Grants the proposer and approver roles (from the registry admin). */
export async function grantRegistryRoles(
  registry: string,
  admin: Signer,
  proposer: string,
  approver: string,
): Promise<void> {
  const c = new Contract(registry, registryInterface, admin)
  const proposerRole = (await c.getFunction('PROPOSER_ROLE')()) as string
  const approverRole = (await c.getFunction('APPROVER_ROLE')()) as string
  if (!((await c.getFunction('hasRole')(proposerRole, proposer)) as boolean)) {
    await send(c, 'grantRole', [proposerRole, proposer])
  }
  if (!((await c.getFunction('hasRole')(approverRole, approver)) as boolean)) {
    await send(c, 'grantRole', [approverRole, approver])
  }
}

/** Proposes a bundled model from its manifest and approves it with a second account. */
export async function registerModel(
  registry: string,
  modelId: string,
  proposer: Signer,
  approver: Signer,
): Promise<RegisteredModel> {
  const p = proposalFromManifest(readManifest(modelId))
  const asProposer = new Contract(registry, registryInterface, proposer)
  const asApprover = new Contract(registry, registryInterface, approver)
  const proposeTx = await send(asProposer, 'propose', [
    [
      p.modelId,
      p.modelHash,
      p.version,
      p.codeCommit,
      p.provenanceHash,
      p.datasetDigest,
      p.hyperparamsHash,
      p.weightsUri,
    ],
  ])
  const approveTx = await send(asApprover, 'approve', [p.modelId, p.modelHash])
  return { modelId, modelHash: p.modelHash, provenanceHash: p.provenanceHash, proposeTx, approveTx }
}
