/**
 * Risk quotes through any inference oracle: `RiskPricing.requestQuote`
 * (contracts/examples/RiskPricing.sol) with the n-th distinct feature set of risk-v1, paying the
 * oracle's `requestFee()`, and the oracle's verdict on a request read from a delivering
 * transaction's logs. What the round-latency measurements of the Functions transports send (the
 * local DON, script/don/round-latency.ts; Chainlink's toolkit testnet,
 * script/functions/toolkit-testnet-rounds.ts).
 */
import { Contract, Interface, type Log, type Signer } from 'ethers'

import { tabularInputHash } from '../../protocol/input-hash'
import { loadManifest, tabularFeatures } from './model-inputs'

export const riskPricingInterface = new Interface([
  'function requestQuote(string featuresJson, bytes32 featuresSha256) payable returns (bytes32)',
  'function getQuote(bytes32 requestId) view returns ((address customer, uint40 pricedAt, uint128 premium))',
  'event QuoteRequested(bytes32 indexed requestId, address indexed customer, bytes32 featuresSha256)',
  'event QuotePriced(bytes32 indexed requestId, uint256 risk, uint256 premium)',
])

/** The parts of an inference oracle (contracts/oracles/InferenceOracle.sol) a quote needs. */
export const quoteOracleInterface = new Interface([
  'function requestFee() view returns (uint256)',
  'event InferenceRequested(bytes32 indexed requestId, bytes32 indexed modelId, address indexed client, bytes32 modelHash, bytes32 inputHash, string input, uint8 threshold, uint32 tolerance)',
  'event InferenceAccepted(bytes32 indexed requestId, bytes32 indexed modelId, uint256 result, bytes32 modelHash, uint8 agreed)',
  'event InferenceRejected(bytes32 indexed requestId, bytes32 indexed modelId, uint8 reason)',
])

/** Fee fields of a request transaction (e.g. a priority fee the toolkit testnet needs). */
export interface RequestFeeOverrides {
  maxFeePerGas?: bigint
  maxPriorityFeePerGas?: bigint
}

export interface SentQuote {
  requestId: string
  txHash: string
  inputHash: string
  /** Block of the request transaction. */
  blockNumber: number
  /** Gas of the request transaction. */
  gasUsed: bigint
  /** `performance.now()` just before the request was sent. */
  sentAt: number
}

/** Sends `requestQuote` for the n-th feature set of risk-v1, paying the oracle's request fee. */
export async function requestRiskQuote(
  pricing: string,
  pricingOracle: string,
  customer: Signer,
  n: number,
  fees: RequestFeeOverrides = {},
): Promise<SentQuote> {
  const features = tabularFeatures(loadManifest('risk-v1'), n)
  const inputHash = tabularInputHash(features)
  const oracle = new Contract(pricingOracle, quoteOracleInterface, customer)
  const fee = (await oracle.getFunction('requestFee')()) as bigint
  const dapp = new Contract(pricing, riskPricingInterface, customer)
  const sentAt = performance.now()
  const tx = (await dapp.getFunction('requestQuote')(JSON.stringify(features), inputHash, {
    value: fee,
    ...fees,
  })) as {
    hash: string
    wait(): Promise<{ logs: readonly Log[]; blockNumber: number; gasUsed: bigint } | null>
  }
  const receipt = await tx.wait()
  if (receipt === null) throw new Error(`requestQuote ${tx.hash} was dropped`)
  const requested = oracleVerdicts(receipt.logs, pricingOracle).find(
    (e) => e.name === 'InferenceRequested',
  )
  if (requested === undefined)
    throw new Error(`requestQuote ${tx.hash} emitted no InferenceRequested`)
  return {
    requestId: requested.requestId,
    txHash: tx.hash,
    inputHash,
    blockNumber: receipt.blockNumber,
    gasUsed: receipt.gasUsed,
    sentAt,
  }
}

/** One oracle event about a request. */
export interface OracleVerdict {
  name: 'InferenceRequested' | 'InferenceAccepted' | 'InferenceRejected'
  requestId: string
  /** InferenceAccepted: the result; InferenceRejected: the reason. */
  value?: bigint
}

/** The request, accept and reject events `oracle` emitted among `logs`, in order. */
export function oracleVerdicts(logs: readonly Log[], oracle: string): OracleVerdict[] {
  const out: OracleVerdict[] = []
  for (const log of logs) {
    if (log.address.toLowerCase() !== oracle.toLowerCase()) continue
    const parsed = quoteOracleInterface.parseLog(log)
    if (parsed === null) continue
    const requestId = parsed.args.getValue('requestId') as string
    if (parsed.name === 'InferenceAccepted')
      out.push({ name: parsed.name, requestId, value: parsed.args.getValue('result') as bigint })
    else if (parsed.name === 'InferenceRejected')
      out.push({ name: parsed.name, requestId, value: parsed.args.getValue('reason') as bigint })
    else if (parsed.name === 'InferenceRequested') out.push({ name: parsed.name, requestId })
  }
  return out
}

/** Whether `logs` hold `InferenceAccepted` of `oracle` for `requestId`. */
export function acceptedIn(logs: readonly Log[], oracle: string, requestId: string): boolean {
  return oracleVerdicts(logs, oracle).some(
    (e) => e.name === 'InferenceAccepted' && e.requestId.toLowerCase() === requestId.toLowerCase(),
  )
}

/** The quote of a request: its premium (0 until priced) and when it was priced. */
export async function riskQuote(
  pricing: string,
  runner: Signer,
  requestId: string,
): Promise<{ premium: bigint; pricedAt: bigint }> {
  const dapp = new Contract(pricing, riskPricingInterface, runner)
  const quote = (await dapp.getFunction('getQuote')(requestId)) as {
    premium: bigint
    pricedAt: bigint
  }
  return { premium: quote.premium, pricedAt: quote.pricedAt }
}
