/**
 * The end-to-end phase of the bench: one dApp request to its accepted result, per transport, timed
 * from just before RiskPricing's request transaction is sent until the transaction delivering
 * `InferenceAccepted` is mined (p50, p95, max over `e2eRounds` rounds after `e2eWarmup` uncounted
 * ones). Every transport's stack is started first, then the rounds are interleaved (round i on
 * each transport in turn, the order alternating), so that the load of the shared machine, which
 * moves by the minute, falls on every transport alike; then everything is stopped. It runs after
 * the load cells, with their servers stopped.
 * - `functions`: the local Functions DON in front of the real Router and Coordinator on anvil
 *   (script/don/round-latency.ts), in this process;
 * - `toolkit`: Chainlink's `startLocalFunctionsTestnet` (ganache, a coordinator that checks no
 *   signatures) with the same source, adapters and consumer (script/functions/toolkit-testnet-rounds.ts
 *   `--serve`), in a child process (ethers v5, and PATH/TMPDIR the toolkit's listener needs);
 * - `cre`: the local CRE DON through Chainlink's KeystoneForwarder on anvil, on the stack
 *   script/cre/round-latency.ts's `measureCreRounds` uses, each round as it times one.
 */
import { spawn } from 'node:child_process'
import { loadavg } from 'node:os'
import { createInterface } from 'node:readline'

import { LATENCY_ADAPTERS } from '../../script/cre/round-latency'
import { startLocalCreStack, STACK_ACCOUNTS } from '../../script/cre/local-stack'
import { requestRiskQuote as requestCreQuote } from '../../script/local/risk-quote-requests'
import { startFunctionsRoundsStack } from '../../script/don/round-latency'
import { REPO_ROOT, repoPath } from '../../script/local/repo-root'
import {
  figuresOf,
  type RoundFiguresJson,
  type RoundRunner,
  type RoundSample,
} from '../../script/local/round-figures'
import { childBaseEnv } from '../../script/local/tsx-process'
import type { Settings } from './results-types'

export type RoundTransport = 'functions' | 'toolkit' | 'cre'

/** One transport's rounds as results.json holds them (gas as numbers). */
export interface TransportRounds extends RoundFiguresJson {
  transport: RoundTransport
  description: string
  /** What delivers the result (whose gas `reportGas` is). */
  delivery: string
  /** Gas of the request transactions. */
  requestGas: number[]
}

export interface RoundsFigures {
  warmup: number
  /** How often each DON (or the toolkit's listener) polls for requests, ms. */
  pollIntervalMs: number
  /** Rounds were interleaved across the transports (see the header). */
  interleaved: boolean
  /** 1-minute load average when the rounds started and ended. */
  loadAverage: { start: number; end: number }
  runs: TransportRounds[]
}

/** The poll interval every transport uses here (the local CRE DON's default). */
export const E2E_POLL_INTERVAL_MS = 100
const TOOLKIT_READY_TIMEOUT_MS = 600_000
const CRE_ROUND_TIMEOUT_MS = 60_000
/** Round n quotes the (FIRST_FEATURE_SET + n)-th feature set of risk-v1, on every transport. */
const FIRST_FEATURE_SET = 1000
const TOOLKIT_ROUND_TIMEOUT_MS = 120_000

const round1 = (v: number): number => Math.round(v * 10) / 10
const load1m = (): number => Math.round((loadavg()[0] ?? 0) * 100) / 100

/** A started transport: its rounds, what it is, how to stop it. */
interface RoundStack {
  transport: RoundTransport
  description: string
  delivery: string
  round: RoundRunner
  stop(): Promise<unknown>
}

/**
 * The toolkit's testnet in a child process (`--serve`): one round per line written to its stdin,
 * one JSON sample per line read from its stdout.
 */
async function startToolkitChild(log: (line: string) => void): Promise<RoundStack> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', repoPath('script/functions/toolkit-testnet-rounds.ts'), '--serve'],
    { cwd: REPO_ROOT, env: childBaseEnv(), stdio: ['pipe', 'pipe', 'pipe'] },
  )
  let stderrTail = ''
  child.stderr.on('data', (d: Buffer) => {
    stderrTail = (stderrTail + d.toString('utf8')).slice(-2000)
  })
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) =>
      reject(new Error(`toolkit child exited (${signal ?? code}): ${stderrTail.trim()}`)),
    ),
  )
  exited.catch(() => undefined)
  const nextLine = async (timeoutMs: number): Promise<Record<string, unknown>> => {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`toolkit child silent for ${timeoutMs} ms`)),
        timeoutMs,
      )
    })
    try {
      const next = await Promise.race([lines.next(), exited, timeout])
      if (next.done === true) throw new Error(`toolkit child closed stdout: ${stderrTail.trim()}`)
      return JSON.parse(next.value) as Record<string, unknown>
    } finally {
      clearTimeout(timer)
    }
  }
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const gone = new Promise((resolve) => child.once('exit', resolve))
    child.stdin.end()
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    await gone
    clearTimeout(timer)
  }
  try {
    const ready = await nextLine(TOOLKIT_READY_TIMEOUT_MS)
    if (ready.ready !== true) throw new Error(`toolkit child: ${JSON.stringify(ready)}`)
  } catch (err) {
    child.kill('SIGKILL')
    throw err
  }
  log('  toolkit testnet ready')
  const big = (v: unknown): bigint | undefined => (typeof v === 'string' ? BigInt(v) : undefined)
  return {
    transport: 'toolkit',
    description:
      "Chainlink's startLocalFunctionsTestnet (ganache, FunctionsCoordinatorTestHelper: no signature checks), the same source, adapters and RiskPricing",
    delivery: 'callReport (no signatures) with the quote callback',
    round: async (n) => {
      child.stdin.write(`${n}\n`)
      const s = await nextLine(TOOLKIT_ROUND_TIMEOUT_MS)
      if (typeof s.ms !== 'number') throw new Error(`toolkit child: ${JSON.stringify(s)}`)
      const reportGas = big(s.reportGas)
      const requestGas = big(s.requestGas)
      const premium = big(s.premium)
      return {
        ms: s.ms,
        accepted: s.accepted === true,
        ...(reportGas === undefined ? {} : { reportGas }),
        ...(requestGas === undefined ? {} : { requestGas }),
        ...(premium === undefined ? {} : { premium }),
        ...(typeof s.note === 'string' ? { note: s.note } : {}),
      }
    },
    stop,
  }
}

async function startFunctions(log: (line: string) => void): Promise<RoundStack> {
  const stack = await startFunctionsRoundsStack({
    pollIntervalMs: E2E_POLL_INTERVAL_MS,
    log: (l) => log(`  functions ${l}`),
  })
  return {
    transport: 'functions',
    description:
      'local Functions DON (4 nodes, simulateScript, 3 signatures) in front of the real Router v1_0_0 and Coordinator v1_3_0 on anvil',
    delivery: 'Coordinator.transmit (3 signatures, billing) with the quote callback',
    round: stack.round,
    stop: () => stack.stop(),
  }
}

/**
 * The local CRE DON on the stack `measureCreRounds` starts (`startLocalCreStack` with its
 * `LATENCY_ADAPTERS` on risk-v1), one round per call as `measureCreRounds` times it (from just
 * before `requestQuote` is sent until the DON's report transaction with `InferenceAccepted` is
 * mined), so that its rounds interleave with the others, each with a new feature set.
 */
async function startCre(log: (line: string) => void): Promise<RoundStack> {
  const stack = await startLocalCreStack({
    adapters: LATENCY_ADAPTERS,
    models: ['risk-v1'],
    log: (l) => log(`  cre ${l}`),
  })
  const customer = stack.wallet(STACK_ACCOUNTS.user)
  return {
    transport: 'cre',
    description:
      "local CRE DON (4 nodes running the workflow's node-mode code, consensus by fields, 2 signatures) through Chainlink's KeystoneForwarder 1.2.0 on anvil",
    delivery: 'KeystoneForwarder.report (2 signatures) with the quote callback',
    round: async (n) => {
      const sent = await requestCreQuote(
        stack.project.pricing,
        stack.project.pricingOracle,
        customer,
        FIRST_FEATURE_SET + n,
      )
      const outcome = await stack.don.waitForOutcome(sent.requestId, CRE_ROUND_TIMEOUT_MS)
      const ms = performance.now() - sent.sentAt
      if (outcome.kind !== 'delivered') return { ms, accepted: false, note: outcome.kind }
      return {
        ms,
        accepted: outcome.verdict.event === 'InferenceAccepted',
        reportGas: outcome.gasUsed,
      }
    },
    stop: () => stack.stop(),
  }
}

function asRun(stack: RoundStack, samples: readonly RoundSample[]): TransportRounds {
  const f = figuresOf(samples)
  return {
    transport: stack.transport,
    description: stack.description,
    delivery: stack.delivery,
    rounds: f.rounds,
    ms: f.ms.map(round1),
    p50Ms: round1(f.p50Ms),
    p95Ms: round1(f.p95Ms),
    maxMs: round1(f.maxMs),
    allAccepted: f.allAccepted,
    reportGas: f.reportGas.map(Number),
    requestGas: samples.flatMap((x) => (x.requestGas === undefined ? [] : [Number(x.requestGas)])),
  }
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err))

/** Measures every transport it can start; one that fails is named in `skipped`. */
export async function measureRounds(
  s: Settings,
  skipped: string[],
  log: (msg: string) => void,
): Promise<RoundsFigures> {
  const starters: Array<[RoundTransport, () => Promise<RoundStack>]> = [
    ['functions', () => startFunctions(log)],
    ['toolkit', () => startToolkitChild(log)],
    ['cre', () => startCre(log)],
  ]
  const stacks: RoundStack[] = []
  const samples = new Map<RoundStack, RoundSample[]>()
  try {
    for (const [transport, start] of starters) {
      log(`e2e rounds: starting the ${transport} stack`)
      try {
        const stack = await start()
        stacks.push(stack)
        samples.set(stack, [])
      } catch (err) {
        skipped.push(`e2e rounds, ${transport}: ${message(err)}`)
      }
    }
    const loadStart = load1m()
    log(
      `e2e rounds: ${s.e2eRounds} rounds after ${s.e2eWarmup} warm-up, interleaved over ${stacks.map((x) => x.transport).join(', ')}`,
    )
    const failed = new Set<RoundStack>()
    for (let i = 0; i < s.e2eWarmup + s.e2eRounds; i++) {
      const order = i % 2 === 0 ? stacks : [...stacks].reverse()
      for (const stack of order) {
        if (failed.has(stack)) continue
        try {
          const sample = await stack.round(i)
          const label = i < s.e2eWarmup ? `warm-up ${i + 1}` : `round ${i - s.e2eWarmup + 1}`
          log(
            `  ${stack.transport} ${label}: ${sample.ms.toFixed(0)} ms, ${sample.accepted ? 'accepted' : 'NOT accepted'}${sample.note ? ` (${sample.note})` : ''}`,
          )
          if (i >= s.e2eWarmup) samples.get(stack)?.push(sample)
        } catch (err) {
          failed.add(stack)
          skipped.push(`e2e rounds, ${stack.transport}, round ${i + 1}: ${message(err)}`)
        }
      }
    }
    const loadEnd = load1m()
    return {
      warmup: s.e2eWarmup,
      pollIntervalMs: E2E_POLL_INTERVAL_MS,
      interleaved: true,
      loadAverage: { start: loadStart, end: loadEnd },
      runs: stacks.filter((x) => !failed.has(x)).map((x) => asRun(x, samples.get(x) ?? [])),
    }
  } finally {
    for (const stack of [...stacks].reverse()) {
      await stack.stop().catch((err: unknown) => log(`  ${stack.transport} stop: ${message(err)}`))
    }
  }
}
