/**
 * @jest-environment ./test/models/ort-test-environment.js
 */
/*
 * Attacks on the HTTP layer, against the real server of http/http-server.ts over loopback sockets:
 * - work before auth: an unauthenticated POST / is answered 401 from its headers alone, before a
 *   byte of its body is read or parsed, and the connection stays usable;
 * - slowloris: headers trickled byte by byte are cut off after HTTP_HEADERS_TIMEOUT_MS;
 * - slow body: a body trickled forever is cut off after HTTP_REQUEST_TIMEOUT_MS (408);
 * - connection flood: beyond MAX_CONNECTIONS, connections are refused at accept;
 * - idle keep-alive connections are closed after HTTP_KEEP_ALIVE_TIMEOUT_MS.
 */
import { connect, type AddressInfo, type Socket } from 'node:net'

import { createHttpServer, type HttpServerSettings } from '../../adapter/src/http/http-server'
import { riskFeatures, startTestAdapter, type TestAdapter } from './helpers'

const KEY = 'http-server-test-key'

/** A raw client socket that records what the server sends and when the server closed it. */
interface RawClient {
  socket: Socket
  received(): string
  /** Resolves with the ms from connect to the server's end/close (or rejects after `ms`). */
  closed(ms: number): Promise<number>
  /** Resolves once the received text matches `pattern`. */
  waitFor(pattern: RegExp, ms: number): Promise<string>
}

function rawClient(port: number): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const start = performance.now()
    let text = ''
    let closedAt: number | undefined
    const listeners: (() => void)[] = []
    const socket = connect(port, '127.0.0.1', () =>
      resolve({
        socket,
        received: () => text,
        closed: (ms) =>
          new Promise((ok, fail) => {
            const check = (): boolean => {
              if (closedAt === undefined) return false
              ok(closedAt)
              return true
            }
            if (check()) return
            const timer = setTimeout(() => fail(new Error(`still open after ${ms} ms`)), ms)
            listeners.push(() => {
              if (check()) clearTimeout(timer)
            })
          }),
        waitFor: (pattern, ms) =>
          new Promise((ok, fail) => {
            const check = (): boolean => {
              if (!pattern.test(text)) return false
              ok(text)
              return true
            }
            if (check()) return
            const timer = setTimeout(
              () => fail(new Error(`no ${pattern} after ${ms} ms: ${text}`)),
              ms,
            )
            listeners.push(() => {
              if (check()) clearTimeout(timer)
            })
          }),
      }),
    )
    const notify = (): void => listeners.forEach((l) => l())
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      text += chunk
      notify()
    })
    const onClose = (): void => {
      closedAt ??= performance.now() - start
      notify()
    }
    socket.on('end', onClose)
    socket.on('close', onClose)
    socket.on('error', () => onClose())
    socket.once('error', reject)
  })
}

/** Runs `body` against a server for the test adapter under `settings`, then closes it. */
async function withServer(
  adapter: TestAdapter,
  settings: HttpServerSettings,
  body: (port: number) => Promise<void>,
): Promise<void> {
  const server = createHttpServer(adapter.listener, settings)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  try {
    await body((server.address() as AddressInfo).port)
  } finally {
    server.closeAllConnections()
    await new Promise((r) => server.close(() => r(undefined)))
  }
}

/** Writes `next()` to the socket every `everyMs` until `next` returns undefined; returns a stop. */
function trickle(client: RawClient, everyMs: number, next: () => string | undefined): () => void {
  const timer = setInterval(() => {
    const chunk = next()
    if (!client.socket.destroyed && chunk !== undefined) client.socket.write(chunk)
  }, everyMs)
  return () => clearInterval(timer)
}

/** Limits for these loopback tests (headers arrive in one write); each test tightens the one it attacks. */
const DEFAULTS: HttpServerSettings = {
  maxConnections: 64,
  headersTimeoutMs: 300,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
}

describe('HTTP server limits', () => {
  let adapter: TestAdapter

  beforeAll(async () => {
    adapter = await startTestAdapter({ API_KEYS: KEY })
  })

  afterAll(async () => {
    await adapter.close()
  })

  it('work before auth: 401 from the headers alone, before any body byte; the connection lives on', () =>
    withServer(adapter, DEFAULTS, async (port) => {
      const client = await rawClient(port)
      const bodyLength = 500_000
      client.socket.write(
        'POST / HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n' +
          `x-api-key: wrong\r\ncontent-length: ${bodyLength}\r\n\r\n`,
      )
      // Not one byte of the body sent yet: the answer comes anyway.
      const first = await client.waitFor(/\r\n\r\n\{.*\}$/s, 5000)
      expect(first).toMatch(/^HTTP\/1\.1 401 /)
      expect(first).toContain('"name":"AuthError"')
      expect(first).not.toMatch(/connection: close/i)
      // The body is then discarded, and the same connection serves an authenticated request.
      client.socket.write(Buffer.alloc(bodyLength, 0x7b))
      const body = JSON.stringify({
        id: 'after-401',
        data: { model: 'risk-v1', features: riskFeatures(3) },
      })
      client.socket.write(
        'POST / HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n' +
          `x-api-key: ${KEY}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      )
      const both = await client.waitFor(/"jobRunID":"after-401","statusCode":200/, 5000)
      expect(both.match(/HTTP\/1\.1 \d{3} /g)).toEqual(['HTTP/1.1 401 ', 'HTTP/1.1 200 '])
      client.socket.destroy()
    }))

  it('work before auth: a wrong key with a malformed or oversized body gets 401, never 400/413', () =>
    withServer(adapter, DEFAULTS, async (port) => {
      for (const body of ['{"id":"x","data":', 'x'.repeat(2_000_000)]) {
        const res = await fetch(`http://127.0.0.1:${port}/`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer nope' },
          body,
        })
        expect(res.status).toBe(401)
        expect(((await res.json()) as { error: { name: string } }).error.name).toBe('AuthError')
      }
    }))

  it('slowloris: headers trickled byte by byte are cut off after the headers timeout', () =>
    withServer(adapter, { ...DEFAULTS, headersTimeoutMs: 400 }, async (port) => {
      const client = await rawClient(port)
      const headers = 'POST / HTTP/1.1\r\nhost: x\r\nx-padding: ' + 'a'.repeat(200)
      let sent = 0
      const stop = trickle(client, 50, () => (sent < headers.length ? headers[sent++] : undefined))
      try {
        expect(await client.closed(5000)).toBeLessThan(2500)
        expect(sent).toBeLessThan(headers.length)
      } finally {
        stop()
      }
    }))

  it('slow body: a body trickled forever is cut off after the request timeout (408)', () =>
    withServer(adapter, { ...DEFAULTS, requestTimeoutMs: 800 }, async (port) => {
      const client = await rawClient(port)
      client.socket.write(
        `POST / HTTP/1.1\r\nhost: x\r\nx-api-key: ${KEY}\r\ncontent-length: 100000\r\n\r\n`,
      )
      const stop = trickle(client, 50, () => '{')
      try {
        expect(await client.closed(5000)).toBeLessThan(3000)
        expect(client.received()).toMatch(/^HTTP\/1\.1 408 /)
      } finally {
        stop()
      }
    }))

  it('connection flood: beyond MAX_CONNECTIONS new connections are refused at accept', () =>
    withServer(adapter, { ...DEFAULTS, maxConnections: 3 }, async (port) => {
      const health = 'GET /health HTTP/1.1\r\nhost: x\r\n\r\n'
      const held = await Promise.all([rawClient(port), rawClient(port), rawClient(port)])
      // Make sure the server has accepted all three before the fourth arrives.
      for (const c of held) c.socket.write(health)
      for (const c of held) await c.waitFor(/"status":"ok"/, 5000)
      const extra = await rawClient(port)
      extra.socket.write(health)
      await extra.closed(5000)
      expect(extra.received()).toBe('')
      // A slot freed is a slot served.
      held[0]?.socket.destroy()
      await new Promise((r) => setTimeout(r, 100))
      const again = await rawClient(port)
      again.socket.write(health)
      expect(await again.waitFor(/"status":"ok"/, 5000)).toMatch(/^HTTP\/1\.1 200 /)
      for (const c of [...held, again]) c.socket.destroy()
    }))

  it('idle keep-alive connections are closed after the keep-alive timeout', () =>
    withServer(adapter, { ...DEFAULTS, keepAliveTimeoutMs: 300 }, async (port) => {
      const client = await rawClient(port)
      client.socket.write('GET /health HTTP/1.1\r\nhost: x\r\n\r\n')
      await client.waitFor(/"status":"ok"/, 5000)
      const ms = await client.closed(5000)
      expect(ms).toBeGreaterThanOrEqual(250)
      expect(ms).toBeLessThan(3000)
    }))
})
