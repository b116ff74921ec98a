/**
 * Loopback servers for the SSRF tests:
 * - a canary: an HTTP server on one address (127.0.0.1, 127.0.0.2, ::1, ...) that counts every TCP
 *   connection it accepts and would serve a valid image, so any fetch that reached it shows up as a
 *   hit (and would even succeed);
 * - a redirector: answers `/to?u=<url>` with a 302 to that URL, `/image.jpg` with a real image
 *   (the positive control: an allowed fetch that works, directly and through a redirect),
 *   `/blob/<name>` with bytes registered by the test, and `/endless` with a chunked body that
 *   never ends by itself (bounded at 64 MiB; it stops when the client hangs up).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface CountingServer {
  host: string
  port: number
  /** TCP connections accepted so far. */
  connections(): number
  close(): Promise<void>
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((ok, fail) => {
    server.once('error', fail)
    server.listen(port, host, () => ok((server.address() as AddressInfo).port))
  })
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections()
  return new Promise((r) => server.close(() => r()))
}

/** A canary on `host:port` (port 0: any) that serves `image` to whoever reaches it. */
export async function startCanary(host: string, image: Buffer, port = 0): Promise<CountingServer> {
  let connections = 0
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': image.length })
    res.end(image)
  })
  server.on('connection', () => {
    connections++
  })
  const bound = await listen(server, host, port)
  return { host, port: bound, connections: () => connections, close: () => closeServer(server) }
}

export interface Redirector extends CountingServer {
  url: string
  /** Serves `bytes` at `/blob/<name>` with `contentType`. */
  serve(name: string, bytes: Buffer, contentType: string): string
  /** Bytes written by `/endless` so far. */
  endlessBytes(): number
}

const ENDLESS_CAP = 64 * 1024 * 1024

/** The redirector on 127.0.0.1 (see the header). */
export async function startRedirector(image: Buffer): Promise<Redirector> {
  let connections = 0
  let endless = 0
  const blobs = new Map<string, { bytes: Buffer; contentType: string }>()
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const blob = blobs.get(url.pathname)
    if (blob) {
      res.writeHead(200, { 'content-type': blob.contentType, 'content-length': blob.bytes.length })
      res.end(blob.bytes)
      return
    }
    if (url.pathname === '/endless') {
      res.writeHead(200, { 'content-type': 'image/jpeg' })
      const chunk = Buffer.alloc(64 * 1024, 0xff)
      const pump = () => {
        while (!res.destroyed && endless < ENDLESS_CAP) {
          endless += chunk.length
          if (!res.write(chunk)) return void res.once('drain', pump)
        }
        res.end()
      }
      pump()
      return
    }
    if (url.pathname === '/image.jpg') {
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': image.length })
      res.end(image)
      return
    }
    const to = url.searchParams.get('u')
    if (url.pathname === '/to' && to) {
      res.writeHead(302, { location: to, 'content-length': 0 })
      res.end()
      return
    }
    res.writeHead(404, { 'content-length': 0 })
    res.end()
  })
  server.on('connection', () => {
    connections++
  })
  const port = await listen(server, '127.0.0.1', 0)
  const base = `http://127.0.0.1:${port}`
  return {
    host: '127.0.0.1',
    port,
    url: base,
    connections: () => connections,
    close: () => closeServer(server),
    serve: (name, bytes, contentType) => {
      blobs.set(`/blob/${name}`, { bytes, contentType })
      return `${base}/blob/${name}`
    },
    endlessBytes: () => endless,
  }
}
