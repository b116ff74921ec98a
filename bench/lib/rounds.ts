/**
 * The end-to-end phase of the bench: one dApp request to its accepted result, per transport, timed
 * from just before RiskPricing's request transaction is sent until the transaction delivering
 * `InferenceAccepted` is mined (p50, p95, max over `e2eRounds` rounds after `e2eWarmup` uncounted
 * ones). Each transport gets a stack of its own, started and stopped here, after the load cells
 * (nothing else of the bench runs meanwhile):
 * - `functions`: the local Functions DON in front of the real Router and Coordinator on anvil
 *   (script/don/round-latency.ts), in this process;
 * - `toolkit`: Chainlink's `startLocalFunctionsTestnet` (ganache, a coordinator that checks no
 *   signatures) with the same source, adapters and consumer (script/functions/toolkit-testnet-rounds.ts),
 *   in a child process (ethers v5, and PATH/TMPDIR the toolkit's listener needs).
 */
import { loadavg } from 'node:os'

import { measureFunctionsRounds } from '../../script/don/round-latency'
import type { RoundFigures } from '../../script/local/round-figures'
import { runTsScript } from '../../script/local/tsx-process'
import type { Settings } from './results-types'

export type RoundTransport = 'functions' | 'toolkit' | 'cre'

/** One transport's rounds as results.json holds them (gas as numbers). */
export interface TransportRounds {
  transport: RoundTransport
  description: string
  /** What delivers the result (whose gas `reportGas` is). */
  delivery: string
  rounds: number
  ms: number[]
  p50Ms: number
  p95Ms: number
  maxMs: number
  allAccepted: boolean
  reportGas: number[]
  /** Gas of the request transactions, where the measurement records it. */
  requestGas?: number[]
  /** 1-minute load average when this transport's measurement started and ended. */
  loadAverage: { start: number; end: number }
}

export interface RoundsFigures {
  warmup: number
  /** How often each DON (or the toolkit's listener) polls for requests, ms. */
  pollIntervalMs: number
  runs: TransportRounds[]
}

/** The poll interval every transport uses here (the local CRE DON's default). */
export const E2E_POLL_INTERVAL_MS = 100

const round1 = (v: number): number => Math.round(v * 10) / 10

function asRun(
  transport: RoundTransport,
  description: string,
  delivery: string,
  f: Pick<RoundFigures, 'rounds' | 'ms' | 'p50Ms' | 'p95Ms' | 'maxMs' | 'allAccepted'> & {
    reportGas: ReadonlyArray<bigint | number>
  },
  loadStart: number,
  requestGas?: ReadonlyArray<bigint | number>,
): TransportRounds {
  return {
    transport,
    description,
    delivery,
    rounds: f.rounds,
    ms: f.ms.map(round1),
    p50Ms: round1(f.p50Ms),
    p95Ms: round1(f.p95Ms),
    maxMs: round1(f.maxMs),
    allAccepted: f.allAccepted,
    reportGas: f.reportGas.map(Number),
    ...(requestGas === undefined ? {} : { requestGas: requestGas.map(Number) }),
    loadAverage: { start: loadStart, end: load1m() },
  }
}

const load1m = (): number => Math.round((loadavg()[0] ?? 0) * 100) / 100

/** The toolkit's rounds, in a child process (its last stdout line is the figures' JSON). */
async function toolkitRounds(s: Settings): Promise<TransportRounds> {
  const loadStart = load1m()
  const run = await runTsScript(
    'script/functions/toolkit-testnet-rounds.ts',
    [String(s.e2eRounds), '--warmup', String(s.e2eWarmup), '--json'],
    { timeoutMs: 600_000 + s.e2eRounds * 30_000 },
  )
  if (run.code !== 0)
    throw new Error(`exit ${run.signal ?? run.code}: ${run.stderr.trim().split('\n').at(-1)}`)
  const f = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '') as RoundFigures & {
    reportGas: number[]
    requestGas: number[]
  }
  return asRun(
    'toolkit',
    "Chainlink's startLocalFunctionsTestnet (ganache, FunctionsCoordinatorTestHelper: no signature checks), the same source, adapters and RiskPricing",
    'callReport (no signatures) with the quote callback',
    f,
    loadStart,
    f.requestGas,
  )
}

/** Measures every transport it can; a transport that fails is named in `skipped`. */
export async function measureRounds(
  s: Settings,
  skipped: string[],
  log: (msg: string) => void,
): Promise<RoundsFigures> {
  const runs: TransportRounds[] = []
  const options = { rounds: s.e2eRounds, warmup: s.e2eWarmup, pollIntervalMs: E2E_POLL_INTERVAL_MS }
  log(`e2e rounds: local Functions DON, ${s.e2eRounds} rounds after ${s.e2eWarmup} warm-up`)
  try {
    const loadStart = load1m()
    const f = await measureFunctionsRounds({ ...options, log: (l) => log(`  functions ${l}`) })
    runs.push(
      asRun(
        'functions',
        'local Functions DON (4 nodes, simulateScript, 3 signatures) in front of the real Router v1_0_0 and Coordinator v1_3_0 on anvil',
        'Coordinator.transmit (3 signatures, billing) with the quote callback',
        f,
        loadStart,
      ),
    )
  } catch (err) {
    skipped.push(`e2e rounds, functions: ${err instanceof Error ? err.message : String(err)}`)
  }
  log(`e2e rounds: the toolkit's local Functions testnet, ${s.e2eRounds} rounds`)
  try {
    runs.push(await toolkitRounds(s))
  } catch (err) {
    skipped.push(`e2e rounds, toolkit: ${err instanceof Error ? err.message : String(err)}`)
  }
  return { warmup: s.e2eWarmup, pollIntervalMs: E2E_POLL_INTERVAL_MS, runs }
}
