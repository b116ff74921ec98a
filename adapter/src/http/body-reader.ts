/**
 * Reads a request body as UTF-8 text with a size cap, without a middleware stack: a declared
 * Content-Length over the cap is refused before reading, and a streamed body is cut off as soon as
 * it passes the cap.
 */
import type { IncomingMessage } from 'node:http'

import { PayloadTooLargeError } from '../errors'

export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const declared = req.headers['content-length']
    if (declared !== undefined && Number(declared) > limit) {
      reject(new PayloadTooLargeError(`request body is larger than ${limit} bytes`))
      return
    }
    let first: Buffer | undefined
    let chunks: Buffer[] | undefined
    let total = 0
    let failed = false
    req.on('data', (chunk: Buffer) => {
      if (failed) return
      total += chunk.length
      if (total > limit) {
        failed = true
        reject(new PayloadTooLargeError(`request body is larger than ${limit} bytes`))
        return
      }
      if (first === undefined) first = chunk
      else (chunks ??= [first]).push(chunk)
    })
    req.on('end', () => {
      if (failed) return
      if (chunks !== undefined) resolve(Buffer.concat(chunks, total).toString('utf8'))
      else resolve(first === undefined ? '' : first.toString('utf8'))
    })
    req.on('error', (err) => {
      if (!failed) reject(err)
      failed = true
    })
  })
}
