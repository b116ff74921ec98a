import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A tiny HTTP server on 127.0.0.1 that serves fixed files (e.g. a claim's damage photo). */
export interface FileServer {
  /** Base URL, ending with `/`. */
  url: string
  /** Adds or replaces the file at `path` (no leading slash). */
  put(path: string, body: Buffer, contentType: string): string
  stop(): Promise<void>
}

export async function startFileServer(): Promise<FileServer> {
  const files = new Map<string, { body: Buffer; contentType: string }>()
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/').replace(/^\/+/, '')
    const file = req.method === 'GET' || req.method === 'HEAD' ? files.get(path) : undefined
    if (file === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
      return
    }
    res.writeHead(200, { 'content-type': file.contentType, 'content-length': file.body.length })
    res.end(req.method === 'HEAD' ? undefined : file.body)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const url = `http://127.0.0.1:${port}/`
  return {
    url,
    put(path, body, contentType) {
      files.set(path, { body, contentType })
      return `${url}${path}`
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
