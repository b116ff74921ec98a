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
  transport: 'functions' | 'cre'
  registry: string
  insurance: string
  /** The inference oracle ClaimsInsurance uses (one oracle per dApp). */
  insuranceOracle: string
  pricing: string
  pricingOracle: string
  /** Functions only: whether the oracles were added to their subscriptions. */
  oraclesAddedToSubscriptions: boolean
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
  /** The transport of the oracles (default `functions`; `cre` needs script/DeployLocalCre.s.sol first). */
  transport?: 'functions' | 'cre'
  /**
   * ClaimsInsurance's waiting period between a purchase and its first claim, in seconds (default 0:
   * a local DON stamps results with the wall clock, so skipping chain time past a real waiting period
   * would make every result stale; Deploy.s.sol's own default is 3 days).
   */
  claimWaitingPeriodSeconds?: number
}

/**
 * Runs script/Deploy.s.sol after DeployLocalFunctions (or DeployLocalCre): the ModelRegistry behind
 * its UUPS proxy, ClaimsInsurance and RiskPricing each on its own inference oracle (Functions: with
 * functions-source/image-inference.js as ClaimsInsurance's source, each oracle added to its own
 * local subscription); reads back deployments/<chainid>.json.
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
      TRANSPORT: options.transport ?? 'functions',
      REGISTRY_PROPOSERS: options.proposers.join(','),
      REGISTRY_APPROVERS: options.approvers.join(','),
      FUNCTIONS_SOURCE: source,
      SECRETS_SLOT: String(options.secretsSlot),
      SECRETS_VERSION: String(options.secretsVersion),
      AGREEMENT_THRESHOLD: String(options.agreementThreshold),
      TOLERANCE: String(options.tolerance),
      CLAIM_WAITING_PERIOD: String(options.claimWaitingPeriodSeconds ?? 0),
    },
  })
  const contracts = readDeploymentFile(chainId).contracts as Record<string, unknown> | undefined
  if (contracts === undefined) throw new Error('deployment file: no "contracts" object')
  return {
    transport: contracts.transport === 'cre' ? 'cre' : 'functions',
    registry: String(contracts.registry),
    insurance: String(contracts.claimsInsurance),
    insuranceOracle: String(contracts.claimsInsuranceOracle),
    pricing: String(contracts.riskPricing),
    pricingOracle: String(contracts.riskPricingOracle),
    oraclesAddedToSubscriptions: contracts.oraclesAddedToSubscriptions === true,
  }
}
