/**
 * Stops what was started, in reverse order, once: every step runs even if an earlier one fails, and
 * each is bounded by a timeout so that shutting down can never hang.
 */
export class Teardown {
  private readonly steps: Array<{ name: string; run: () => Promise<unknown> }> = []
  private done: Promise<string[]> | undefined

  constructor(private readonly stepTimeoutMs = 10_000) {}

  add(name: string, run: () => Promise<unknown>): void {
    this.steps.push({ name, run })
  }

  /** Runs every step (last added first); resolves with the failures, never rejects. */
  run(): Promise<string[]> {
    this.done ??= (async () => {
      const failures: string[] = []
      for (const step of [...this.steps].reverse()) {
        let timer: NodeJS.Timeout | undefined
        try {
          await Promise.race([
            step.run(),
            new Promise((_, reject) => {
              timer = setTimeout(() => reject(new Error('timed out')), this.stepTimeoutMs)
            }),
          ])
        } catch (err) {
          failures.push(`${step.name}: ${err instanceof Error ? err.message : String(err)}`)
        } finally {
          clearTimeout(timer)
        }
      }
      return failures
    })()
    return this.done
  }
}
