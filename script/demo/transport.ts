import type { JsonRpcProvider } from 'ethers'

import type { LocalAdapter } from '../local/adapters'
import type { LocalChain } from '../local/anvil'
import type { ProjectDeployment } from '../local/project-deployment'
import { abortable } from './abortable'
import { DON_ROUND_TIMEOUT_MS } from './terms'

/**
 * The transports `npm run demo -- --transport <name>` tells the insurance story through. `cre` is
 * the default: Chainlink Functions is shut down on public networks (testnets June 2, mainnets
 * September 1, 2026) and CRE is what a dApp deploys on today; `functions` stays for self-hosted and
 * private DONs. `zk` is a different story (a quote priced through a proof), delegated to
 * script/zk/zk-demo.ts.
 */
export const DEMO_TRANSPORTS = ['cre', 'functions', 'zk'] as const
export type DemoTransportName = (typeof DEMO_TRANSPORTS)[number]
export const DEFAULT_DEMO_TRANSPORT: DemoTransportName = 'cre'

/** Adapter line-ups of the story: 1 = three honest operators, 2 = operator 3 replaced by 4. */
export type LineupVersion = 1 | 2
export type Lineups = Record<LineupVersion, LocalAdapter[]>

/** What the DON did with one claim's request, in the terms the story tells. */
export interface ClaimOutcome {
  /** The transaction that carried the DON's answer to the oracle, when one was sent. */
  deliveryTx: string | undefined
  /** How the round went (nodes, signatures, the transmission), one line each. */
  narration: string[]
  /** One node's per-adapter verdicts (`adapter <i>: <verdict>` as the DON code logs them). */
  verdicts: { node: number; lines: string[] } | undefined
  accepted: boolean
  severity: bigint | undefined
  agreed: number | undefined
  /** The oracle's reject reason, or what kept the answer from reaching it. */
  rejectReason: string | undefined
  /** Extra words on a rejection (the DON's error text), if any. */
  rejectDetail?: string
}

export interface DemoDonContext {
  chain: LocalChain
  project: ProjectDeployment
  provider: JsonRpcProvider
  /** Key of the account that owns the oracles (the insurer). */
  ownerKey: string
  lineups: Lineups
  log: (line: string) => void
  verbose: boolean
}

/** One transport of the demo: its Chainlink contracts, its DON, how a line-up is chosen. */
export interface DemoTransport {
  readonly name: 'functions' | 'cre'
  /** What step 2 deploys, for its title. */
  readonly title: string
  /** Deploys the transport's Chainlink contracts (before the project, which points at them). */
  deploy(chain: LocalChain, log: (line: string) => void): Promise<void>
  /** DON-hosted secrets version the project's oracles start with (Functions only; CRE: 0). */
  readonly initialSecretsVersion: number
  /** The local DON in front of those contracts. */
  startDon(ctx: DemoDonContext): Promise<void>
  /** Points the DON at a line-up of adapters; returns the narration line. */
  useLineup(version: LineupVersion): Promise<string>
  /** Waits for the DON's answer to `requestId` and reads the oracle's verdict. */
  waitForClaim(requestId: string, signal: AbortSignal | undefined): Promise<ClaimOutcome>
  /** The request, in the transport's words ("Functions request", "CRE workflow execution"). */
  readonly requestNoun: string
  stop(): Promise<void>
}

/** A transport's guard: the value a step needs from an earlier one, or an error naming both. */
export type StepGuard = <T>(value: T | undefined, what: string) => T

export function stepGuard(transport: DemoTransport['name']): StepGuard {
  return <T>(value: T | undefined, what: string): T => {
    if (value === undefined)
      throw new Error(`${transport} transport: ${what} before it was started`)
    return value
  }
}

/** A claim whose round delivered no answer to the oracle (or none it could accept). */
export function unansweredClaim(
  narration: string,
  rejectReason: string,
  deliveryTx?: string,
): ClaimOutcome {
  return {
    deliveryTx,
    narration: [narration],
    verdicts: undefined,
    accepted: false,
    severity: undefined,
    agreed: undefined,
    rejectReason,
  }
}

/** The part of a local DON the demo waits on. */
export interface DemoDon<Outcome> {
  waitForOutcome(requestId: string, timeoutMs: number): Promise<Outcome>
  stop(): Promise<void>
}

/**
 * `waitForClaim` and `stop` of a transport: wait (abortably) for the DON's outcome of a request and
 * tell it as a claim outcome; stop the DON if it started.
 */
export function donClaimSteps<Outcome>(
  don: () => DemoDon<Outcome> | undefined,
  need: StepGuard,
  outcomeOf: (outcome: Outcome) => ClaimOutcome | Promise<ClaimOutcome>,
): Pick<DemoTransport, 'waitForClaim' | 'stop'> {
  return {
    async waitForClaim(requestId, signal) {
      const outcome = await abortable(
        need(don(), 'a claim').waitForOutcome(requestId, DON_ROUND_TIMEOUT_MS),
        signal,
      )
      return outcomeOf(outcome)
    },

    async stop() {
      await don()?.stop()
    },
  }
}
