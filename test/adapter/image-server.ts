/**
 * A local IPFS-gateway stand-in on 127.0.0.1 for the remote-image tests. Under `/ipfs/<cid>/` it
 * serves the damage-v1 samples and a set of misbehaving routes:
 * - `<file>` or `img/<file>`: the sample (image/png);
 * - `redirect/<n>/<file>`: n redirects within /ipfs/<cid>/, then the sample;
 * - `redirect-out/<file>`: a redirect to `/img/<file>` on the same origin but outside /ipfs/;
 * - `redirect-metadata`: a redirect to the cloud metadata address;
 * - `html` (text/html), `chunked-big` (2.5 MiB, no length), `slow/<file>` (after 2 s),
 *   `hold/<file>` (parked until `release()`); anything else 404.
 * Outside /ipfs/ only `/img/<file>` answers (the target of `redirect-out`). Every path asked for is
 * recorded, so tests can show what never reached the host.
 */
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'

import { BUNDLED_MODEL_DIR } from '../../adapter/src/config'

export const SAMPLES_DIR = join(BUNDLED_MODEL_DIR, 'damage-v1', 'samples')

/** A CIDv1 (base32) the host serves every route under. */
export const TEST_CID = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'

/** `ipfs://<TEST_CID>/<route>`. */
export function ipfsUrl(route: string): string {
  return `ipfs://${TEST_CID}/${route}`
}

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
  /** Paths asked for so far, in order. */
  requested: string[]
  /** Releases every request parked on `hold/...`. */
  release(): void
  close(): Promise<void>
}

export async function startImageHost(): Promise<ImageHost> {
  const samples = damageSamples()
  const held: (() => void)[] = []
  const requested: string[] = []
  const prefix = `/ipfs/${TEST_CID}/`
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    requested.push(path)
    const sample = samples.find((s) => path.endsWith(`/${s.file}`))
    const png = (): void => {
      if (sample === undefined) {
        res.writeHead(404).end()
        return
      }
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': sample.bytes.length })
      res.end(sample.bytes)
    }
    if (!path.startsWith(prefix)) {
      if (path.startsWith('/img/')) return png()
      res.writeHead(404).end()
      return
    }
    const route = path.slice(prefix.length)
    const redirect = /^redirect\/(\d+)\/(.+)$/.exec(route)
    if (redirect !== null) {
      const hops = Number(redirect[1])
      const target =
        hops > 1 ? `${prefix}redirect/${hops - 1}/${redirect[2]}` : `${prefix}img/${redirect[2]}`
      res.writeHead(302, { location: target }).end()
      return
    }
    if (route.startsWith('redirect-out/')) {
      res.writeHead(302, { location: `/img/${route.slice('redirect-out/'.length)}` }).end()
      return
    }
    if (route === 'redirect-metadata') {
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end()
      return
    }
    if (route === 'html') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>')
      return
    }
    if (route === 'chunked-big') {
      res.writeHead(200, { 'content-type': 'image/png' })
      const chunk = Buffer.alloc(64 * 1024, 1)
      for (let i = 0; i < 40; i++) res.write(chunk)
      res.end()
      return
    }
    if (route.startsWith('slow/')) {
      setTimeout(png, 2000).unref()
      return
    }
    if (route.startsWith('hold/')) {
      held.push(png)
      return
    }
    png()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    server,
    base: `http://127.0.0.1:${port}`,
    requested,
    release: () => held.splice(0).forEach((f) => f()),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
