/**
 * Operator signers (docs/protocol.md, "Operator signature"): answers are signed in batches, one
 * secp256k1 signature over the Merkle root of a batch's answers (./batch-signature.ts), each answer
 * getting its leaf and proof. A batch of one is a plain EIP-712 signature of that answer.
 *
 * Batches form by themselves, like the ONNX micro-batches: answers that ask for a signature during
 * one event-loop turn are signed together, and while every signing thread is busy new answers queue
 * up and form the next batch (at most `maxBatch` answers). At one connection an answer waits for
 * nothing and is signed alone; under load one signature serves many answers.
 *
 * `createSigner` returns one that signs on the event loop (threads = 0) or one that hands batches
 * to worker threads, which compute the leaves, the tree and the signature (the key lives there and
 * in no other thread's work), so neither stalls the HTTP path.
 */
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'

import { SigningKey, computeAddress } from 'ethers'

import {
  Bytes32FormatError,
  Uint256RangeError,
  checkSignable,
  type InferenceMessage,
} from '../../../protocol/answer-digest'
import { AdapterError } from '../errors'
import { answerSignature, signBatch, type AnswerSignature } from './batch-signature'
import type { SignReply, SignRequest } from './sign-worker'

export type { AnswerSignature } from './batch-signature'

/** Default most answers under one signature (a proof of at most 6 siblings). */
export const DEFAULT_SIGN_BATCH_MAX = 64

export interface InferenceSigner {
  /** The checksummed address signatures recover to. */
  readonly address: string
  /** Signs the EIP-712 `Inference` answer, alone or in a batch: its signature, leaf and proof. */
  sign(msg: InferenceMessage): Promise<AnswerSignature>
  close(): Promise<void>
}

/** A signer that can load its code before serving. */
export interface OperatorSigner extends InferenceSigner {
  /** Signs `msg` once on every thread (the first signature loads the code, about 1 s). */
  warmUp(msg: InferenceMessage): Promise<void>
}

export interface SignerOptions {
  /** Worker threads; 0 signs on the event loop. */
  threads: number
  /** Most answers under one signature; 1 signs every answer alone. */
  maxBatch: number
  /** Called with the size of every batch handed to a signing thread (metrics). */
  onBatch?: (size: number) => void
}

/** An answer that cannot be signed is an internal error (500) of that answer alone. */
function signingError(err: unknown): AdapterError {
  if (err instanceof Uint256RangeError || err instanceof Bytes32FormatError) {
    return new AdapterError(err.message, 500, { cause: err })
  }
  return new AdapterError('signing failed', 500, { cause: err })
}

interface Waiter {
  resolve: (sig: AnswerSignature) => void
  reject: (err: unknown) => void
}

/** The queue and batch formation both signers share; subclasses sign a batch. */
abstract class BatchingSigner implements OperatorSigner {
  readonly address: string
  private items: InferenceMessage[] = []
  private waiters: Waiter[] = []
  private scheduled = false
  /** Set once the signer cannot sign any more (closed, or every thread failed): why. */
  protected stopped: AdapterError | undefined

  protected readonly maxBatch: number
  private readonly onBatch: ((size: number) => void) | undefined

  constructor(privateKey: string, options: SignerOptions) {
    this.address = computeAddress(new SigningKey(privateKey).publicKey)
    this.maxBatch = options.maxBatch
    this.onBatch = options.onBatch
  }

  sign(msg: InferenceMessage): Promise<AnswerSignature> {
    try {
      // Refused here, alone, rather than failing the batch it would have joined.
      checkSignable(msg)
    } catch (err) {
      return Promise.reject(signingError(err))
    }
    if (this.stopped !== undefined) return Promise.reject(this.stopped)
    return new Promise<AnswerSignature>((resolve, reject) => {
      this.items.push(msg)
      this.waiters.push({ resolve, reject })
      this.schedule()
    })
  }

  /** Flushes at the end of this event-loop turn, so one turn's answers share a batch. */
  protected schedule(): void {
    if (this.scheduled || this.items.length === 0) return
    this.scheduled = true
    setImmediate(this.flush)
  }

  private readonly flush = (): void => {
    this.scheduled = false
    while (this.items.length > 0 && this.ready()) {
      const count = Math.min(this.items.length, this.maxBatch)
      const items = this.items.splice(0, count)
      const waiters = this.waiters.splice(0, count)
      this.onBatch?.(count)
      this.dispatch(items, waiters)
    }
  }

  /** Signs `msg` once, outside the batch metrics. */
  async warmUp(msg: InferenceMessage): Promise<void> {
    await new Promise<AnswerSignature>((resolve, reject) =>
      this.dispatch([msg], [{ resolve, reject }]),
    )
  }

  /** Whether a batch can be handed over now. */
  protected abstract ready(): boolean

  /** Signs one batch and settles its waiters, in order. */
  protected abstract dispatch(items: InferenceMessage[], waiters: Waiter[]): void

  /** Stops the signer: the answers still queued, and any later one, get `err`. */
  protected stop(err: AdapterError): void {
    this.stopped ??= err
    const waiters = this.waiters
    this.items = []
    this.waiters = []
    for (const w of waiters) w.reject(err)
  }

  abstract close(): Promise<void>
}

class InlineSigner extends BatchingSigner {
  private readonly key: Buffer

  constructor(privateKey: string, options: SignerOptions) {
    super(privateKey, options)
    this.key = Buffer.from(privateKey.slice(2), 'hex')
  }

  protected ready(): boolean {
    return true
  }

  protected dispatch(items: InferenceMessage[], waiters: Waiter[]): void {
    try {
      const batch = signBatch(items, this.key)
      waiters.forEach((w, i) => w.resolve(answerSignature(batch, i)))
    } catch (err) {
      for (const w of waiters) w.reject(signingError(err))
    }
  }

  async close(): Promise<void> {
    this.stop(new AdapterError('signer closed', 503))
  }
}

interface SigningThread {
  worker: Worker
  /** The batch this thread is signing, if any (one at a time, so the next batch can grow). */
  busy: { seq: number; waiters: Waiter[] } | undefined
  /** Set when the thread failed or exited: it gets no more batches. */
  dead: boolean
}

class WorkerSigner extends BatchingSigner {
  private readonly threads: SigningThread[]
  private seq = 0

  constructor(privateKey: string, options: SignerOptions) {
    super(privateKey, options)
    this.threads = []
    for (let i = 0; i < options.threads; i++) {
      const worker = new Worker(join(__dirname, 'sign-worker.cjs'), { workerData: { privateKey } })
      const thread: SigningThread = { worker, busy: undefined, dead: false }
      worker.on('message', (reply: SignReply) => this.onReply(thread, reply))
      worker.on('error', (err) => this.failThread(thread, err))
      worker.on('exit', (code) => this.failThread(thread, new Error(`exited with code ${code}`)))
      this.threads.push(thread)
    }
  }

  protected ready(): boolean {
    return this.threads.some((t) => t.busy === undefined && !t.dead)
  }

  protected dispatch(items: InferenceMessage[], waiters: Waiter[]): void {
    this.post(
      this.threads.find((t) => t.busy === undefined && !t.dead) as SigningThread,
      items,
      waiters,
    )
  }

  private post(thread: SigningThread, items: InferenceMessage[], waiters: Waiter[]): void {
    const seq = ++this.seq
    thread.busy = { seq, waiters }
    const request: SignRequest = { seq, items }
    thread.worker.postMessage(request)
  }

  private onReply(thread: SigningThread, reply: SignReply): void {
    const busy = thread.busy
    if (busy === undefined || busy.seq !== reply.seq) return
    thread.busy = undefined
    const batch = reply.batch
    busy.waiters.forEach((w, i) => {
      if (batch !== undefined && i < batch.leaves.length) w.resolve(answerSignature(batch, i))
      else w.reject(new AdapterError(`signing failed: ${reply.error ?? 'no signature'}`, 500))
    })
    // What queued while this thread signed is the next batch.
    this.schedule()
  }

  /** A thread that failed or exited: its batch fails; with no thread left, so does the queue. */
  private failThread(thread: SigningThread, err: unknown): void {
    if (thread.dead) return
    thread.dead = true
    const busy = thread.busy
    thread.busy = undefined
    const failed = new AdapterError('signing worker failed', 500, { cause: err })
    for (const w of busy?.waiters ?? []) w.reject(failed)
    if (this.stopped !== undefined) return
    if (this.threads.every((t) => t.dead)) this.stop(failed)
    else this.schedule()
  }

  /**
   * Has every thread sign one answer alone: loads the digest and curve code in each (about 1 s),
   * paid before serving rather than by the first request.
   */
  override async warmUp(msg: InferenceMessage): Promise<void> {
    await Promise.all(
      this.threads.map(
        (thread) =>
          new Promise<AnswerSignature>((resolve, reject) =>
            this.post(thread, [msg], [{ resolve, reject }]),
          ),
      ),
    )
  }

  async close(): Promise<void> {
    const closed = new AdapterError('signer closed', 503)
    this.stop(closed)
    for (const t of this.threads) t.dead = true
    await Promise.all(this.threads.map((t) => t.worker.terminate()))
    for (const t of this.threads) {
      for (const w of t.busy?.waiters ?? []) w.reject(closed)
      t.busy = undefined
    }
  }
}

export function createSigner(privateKey: string, options: SignerOptions): OperatorSigner {
  if (!Number.isInteger(options.maxBatch) || options.maxBatch < 1) {
    throw new RangeError(`maxBatch must be a positive integer (got ${options.maxBatch})`)
  }
  return options.threads === 0
    ? new InlineSigner(privateKey, options)
    : new WorkerSigner(privateKey, options)
}

const WARM_UP: InferenceMessage = {
  modelHash: `0x${'00'.repeat(32)}`,
  manifestHash: `0x${'00'.repeat(32)}`,
  inputHash: `0x${'00'.repeat(32)}`,
  result: 0n,
  jobRunId: 'warm-up',
}

/** A signer whose threads have each signed once, ready to serve. */
export async function startSigner(
  privateKey: string,
  options: SignerOptions,
): Promise<InferenceSigner> {
  const signer = createSigner(privateKey, options)
  try {
    await signer.warmUp(WARM_UP)
  } catch (err) {
    await signer.close()
    throw err
  }
  return signer
}
