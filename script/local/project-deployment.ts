import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { anvilPrivateKey } from './anvil-accounts'
import { readDeploymentFile } from './deployment-file'
import { LOCAL_FORGE_CACHE, LOCAL_FORGE_OUT } from './forge-artifacts'
import { runForgeScript } from './forge-script'
import { FUNCTIONS_DEPLOYER_INDEX } from './functions-deployment'
import { REPO_ROOT } from './repo-root'

/** What script/Deploy.s.sol deployed (the `contracts` key of the deployment file). */
export interface ProjectDeployment {
  registry: string
  insurance: string
  consumersAddedToSubscription: boolean
}

export interface ProjectDeploymentOptions {
  /** Granted PROPOSER_ROLE / APPROVER_ROLE on the new registry. */
  proposers: string[]
  approvers: string[]
  /** DON-hosted secrets the consumer starts with. */
  secretsSlot: number
  secretsVersion: number
  agreementThreshold: number
  tolerance: number
}

/**
 * Runs script/Deploy.s.sol after DeployLocalFunctions: the ModelRegistry behind its UUPS proxy and
 * ClaimsInsurance with functions-source/image-inference.js as its source, added to the local
 * subscription; reads back deployments/<chainid>.json.
 */
export async function deployProject(
  rpcUrl: string,
  chainId: number,
  options: ProjectDeploymentOptions,
): Promise<ProjectDeployment> {
  const source = readFileSync(join(REPO_ROOT, 'functions-source', 'image-inference.js'), 'utf8')
  await runForgeScript({
    script: 'script/Deploy.s.sol',
    rpcUrl,
    privateKey: anvilPrivateKey(FUNCTIONS_DEPLOYER_INDEX),
    outDir: LOCAL_FORGE_OUT,
    cacheDir: LOCAL_FORGE_CACHE,
    env: {
      REGISTRY_PROPOSERS: options.proposers.join(','),
      REGISTRY_APPROVERS: options.approvers.join(','),
      FUNCTIONS_SOURCE: source,
      SECRETS_SLOT: String(options.secretsSlot),
      SECRETS_VERSION: String(options.secretsVersion),
      AGREEMENT_THRESHOLD: String(options.agreementThreshold),
      TOLERANCE: String(options.tolerance),
    },
  })
  const contracts = readDeploymentFile(chainId).contracts as Record<string, unknown> | undefined
  if (contracts === undefined) throw new Error('deployment file: no "contracts" object')
  return {
    registry: String(contracts.registry),
    insurance: String(contracts.claimsInsurance),
    consumersAddedToSubscription: contracts.consumersAddedToSubscription === true,
  }
}
