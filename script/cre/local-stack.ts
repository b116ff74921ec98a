/**
 * The whole CRE side of onnx-oracle on one machine, as the local CRE DON's tests, `npm run cre --
 * don`, the round-latency script and the demo use it: anvil; Chainlink's KeystoneForwarder with a
 * 4-signer DON (script/DeployLocalCre.s.sol); the registry and the example dApps on their CRE
 * oracles (script/Deploy.s.sol with TRANSPORT=cre); the bundled models registered and approved by
 * two accounts; adapter processes; and the local CRE DON serving both oracles.
 */
import { Contract, JsonRpcProvider, Wallet } from 'ethers'

import { parseWorkflowConfig, type WorkflowConfig } from '../../cre-workflow/onnx-inference/config'
import { adaptersSecret, type AdapterSpec, type LocalAdapter } from '../local/adapters'
import { anvilPrivateKey } from '../local/anvil-accounts'
import type { LocalChain } from '../local/anvil'
import { deployLocalCre, type LocalCreDeployment } from '../local/cre-deployment'
import { registerModel, type RegisteredModel } from '../local/model-registration'
import { deployProject, type ProjectDeployment } from '../local/project-deployment'
import {
  chainWallets,
  startAdaptersInBackground,
  startThrowawayAnvil,
  startStack,
} from '../local/stack-parts'
import { ADAPTERS_SECRET, LocalCreDon, type CreDonEvent, type CreNodeFault } from './local-cre-don'

/** The chain name in local workflow configs: the local DON reads no chain selector (CRE's SDK would). */
export const LOCAL_CHAIN_SELECTOR_NAME = 'anvil-local'
/** Gas of the report write in local configs: forwarder checks, onReport, a payout (docs/cre.md). */
export const LOCAL_GAS_LIMIT = '500000'

/** Accounts of the local stack (anvil's public development keys; nothing of value). */
const RISK_PRICING_OWNER_ABI = ['function setCustomer(address customer, bool allowed)']

export const STACK_ACCOUNTS = {
  /** Deploys; owns the forwarder, the oracles and the dApps; the workflow owner. */
  deployer: 0,
  /** A dApp user (policy holder, quote customer). */
  user: 1,
  /** PROPOSER_ROLE on the registry. */
  proposer: 2,
  /** APPROVER_ROLE on the registry (two-person rule: not the proposer). */
  approver: 3,
} as const

/**
 * A workflow config (the workflow's own schema) for an oracle on the local chain: logs at LATEST
 * (anvil has no finality to wait for), the report write's gas, the adapter timeout.
 */
export function localWorkflowConfig(
  oracleAddress: string,
  overrides: Partial<Omit<WorkflowConfig, 'oracleAddress'>> = {},
): WorkflowConfig {
  return parseWorkflowConfig({
    chainSelectorName: LOCAL_CHAIN_SELECTOR_NAME,
    isTestnet: true,
    oracleAddress,
    gasLimit: LOCAL_GAS_LIMIT,
    logConfidence: 'LATEST',
    ...overrides,
  })
}

export interface LocalCreStackOptions {
  /** Adapters to start while the contracts deploy (they load their models meanwhile). */
  adapters: AdapterSpec[]
  /** The DON's ADAPTERS secret at start, as JSON; default: `secretAdapters`' adapters. */
  adaptersSecret?: string
  /** Adapters the DON's ADAPTERS secret lists at start (default: all, in order). */
  secretAdapters?: (adapters: LocalAdapter[]) => ReadonlyArray<Pick<LocalAdapter, 'url' | 'signer'>>
  /** The dApps' acceptance policy (default 2 agreeing adapters, tolerance 0). */
  agreementThreshold?: number
  tolerance?: number
  /** Bundled models to register and approve (default damage-v1 and risk-v1). */
  models?: string[]
  /** Workflow config fields for both oracles (gas, adapter timeout, ...). */
  workflow?: Partial<Omit<WorkflowConfig, 'oracleAddress'>>
  faults?: Record<number, CreNodeFault>
  /** anvil's port (a free one by default) and chain id (a throwaway one by default). */
  port?: number
  chainId?: number
  /** Narration of the setup steps. */
  log?: (line: string) => void
  onEvent?: (event: CreDonEvent) => void
  /** Stops starting when aborted (Ctrl-C): what started is stopped by `stop()`. */
  signal?: AbortSignal
}

export interface LocalCreStack {
  chain: LocalChain
  cre: LocalCreDeployment
  project: ProjectDeployment
  models: RegisteredModel[]
  adapters: LocalAdapter[]
  don: LocalCreDon
  /** A provider on the chain (polling every 50 ms). */
  provider: JsonRpcProvider
  /** A funded wallet of anvil account `index` on `provider`. */
  wallet(index: number): Wallet
  /** Stops everything in reverse order; resolves with the steps that failed. */
  stop(): Promise<string[]>
}

function aborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new Error('aborted')
}

/** Starts the stack; on a failure, stops what it started and rethrows. */
export async function startLocalCreStack(options: LocalCreStackOptions): Promise<LocalCreStack> {
  const log = options.log ?? (() => undefined)
  return startStack(async (teardown) => {
    const chain = await startThrowawayAnvil(teardown, {
      ...(options.chainId === undefined ? {} : { chainId: options.chainId }),
      ...(options.port === undefined ? {} : { port: options.port }),
    })
    log(`anvil at ${chain.rpcUrl} (chain id ${chain.chainId})`)
    const adaptersStarting = startAdaptersInBackground(teardown, options.adapters)
    aborted(options.signal)

    const cre = await deployLocalCre(chain.rpcUrl, chain.chainId)
    log(
      `KeystoneForwarder ${cre.forwarder}: DON ${cre.donId} v${cre.configVersion}, ${cre.signers.length} signers, f = ${cre.f}; workflow "${cre.workflowName}" of ${cre.workflowOwner}`,
    )
    aborted(options.signal)
    const address = (i: number): string => new Wallet(anvilPrivateKey(i)).address
    const project = await deployProject(chain.rpcUrl, chain.chainId, {
      transport: 'cre',
      proposers: [address(STACK_ACCOUNTS.proposer)],
      approvers: [address(STACK_ACCOUNTS.approver)],
      secretsSlot: 0,
      secretsVersion: 0,
      agreementThreshold: options.agreementThreshold ?? 2,
      tolerance: options.tolerance ?? 0,
    })
    log(
      `ModelRegistry ${project.registry}; ClaimsInsurance ${project.insurance} on CreInferenceOracle ${project.insuranceOracle}; RiskPricing ${project.pricing} on CreInferenceOracle ${project.pricingOracle}`,
    )
    aborted(options.signal)

    const { provider, wallet } = chainWallets(teardown, chain.rpcUrl, { pollingIntervalMs: 50 })
    // While the oracle's request fee is 0, RiskPricing serves only the customers its owner allows
    // (docs/contracts.md, "RiskPricing"): the stack's user is one.
    const pricing = new Contract(
      project.pricing,
      RISK_PRICING_OWNER_ABI,
      wallet(STACK_ACCOUNTS.deployer),
    )
    await (await pricing.getFunction('setCustomer')(address(STACK_ACCOUNTS.user), true)).wait()
    const models: RegisteredModel[] = []
    for (const modelId of options.models ?? ['damage-v1', 'risk-v1']) {
      models.push(
        await registerModel(
          project.registry,
          modelId,
          wallet(STACK_ACCOUNTS.proposer),
          wallet(STACK_ACCOUNTS.approver),
        ),
      )
    }
    const adapters = await adaptersStarting
    aborted(options.signal)

    const secret =
      options.adaptersSecret ??
      (adapters.length === 0 && options.secretAdapters === undefined
        ? undefined
        : adaptersSecret(options.secretAdapters?.(adapters) ?? adapters))
    const don = new LocalCreDon({
      rpcUrl: chain.rpcUrl,
      forwarder: cre.forwarder,
      workflow: { owner: cre.workflowOwner, name: cre.workflowName },
      configs: [project.insuranceOracle, project.pricingOracle].map((oracle) =>
        localWorkflowConfig(oracle, options.workflow),
      ),
      keyring: cre.donKeyring,
      transmitterKeys: cre.transmitterKeys,
      secrets: secret === undefined ? {} : { [ADAPTERS_SECRET]: secret },
      ...(options.faults === undefined ? {} : { faults: options.faults }),
      ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
    })
    await don.start()
    teardown.add('CRE DON', () => don.stop())
    return {
      chain,
      cre,
      project,
      models,
      adapters,
      don,
      provider,
      wallet,
    }
  })
}
