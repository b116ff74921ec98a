/**
 * Signing worker: holds the operator key and, off the adapter's event loop, computes the EIP-712
 * digest of each answer (protocol/answer-digest.ts, the same code the inline signer runs) and signs
 * it (./secp256k1.ts).
 * Receives `{ seq, items: InferenceMessage[] }`, answers `{ seq, signatures: string[] }` (65-byte
 * r‖s‖v hex, v = 27/28) or `{ seq, error }`. Loaded through sign-worker.cjs.
 */
import { parentPort, workerData } from 'node:worker_threads'

import { inferenceDigest, type InferenceMessage } from '../../../protocol/answer-digest'
import { signDigest } from './secp256k1'

export interface SignRequest {
  seq: number
  items: InferenceMessage[]
}

export interface SignReply {
  seq: number
  signatures?: string[]
  error?: string
}

const key = Buffer.from((workerData as { privateKey: string }).privateKey.slice(2), 'hex')
const port = parentPort
if (port === null) throw new Error('sign-worker must run in a worker thread')

port.on('message', (msg: SignRequest) => {
  let reply: SignReply
  try {
    reply = { seq: msg.seq, signatures: msg.items.map((m) => signDigest(inferenceDigest(m), key)) }
  } catch (err) {
    reply = { seq: msg.seq, error: err instanceof Error ? err.message : String(err) }
  }
  port.postMessage(reply)
})
