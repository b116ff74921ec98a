/**
 * Shared helpers of the adapter tests: configuration from a partial environment, the bundled
 * manifests, random valid inputs drawn from a manifest, and a quiet logger that records lines.
 */
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { Writable } from 'node:stream'

import { createAdapter, type Adapter } from '../../adapter/src/app'
import { BUNDLED_MODEL_DIR, loadConfig, type Config } from '../../adapter/src/config'
import { createLogger } from '../../adapter/src/logger'
import { parseManifest, type Manifest } from '../../protocol/manifest'
import { prng } from '../support/prng'

export { prng }

/** anvil's well-known account 1 key: public, never used for value. */
export const TEST_SIGNER_KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'
export const TEST_SIGNER_ADDRESS = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ LOG_LEVEL: 'info', ...env })
}

export function bundledManifest(id: string): Manifest {
  return parseManifest(
    JSON.parse(readFileSync(join(BUNDLED_MODEL_DIR, id, 'manifest.json'), 'utf8')),
  )
}

/** A random valid `features` object for a tabular manifest. */
export function randomFeatures(manifest: Manifest, rand: () => number): Record<string, number> {
  if (manifest.inputs.kind !== 'tabular') throw new Error(`${manifest.id} is not tabular`)
  const out: Record<string, number> = {}
  for (const f of manifest.inputs.features) {
    const x = f.min + rand() * (f.max - f.min)
    out[f.name] = f.type === 'integer' ? Math.min(f.max, Math.max(f.min, Math.round(x))) : x
  }
  return out
}

/** A random valid `features` object for risk-v1, from `seed`. */
export function riskFeatures(seed: number): Record<string, number> {
  return randomFeatures(bundledManifest('risk-v1'), prng(seed))
}

/** `count` random valid `features` objects for risk-v1, drawn one after another from `seed`. */
export function riskFeatureSeries(seed: number, count: number): Record<string, number>[] {
  const risk = bundledManifest('risk-v1')
  const rand = prng(seed)
  return Array.from({ length: count }, () => randomFeatures(risk, rand))
}

export interface RecordedLogs {
  lines: string[]
  text(): string
}

export interface TestAdapter extends Adapter {
  logs: RecordedLogs
}

/** An adapter over the bundled models (unless MODEL_DIR says otherwise) whose logs are recorded. */
export async function startTestAdapter(env: Record<string, string> = {}): Promise<TestAdapter> {
  const config = testConfig(env)
  const lines: string[] = []
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter((l) => l.length > 0),
      )
      done()
    },
  })
  const logger = createLogger(config.LOG_LEVEL, sink)
  const adapter = await createAdapter(config, { logger })
  return Object.assign(adapter, { logs: { lines, text: () => lines.join('\n') } })
}

/** A test adapter behind a real HTTP server on a free local port. */
export interface ServedAdapter {
  adapter: TestAdapter
  server: Server
  url: string
}

export async function serveTestAdapter(env: Record<string, string> = {}): Promise<ServedAdapter> {
  const adapter = await startTestAdapter(env)
  const server = createServer(adapter.listener)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { adapter, server, url: `http://127.0.0.1:${port}/` }
}

/** A served adapter with its answer cache off, so every request runs the model. */
export function serveUncachedAdapter(env: Record<string, string> = {}): Promise<ServedAdapter> {
  return serveTestAdapter({ CACHE_MAX_ENTRIES: '0', ...env })
}

/** POSTs each of `bodies` as JSON to `url`, all at once, and reads each answer with `read`. */
export function postAllJson<T>(
  url: string,
  bodies: object[],
  read: (res: Response) => Promise<T>,
): Promise<T[]> {
  return Promise.all(
    bodies.map(async (b) =>
      read(
        await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(b),
        }),
      ),
    ),
  )
}

export async function stopServedAdapter(served: ServedAdapter): Promise<void> {
  served.server.closeAllConnections()
  await new Promise((resolve) => served.server.close(resolve))
  await served.adapter.close()
}
