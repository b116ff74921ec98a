import type { JsonRpcProvider } from 'ethers'

import type { LocalAdapter } from '../local/adapters'
import type { LocalChain } from '../local/anvil'
import type { ProjectDeployment } from '../local/project-deployment'

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
