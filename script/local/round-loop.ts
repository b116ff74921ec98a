/**
 * The event loop both local DONs (script/don/local-don.ts, script/cre/local-cre-don.ts) share: a
 * timer polls the chain for requests, every round runs after the one before it (one round at a
 * time, like one OCR instance), and each request's outcome is kept for `waitForOutcome`.
 */

export interface RoundLoopOptions<Outcome> {
  /** The DON's name in the timeout error ("DON", "CRE DON"). */
  name: string
  pollIntervalMs: number
  /** One poll: finds new requests and runs their rounds (inside the loop, after any round queued). */
  poll: () => Promise<void>
  /** A poll that failed (an RPC error); the loop polls again. */
  onError: (message: string) => void
  /** Called for every recorded outcome, before its waiters resolve. */
  onOutcome: (outcome: Outcome) => void
  /** Which outcome `waitForOutcome` gives for a request run more than once: the first or the last. */
  keep: 'first' | 'last'
}

export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

export class RoundLoop<Outcome extends { requestId: string }> {
  private timer: NodeJS.Timeout | undefined
  private active = false
  private loop: Promise<void> = Promise.resolve()
  private readonly outcomes = new Map<string, Outcome>()
  private readonly waiters = new Map<string, Array<(o: Outcome) => void>>()

  constructor(private readonly options: RoundLoopOptions<Outcome>) {}

  /** True from `start()` until `stop()`: a poll stops running rounds once this is false. */
  get running(): boolean {
    return this.active
  }

  /** Starts polling. */
  start(): void {
    this.active = true
    this.schedule()
  }

  /** Stops polling and waits for the round in progress, if any. */
  async stop(): Promise<void> {
    this.active = false
    if (this.timer !== undefined) clearTimeout(this.timer)
    await this.loop
  }

  /** Runs `task` after every task queued before it: one round at a time, like one OCR instance. */
  serialize<T>(task: () => Promise<T>): Promise<T> {
    const run = this.loop.then(task)
    this.loop = run.then(
      () => undefined,
      () => undefined,
    )
    return run
  }

  /** Keeps a round's outcome, reports it (`onOutcome`) and resolves its waiters. */
  record(outcome: Outcome): void {
    const id = outcome.requestId.toLowerCase()
    if (this.options.keep === 'last' || !this.outcomes.has(id)) this.outcomes.set(id, outcome)
    this.options.onOutcome(outcome)
    for (const w of this.waiters.get(id) ?? []) w(outcome)
    this.waiters.delete(id)
  }

  /** Resolves with the outcome of `requestId` once the DON has handled it. */
  waitForOutcome(requestId: string, timeoutMs: number): Promise<Outcome> {
    const id = requestId.toLowerCase()
    const done = this.outcomes.get(id)
    if (done) return Promise.resolve(done)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`no ${this.options.name} outcome for ${requestId} within ${timeoutMs} ms`),
          ),
        timeoutMs,
      )
      const list = this.waiters.get(id) ?? []
      list.push((o) => {
        clearTimeout(timer)
        resolve(o)
      })
      this.waiters.set(id, list)
    })
  }

  private schedule(): void {
    if (!this.active) return
    this.timer = setTimeout(() => {
      this.serialize(() => this.options.poll())
        .catch((err: unknown) => this.options.onError(describeError(err)))
        .finally(() => this.schedule())
    }, this.options.pollIntervalMs)
  }
}
