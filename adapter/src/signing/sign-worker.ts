/**
 * Signing worker: holds the operator key and, off the adapter's event loop, signs one batch of
 * answers at a time (./batch-signature.ts, the same code the inline signer runs): each answer's
 * leaf, the Merkle tree, one signature.
 * Receives `{ seq, items: InferenceMessage[] }`, answers `{ seq, batch }` or `{ seq, error }`.
 * Loaded through sign-worker.cjs.
 */
import { parentPort, workerData } from 'node:worker_threads'

import type { InferenceMessage } from '../../../protocol/answer-digest'
import { signBatch, type BatchSignature } from './batch-signature'

export interface SignRequest {
  seq: number
  items: InferenceMessage[]
}

export interface SignReply {
  seq: number
  batch?: BatchSignature
  error?: string
}

const key = Buffer.from((workerData as { privateKey: string }).privateKey.slice(2), 'hex')
const port = parentPort
if (port === null) throw new Error('sign-worker must run in a worker thread')

port.on('message', (msg: SignRequest) => {
  let reply: SignReply
  try {
    reply = { seq: msg.seq, batch: signBatch(msg.items, key) }
  } catch (err) {
    reply = { seq: msg.seq, error: err instanceof Error ? err.message : String(err) }
  }
  port.postMessage(reply)
})
