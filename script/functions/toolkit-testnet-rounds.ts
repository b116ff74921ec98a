/**
 * The same rounds as script/don/round-latency.ts, through Chainlink's own simulator instead of the
 * local DON: `startLocalFunctionsTestnet` from `@chainlink/functions-toolkit` 0.3.2 (ganache 7.9,
 * the real FunctionsRouter v1_0_0 and the toolkit's `FunctionsCoordinatorTestHelper`, which checks
 * no signatures: the toolkit's listener runs the source four times with `simulateScript`, takes the
 * median and calls `callReport` from its admin account). The consumer path is the project's:
 * ModelRegistry behind its ERC-1967 proxy with risk-v1 proposed and approved, RiskPricing on a
 * FunctionsInferenceOracle pointed at the toolkit's router with functions-source/tabular-inference.js,
 * all deployed from the forge artifacts with ethers; the same three signing adapters on risk-v1.
 * Each round is timed from just before the request transaction is sent until the transaction
 * delivering `InferenceAccepted` is mined.
 *
 * What the toolkit's testnet does differently, and how this file meets it:
 * - it reads secrets from a simulation config file (`require`d), not from DON-hosted secrets: the
 *   ADAPTERS secret is written to one in a temp folder outside the repository (the oracle still
 *   carries the same DON-hosted secrets reference as on the local DON, so the request is the same);
 * - its `simulateScript` needs `deno` on PATH and a temp folder outside the repository for as long
 *   as the testnet runs (its listener starts executions at any time): PATH and TMPDIR of this process
 *   are set for the run and given back at the end (run it in a process of its own: the CLI below);
 * - it fulfils through ethers v5 at a higher gas price than ethers v6 pays by default, and the
 *   coordinator then refuses the fulfilment (`RequestNotProcessed`, COST_EXCEEDS_COMMITMENT): the
 *   request pays a 3 gwei priority fee (FACTS.md);
 * - its listener polls for `OracleRequest` with ethers v5's default of 4 s: set to the same poll
 *   interval as the local DON (`pollIntervalMs`), so the comparison is of the work, not of polling.
 *
 * CLI, in a process of its own: `node --import tsx script/functions/toolkit-testnet-rounds.ts [N]
 * [--warmup W] [--json]` (the test runs it so), or `--serve` (one round per stdin line: the bench
 * interleaves these rounds with the local DON's).
 */
import './toolkit-backend'

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { format } from 'node:util'

import { startLocalFunctionsTestnet } from '@chainlink/functions-toolkit/dist/localFunctionsTestnet'
import {
  AbiCoder,
  Contract,
  ContractFactory,
  Interface,
  Wallet,
  encodeBytes32String,
  parseEther,
  parseUnits,
  type Log,
} from 'ethers'

import { ROUND_ACCOUNTS, ROUND_ADAPTERS, ROUND_REQUEST_FEE } from '../don/round-latency'
import { adaptersSecret } from '../local/adapters'
import { anvilPrivateKey } from '../local/anvil-accounts'
import { forgeBuild, readArtifact } from '../local/forge-artifacts'
import { freePort } from '../local/free-port'
import { setToolkitEnv } from '../local/functions-simulator'
import { registerModel } from '../local/model-registration'
import { REPO_ROOT, isInsideRepo } from '../local/repo-root'
import { quoteOracleInterface, requestRiskQuote, riskQuote } from '../local/risk-quote-requests'
import {
  measureStackRounds,
  type RoundFigures,
  type RoundRunner,
  type RoundSample,
  type RoundsStack,
} from '../local/round-figures'
import { chainWallets, startAdaptersInBackground, startStack } from '../local/stack-parts'

export interface ToolkitRoundOptions {
  rounds: number
  /** Rounds run first and not counted. */
  warmup?: number
  /** How often the toolkit's listener polls for OracleRequest (ms; default 100, as the local DON). */
  pollIntervalMs?: number
  log?: (line: string) => void
}

/** The round figures plus what the toolkit's tests check: request gas and the quotes' premiums. */
export interface ToolkitRoundFigures extends RoundFigures {
  /** Gas of each request transaction (RiskPricing.requestQuote through the oracle and router). */
  requestGas: bigint[]
  /** The premium each measured quote was priced at (wei; 0 = not priced). */
  premiums: bigint[]
}

/** The contracts deployed on the toolkit's chain, from the forge artifacts. */
const ARTIFACTS = {
  registry: { file: 'contracts/ModelRegistry.sol', name: 'ModelRegistry' },
  proxy: {
    file: 'node_modules/@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol',
    name: 'ERC1967Proxy',
  },
  oracle: {
    file: 'contracts/oracles/FunctionsInferenceOracle.sol',
    name: 'FunctionsInferenceOracle',
  },
  pricing: { file: 'contracts/examples/RiskPricing.sol', name: 'RiskPricing' },
} as const

/** The priority fee the request pays so that the toolkit's fulfilment fits its commitment. */
export const TOOLKIT_PRIORITY_FEE = parseUnits('3', 'gwei')
const CHAIN_ID = 1337
const ACCOUNT_BALANCE = parseEther('10000')
/** The acceptance policy RiskPricing's oracle gets from script/Deploy.s.sol. */
const POLICY = { threshold: 2, tolerance: 100, maxResultAge: 3600 } as const
const FULFILLMENT_GAS_LIMIT = 300_000
const BASE_PREMIUM = parseEther('0.01')
const SUBSCRIPTION_FUNDING = parseEther('1000')
const SECRETS = { slotId: 0, version: 1 } as const
const ROUND_TIMEOUT_MS = 60_000
/** Round n quotes the (FIRST_FEATURE_SET + n)-th feature set of risk-v1, as on the local DON. */
const FIRST_FEATURE_SET = 1000
const DEFAULT_POLL_INTERVAL_MS = 100

const routerInterface = new Interface([
  'function createSubscription() returns (uint64)',
  'function addConsumer(uint64 subscriptionId, address consumer)',
  'event SubscriptionCreated(uint64 indexed subscriptionId, address owner)',
])
const linkInterface = new Interface([
  'function transferAndCall(address to, uint256 value, bytes data) returns (bool)',
])

function artifactOf(key: keyof typeof ARTIFACTS): { abi: Interface; bytecode: string } {
  const a = ARTIFACTS[key]
  const artifact = readArtifact(a.file.split('/').at(-1) ?? a.file, a.name)
  return { abi: new Interface(artifact.abi), bytecode: artifact.bytecode }
}

async function deploy(
  key: keyof typeof ARTIFACTS,
  deployer: Wallet,
  args: unknown[],
): Promise<Contract> {
  const { abi, bytecode } = artifactOf(key)
  const contract = await new ContractFactory(abi, bytecode, deployer).deploy(...args)
  await contract.waitForDeployment()
  return new Contract(await contract.getAddress(), abi, deployer)
}

async function send(contract: Contract, method: string, args: unknown[]): Promise<Log[]> {
  const tx = (await contract.getFunction(method)(...args)) as {
    wait(): Promise<{ logs: Log[] } | null>
  }
  return (await tx.wait())?.logs ?? []
}

/** The parts of ganache's in-process EIP-1193 provider a verdict subscription needs. */
interface GanacheProvider {
  request(args: { method: string; params: unknown[] }): Promise<unknown>
  on(event: 'message', listener: (message: GanacheMessage) => void): void
  removeListener?(event: 'message', listener: (message: GanacheMessage) => void): void
}
interface GanacheMessage {
  type: string
  data?: {
    subscription?: string
    result?: { topics?: string[]; data?: string; transactionHash?: string }
  }
}

/** An oracle verdict as it was mined: when it arrived here, accepted or not, its transaction. */
interface MinedVerdict {
  at: number
  accepted: boolean
  txHash: string
}

/**
 * Verdicts of `oracle` pushed by ganache when their block is mined (`eth_subscribe` to its logs on
 * the in-process provider): the end of a round's timing, without polling the chain from the
 * toolkit's own process, which would slow down its listener.
 */
async function subscribeVerdicts(
  ganache: GanacheProvider,
  oracle: string,
): Promise<{ wait(requestId: string): Promise<MinedVerdict>; close(): void }> {
  const subscription = (await ganache.request({
    method: 'eth_subscribe',
    params: ['logs', { address: oracle }],
  })) as string
  const mined = new Map<string, MinedVerdict>()
  const waiters = new Map<string, (v: MinedVerdict) => void>()
  const onMessage = (message: GanacheMessage): void => {
    const log = message.data?.result
    if (message.type !== 'eth_subscription' || message.data?.subscription !== subscription) return
    if (log?.topics === undefined || log.data === undefined) return
    const parsed = quoteOracleInterface.parseLog({ topics: log.topics, data: log.data })
    if (parsed?.name !== 'InferenceAccepted' && parsed?.name !== 'InferenceRejected') return
    const id = (parsed.args.getValue('requestId') as string).toLowerCase()
    const verdict = {
      at: performance.now(),
      accepted: parsed.name === 'InferenceAccepted',
      txHash: log.transactionHash ?? '',
    }
    mined.set(id, verdict)
    waiters.get(id)?.(verdict)
  }
  ganache.on('message', onMessage)
  return {
    wait: (requestId) => {
      const id = requestId.toLowerCase()
      const done = mined.get(id)
      if (done) return Promise.resolve(done)
      return new Promise((resolve, reject) => {
        const done = (): void => {
          clearTimeout(timer)
          waiters.delete(id)
          listenerFailureWaiters.delete(fail)
        }
        const fail = (error: ToolkitListenerError): void => {
          done()
          reject(error)
        }
        const timer = setTimeout(() => {
          done()
          reject(
            new Error(
              `no InferenceAccepted/Rejected for ${requestId} within ${ROUND_TIMEOUT_MS} ms`,
            ),
          )
        }, ROUND_TIMEOUT_MS)
        listenerFailureWaiters.add(fail)
        waiters.set(id, (v) => {
          done()
          resolve(v)
        })
      })
    },
    close: () => {
      ganache.removeListener?.('message', onMessage)
      void ganache
        .request({ method: 'eth_unsubscribe', params: [subscription] })
        .catch(() => undefined)
    },
  }
}

/**
 * The toolkit's listener handles each request without awaiting it, so a failure inside it (e.g.
 * its median of simulations whose output it could not parse: a sandbox that could not fetch the
 * source's `npm:` imports prints Deno's download lines after its result) surfaces only as an
 * unhandled rejection and leaves the request unanswered for good.
 * The CLI reports such rejections here; a waiting round then fails at once with this error and is
 * sent again as a new request instead of waiting out its timeout.
 */
export class ToolkitListenerError extends Error {
  constructor(reason: unknown) {
    super(`the toolkit's listener failed: ${String(reason)}`)
    this.name = 'ToolkitListenerError'
  }
}

const listenerFailureWaiters = new Set<(error: ToolkitListenerError) => void>()

/** Fails every round waiting for a verdict (the CLI calls it from `unhandledRejection`). */
export function toolkitListenerFailed(reason: unknown): void {
  const error = new ToolkitListenerError(reason)
  for (const fail of [...listenerFailureWaiters]) fail(error)
}

/** Attempts per round: the first request, and new ones after a failure of the toolkit's listener. */
const ROUND_ATTEMPTS = 3

/** A running toolkit testnet with the project on it: one round per call, then `stop()`. */
export type ToolkitRoundsStack = RoundsStack

/** Starts the testnet, the adapters and the project; on a failure stops what it started. */
export async function startToolkitRoundsStack(
  options: Pick<ToolkitRoundOptions, 'pollIntervalMs' | 'log'> = {},
): Promise<ToolkitRoundsStack> {
  const log = options.log ?? (() => undefined)
  const pollMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS
  return startStack(async (teardown) => {
    const adaptersStarting = startAdaptersInBackground(teardown, ROUND_ADAPTERS)
    await forgeBuild(Object.values(ARTIFACTS).map((a) => a.file))
    const adapters = await adaptersStarting

    const root = isInsideRepo(tmpdir()) ? '/tmp' : tmpdir()
    const tmp = mkdtempSync(join(root, 'onnx-oracle-toolkit-'))
    teardown.add('temp folder', async () => rmSync(tmp, { recursive: true, force: true }))
    const configPath = join(tmp, 'simulation-config.json')
    writeFileSync(configPath, JSON.stringify({ secrets: { ADAPTERS: adaptersSecret(adapters) } }))
    const restoreEnv = setToolkitEnv(tmp)
    teardown.add('environment', async () => restoreEnv())

    const port = await freePort()
    const accounts = [0, 1, 2, 3].map((i) => ({
      secretKey: anvilPrivateKey(i),
      balance: `0x${ACCOUNT_BALANCE.toString(16)}`,
    }))
    const testnet = await startLocalFunctionsTestnet(
      configPath,
      { wallet: { accounts }, chain: { chainId: CHAIN_ID }, logging: { quiet: true } },
      port,
    )
    teardown.add('toolkit testnet', () => testnet.close())
    // ethers v5 polls every 4 s by default; the local DON polls every `pollMs`.
    ;(
      testnet.functionsMockCoordinatorContract.provider as unknown as { pollingInterval: number }
    ).pollingInterval = pollMs
    const router = testnet.functionsRouterContract.address
    log(`toolkit testnet on port ${port}: Router ${router}, DON id ${testnet.donId}`)

    const { provider, wallet } = chainWallets(teardown, `http://localhost:${port}`, {
      network: CHAIN_ID,
      pollingIntervalMs: 50,
    })
    const deployer = wallet(ROUND_ACCOUNTS.deployer)
    if (testnet.adminWallet.address.toLowerCase() !== deployer.address.toLowerCase())
      throw new Error(`the toolkit's admin is ${testnet.adminWallet.address}, not account 0`)

    // The subscription: created, funded with the toolkit's LINK (the admin holds its supply).
    const routerContract = new Contract(router, routerInterface, deployer)
    const created = await send(routerContract, 'createSubscription', [])
    const subscriptionId = created
      .map((l) => routerInterface.parseLog(l))
      .find((p) => p?.name === 'SubscriptionCreated')
      ?.args.getValue('subscriptionId') as bigint | undefined
    if (subscriptionId === undefined) throw new Error('createSubscription emitted no event')
    const link = new Contract(testnet.linkTokenContract.address, linkInterface, deployer)
    await send(link, 'transferAndCall', [
      router,
      SUBSCRIPTION_FUNDING,
      AbiCoder.defaultAbiCoder().encode(['uint64'], [subscriptionId]),
    ])

    // The project: registry behind its proxy, the oracle on the toolkit's router, RiskPricing.
    const implementation = await deploy('registry', deployer, [])
    const registryAbi = artifactOf('registry').abi
    const proxy = await deploy('proxy', deployer, [
      await implementation.getAddress(),
      registryAbi.encodeFunctionData('initialize', [deployer.address]),
    ])
    const registry = new Contract(await proxy.getAddress(), registryAbi, deployer)
    const role = async (name: string): Promise<string> =>
      (await registry.getFunction(name)()) as string
    await send(registry, 'grantRole', [
      await role('PROPOSER_ROLE'),
      wallet(ROUND_ACCOUNTS.proposer).address,
    ])
    await send(registry, 'grantRole', [
      await role('APPROVER_ROLE'),
      wallet(ROUND_ACCOUNTS.approver).address,
    ])
    await registerModel(
      await registry.getAddress(),
      'risk-v1',
      wallet(ROUND_ACCOUNTS.proposer),
      wallet(ROUND_ACCOUNTS.approver),
    )
    const oracle = await deploy('oracle', deployer, [router])
    const oracleAddress = await oracle.getAddress()
    await send(oracle, 'setRequestConfig', [
      encodeBytes32String(testnet.donId),
      subscriptionId,
      FULFILLMENT_GAS_LIMIT,
    ])
    const source = readFileSync(join(REPO_ROOT, 'functions-source', 'tabular-inference.js'), 'utf8')
    await send(oracle, 'setSource', [source])
    await send(oracle, 'setDonHostedSecrets', [SECRETS.slotId, SECRETS.version])
    await send(oracle, 'setAcceptancePolicy', [
      await registry.getAddress(),
      POLICY.threshold,
      POLICY.tolerance,
      POLICY.maxResultAge,
    ])
    await send(oracle, 'setRequestFee', [ROUND_REQUEST_FEE])
    const pricing = await deploy('pricing', deployer, [oracleAddress, BASE_PREMIUM])
    const pricingAddress = await pricing.getAddress()
    await send(oracle, 'setClient', [pricingAddress, true])
    await send(routerContract, 'addConsumer', [subscriptionId, oracleAddress])
    log(`RiskPricing ${pricingAddress} on FunctionsInferenceOracle ${oracleAddress}`)

    const verdicts = await subscribeVerdicts(
      testnet.server.provider as unknown as GanacheProvider,
      oracleAddress,
    )
    teardown.add('verdict subscription', async () => verdicts.close())
    const customer = wallet(ROUND_ACCOUNTS.customer)
    const sendQuote = async (featureSet: number) => {
      const base = (await provider.getBlock('latest'))?.baseFeePerGas ?? 0n
      const sent = await requestRiskQuote(pricingAddress, oracleAddress, customer, featureSet, {
        maxPriorityFeePerGas: TOOLKIT_PRIORITY_FEE,
        maxFeePerGas: base * 2n + TOOLKIT_PRIORITY_FEE,
      })
      return { sent, verdict: await verdicts.wait(sent.requestId) }
    }
    const round: RoundRunner = async (n) => {
      let attempt = 0
      let outcome: Awaited<ReturnType<typeof sendQuote>> | undefined
      while (outcome === undefined) {
        try {
          // A new feature set per attempt: the failed request stays unanswered on the chain.
          outcome = await sendQuote(FIRST_FEATURE_SET + n + attempt * 1_000_000)
        } catch (error) {
          attempt += 1
          if (!(error instanceof ToolkitListenerError) || attempt >= ROUND_ATTEMPTS) throw error
          log(`round ${n}: ${error.message}; sending it again as a new request`)
        }
      }
      const { sent, verdict } = outcome
      const ms = verdict.at - sent.sentAt
      const receipt = await provider.getTransactionReceipt(verdict.txHash)
      const quote = await riskQuote(pricingAddress, customer, sent.requestId)
      return {
        ms,
        // Accepted and priced: the quote callback ran.
        accepted: verdict.accepted && quote.premium > 0n,
        ...(receipt === null ? {} : { reportGas: receipt.gasUsed }),
        requestGas: sent.gasUsed,
        premium: quote.premium,
        ...(verdict.accepted ? {} : { note: 'InferenceRejected' }),
      }
    }
    return { round }
  })
}

/** Measures `rounds` rounds through the toolkit's local Functions testnet (after `warmup`). */
export async function measureToolkitRounds(
  options: ToolkitRoundOptions,
): Promise<ToolkitRoundFigures> {
  const { figures, samples } = await measureStackRounds(
    await startToolkitRoundsStack(options),
    options,
  )
  return {
    ...figures,
    requestGas: samples.flatMap((x) => (x.requestGas === undefined ? [] : [x.requestGas])),
    premiums: samples.map((x) => x.premium ?? 0n),
  }
}

/** The figures as JSON (gas and premiums as decimal strings or numbers). */
export function toolkitFiguresJson(f: ToolkitRoundFigures): string {
  return JSON.stringify({
    ...f,
    reportGas: f.reportGas.map(Number),
    requestGas: f.requestGas.map(Number),
    premiums: f.premiums.map(String),
  })
}

/** Parses `[N] [--warmup W] [--json]`. */
export function parseToolkitArgs(args: readonly string[]): {
  rounds: number
  warmup: number
  json: boolean
} {
  const out = { rounds: 20, warmup: 2, json: false }
  const count = (v: string | undefined, what: string, min: number): number => {
    const n = Number(v)
    if (v === undefined || !Number.isInteger(n) || n < min || n > 1000)
      throw new Error(`${what} must be an integer from ${min} to 1000, got ${v}`)
    return n
  }
  for (let i = 0; i < args.length; i++) {
    const a = args[i]
    if (a === '--json') out.json = true
    else if (a === '--warmup') out.warmup = count(args[++i], '--warmup', 0)
    else if (a !== undefined && /^\d+$/.test(a)) out.rounds = count(a, 'N', 1)
    else throw new Error(`unknown argument ${a}; usage: [N] [--warmup W] [--json]`)
  }
  return out
}

/** One round as a JSON line (what `--serve` answers; gas and premium as decimal strings). */
export function sampleJson(sample: RoundSample): string {
  return JSON.stringify({
    ms: sample.ms,
    accepted: sample.accepted,
    reportGas: sample.reportGas?.toString(),
    requestGas: sample.requestGas?.toString(),
    premium: sample.premium?.toString(),
    note: sample.note,
  })
}

/**
 * `--serve`: starts the stack, prints `{"ready":true}`, then runs one round for each line read on
 * stdin (the feature set index n) and prints its sample as one JSON line; stops when stdin ends.
 * The bench drives it so, to interleave these rounds with the local DON's.
 */
async function serve(log: (line: string) => void): Promise<void> {
  const stack = await startToolkitRoundsStack({ log })
  try {
    process.stdout.write(`${JSON.stringify({ ready: true })}\n`)
    for await (const line of createInterface({ input: process.stdin })) {
      const n = Number(line.trim())
      if (!Number.isInteger(n) || n < 0) {
        process.stdout.write(`${JSON.stringify({ error: `not a round number: ${line}` })}\n`)
        continue
      }
      process.stdout.write(`${sampleJson(await stack.round(n))}\n`)
    }
  } finally {
    for (const f of await stack.stop()) log(`teardown: ${f}`)
  }
}

/** The CLI: logs on stderr (the toolkit's console.log too), figures on stdout. */
export async function runToolkitRoundsCommand(args: readonly string[]): Promise<void> {
  const err = (line: string): void => {
    process.stderr.write(`${line}\n`)
  }
  console.log = (...items: unknown[]) => err(format(...items))
  // The toolkit's listener handles requests without awaiting them: report, do not crash.
  process.on('unhandledRejection', (reason) => {
    err(`toolkit listener: ${String(reason)}`)
    toolkitListenerFailed(reason)
  })
  if (args[0] === '--serve') return serve(err)
  const parsed = parseToolkitArgs(args)
  const figures = await measureToolkitRounds({
    rounds: parsed.rounds,
    warmup: parsed.warmup,
    log: err,
  })
  if (parsed.json) process.stdout.write(`${toolkitFiguresJson(figures)}\n`)
  else
    process.stdout.write(
      `${figures.rounds} Functions rounds through the toolkit's testnet: p50 ${figures.p50Ms.toFixed(0)} ms, p95 ${figures.p95Ms.toFixed(0)} ms, max ${figures.maxMs.toFixed(0)} ms; all accepted and priced: ${figures.allAccepted}; request gas ${figures.requestGas[0] ?? 'n/a'}, callReport gas ${figures.reportGas[0] ?? 'n/a'}\n`,
    )
}

if (require.main === module) {
  runToolkitRoundsCommand(process.argv.slice(2)).then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(
        `toolkit rounds: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
      )
      process.exit(1)
    },
  )
}
