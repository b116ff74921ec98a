/**
 * End-to-end round figures, one shape for every transport (the local Functions DON, Chainlink's
 * toolkit testnet, the local CRE DON): each round timed from just before the dApp's request
 * transaction is sent until the transaction that delivered an accepted result is mined.
 */

/** Nearest-rank percentile of `values` (p in 0..100); NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number
}

export interface RoundFigures {
  rounds: number
  /** Each round's time, request sent to accepted result mined, in ms. */
  ms: number[]
  p50Ms: number
  p95Ms: number
  maxMs: number
  /** Every round ended with InferenceAccepted. */
  allAccepted: boolean
  /** Gas of each delivering transaction (the DON's transmit or report, with the dApp callback). */
  reportGas: bigint[]
}

/** The figures of measured rounds (their times in order, whether all were accepted, their gas). */
export function roundFigures(
  ms: readonly number[],
  allAccepted: boolean,
  reportGas: readonly bigint[],
): RoundFigures {
  return {
    rounds: ms.length,
    ms: [...ms],
    p50Ms: percentile(ms, 50),
    p95Ms: percentile(ms, 95),
    maxMs: ms.length === 0 ? Number.NaN : Math.max(...ms),
    allAccepted: ms.length > 0 && allAccepted,
    reportGas: [...reportGas],
  }
}
