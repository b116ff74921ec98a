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

/** The figures as JSON holds them (gas as numbers). */
export type RoundFiguresJson = Omit<RoundFigures, 'reportGas'> & { reportGas: number[] }

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

/** One round as a stack measured it. */
export interface RoundSample {
  /** Request sent to the delivering transaction mined, ms. */
  ms: number
  /** It ended with InferenceAccepted (and whatever else the stack checks, e.g. a priced quote). */
  accepted: boolean
  /** Gas of the delivering transaction, if there was one. */
  reportGas?: bigint
  /** Gas of the request transaction. */
  requestGas?: bigint
  /** The quote's premium after the round (wei; 0 = not priced). */
  premium?: bigint
  /** More for the log line, e.g. where the time went. */
  note?: string
}

/** A running stack's one round: the n-th distinct feature set of risk-v1 (n counts from 0). */
export type RoundRunner = (n: number) => Promise<RoundSample>

/** Runs `warmup` uncounted rounds, then `rounds` counted ones, one at a time, logging each. */
export async function runRounds(
  runner: RoundRunner,
  rounds: number,
  warmup: number,
  log: (line: string) => void,
): Promise<{ figures: RoundFigures; samples: RoundSample[] }> {
  const samples: RoundSample[] = []
  for (let i = 0; i < warmup + rounds; i++) {
    const sample = await runner(i)
    const label = i < warmup ? `warm-up ${i + 1}` : `round ${i - warmup + 1}`
    log(
      `${label}: ${sample.ms.toFixed(0)} ms, ${sample.accepted ? 'accepted' : 'NOT accepted'}${sample.note ? ` (${sample.note})` : ''}`,
    )
    if (i >= warmup) samples.push(sample)
  }
  return { figures: figuresOf(samples), samples }
}

/** A started stack of a round measurement: one round per call, then `stop()`. */
export interface RoundsStack {
  round: RoundRunner
  /** Stops everything in reverse order; resolves with the steps that failed. */
  stop(): Promise<string[]>
}

/**
 * Runs a started stack's rounds (`runRounds`, `warmup` 2 by default), then stops the stack, logging
 * any step of its teardown that failed.
 */
export async function measureStackRounds(
  stack: RoundsStack,
  options: { rounds: number; warmup?: number; log?: (line: string) => void },
): Promise<{ figures: RoundFigures; samples: RoundSample[] }> {
  const log = options.log ?? (() => undefined)
  try {
    return await runRounds(stack.round, options.rounds, options.warmup ?? 2, log)
  } finally {
    for (const f of await stack.stop()) log(`teardown: ${f}`)
  }
}

/** The figures of counted samples. */
export function figuresOf(samples: readonly RoundSample[]): RoundFigures {
  return roundFigures(
    samples.map((s) => s.ms),
    samples.every((s) => s.accepted),
    samples.flatMap((s) => (s.reportGas === undefined ? [] : [s.reportGas])),
  )
}
