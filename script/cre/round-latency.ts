/**
 * One local CRE round, request transaction to accepted result, measured over many rounds: the
 * figure of issue 11's goal (under 1.5 s on this machine). Starts the local CRE stack with three
 * adapters on risk-v1 (the tabular model, so the adapters' own work is small and the figure is the
 * transport's), then sends one RiskPricing quote at a time and times it from just before the
 * request transaction is sent until the DON's report transaction, with `InferenceAccepted`, is
 * mined. `npm run cre -- rounds` prints the figures; the bench calls `measureCreRounds`.
 */
import { id } from 'ethers'

import type { AdapterSpec } from '../local/adapters'
import { startLocalCreStack, STACK_ACCOUNTS, type LocalCreStack } from './local-stack'
import { requestRiskQuote } from '../local/risk-quote-requests'
import { roundFigures, type RoundFigures } from '../local/round-figures'

/** The figures of CRE rounds: the shape every transport's rounds share. */
export type CreRoundFigures = RoundFigures

export interface CreRoundOptions {
  rounds: number
  /** Rounds run first and not counted (JIT, connection pools). */
  warmup?: number
  log?: (line: string) => void
  /** Reuse a running stack (its RiskPricing and DON); otherwise one is started and stopped. */
  stack?: LocalCreStack
}

const ROUND_TIMEOUT_MS = 30_000
export const LATENCY_ADAPTERS: AdapterSpec[] = [1, 2, 3].map((i) => ({
  name: `operator-${i}`,
  signerKey: id(`onnx-oracle cre rounds operator ${i}`),
}))

/** Measures `rounds` CRE rounds (after `warmup` uncounted ones). */
export async function measureCreRounds(options: CreRoundOptions): Promise<CreRoundFigures> {
  const log = options.log ?? (() => undefined)
  const stack =
    options.stack ??
    (await startLocalCreStack({ adapters: LATENCY_ADAPTERS, models: ['risk-v1'], log }))
  try {
    const customer = stack.wallet(STACK_ACCOUNTS.user)
    const ms: number[] = []
    const reportGas: bigint[] = []
    let allAccepted = true
    const warmup = options.warmup ?? 2
    for (let i = 0; i < warmup + options.rounds; i++) {
      const sent = await requestRiskQuote(
        stack.project.pricing,
        stack.project.pricingOracle,
        customer,
        1000 + i,
      )
      const outcome = await stack.don.waitForOutcome(sent.requestId, ROUND_TIMEOUT_MS)
      const elapsed = performance.now() - sent.sentAt
      const accepted = outcome.kind === 'delivered' && outcome.verdict.event === 'InferenceAccepted'
      if (i < warmup) continue
      ms.push(elapsed)
      if (outcome.kind === 'delivered') reportGas.push(outcome.gasUsed)
      allAccepted &&= accepted
      log(
        `round ${i - warmup + 1}: ${elapsed.toFixed(0)} ms, ${accepted ? 'accepted' : outcome.kind}`,
      )
    }
    return roundFigures(ms, allAccepted, reportGas)
  } finally {
    if (options.stack === undefined) await stack.stop()
  }
}
