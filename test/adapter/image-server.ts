/**
 * A local image host on 127.0.0.1 for the remote-image tests: serves the damage-v1 samples and a
 * set of misbehaving routes (redirects, wrong content type, slow, oversized, held until released).
 */
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'

import { BUNDLED_MODEL_DIR } from '../../adapter/src/config'

export const SAMPLES_DIR = join(BUNDLED_MODEL_DIR, 'damage-v1', 'samples')

export interface Sample {
  file: string
  label: string
  classIndex: number
  sha256: string
  bytes: Buffer
}

export function damageSamples(): Sample[] {
  const index = JSON.parse(readFileSync(join(SAMPLES_DIR, 'samples.json'), 'utf8')) as {
    samples: Omit<Sample, 'bytes'>[]
  }
  return index.samples.map((s) => ({ ...s, bytes: readFileSync(join(SAMPLES_DIR, s.file)) }))
}

export interface ImageHost {
  server: Server
  base: string
  /** Releases every request parked on `/hold/...`. */
  release(): void
  close(): Promise<void>
}

export async function startImageHost(): Promise<ImageHost> {
  const samples = damageSamples()
  const held: (() => void)[] = []
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const path = url.pathname
    const sample = samples.find((s) => path.endsWith(`/${s.file}`))
    const png = (): void => {
      if (sample === undefined) {
        res.writeHead(404).end()
        return
      }
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': sample.bytes.length })
      res.end(sample.bytes)
    }
    if (path.startsWith('/img/') || path.startsWith('/ipfs/')) return png()
    if (path.startsWith('/redirect/')) {
      const hops = Number(url.searchParams.get('hops') ?? '1')
      const target =
        hops > 1
          ? `/redirect/${path.split('/').pop()}?hops=${hops - 1}`
          : `/img/${path.split('/').pop()}`
      res.writeHead(302, { location: target }).end()
      return
    }
    if (path === '/redirect-metadata') {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end()
      return
    }
    if (path === '/html') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>')
      return
    }
    if (path === '/chunked-big') {
      res.writeHead(200, { 'content-type': 'image/png' })
      const chunk = Buffer.alloc(64 * 1024, 1)
      for (let i = 0; i < 40; i++) res.write(chunk)
      res.end()
      return
    }
    if (path.startsWith('/slow/')) {
      setTimeout(png, 2000).unref()
      return
    }
    if (path.startsWith('/hold/')) {
      held.push(png)
      return
    }
    res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    server,
    base: `http://127.0.0.1:${port}`,
    release: () => held.splice(0).forEach((f) => f()),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
