/**
 * Reads a request body as UTF-8 text with a size cap, without a middleware stack.
 *
 * A body over the cap is refused with `PayloadTooLargeError`, but only after the client has
 * finished sending it (the bytes past the cap are read and discarded, not kept): a server that
 * answers 413 and closes while the client is still writing makes the client fail with `EPIPE` or
 * `ECONNRESET` instead of reading the 413. Draining stops at `drainLimit` bytes in all (a declared
 * Content-Length over it is refused at once); past that the route answers and closes anyway.
 */
import type { IncomingMessage } from 'node:http'

import { PayloadTooLargeError } from '../errors'

/** How much of an oversized body is read and discarded so that the client can read the 413. */
export function defaultDrainLimit(limit: number): number {
  return Math.max(4 * limit, 8 * 1024 * 1024)
}

export function readBody(
  req: IncomingMessage,
  limit: number,
  drainLimit = defaultDrainLimit(limit),
): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const tooLarge = (): PayloadTooLargeError =>
      new PayloadTooLargeError(`request body is larger than ${limit} bytes`)
    if (declaresMoreThan(req, drainLimit)) {
      reject(tooLarge())
      return
    }
    let first: Buffer | undefined
    let chunks: Buffer[] | undefined
    let total = 0
    let settled = false
    let oversized = declaresMoreThan(req, limit)
    req.on('data', (chunk: Buffer) => {
      if (settled) return
      total += chunk.length
      if (total > drainLimit) {
        settled = true
        reject(tooLarge())
        return
      }
      if (total > limit) oversized = true
      if (oversized) {
        first = undefined
        chunks = undefined
        return
      }
      if (first === undefined) first = chunk
      else (chunks ??= [first]).push(chunk)
    })
    req.on('end', () => {
      if (settled) return
      settled = true
      if (oversized) reject(tooLarge())
      else if (chunks !== undefined) resolve(Buffer.concat(chunks, total).toString('utf8'))
      else resolve(first === undefined ? '' : first.toString('utf8'))
    })
    req.on('error', (err) => {
      if (!settled) reject(err)
      settled = true
    })
  })
}

/**
 * Reads and drops the body of a request answered without it (refused from its headers), so the
 * client can read the early answer and keep its connection; past `drainLimit` bytes the connection
 * is closed instead.
 */
export function discardBody(req: IncomingMessage, drainLimit: number): void {
  let total = 0
  req.on('data', (chunk: Buffer) => {
    total += chunk.length
    if (total > drainLimit) req.socket.destroy()
  })
  req.on('error', () => {})
  req.resume()
}

/** True when the request declares a body longer than `limit`. */
export function declaresMoreThan(req: IncomingMessage, limit: number): boolean {
  const declared = req.headers['content-length']
  return declared !== undefined && Number(declared) > limit
}
