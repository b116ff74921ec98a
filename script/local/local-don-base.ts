/**
 * What the two local DONs (script/don/local-don.ts, script/cre/local-cre-don.ts) share around their
 * own rounds: a provider on the chain, the event loop (./round-loop.ts) with its outcomes and
 * waiters, the node faults and report tampering tests set, the events they emit, and stopping.
 */
import { JsonRpcProvider } from 'ethers'

import { RoundLoop, type RoundLoopOptions } from './round-loop'

/** The events every local DON emits besides its own. */
export type RoundLoopEvent<Outcome> =
  { type: 'outcome'; outcome: Outcome } | { type: 'error'; message: string }

/** The options every local DON takes. */
export interface LocalDonCommonOptions<Outcome, Event, Fault> {
  rpcUrl: string
  /** How often the DON polls for requests, ms. */
  pollIntervalMs?: number
  /** Fault per node index; changeable with `setFaults`. */
  faults?: Record<number, Fault>
  onEvent?: (event: Event | RoundLoopEvent<Outcome>) => void
}

/** What each kind of local DON fixes. */
export interface LocalDonSettings<Outcome> {
  /** How often the provider polls (ethers' `pollingInterval`), ms. */
  providerPollingMs: number
  /** The DON's name in errors; which outcome of a request run twice `waitForOutcome` gives. */
  name: string
  keep: RoundLoopOptions<Outcome>['keep']
  defaultPollIntervalMs: number
}

export abstract class LocalDonBase<
  Outcome extends { requestId: string },
  Event extends { type: string },
  Fault,
  Tampering,
> {
  readonly provider: JsonRpcProvider
  protected faults: Record<number, Fault>
  protected tampering: Tampering | undefined
  protected readonly rounds: RoundLoop<Outcome>
  private readonly onEvent: ((event: Event | RoundLoopEvent<Outcome>) => void) | undefined

  constructor(
    options: LocalDonCommonOptions<Outcome, Event, Fault>,
    settings: LocalDonSettings<Outcome>,
  ) {
    this.provider = new JsonRpcProvider(options.rpcUrl, undefined, {
      staticNetwork: true,
      batchMaxCount: 1,
      pollingInterval: settings.providerPollingMs,
      cacheTimeout: -1,
    })
    this.faults = { ...options.faults }
    this.onEvent = options.onEvent
    this.rounds = new RoundLoop<Outcome>({
      name: settings.name,
      pollIntervalMs: options.pollIntervalMs ?? settings.defaultPollIntervalMs,
      poll: () => this.poll(),
      onError: (message) => this.emit({ type: 'error', message }),
      onOutcome: (outcome) => this.emit({ type: 'outcome', outcome }),
      keep: settings.keep,
    })
  }

  /** Sets the fault of each node (by index) for the rounds that follow. */
  setFaults(faults: Record<number, Fault>): void {
    this.faults = { ...faults }
  }

  /** Sets (or clears) the whole DON's misbehaviour for the rounds that follow. */
  setTampering(tampering: Tampering | undefined): void {
    this.tampering = tampering
  }

  /** Stops polling and waits for the round in progress, if any. */
  async stop(): Promise<void> {
    await this.rounds.stop()
    this.provider.destroy()
  }

  /** Resolves with the outcome of `requestId` (the first or the last, by `keep`) once handled. */
  waitForOutcome(requestId: string, timeoutMs: number): Promise<Outcome> {
    return this.rounds.waitForOutcome(requestId, timeoutMs)
  }

  /** One poll for new requests, run inside the loop. */
  protected abstract poll(): Promise<void>

  protected emit(event: Event | RoundLoopEvent<Outcome>): void {
    this.onEvent?.(event)
  }
}
