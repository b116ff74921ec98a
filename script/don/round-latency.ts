/**
 * One local Chainlink Functions round, request transaction to accepted result, measured over many
 * rounds (issue 14 part 3). Starts anvil with the real FunctionsRouter v1_0_0 and
 * FunctionsCoordinator v1_3_0 (script/DeployLocalFunctions.s.sol), the project on them
 * (script/Deploy.s.sol: RiskPricing on its own FunctionsInferenceOracle, given
 * functions-source/tabular-inference.js and DON-hosted secrets naming three signing adapters on
 * risk-v1), risk-v1 proposed and approved in the registry, and the local DON (script/don/local-don.ts:
 * 4 nodes running the source in the toolkit's Deno sandbox, 3 signatures checked by the
 * Coordinator). Then it sends one `RiskPricing.requestQuote` at a time, paying the oracle's request
 * fee, and times it from just before the request transaction is sent until the DON's transmit, with
 * `InferenceAccepted`, is mined. `npm run don -- rounds [N]` prints the figures; the bench calls
 * `measureFunctionsRounds`.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { Contract, Interface, Wallet, id, parseEther } from 'ethers'

import { adaptersSecret, type AdapterSpec } from '../local/adapters'
import { anvilPrivateKey } from '../local/anvil-accounts'
import { deployLocalFunctions, FUNCTIONS_DEPLOYER_INDEX } from '../local/functions-deployment'
import { registerModel } from '../local/model-registration'
import { deployProject } from '../local/project-deployment'
import { REPO_ROOT } from '../local/repo-root'
import { acceptedIn, requestRiskQuote } from '../local/risk-quote-requests'
import {
  measureStackRounds,
  type RoundFigures,
  type RoundRunner,
  type RoundsStack,
} from '../local/round-figures'
import {
  chainWallets,
  startAdaptersInBackground,
  startThrowawayAnvil,
  startStack,
} from '../local/stack-parts'
import { LocalDon } from './local-don'
import { HostedSecretsStore } from './secrets'

export type { RoundFigures } from '../local/round-figures'

export interface FunctionsRoundOptions {
  rounds: number
  /** Rounds run first and not counted (JIT, connection pools, Deno's module cache). */
  warmup?: number
  /** How often the DON polls for OracleRequest logs (ms; default 100, as the local CRE DON). */
  pollIntervalMs?: number
  log?: (line: string) => void
}

/** Accounts of the measurement (anvil's public development keys; nothing of value). */
export const ROUND_ACCOUNTS = {
  /** Deploys; owns the oracles, the dApps and the subscriptions. */
  deployer: FUNCTIONS_DEPLOYER_INDEX,
  /** The quote customer. */
  customer: 1,
  proposer: 2,
  approver: 3,
} as const

/** The three signing adapters on risk-v1 (test keys, fixed so runs are comparable). */
export const ROUND_ADAPTERS: AdapterSpec[] = [1, 2, 3].map((i) => ({
  name: `operator-${i}`,
  signerKey: id(`onnx-oracle functions rounds operator ${i}`),
}))

/** The DON-hosted secrets slot and version RiskPricing's oracle points at. */
const SECRETS = { slotId: 0, version: 1 } as const
/** What each quote request pays the oracle (RiskPricing serves paying customers). */
export const ROUND_REQUEST_FEE = parseEther('0.001')
const ROUND_TIMEOUT_MS = 60_000
/** Round n quotes the (FIRST_FEATURE_SET + n)-th feature set of risk-v1. */
const FIRST_FEATURE_SET = 1000
const DEFAULT_POLL_INTERVAL_MS = 100

const pricingOracleInterface = new Interface([
  'function setSource(string source)',
  'function setDonHostedSecrets(uint8 slotId, uint64 version)',
  'function setRequestFee(uint96 fee)',
])

async function send(contract: Contract, method: string, args: unknown[]): Promise<void> {
  const tx = (await contract.getFunction(method)(...args)) as { wait(): Promise<unknown> }
  await tx.wait()
}

/** A running stack of the measurement: one round per call, then `stop()`. */
export type FunctionsRoundsStack = RoundsStack

/** Starts the stack (anvil, contracts, adapters, the DON); on a failure stops what it started. */
export async function startFunctionsRoundsStack(
  options: Pick<FunctionsRoundOptions, 'pollIntervalMs' | 'log'> = {},
): Promise<FunctionsRoundsStack> {
  const log = options.log ?? (() => undefined)
  return startStack(async (teardown) => {
    const chain = await startThrowawayAnvil(teardown)
    const adaptersStarting = startAdaptersInBackground(teardown, ROUND_ADAPTERS)
    const functions = await deployLocalFunctions(chain.rpcUrl, chain.chainId)
    const address = (i: number): string => new Wallet(anvilPrivateKey(i)).address
    const project = await deployProject(chain.rpcUrl, chain.chainId, {
      proposers: [address(ROUND_ACCOUNTS.proposer)],
      approvers: [address(ROUND_ACCOUNTS.approver)],
      secretsSlot: SECRETS.slotId,
      secretsVersion: SECRETS.version,
      agreementThreshold: 2,
      tolerance: 0,
    })
    log(
      `anvil ${chain.rpcUrl}: Router ${functions.router}, Coordinator ${functions.coordinator}; RiskPricing ${project.pricing} on FunctionsInferenceOracle ${project.pricingOracle}`,
    )

    const { provider, wallet } = chainWallets(teardown, chain.rpcUrl, { pollingIntervalMs: 50 })
    const oracle = new Contract(
      project.pricingOracle,
      pricingOracleInterface,
      wallet(ROUND_ACCOUNTS.deployer),
    )
    const source = readFileSync(join(REPO_ROOT, 'functions-source', 'tabular-inference.js'), 'utf8')
    await send(oracle, 'setSource', [source])
    await send(oracle, 'setDonHostedSecrets', [SECRETS.slotId, SECRETS.version])
    await send(oracle, 'setRequestFee', [ROUND_REQUEST_FEE])
    await registerModel(
      project.registry,
      'risk-v1',
      wallet(ROUND_ACCOUNTS.proposer),
      wallet(ROUND_ACCOUNTS.approver),
    )

    const adapters = await adaptersStarting
    const seenAt = new Map<string, number>()
    const executedAt = new Map<string, number>()
    const don = new LocalDon({
      rpcUrl: chain.rpcUrl,
      coordinator: functions.coordinator,
      keyring: functions.donKeyring,
      secrets: new HostedSecretsStore([
        {
          slotId: SECRETS.slotId,
          version: BigInt(SECRETS.version),
          secrets: { ADAPTERS: adaptersSecret(adapters) },
        },
      ]),
      pollIntervalMs: options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
      onEvent: (e) => {
        // When the DON saw each request and when its last node finished: the log's breakdown.
        const now = performance.now()
        if (e.type === 'request') seenAt.set(e.requestId.toLowerCase(), now)
        if (e.type === 'node') executedAt.set(e.requestId.toLowerCase(), now)
      },
    })
    await don.start()
    teardown.add('DON', () => don.stop())

    const customer = wallet(ROUND_ACCOUNTS.customer)
    const round: RoundRunner = async (n) => {
      const sent = await requestRiskQuote(
        project.pricing,
        project.pricingOracle,
        customer,
        FIRST_FEATURE_SET + n,
      )
      const outcome = await don.waitForOutcome(sent.requestId, ROUND_TIMEOUT_MS)
      const ms = performance.now() - sent.sentAt
      const id = sent.requestId.toLowerCase()
      const seen = (seenAt.get(id) ?? Number.NaN) - sent.sentAt
      const executed = (executedAt.get(id) ?? Number.NaN) - sent.sentAt
      const note = `request seen by the DON at ${seen.toFixed(0)} ms, nodes done at ${executed.toFixed(0)} ms`
      if (outcome.kind !== 'transmitted')
        return { ms, accepted: false, requestGas: sent.gasUsed, note: `${outcome.kind}; ${note}` }
      const receipt = await provider.getTransactionReceipt(outcome.txHash)
      return {
        ms,
        accepted: acceptedIn(receipt?.logs ?? [], project.pricingOracle, sent.requestId),
        requestGas: sent.gasUsed,
        ...(receipt === null ? {} : { reportGas: receipt.gasUsed }),
        note,
      }
    }
    return { round }
  })
}

/** Measures `rounds` Functions rounds through the local DON (after `warmup` uncounted ones). */
export async function measureFunctionsRounds(
  options: FunctionsRoundOptions,
): Promise<RoundFigures> {
  return (await measureStackRounds(await startFunctionsRoundsStack(options), options)).figures
}
