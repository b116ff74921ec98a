/**
 * Risk quotes through the CRE stack: `RiskPricing.requestQuote` (contracts/examples/RiskPricing.sol)
 * with the n-th distinct feature set of risk-v1, and the quote it ends with. What the local CRE
 * DON's tests and the round-latency measurement send.
 */
import { Contract, Interface, type Signer } from 'ethers'

import { tabularInputHash } from '../../protocol/input-hash'
import { loadManifest, tabularFeatures } from '../local/model-inputs'
import { oracleEventsInterface } from '../local/oracle-events'
import { creOracleInterface } from './abi'

export const riskPricingInterface = new Interface([
  'function requestQuote(string featuresJson, bytes32 featuresSha256) payable returns (bytes32)',
  'function getQuote(bytes32 requestId) view returns ((address customer, uint128 premium, uint40 pricedAt))',
  'event QuoteRequested(bytes32 indexed requestId, address indexed customer, bytes32 featuresSha256)',
])

export interface SentQuote {
  requestId: string
  txHash: string
  inputHash: string
  /** `performance.now()` just before the request was sent. */
  sentAt: number
}

/** Sends `requestQuote` for the n-th feature set of risk-v1, paying the oracle's request fee. */
export async function requestRiskQuote(
  pricing: string,
  pricingOracle: string,
  customer: Signer,
  n: number,
): Promise<SentQuote> {
  const features = tabularFeatures(loadManifest('risk-v1'), n)
  const inputHash = tabularInputHash(features)
  const oracle = new Contract(pricingOracle, creOracleInterface, customer)
  const fee = (await oracle.getFunction('requestFee')()) as bigint
  const dapp = new Contract(pricing, riskPricingInterface, customer)
  const sentAt = performance.now()
  const tx = (await dapp.getFunction('requestQuote')(JSON.stringify(features), inputHash, {
    value: fee,
  })) as {
    hash: string
    wait(): Promise<{
      logs: ReadonlyArray<{ topics: readonly string[]; data: string; address: string }>
    } | null>
  }
  const receipt = await tx.wait()
  for (const log of receipt?.logs ?? []) {
    if (log.address.toLowerCase() !== pricingOracle.toLowerCase()) continue
    const parsed = oracleEventsInterface.parseLog(log)
    if (parsed?.name === 'InferenceRequested') {
      return {
        requestId: parsed.args.getValue('requestId') as string,
        txHash: tx.hash,
        inputHash,
        sentAt,
      }
    }
  }
  throw new Error(`requestQuote ${tx.hash} emitted no InferenceRequested`)
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
