/**
 * Operator signers, on libsecp256k1 compiled to WebAssembly (tiny-secp256k1): about 4x cheaper
 * than the pure-JavaScript curves of ethers/@noble here, same RFC 6979 deterministic, low-s
 * signatures. `createSigner` returns one that signs on the event loop (threads = 0) or one that
 * hands messages to worker threads, which compute the EIP-712 digest (three keccak256) and the
 * signature, so neither stalls the HTTP path. Messages gathered during one event-loop turn travel
 * to a worker in one postMessage.
 */
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'

import { SigningKey, computeAddress } from 'ethers'
import { signRecoverable } from 'tiny-secp256k1'

import { AdapterError } from '../errors'
import {
  DOMAIN_SEPARATOR_HEX,
  TYPE_HASH_HEX,
  inferenceDigest,
  uint256Hex,
  type InferenceMessage,
} from './eip712'

export interface InferenceSigner {
  /** The checksummed address signatures recover to. */
  readonly address: string
  /** Signs the EIP-712 `Inference` message: `0x` + r ‖ s ‖ v (65 bytes, v = 27/28). */
  sign(msg: InferenceMessage): Promise<string>
  close(): Promise<void>
}

/** `0x` + r ‖ s ‖ v (v = 27/28) of a 32-byte digest given as hex. */
export function signDigest(digest: string, key: Uint8Array): string {
  const { signature, recoveryId } = signRecoverable(Buffer.from(digest.slice(2), 'hex'), key)
  return `0x${Buffer.from(signature).toString('hex')}${(27 + recoveryId).toString(16)}`
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
      return Promise.reject(new AdapterError('signing failed', 500, { cause: err }))
    }
  }

  async close(): Promise<void> {}
}

interface WorkerReply {
  seq: number
  signatures?: string[]
  error?: string
}

interface Waiter {
  resolve: (sig: string) => void
  reject: (err: unknown) => void
}

class WorkerSigner implements InferenceSigner {
  readonly address: string
  private readonly workers: Worker[]
  private readonly inFlight = new Map<number, Waiter[]>()
  private pendingItems: [string, string, string, string][] = []
  private pendingWaiters: Waiter[] = []
  private scheduled = false
  private seq = 0
  private next = 0

  constructor(privateKey: string, threads: number) {
    this.address = computeAddress(new SigningKey(privateKey).publicKey)
    this.workers = []
    for (let i = 0; i < threads; i++) {
      const w = new Worker(join(__dirname, 'sign-worker.cjs'), {
        workerData: { privateKey, domainSeparator: DOMAIN_SEPARATOR_HEX, typeHash: TYPE_HASH_HEX },
      })
      w.on('message', (reply: WorkerReply) => this.onReply(reply))
      w.on('error', (err) => this.failAll(err))
      this.workers.push(w)
    }
  }

  sign(msg: InferenceMessage): Promise<string> {
    let resultHex: string
    try {
      resultHex = uint256Hex(msg.result)
    } catch (err) {
      return Promise.reject(err)
    }
    return new Promise<string>((resolve, reject) => {
      this.pendingItems.push([msg.modelHash, msg.inputHash, resultHex, msg.jobRunId])
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
      worker.postMessage({ seq, items: items.slice(start, start + per) })
    }
  }

  private onReply(reply: WorkerReply): void {
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
