/**
 * Operator signers: the EIP-712 digest of protocol/answer-digest.ts signed with libsecp256k1
 * (./secp256k1.ts). `createSigner` returns one that signs on the event loop (threads = 0) or one
 * that hands messages to worker threads, which compute the digest (three keccak256) and the
 * signature, so neither stalls the HTTP path. Messages gathered during one event-loop turn travel
 * to a worker in one postMessage.
 */
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'

import { SigningKey, computeAddress } from 'ethers'

import {
  Uint256RangeError,
  inferenceDigest,
  uint256Hex,
  type InferenceMessage,
} from '../../../protocol/answer-digest'
import { AdapterError } from '../errors'
import { signDigest } from './secp256k1'
import type { SignReply, SignRequest } from './sign-worker'

export interface InferenceSigner {
  /** The checksummed address signatures recover to. */
  readonly address: string
  /** Signs the EIP-712 `Inference` message: `0x` + r ‖ s ‖ v (65 bytes, v = 27/28). */
  sign(msg: InferenceMessage): Promise<string>
  close(): Promise<void>
}

/** A result that is not a uint256 cannot be signed: an internal error (500) of the answer. */
function signingError(err: unknown): AdapterError {
  if (err instanceof Uint256RangeError) return new AdapterError(err.message, 500, { cause: err })
  return new AdapterError('signing failed', 500, { cause: err })
}

class InlineSigner implements InferenceSigner {
  readonly address: string
  private readonly key: Buffer

  constructor(privateKey: string) {
    this.key = Buffer.from(privateKey.slice(2), 'hex')
    this.address = computeAddress(new SigningKey(privateKey).publicKey)
  }

  sign(msg: InferenceMessage): Promise<string> {
    try {
      return Promise.resolve(signDigest(inferenceDigest(msg), this.key))
    } catch (err) {
      return Promise.reject(signingError(err))
    }
  }

  async close(): Promise<void> {}
}

interface Waiter {
  resolve: (sig: string) => void
  reject: (err: unknown) => void
}

class WorkerSigner implements InferenceSigner {
  readonly address: string
  private readonly workers: Worker[]
  private readonly inFlight = new Map<number, Waiter[]>()
  private pendingItems: InferenceMessage[] = []
  private pendingWaiters: Waiter[] = []
  private scheduled = false
  private seq = 0
  private next = 0

  constructor(privateKey: string, threads: number) {
    this.address = computeAddress(new SigningKey(privateKey).publicKey)
    this.workers = []
    for (let i = 0; i < threads; i++) {
      const w = new Worker(join(__dirname, 'sign-worker.cjs'), { workerData: { privateKey } })
      w.on('message', (reply: SignReply) => this.onReply(reply))
      w.on('error', (err) => this.failAll(err))
      this.workers.push(w)
    }
  }

  sign(msg: InferenceMessage): Promise<string> {
    try {
      // Refused here, with the inline signer's error, rather than inside a worker's batch.
      uint256Hex(msg.result)
    } catch (err) {
      return Promise.reject(signingError(err))
    }
    return new Promise<string>((resolve, reject) => {
      this.pendingItems.push(msg)
      this.pendingWaiters.push({ resolve, reject })
      if (!this.scheduled) {
        this.scheduled = true
        setImmediate(this.flush)
      }
    })
  }

  private readonly flush = (): void => {
    this.scheduled = false
    const items = this.pendingItems
    const waiters = this.pendingWaiters
    this.pendingItems = []
    this.pendingWaiters = []
    // Spread one turn's messages over the workers.
    const n = this.workers.length
    const per = Math.ceil(items.length / n)
    for (let start = 0; start < items.length; start += per) {
      const seq = ++this.seq
      this.inFlight.set(seq, waiters.slice(start, start + per))
      const worker = this.workers[this.next++ % n] as Worker
      const request: SignRequest = { seq, items: items.slice(start, start + per) }
      worker.postMessage(request)
    }
  }

  private onReply(reply: SignReply): void {
    const waiters = this.inFlight.get(reply.seq)
    if (waiters === undefined) return
    this.inFlight.delete(reply.seq)
    waiters.forEach((w, i) => {
      const sig = reply.signatures?.[i]
      if (sig !== undefined) w.resolve(sig)
      else w.reject(new AdapterError(`signing failed: ${reply.error ?? 'no signature'}`, 500))
    })
  }

  private failAll(err: unknown): void {
    for (const waiters of this.inFlight.values()) {
      for (const w of waiters)
        w.reject(new AdapterError('signing worker failed', 500, { cause: err }))
    }
    this.inFlight.clear()
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()))
    this.failAll(new Error('signer closed'))
  }
}

export function createSigner(privateKey: string, threads: number): InferenceSigner {
  return threads === 0 ? new InlineSigner(privateKey) : new WorkerSigner(privateKey, threads)
}

const WARM_UP: InferenceMessage = {
  modelHash: `0x${'00'.repeat(32)}`,
  inputHash: `0x${'00'.repeat(32)}`,
  result: 0n,
  jobRunId: 'warm-up',
}

/**
 * A signer that has signed once: the first signature loads the digest and curve code in each
 * worker (about 1 s), paid before serving rather than by the first request.
 */
export async function startSigner(privateKey: string, threads: number): Promise<InferenceSigner> {
  const signer = createSigner(privateKey, threads)
  try {
    await Promise.all(Array.from({ length: Math.max(1, threads) }, () => signer.sign(WARM_UP)))
  } catch (err) {
    await signer.close()
    throw err
  }
  return signer
}
