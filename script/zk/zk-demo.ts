/**
 * The zero-knowledge demo (`npm run demo -- --transport zk`, or `npm run zk -- demo`): a RiskPricing
 * quote priced through a Groth16 proof on anvil, with no oracle network.
 *
 * 1. anvil on a throwaway chain id; script/zk/DeployZk.s.sol deploys the registry (UUPS proxy), the
 *    generated risk-v1 verifier, a `ZkInferenceOracle` with that verifier set for risk-v1's weights
 *    commitment, and RiskPricing on it.
 * 2. risk-v1 is proposed and approved by two people through the registry CLI's module: the proposal
 *    carries the weights commitment of zk/circuits/risk-v1/format.json (script/registry/).
 * 3. The customer commits to their features with a fresh salt (Poseidon) and asks for a quote by
 *    that commitment alone (`requestQuoteByHash(commitment, "")`): the features never go on-chain.
 * 4. A prover (anyone holding the features and salt: here the customer's own machine) proves the
 *    risk model's result with the committed proving key; a proof claiming another result is refused
 *    by the oracle with its reason; the real proof settles the request and prices the quote.
 *
 * Prints proving time, proof size and the gas of the request, the fulfilment and `verifyProof`.
 * `zkBenchFigures()` runs the same path for the bench (proving time p50 over several proofs).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import {
  Contract,
  Wallet,
  encodeBytes32String,
  formatEther,
  getBytes,
  type InterfaceAbi,
  type JsonRpcProvider,
  type TransactionReceipt,
} from 'ethers'

import { anvilPrivateKey } from '../local/anvil-accounts'
import type { LocalChain } from '../local/anvil'
import { readDeploymentFile } from '../local/deployment-file'
import { LOCAL_FORGE_CACHE, LOCAL_FORGE_OUT, readArtifact } from '../local/forge-artifacts'
import { runForgeScript } from '../local/forge-script'
import { REPO_ROOT } from '../local/repo-root'
import { chainWallets, startThrowawayAnvil } from '../local/stack-parts'
import { Teardown } from '../local/teardown'
import { registerModel, type RegisteredModel } from '../local/model-registration'
import { fulfilRequest, readZkRequest, ZkFulfilmentRefusedError } from './fulfil'
import { calldataGas } from '../../zk/src/measure'
import { parseSalt, randomSalt, releaseCurve, ZkProver } from '../../zk/src/prover'
import { circuitRegistration } from '../../zk/src/registration'
import { signalHex } from '../../zk/src/solidity'

const MODEL_ID = 'risk-v1'
const MODEL_DIR = join(REPO_ROOT, 'adapter', 'models', MODEL_ID)
/** RiskPricing's premium at zero risk (0.01 ETH). */
const BASE_PREMIUM_WEI = 10n ** 16n
/** RiskPricing's result scale: basis points of risk. */
const RISK_SCALE = 10_000n
const VERIFY_GAS_LIMIT = 1_000_000

/** Accounts of the demo (anvil's public development keys; nothing of value). */
export const ZK_DEMO_ACCOUNTS = {
  deployer: 0,
  customer: 1,
  proposer: 2,
  approver: 3,
  prover: 4,
} as const

export interface ZkDemoOptions {
  /** Receives each line of the narration. */
  log?: (line: string) => void
  /**
   * Proofs of the request timed after the first (which also compiles the circuit's witness
   * calculator and starts the curve's workers); their median is reported. Default 2.
   */
  provingRuns?: number
  /** The customer's features (default: zk/circuits/risk-v1/sample-request.json's). */
  features?: Record<string, number>
  /** The salt (default: a fresh random one, as a customer would pick). */
  salt?: bigint
  /** Aborting stops the demo and tears everything down. */
  signal?: AbortSignal
}

export interface ZkDemoReport {
  chainId: number
  contracts: { registry: string; verifier: string; oracle: string; riskPricing: string }
  /** bytes32, as registered and as every proof of the circuit carries it. */
  weightsCommitment: string
  /** What the registry returns for (risk-v1, its model hash). */
  registeredWeightsCommitment: string
  modelHash: string
  inputCommitment: string
  requestId: string
  /** The InferenceRequested event's `input`: empty (no features on-chain). */
  requestInput: string
  result: number
  /** The quote's premium, wei. */
  premium: bigint
  /** Custom error the oracle refused a proof of another result with. */
  forgedProofRefusal: string
  proofBytes: number
  /** `first`: the proof sent (cold process); `p50` and `warm`: the proofs timed after it. */
  provingMs: { first: number; p50: number; warm: number[] }
  gas: { request: number; fulfil: number; verifyProof: number }
  requestTx: string
  fulfilTx: string
  teardownFailures: string[]
}

/** What the bench reports for the `zk` transport. */
export interface ZkBenchFigures {
  model: string
  provingRuns: number
  provingMsP50: number
  provingMsAll: number[]
  proofBytes: number
  verifyProofGas: number
  fulfilGas: number
  requestGas: number
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2
}

function contract(file: string, name: string, address: string, runner: Wallet): Contract {
  const { abi } = readArtifact(file, name)
  return new Contract(address, abi as InterfaceAbi, runner)
}

function gasOf(receipt: TransactionReceipt | null): number {
  if (receipt === null) throw new Error('transaction dropped')
  return Number(receipt.gasUsed)
}

/** The `zk` object DeployZk.s.sol writes into deployments/<chainid>.json. */
function readZkDeployment(chainId: number): ZkDemoReport['contracts'] {
  const zk = readDeploymentFile(chainId).zk as Record<string, unknown> | undefined
  if (zk === undefined) throw new Error('deployment file: no "zk" object')
  return {
    registry: String(zk.registry),
    verifier: String(zk.verifier),
    oracle: String(zk.oracle),
    riskPricing: String(zk.riskPricing),
  }
}

/** A local chain with the zero-knowledge path deployed and risk-v1 registered. */
export interface ZkStack {
  chain: LocalChain
  provider: JsonRpcProvider
  wallets: { proposer: Wallet; approver: Wallet; customer: Wallet; prover: Wallet }
  contracts: ZkDemoReport['contracts']
  /** risk-v1 as a bytes32 short string. */
  modelId: string
  registered: RegisteredModel
  weightsCommitment: string
  registeredWeightsCommitment: string
  prover: ZkProver
}

/**
 * Steps 1 and 2 of the demo: anvil on a throwaway chain id, DeployZk.s.sol, risk-v1 proposed and
 * approved with its weights commitment (checked back from the registry). What it starts is added
 * to `teardown`.
 */
export async function startZkStack(
  teardown: Teardown,
  log: (line: string) => void = () => undefined,
): Promise<ZkStack> {
  log('== 1. Local network and contracts')
  const prover = ZkProver.open(MODEL_DIR)
  const modelHash = prover.model.format.model.sha256
  const circuit = circuitRegistration(MODEL_ID, modelHash)
  if (circuit === undefined) throw new Error(`${MODEL_ID} has no zk format for its model file`)
  const chain = await startThrowawayAnvil(teardown)
  log(`anvil at ${chain.rpcUrl} (chain id ${chain.chainId})`)
  const { provider, wallet } = chainWallets(teardown, chain.rpcUrl, {
    network: chain.chainId,
    pollingIntervalMs: 100,
  })
  const [proposer, approver, customer, proverWallet] = [
    wallet(ZK_DEMO_ACCOUNTS.proposer),
    wallet(ZK_DEMO_ACCOUNTS.approver),
    wallet(ZK_DEMO_ACCOUNTS.customer),
    wallet(ZK_DEMO_ACCOUNTS.prover),
  ]
  await runForgeScript({
    script: 'script/zk/DeployZk.s.sol',
    rpcUrl: chain.rpcUrl,
    privateKey: anvilPrivateKey(ZK_DEMO_ACCOUNTS.deployer),
    outDir: LOCAL_FORGE_OUT,
    cacheDir: LOCAL_FORGE_CACHE,
    env: {
      ZK_WEIGHTS_COMMITMENT: circuit.weightsCommitment,
      REGISTRY_PROPOSERS: proposer.address,
      REGISTRY_APPROVERS: approver.address,
      BASE_PREMIUM_WEI: BASE_PREMIUM_WEI.toString(),
    },
  })
  const contracts = readZkDeployment(chain.chainId)
  log(`ModelRegistry (proxy) ${contracts.registry}`)
  log(`RiskV1Groth16Verifier ${contracts.verifier} (generated by snarkjs from the committed key)`)
  log(`ZkInferenceOracle ${contracts.oracle}, RiskPricing ${contracts.riskPricing} on it`)
  // With no request fee, RiskPricing serves only the customers its owner allows.
  const asOwner = contract(
    'RiskPricing.sol',
    'RiskPricing',
    contracts.riskPricing,
    wallet(ZK_DEMO_ACCOUNTS.deployer),
  )
  await (await asOwner.getFunction('setCustomer')(customer.address, true)).wait()
  log(`the insurer allows customer ${customer.address} (no request fee)`)

  log('== 2. Register risk-v1 with its weights commitment (proposer != approver)')
  const registered = await registerModel(contracts.registry, MODEL_ID, proposer, approver)
  const registry = contract('ModelRegistry.sol', 'ModelRegistry', contracts.registry, customer)
  const modelId = encodeBytes32String(MODEL_ID)
  const onChainCommitment = String(
    await registry.getFunction('approvedWeightsCommitment')(modelId, registered.modelHash),
  )
  if (onChainCommitment !== circuit.weightsCommitment) {
    throw new Error(`the registry holds weights commitment ${onChainCommitment}`)
  }
  log(`model hash ${registered.modelHash}`)
  log(`weights commitment ${circuit.weightsCommitment} (from ${circuit.formatPath})`)
  log(`  proposed (tx ${registered.proposeTx}), approved (tx ${registered.approveTx})`)

  return {
    chain,
    provider,
    wallets: { proposer, approver, customer, prover: proverWallet },
    contracts,
    modelId,
    registered,
    weightsCommitment: circuit.weightsCommitment,
    registeredWeightsCommitment: onChainCommitment,
    prover,
  }
}

/** Runs the whole zero-knowledge path once; always tears down what it started. */
export async function runZkDemo(options: ZkDemoOptions = {}): Promise<ZkDemoReport> {
  const log = options.log ?? ((): void => undefined)
  const provingRuns = Math.max(1, options.provingRuns ?? 2)
  const aborted = (): void => {
    if (options.signal?.aborted) throw new Error('demo aborted')
  }
  const teardown = new Teardown()
  teardown.add('proving workers', releaseCurve)
  try {
    const stack = await startZkStack(teardown, log)
    const { prover, provider, contracts, registered } = stack
    const { customer, prover: proverWallet } = stack.wallets
    aborted()

    log('== 3. The customer asks for a quote by a commitment to their features')
    const sample = JSON.parse(
      readFileSync(join(prover.paths.circuitDir, 'sample-request.json'), 'utf8'),
    ) as { features: Record<string, number>; salt: string }
    const features = options.features ?? sample.features
    const salt = options.salt ?? randomSalt()
    const inputCommitment = signalHex(prover.commit(features, salt))
    const pricing = contract('RiskPricing.sol', 'RiskPricing', contracts.riskPricing, customer)
    const oracle = contract(
      'ZkInferenceOracle.sol',
      'ZkInferenceOracle',
      contracts.oracle,
      proverWallet,
    )
    const fee = (await oracle.getFunction('requestFee')()) as bigint
    const requestTx = await pricing.getFunction('requestQuoteByHash')(inputCommitment, '', {
      value: fee,
    })
    const requestReceipt = (await requestTx.wait()) as TransactionReceipt | null
    let requestId: string | undefined
    let requestInput: string | undefined
    for (const l of requestReceipt?.logs ?? []) {
      const parsed = oracle.interface.parseLog(l)
      if (parsed?.name === 'InferenceRequested') {
        requestId = String(parsed.args.getValue('requestId'))
        requestInput = String(parsed.args.getValue('input'))
      }
    }
    if (requestId === undefined || requestInput === undefined) {
      throw new Error('the quote request emitted no InferenceRequested')
    }
    log(`input commitment ${inputCommitment} (Poseidon of the encoded features and a salt)`)
    log(
      `requestQuoteByHash: request ${requestId}, ${gasOf(requestReceipt)} gas (tx ${requestTx.hash})`,
    )
    log(`InferenceRequested.input is ${JSON.stringify(requestInput)}: no feature is on-chain`)
    aborted()

    log('== 4. A prover answers with a Groth16 proof')
    const bundle = await prover.prove(features, salt)
    const times: number[] = []
    for (let i = 0; i < provingRuns; i++) times.push((await prover.prove(features, salt)).provingMs)
    const proofSize = getBytes(bundle.proofBytes).length
    log(
      `proved result ${bundle.result} (risk, basis points) in ${bundle.provingMs} ms, the first ` +
        `proof of this process; warm: median ${median(times)} ms of ${provingRuns}; proof ` +
        `${proofSize} bytes, public signals [result, input commitment, weights commitment]`,
    )
    // The request as its event states it (what any prover reads), checked against what was sent.
    const request = await readZkRequest(provider, contracts.oracle, requestId)
    if (request.inputHash !== inputCommitment || request.modelHash !== registered.modelHash) {
      throw new Error(`InferenceRequested states another request: ${JSON.stringify(request)}`)
    }
    let forgedProofRefusal: string
    try {
      await fulfilRequest(proverWallet, contracts.oracle, request, { ...bundle, result: 100 })
      throw new Error('the oracle accepted a proof of another result')
    } catch (err) {
      if (!(err instanceof ZkFulfilmentRefusedError)) throw err
      forgedProofRefusal = `${err.errorName}(${err.args.join(', ')})`
    }
    log(`the same proof claiming a risk of 100: refused, ${forgedProofRefusal}`)
    const fulfilled = await fulfilRequest(proverWallet, contracts.oracle, request, bundle)
    const quote = (await pricing.getFunction('getQuote')(requestId)) as { premium: bigint }
    log(
      `fulfill: accepted, ${fulfilled.gasUsed} gas (tx ${fulfilled.hash}); premium ` +
        `${formatEther(quote.premium)} ETH (base ${formatEther(BASE_PREMIUM_WEI)} x (1 + ` +
        `${bundle.result}/${RISK_SCALE}))`,
    )

    const verifier = contract(
      'RiskV1Groth16Verifier.sol',
      'RiskV1Groth16Verifier',
      contracts.verifier,
      proverWallet,
    )
    const verifyArgs = [
      bundle.solidity.a,
      bundle.solidity.b,
      bundle.solidity.c,
      bundle.publicSignals,
    ]
    const data = verifier.interface.encodeFunctionData('verifyProof', verifyArgs)
    // verifyProof returns false when starved (the pairing precompile fails): an explicit limit.
    const verifyTx = await proverWallet.sendTransaction({
      to: contracts.verifier,
      data,
      gasLimit: VERIFY_GAS_LIMIT,
    })
    const verifyProofGas = gasOf(await verifyTx.wait()) - 21_000 - calldataGas(data)
    log(`verifyProof alone: ${verifyProofGas} gas (execution, without the transaction's base)`)

    const report: ZkDemoReport = {
      chainId: stack.chain.chainId,
      contracts,
      weightsCommitment: stack.weightsCommitment,
      registeredWeightsCommitment: stack.registeredWeightsCommitment,
      modelHash: registered.modelHash,
      inputCommitment,
      requestId,
      requestInput,
      result: bundle.result,
      premium: quote.premium,
      forgedProofRefusal,
      proofBytes: proofSize,
      provingMs: { first: bundle.provingMs, p50: median(times), warm: times },
      gas: {
        request: gasOf(requestReceipt),
        fulfil: fulfilled.gasUsed,
        verifyProof: verifyProofGas,
      },
      requestTx: requestTx.hash,
      fulfilTx: fulfilled.hash,
      teardownFailures: [],
    }
    log('== 5. Stop')
    report.teardownFailures = await teardown.run()
    log('everything stopped')
    return report
  } finally {
    await teardown.run()
  }
}

/** The `zk` figures of `npm run bench`: one demo run with `provingRuns` proofs timed. */
export async function zkBenchFigures(provingRuns = 5): Promise<ZkBenchFigures> {
  const sample = JSON.parse(
    readFileSync(join(REPO_ROOT, 'zk', 'circuits', MODEL_ID, 'sample-request.json'), 'utf8'),
  ) as { features: Record<string, number>; salt: string }
  const r = await runZkDemo({
    provingRuns,
    features: sample.features,
    salt: parseSalt(sample.salt),
  })
  return {
    model: MODEL_ID,
    provingRuns,
    provingMsP50: r.provingMs.p50,
    provingMsAll: r.provingMs.warm,
    proofBytes: r.proofBytes,
    verifyProofGas: r.gas.verifyProof,
    fulfilGas: r.gas.fulfil,
    requestGas: r.gas.request,
  }
}
