import { join } from 'node:path'

import type { Signer } from 'ethers'

import { REPO_ROOT } from './repo-root'
import { readModelFolder } from '../registry/model-proposal'
import { ModelRegistryClient } from '../registry/registry-client'

export interface RegisteredModel {
  modelId: string
  modelHash: string
  provenanceHash: string
  proposeTx: string
  approveTx: string
}

/**
 * Proposes a bundled model (adapter/models/<id>, its manifest and model hash checked first) and
 * approves it with a second account, through the registry CLI's module (script/registry/).
 */
export async function registerModel(
  registry: string,
  modelId: string,
  proposer: Signer,
  approver: Signer,
): Promise<RegisteredModel> {
  const { proposal } = readModelFolder(join(REPO_ROOT, 'adapter', 'models', modelId))
  const asProposer = new ModelRegistryClient(registry, proposer)
  const proposed = await asProposer.propose(proposal)
  const approved = await asProposer.connect(approver).approve(proposal.modelId, proposal.modelHash)
  return {
    modelId,
    modelHash: proposal.modelHash,
    provenanceHash: proposal.provenanceHash,
    proposeTx: proposed.hash,
    approveTx: approved.hash,
  }
}
