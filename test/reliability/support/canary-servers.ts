/**
 * Loopback servers for the SSRF tests:
 * - a canary: an HTTP server on one address (127.0.0.1, 127.0.0.2, ::1, ...) that counts every TCP
 *   connection it accepts and would serve a valid image, so any fetch that reached it shows up as a
 *   hit (and would even succeed);
 * - a gateway: the IPFS gateway an adapter allow-lists (FETCH_ALLOWLIST=127.0.0.1/32), recording
 *   every path asked for. Under `/ipfs/<cid>/` it redirects where the test says (the redirect
 *   cases), serves a real image (the positive control: an allowed fetch that works, directly and
 *   through a redirect), bytes registered by the test, and an endless body.
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

export interface Gateway extends CountingServer {
  /** Base URL, e.g. `http://127.0.0.1:<port>` (the adapter's IPFS_GATEWAY). */
  url: string
  /** The CID every route is served under. */
  cid: string
  /** Paths asked for so far, in order. */
  requested: string[]
  /** `ipfs://<cid>/<route>`. */
  ipfs(route: string): string
  /** An ipfs:// URL the gateway answers with a 302 to `target`. */
  redirectTo(target: string): string
  /** Serves `bytes` at `ipfs://<cid>/blob/<name>` with `contentType`; returns that URL. */
  serve(name: string, bytes: Buffer, contentType: string): string
  /** Bytes written by `endless` so far. */
  endlessBytes(): number
}

const ENDLESS_CAP = 64 * 1024 * 1024
/** A CIDv1 (base32); the gateway does not check content addressing. */
export const GATEWAY_CID = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'

/**
 * A stand-in IPFS gateway on 127.0.0.1 (see the header), with routes under `/ipfs/<cid>/`:
 * `to/<base64url of a URL>` (a 302 there), `image.jpg` (the positive control), `blob/<name>`
 * (bytes registered by the test) and `endless` (a chunked body that never ends by itself, bounded
 * at 64 MiB; it stops when the client hangs up). Anything else, inside /ipfs/ or not, is a 404.
 */
export async function startGateway(image: Buffer): Promise<Gateway> {
  let connections = 0
  let endless = 0
  const requested: string[] = []
  const blobs = new Map<string, { bytes: Buffer; contentType: string }>()
  const prefix = `/ipfs/${GATEWAY_CID}/`
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname
    requested.push(path)
    const route = path.startsWith(prefix) ? path.slice(prefix.length) : undefined
    const blob = route === undefined ? undefined : blobs.get(route)
    if (blob) {
      res.writeHead(200, { 'content-type': blob.contentType, 'content-length': blob.bytes.length })
      res.end(blob.bytes)
      return
    }
    if (route === 'endless') {
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
    if (route === 'image.jpg') {
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': image.length })
      res.end(image)
      return
    }
    if (route?.startsWith('to/')) {
      const to = Buffer.from(route.slice('to/'.length), 'base64url').toString('utf8')
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
  const ipfs = (route: string) => `ipfs://${GATEWAY_CID}/${route}`
  return {
    host: '127.0.0.1',
    port,
    url: `http://127.0.0.1:${port}`,
    cid: GATEWAY_CID,
    requested,
    connections: () => connections,
    close: () => closeServer(server),
    ipfs,
    redirectTo: (target) => ipfs(`to/${Buffer.from(target, 'utf8').toString('base64url')}`),
    serve: (name, bytes, contentType) => {
      const route = `blob/${Buffer.from(name, 'utf8').toString('base64url')}`
      blobs.set(route, { bytes, contentType })
      return ipfs(route)
    },
    endlessBytes: () => endless,
  }
}
