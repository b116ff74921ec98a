/**
 * The servers the bench measures (its targets): the comparison servers answering a constant and
 * the adapter in each configuration, with the request bodies each gets; starting them through the
 * process kit (script/local), and checking before any load that each answers as it should.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'

import type { Manifest } from '../../protocol/manifest'
import { ADAPTER_ENTRY, startAdapter } from '../../script/local/adapters'
import type { BodyPool } from '../../script/local/http-load'
import { imageBody, loadManifest, randomJpeg, tabularBody } from '../../script/local/model-inputs'
import { BUNDLED_MODEL_DIR, repoPath } from '../../script/local/repo-root'
import { runTsScript, startTsServer, type LocalServer } from '../../script/local/tsx-process'
import { BENCH_JPEG_SEEDS, type ImageRun } from '../compute-floor'
import { CONNECTIONS } from './results-types'

/** A well-known test key (anvil's account 0): public, never used for value. */
const BENCH_SIGNER_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'

/** Environment of every bench server: production mode, errors only in the logs. */
const BENCH_SERVER_ENV = { NODE_ENV: 'production', LOG_LEVEL: 'error' }

/** Feature sets of the warm-cache target: sent once before its runs, then repeated. */
export const WARM_SET = 256

export interface Target {
  name: string
  description: string
  /** Starts the target's server, with `extraEnv` on top of its own environment. */
  start(extraEnv?: Record<string, string>): Promise<LocalServer>
  connections: readonly number[]
  /** Connection counts measured by a quick run (default: all of `connections`). */
  quickConnections?: readonly number[]
  /** Builds the body pool of one run, given the rate seen in its warm-up. */
  pool(connections: number, expectedRequests: number): BodyPool
  /** Whether to read the adapter's cache counters around each run. */
  adapter: boolean
  /** A request the server must answer 200 with a result before any load (and whether signed). */
  probe?: { body: string; signed: boolean }
  /** Bodies sent once after the probe (the warm target's cache). */
  prime?: string[]
  /**
   * A figure measured in every round right before this target's cell at `connections`: the same
   * work without HTTP, in its own process, requests/s (the image target's in-process floor).
   */
  inProcess?: { connections: number; measure: (seconds: number) => Promise<number> }
  /** If the server does not come up, try once more with this extra env (and say so). */
  fallback?: { env: Record<string, string>; note: string }
  server?: LocalServer
}

/** Hands out feature-set indices that no earlier run used, so cold runs never meet the cache. */
class FreshInputs {
  private next = 1_000
  take(count: number): number {
    const first = this.next
    this.next += count
    return first
  }
}

/** A server of bench/servers/ answering a constant. */
function constantServer(
  name: string,
  entry: string,
  portVariable: string,
  readyPath: string,
  env: Record<string, string> = {},
): Target['start'] {
  return (extraEnv) =>
    startTsServer({
      name,
      entry,
      portVariable,
      readyPath,
      env: { ...BENCH_SERVER_ENV, ...env, ...extraEnv },
    })
}

/** The adapter with `env` (empty SIGNER_THREADS: the adapter's default, as an operator runs it). */
function adapterServer(name: string, env: Record<string, string>): Target['start'] {
  return (extraEnv) =>
    startAdapter({
      name,
      readyTimeoutMs: 120_000,
      env: { ...BENCH_SERVER_ENV, SIGNER_THREADS: '', ...env, ...extraEnv },
    })
}

/** What the bench can measure here: the adapter and which bundled models exist. */
export interface Availability {
  adapter: boolean
  tabular: boolean
  image: boolean
}

export function availability(): Availability {
  return {
    adapter: existsSync(repoPath(ADAPTER_ENTRY)),
    tabular: existsSync(join(BUNDLED_MODEL_DIR, 'risk-v1', 'manifest.json')),
    image: existsSync(join(BUNDLED_MODEL_DIR, 'damage-v1', 'manifest.json')),
  }
}

export interface TargetSet {
  targets: Target[]
  /** risk-v1's manifest, when the tabular model is present. */
  risk?: Manifest
}

/** The targets of one run (a quick run keeps each target's quick connection counts). */
export async function buildTargets(
  have: Availability,
  quick: boolean,
  skipped: string[],
): Promise<TargetSet> {
  const fresh = new FreshInputs()
  const risk = have.tabular ? loadManifest('risk-v1') : undefined
  const constantBody = risk
    ? (k: number) => tabularBody(risk, k)
    : (k: number) =>
        JSON.stringify({ id: String(k), data: { model: 'risk-v1', features: { x: k } } })
  // Constant servers ignore the body; give them the same kind of bodies the adapter gets.
  const constantPool = (c: number): BodyPool => ({
    count: Math.min(64 * c, 4096),
    make: constantBody,
  })
  const targets: Target[] = [
    {
      name: 'node-http-constant',
      description: 'bare node:http answering a constant EA body (HTTP floor)',
      start: constantServer('node-http', 'bench/servers/node-http-constant.ts', 'PORT', '/'),
      connections: CONNECTIONS,
      pool: constantPool,
      adapter: false,
    },
    {
      name: 'express-constant',
      description: 'plain Express 5, one route answering a constant with res.json',
      start: constantServer('express', 'bench/servers/express-constant.ts', 'PORT', '/health'),
      connections: CONNECTIONS,
      pool: constantPool,
      adapter: false,
    },
    {
      name: 'ea-framework-constant',
      description:
        '@chainlink/external-adapter-framework 2.18.1, minimal adapter answering a constant',
      start: constantServer(
        'ea-framework',
        'bench/servers/ea-framework-constant.ts',
        'EA_PORT',
        '/health',
        { METRICS_ENABLED: 'false', EA_HOST: '127.0.0.1' },
      ),
      connections: CONNECTIONS,
      pool: constantPool,
      adapter: false,
    },
  ]
  if (have.adapter && risk) targets.push(...tabularTargets(risk, fresh))
  else skipped.push('adapter tabular: adapter/src/server.ts or risk-v1 not present')
  if (have.adapter && have.image) targets.push(await imageTarget())
  else skipped.push('adapter image: adapter/src/server.ts or damage-v1 not present')
  if (quick) {
    for (const t of targets) t.connections = t.quickConnections ?? t.connections
  }
  return risk ? { targets, risk } : { targets }
}

/** An adapter target started with `env`, measured at every connection count by default. */
function adapterTarget(
  name: string,
  description: string,
  env: Record<string, string>,
  rest: Pick<Target, 'pool' | 'probe'> & Partial<Target>,
): Target {
  return {
    name,
    description,
    start: adapterServer(name, env),
    connections: CONNECTIONS,
    adapter: true,
    ...rest,
  }
}

/** The adapter on risk-v1: cold, warm, without micro-batching, signing. */
function tabularTargets(risk: Manifest, fresh: FreshInputs): Target[] {
  const coldPool = (_c: number, expected: number): BodyPool => {
    const first = fresh.take(expected)
    return { count: expected, make: (k) => tabularBody(risk, first + k) }
  }
  const warmFirst = fresh.take(WARM_SET)
  const warmPool = (c: number): BodyPool => ({
    count: Math.max(WARM_SET, c),
    make: (k) => tabularBody(risk, warmFirst + (k % WARM_SET)),
  })
  const unsigned = { body: tabularBody(risk, 1), signed: false }
  return [
    adapterTarget(
      'adapter-tabular',
      'adapter, risk-v1, micro-batching on, cache on (cold: a new input every request), signing off',
      {},
      { pool: coldPool, probe: unsigned },
    ),
    adapterTarget(
      'adapter-tabular-warm',
      'adapter, risk-v1, micro-batching on, cache warm (256 inputs, all cached), signing off',
      {},
      {
        connections: [1, 64],
        quickConnections: [64],
        pool: warmPool,
        probe: unsigned,
        prime: Array.from({ length: WARM_SET }, (_, k) => tabularBody(risk, warmFirst + k)),
      },
    ),
    adapterTarget(
      'adapter-tabular-nobatch',
      'adapter, risk-v1, micro-batching off (BATCH_MAX_SIZE=1), cache cold, signing off',
      { BATCH_MAX_SIZE: '1' },
      { quickConnections: [1, 64], pool: coldPool, probe: unsigned },
    ),
    adapterTarget(
      'adapter-tabular-signed',
      'adapter, risk-v1, micro-batching on, cache cold, signing on (EIP-712, SIGNER_THREADS default)',
      { SIGNER_PRIVATE_KEY: BENCH_SIGNER_KEY },
      {
        connections: [1, 64],
        pool: coldPool,
        probe: { ...unsigned, signed: true },
        fallback: {
          env: { SIGNER_THREADS: '0' },
          note: 'with SIGNER_THREADS=0 (signing on the event loop)',
        },
      },
    ),
  ]
}

/**
 * The image work of one request without HTTP (bench/compute-floor.ts `image`: sha256, decode,
 * resize, normalise, infer with the adapter's own functions) at `concurrency`, in its own process,
 * for `seconds`; requests/s.
 */
async function imageInProcess(concurrency: number, seconds: number): Promise<number> {
  const run = await runTsScript(
    'bench/compute-floor.ts',
    ['image', String(Math.round(seconds * 1000)), String(concurrency)],
    { timeoutMs: 120_000 },
  )
  if (run.code !== 0) {
    throw new Error(`image floor failed (${run.signal ?? `exit ${run.code}`}):\n${run.stderr}`)
  }
  return (JSON.parse(run.stdout) as ImageRun).perSecond
}

/** The adapter on damage-v1, every request decoding a 1024x768 JPEG sent inline. */
async function imageTarget(): Promise<Target> {
  const damage = loadManifest('damage-v1')
  const jpegs = await Promise.all(BENCH_JPEG_SEEDS.map((seed) => randomJpeg(1024, 768, seed)))
  const bodies = jpegs.map((j, i) => imageBody(damage, j, `bench-img-${i}`))
  return adapterTarget(
    'adapter-image',
    'adapter, damage-v1 (64x64), 1024x768 JPEG inline (base64), cache off (every request decodes), batching on',
    { CACHE_MAX_ENTRIES: '0' },
    {
      quickConnections: [1, 16],
      pool: (c) => ({
        count: Math.min(4 * c, 64),
        make: (k) => bodies[k % bodies.length] as string,
      }),
      probe: { body: bodies[0] as string, signed: false },
      inProcess: { connections: 16, measure: (seconds) => imageInProcess(16, seconds) },
    },
  )
}

/** Starts a target's server, falling back to its alternative configuration if it has one. */
async function startTarget(t: Target, skipped: string[]): Promise<LocalServer> {
  try {
    return await t.start()
  } catch (err) {
    if (!t.fallback) throw err
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err)
    skipped.push(`${t.name}: default configuration failed (${why}); measured ${t.fallback.note}`)
    t.description += ` [${t.fallback.note}]`
    return t.start(t.fallback.env)
  }
}

/** Starts every target's server at once (`t.server`); if one fails, throws (the caller stops all). */
export async function startTargets(targets: Target[], skipped: string[]): Promise<void> {
  const started = await Promise.allSettled(targets.map((t) => startTarget(t, skipped)))
  targets.forEach((t, i) => {
    const r = started[i]
    if (r?.status === 'fulfilled') t.server = r.value
  })
  const failed = started.find((r) => r.status === 'rejected')
  if (failed) throw failed.reason
}

/** The server of a started target. */
export function serverOf(t: Target): LocalServer {
  if (t.server === undefined) throw new Error(`${t.name}: not started`)
  return t.server
}

/** POSTs `body` and checks for a 200 answer with a result (and a signature iff `signed`). */
async function checkAnswer(server: LocalServer, body: string, signed: boolean): Promise<void> {
  const res = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    signal: AbortSignal.timeout(10_000),
  })
  const json = (await res.json()) as { data?: { result?: unknown; signature?: unknown } }
  if (res.status !== 200 || typeof json.data?.result !== 'string') {
    throw new Error(`${server.name}: unexpected answer ${res.status} ${JSON.stringify(json)}`)
  }
  if (signed !== (typeof json.data.signature === 'string')) {
    throw new Error(`${server.name}: signature ${signed ? 'missing' : 'unexpected'}`)
  }
}

/** Checks each started target's probe answer, then primes the ones that need a warm cache. */
export async function checkTargets(targets: Target[]): Promise<void> {
  for (const t of targets) {
    if (t.probe) await checkAnswer(serverOf(t), t.probe.body, t.probe.signed)
  }
  for (const t of targets) {
    for (const body of t.prime ?? []) await checkAnswer(serverOf(t), body, false)
  }
}
