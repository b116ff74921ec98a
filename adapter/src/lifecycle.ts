/**
 * The adapter's life after boot: ready while models are served and no shutdown has begun; on
 * shutdown, new inference requests get 503 and `/ready` turns 503, in-flight requests are drained
 * within a deadline, then ONNX sessions and signer threads are released.
 */
import type { LoadedModels } from './inference/model-loader'
import type { InferenceSigner } from './signing/signer'

/** What the lifecycle needs of the inference route (admission and in-flight requests). */
export interface Admission {
  beginShutdown(): void
  drain(timeoutMs: number): Promise<boolean>
}

export class AdapterLifecycle {
  private shuttingDown = false

  constructor(
    private readonly loaded: LoadedModels,
    private readonly admission: Admission,
    private readonly signer: InferenceSigner | undefined,
  ) {}

  readonly ready = (): boolean => !this.shuttingDown && this.loaded.models.size > 0

  /** New inference requests get 503; `/ready` turns 503. */
  beginShutdown(): void {
    this.shuttingDown = true
    this.admission.beginShutdown()
  }

  /** Resolves true when in-flight requests have finished, false after `timeoutMs`. */
  drain(timeoutMs: number): Promise<boolean> {
    return this.admission.drain(timeoutMs)
  }

  /** Releases ONNX sessions and signer threads. */
  async close(): Promise<void> {
    await releaseAll(this.loaded, this.signer)
  }
}

/** Releases what boot acquired; also used when boot fails half-way. */
export async function releaseAll(
  loaded: LoadedModels | undefined,
  signer: InferenceSigner | undefined,
): Promise<void> {
  await signer?.close()
  if (loaded !== undefined) {
    await Promise.all([...loaded.models.values()].map((m) => m.session.release()))
  }
}
