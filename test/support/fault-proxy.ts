/**
 * FaultProxy: a small HTTP proxy for tests that sits in front of a real adapter and misbehaves on
 * demand, standing for an adapter that is slow, unreachable mid-request, or lying about its result,
 * or arranging that the adapter signs its answer in a batch.
 * It is a test double of the network path only: every answer it passes on comes from the real
 * adapter behind it. Loopback only; every timer it starts is cleared on close.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

import { askInBatch } from './batched-answer'

export type FaultMode =
  /** Forward the request and the answer unchanged. */
  | { kind: 'pass' }
  /** Wait `ms` before forwarding (an adapter slower than the source's timeout). */
  | { kind: 'delay'; ms: number }
  /** Close the connection without answering (an adapter that dies mid-request). */
  | { kind: 'drop' }
  /** Forward, then replace `result` and `data.result` in the answer (signature left as is). */
  | { kind: 'lie'; result: string }
  /**
   * Forward together with `companions` (other requests to the same adapter), sent at once and
   * again until the adapter signs the answer in a batch (a Merkle proof): ./batched-answer.ts.
   * With `lie`, then replace the result as `lie` does.
   */
  | { kind: 'batched'; companions: string[]; lie?: string }

export interface RecordedRequest {
  headers: IncomingMessage['headers']
  body: string
}

export interface FaultProxy {
  readonly url: string
  /** How the next requests are treated; change it between tests. */
  mode: FaultMode
  /** Requests received since start or the last `resetRequests()`. */
  readonly requests: RecordedRequest[]
  resetRequests(): void
  close(): Promise<void>
}

const MAX_BODY_BYTES = 64 * 1024
const FORWARDED_HEADERS = ['content-type', 'x-api-key', 'authorization']

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large for the fault proxy'))
        req.destroy()
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

function rewriteResult(body: string, result: string): string {
  const parsed = JSON.parse(body) as { result?: unknown; data?: { result?: unknown } }
  parsed.result = result
  if (parsed.data !== undefined) parsed.data.result = result
  return JSON.stringify(parsed)
}

/** Starts a proxy on 127.0.0.1 (a free port) in front of `targetUrl`. */
export async function startFaultProxy(
  targetUrl: string,
  mode: FaultMode = { kind: 'pass' },
): Promise<FaultProxy> {
  const timers = new Set<NodeJS.Timeout>()
  const requests: RecordedRequest[] = []
  const state = { mode }

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer)
        resolve()
      }, ms)
      timers.add(timer)
    })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req)
    requests.push({ headers: req.headers, body })
    const current = state.mode
    if (current.kind === 'drop') {
      req.socket.destroy()
      return
    }
    if (current.kind === 'delay') await sleep(current.ms)
    const headers: Record<string, string> = {}
    for (const name of FORWARDED_HEADERS) {
      const value = req.headers[name]
      if (typeof value === 'string') headers[name] = value
    }
    if (current.kind === 'batched') {
      const batched = await askInBatch(targetUrl, body, current.companions, headers)
      const answer =
        current.lie !== undefined && batched.status === 200
          ? rewriteResult(batched.text, current.lie)
          : batched.text
      res.writeHead(batched.status, { 'content-type': 'application/json' })
      res.end(answer)
      return
    }
    const upstream = await fetch(targetUrl, {
      method: req.method ?? 'POST',
      headers,
      body: req.method === 'GET' ? undefined : body,
      signal: AbortSignal.timeout(10_000),
    })
    let answer = await upstream.text()
    if (current.kind === 'lie' && upstream.ok) answer = rewriteResult(answer, current.result)
    res.writeHead(upstream.status, { 'content-type': 'application/json' })
    res.end(answer)
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: { name: 'FaultProxyError', message: error.message } }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}/`,
    get mode() {
      return state.mode
    },
    set mode(next: FaultMode) {
      state.mode = next
    },
    requests,
    resetRequests() {
      requests.length = 0
    },
    close() {
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
      server.closeAllConnections()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
