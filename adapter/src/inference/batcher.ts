/**
 * Micro-batching without a timer window: inputs submitted during one event-loop turn are run as one
 * batch at the end of that turn (`setImmediate`, which runs after the poll phase has handed over
 * every request that arrived). While a batch runs, new inputs queue up and form the next batch, so
 * at one connection a request waits for nothing and at many connections batches grow by
 * themselves. A batch holds at most `maxBatch` inputs.
 */

export type BatchRunner<I, O> = (inputs: I[]) => Promise<O[]>

interface Pending<I, O> {
  input: I
  resolve: (out: O) => void
  reject: (err: unknown) => void
}

export class MicroBatcher<I, O> {
  private queue: Pending<I, O>[] = []
  private scheduled = false
  private running = false

  constructor(
    private readonly maxBatch: number,
    private readonly run: BatchRunner<I, O>,
  ) {}

  /** Inputs waiting for a batch (not counting the batch running now). */
  get waiting(): number {
    return this.queue.length
  }

  submit(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ input, resolve, reject })
      this.schedule()
    })
  }

  private schedule(): void {
    if (this.scheduled || this.running) return
    this.scheduled = true
    setImmediate(this.flush)
  }

  private readonly flush = (): void => {
    this.scheduled = false
    if (this.running || this.queue.length === 0) return
    const batch =
      this.queue.length <= this.maxBatch ? this.queue : this.queue.slice(0, this.maxBatch)
    this.queue = batch === this.queue ? [] : this.queue.slice(this.maxBatch)
    this.running = true
    const inputs = batch.map((p) => p.input)
    let promise: Promise<O[]>
    try {
      promise = this.run(inputs)
    } catch (err) {
      promise = Promise.reject(err)
    }
    promise.then(
      (outs) => {
        for (let i = 0; i < batch.length; i++) {
          const p = batch[i] as Pending<I, O>
          if (i < outs.length) p.resolve(outs[i] as O)
          else
            p.reject(new Error(`batch runner returned ${outs.length} results for ${batch.length}`))
        }
        this.done()
      },
      (err: unknown) => {
        for (const p of batch) p.reject(err)
        this.done()
      },
    )
  }

  private done(): void {
    this.running = false
    if (this.queue.length > 0) this.schedule()
  }
}
