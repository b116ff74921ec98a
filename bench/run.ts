/**
 * `npm run bench` (about 7 minutes) and `npm run bench -- --quick` (under 2): measures, in one
 * run on this machine, the compute floor, the HTTP floor, plain Express, Chainlink's EA framework
 * and the adapter (tabular and image, 1/16/64 connections, micro-batching on/off, cache cold/warm,
 * signing on/off), the Functions source through simulateScript against 3 and 5 local adapters, and
 * reads the contracts' gas snapshots. Writes results.json (with the `ratios` of issue 8),
 * results.md and throughput.svg to bench/ (full run) or a temporary folder (quick run; `--out DIR`
 * chooses).
 *
 * Every server runs in its own child process (peak RSS from /proc/<pid>/status VmHWM); autocannon
 * runs in this process. The load cells are measured in rounds (full: 2, interleaved, so a burst of
 * other work on the shared machine hits every target alike) and each cell's figure is the median
 * over rounds.
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'

import type { ComputeFloor } from './compute-floor'
import { readCacheCounters } from './lib/adapter-metrics'
import { renderThroughputSvg } from './lib/chart-svg'
import { measureFunctions, type FunctionsFigures } from './lib/functions-wall-time'
import { readGasSnapshots } from './lib/gas'
import { runLoad, type BodyPool, type LoadResult } from './lib/load'
import { describeMachine } from './lib/machine'
import { imageBody, loadManifest, MODEL_DIR, randomJpeg, tabularBody } from './lib/model-inputs'
import { computeRatios } from './lib/ratios'
import { renderMarkdown } from './lib/report-markdown'
import {
  CONNECTIONS,
  type Cell,
  type ImageRssRun,
  type Results,
  type ServerFigures,
  type Settings,
} from './lib/results-types'
import {
  peakRssMiB,
  REPO_ROOT,
  rssMiB,
  startServer,
  type RunningServer,
  type ServerSpec,
} from './lib/server-process'

const execFileP = promisify(execFile)

/** A well-known test key (anvil's account 0): public, never used for value. */
const BENCH_SIGNER_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'

function settings(quick: boolean): Settings {
  return quick
    ? {
        quick,
        warmupSeconds: 0.4,
        measureSeconds: 1.5,
        rounds: 1,
        rssRunSeconds: 5,
        computeMsPerPoint: 200,
        functionsRepeats: 1,
      }
    : {
        quick,
        warmupSeconds: 1.5,
        measureSeconds: 5,
        rounds: 2,
        rssRunSeconds: 60,
        computeMsPerPoint: 1000,
        functionsRepeats: 3,
      }
}

/** `--out DIR`, else bench/ for a full run and a temporary folder for a quick one. */
function outputDir(quick: boolean): string {
  const i = process.argv.indexOf('--out')
  const given = i >= 0 ? process.argv[i + 1] : undefined
  if (given) return resolve(given)
  return quick ? join(tmpdir(), 'onnx-oracle-bench-quick') : join(REPO_ROOT, 'bench')
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2
}

function log(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`)
}

interface Target {
  name: string
  description: string
  spec: ServerSpec
  connections: readonly number[]
  /** Connection counts measured by a quick run (default: all of `connections`). */
  quickConnections?: readonly number[]
  /** Builds the body pool of one run, given the rate seen in its warm-up. */
  pool(connections: number, expectedRequests: number): BodyPool
  /** Whether to read the adapter's cache counters around each run. */
  adapter: boolean
  /** If the server does not come up with `spec`, try once more with this extra env (and say so). */
  fallback?: { env: Record<string, string>; note: string }
  server?: RunningServer
}

/** Starts a target's server, falling back to its alternative configuration if it has one. */
async function startTarget(t: Target, skipped: string[]): Promise<RunningServer> {
  try {
    return await startServer(t.spec)
  } catch (err) {
    if (!t.fallback) throw err
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err)
    skipped.push(`${t.name}: default configuration failed (${why}); measured ${t.fallback.note}`)
    t.description += ` [${t.fallback.note}]`
    return startServer({ ...t.spec, env: { ...t.spec.env, ...t.fallback.env } })
  }
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

async function measureCell(
  t: Target,
  server: RunningServer,
  connections: number,
  s: Settings,
): Promise<{ result: LoadResult; hits: number; misses: number }> {
  const warm = await runLoad({
    url: server.url,
    connections,
    durationSeconds: s.warmupSeconds,
    bodies: t.pool(connections, 64 * connections),
  })
  // Enough distinct bodies for three times the warm-up's pace (cold runs must never repeat one;
  // the cache hit rate read from /metrics shows whether they did).
  const pace = Math.max(warm.answersPerSecond, 2000)
  const expected = Math.ceil(pace * s.measureSeconds * 3) + 64 * connections
  const pool = t.pool(connections, expected)
  const before = t.adapter ? await readCacheCounters(server.url) : { hits: 0, misses: 0 }
  const result = await runLoad({
    url: server.url,
    connections,
    durationSeconds: s.measureSeconds,
    bodies: pool,
  })
  const after = t.adapter ? await readCacheCounters(server.url) : { hits: 0, misses: 0 }
  return { result, hits: after.hits - before.hits, misses: after.misses - before.misses }
}

async function checkAnswer(server: RunningServer, body: string, wantSignature: boolean) {
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
  if (wantSignature !== (typeof json.data.signature === 'string')) {
    throw new Error(`${server.name}: signature ${wantSignature ? 'missing' : 'unexpected'}`)
  }
}

async function main(): Promise<void> {
  const started = performance.now()
  const quick = process.argv.includes('--quick')
  const s = settings(quick)
  const machine = describeMachine()
  log(`${quick ? 'quick' : 'full'} bench on ${JSON.stringify(machine)}`)
  const skipped: string[] = []
  const haveAdapter = existsSync(join(REPO_ROOT, 'adapter', 'src', 'server.ts'))
  const haveTabular = existsSync(join(MODEL_DIR, 'risk-v1', 'manifest.json'))
  const haveImage = existsSync(join(MODEL_DIR, 'damage-v1', 'manifest.json'))

  // 1. Compute floor, in its own process before any load.
  let computeFloor: ComputeFloor | undefined
  const floorModels = [haveTabular && 'risk-v1', haveImage && 'damage-v1'].filter(Boolean)
  if (floorModels.length > 0) {
    log('compute floor')
    const { stdout } = await execFileP(
      process.execPath,
      [
        '--import',
        'tsx',
        join(REPO_ROOT, 'bench', 'compute-floor.ts'),
        String(s.computeMsPerPoint),
        '1024',
        '768',
        floorModels.join(','),
      ],
      { cwd: REPO_ROOT, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
    )
    computeFloor = JSON.parse(stdout) as ComputeFloor
  } else skipped.push('compute floor: no bundled models yet')

  // 2. Targets: the comparison servers and the adapter in each configuration.
  const fresh = new FreshInputs()
  const risk = haveTabular ? loadManifest('risk-v1') : undefined
  const constantBody = risk
    ? (k: number) => tabularBody(risk, k)
    : (k: number) =>
        JSON.stringify({ id: String(k), data: { model: 'risk-v1', features: { x: k } } })
  // Constant servers ignore the body; give them the same kind of bodies the adapter gets.
  const constantPool = (c: number): BodyPool => ({
    count: Math.min(64 * c, 4096),
    make: constantBody,
  })
  const coldPool = (_c: number, expected: number): BodyPool => {
    if (!risk) throw new Error('no risk-v1 manifest')
    const first = fresh.take(expected)
    return { count: expected, make: (k) => tabularBody(risk, first + k) }
  }
  const WARM_SET = 256
  const warmFirst = fresh.take(WARM_SET)
  const warmPool = (c: number): BodyPool => {
    if (!risk) throw new Error('no risk-v1 manifest')
    return {
      count: Math.max(WARM_SET, c),
      make: (k) => tabularBody(risk, warmFirst + (k % WARM_SET)),
    }
  }
  const adapterSpec = (name: string, env: Record<string, string>): ServerSpec => ({
    name,
    script: 'adapter/src/server.ts',
    readyPath: '/ready',
    readyTimeoutMs: 120_000,
    env: { LOG_LEVEL: 'error', EA_HOST: '127.0.0.1', ...env },
  })
  const targets: Target[] = [
    {
      name: 'node-http-constant',
      description: 'bare node:http answering a constant EA body (HTTP floor)',
      spec: { name: 'node-http', script: 'bench/servers/node-http-constant.ts', readyPath: '/' },
      connections: CONNECTIONS,
      pool: constantPool,
      adapter: false,
    },
    {
      name: 'express-constant',
      description: 'plain Express 5, one route answering a constant with res.json',
      spec: { name: 'express', script: 'bench/servers/express-constant.ts', readyPath: '/health' },
      connections: CONNECTIONS,
      pool: constantPool,
      adapter: false,
    },
    {
      name: 'ea-framework-constant',
      description:
        '@chainlink/external-adapter-framework 2.18.1, minimal adapter answering a constant',
      spec: {
        name: 'ea-framework',
        script: 'bench/servers/ea-framework-constant.ts',
        readyPath: '/health',
        env: { METRICS_ENABLED: 'false', EA_HOST: '127.0.0.1', LOG_LEVEL: 'error' },
      },
      connections: CONNECTIONS,
      pool: constantPool,
      adapter: false,
    },
  ]
  if (haveAdapter && haveTabular) {
    targets.push(
      {
        name: 'adapter-tabular',
        description:
          'adapter, risk-v1, micro-batching on, cache on (cold: a new input every request), signing off',
        spec: adapterSpec('adapter-tabular', {}),
        connections: CONNECTIONS,
        pool: coldPool,
        adapter: true,
      },
      {
        name: 'adapter-tabular-warm',
        description:
          'adapter, risk-v1, micro-batching on, cache warm (256 inputs, all cached), signing off',
        spec: adapterSpec('adapter-tabular-warm', {}),
        connections: [1, 64],
        quickConnections: [64],
        pool: warmPool,
        adapter: true,
      },
      {
        name: 'adapter-tabular-nobatch',
        description:
          'adapter, risk-v1, micro-batching off (BATCH_MAX_SIZE=1), cache cold, signing off',
        spec: adapterSpec('adapter-tabular-nobatch', { BATCH_MAX_SIZE: '1' }),
        connections: CONNECTIONS,
        quickConnections: [1, 64],
        pool: coldPool,
        adapter: true,
      },
      {
        name: 'adapter-tabular-signed',
        description:
          'adapter, risk-v1, micro-batching on, cache cold, signing on (EIP-712, SIGNER_THREADS default)',
        spec: adapterSpec('adapter-tabular-signed', { SIGNER_PRIVATE_KEY: BENCH_SIGNER_KEY }),
        connections: [1, 64],
        pool: coldPool,
        adapter: true,
        fallback: {
          env: { SIGNER_THREADS: '0' },
          note: 'with SIGNER_THREADS=0 (signing on the event loop)',
        },
      },
    )
  } else skipped.push('adapter tabular: adapter/src/server.ts or risk-v1 not present')

  let imageBodies: string[] = []
  if (haveAdapter && haveImage) {
    const damage = loadManifest('damage-v1')
    const jpegs = await Promise.all([11, 12, 13, 14].map((seed) => randomJpeg(1024, 768, seed)))
    imageBodies = jpegs.map((j, i) => imageBody(damage, j, `bench-img-${i}`))
    targets.push({
      name: 'adapter-image',
      description:
        'adapter, damage-v1 (64x64), 1024x768 JPEG inline (base64), cache off (every request decodes), batching on',
      spec: adapterSpec('adapter-image', { CACHE_MAX_ENTRIES: '0' }),
      connections: CONNECTIONS,
      quickConnections: [1, 16],
      pool: (c) => ({
        count: Math.min(4 * c, 64),
        make: (k) => imageBodies[k % imageBodies.length]!,
      }),
      adapter: true,
    })
  } else skipped.push('adapter image: adapter/src/server.ts or damage-v1 not present')
  if (quick) {
    for (const t of targets) t.connections = t.quickConnections ?? t.connections
  }

  const cells: Cell[] = []
  const servers: ServerFigures[] = []
  let imageRss: ImageRssRun | undefined
  let functions: FunctionsFigures | undefined
  try {
    log(`starting ${targets.length} servers`)
    const started = await Promise.allSettled(targets.map((t) => startTarget(t, skipped)))
    targets.forEach((t, i) => {
      const r = started[i]
      if (r?.status === 'fulfilled') t.server = r.value
    })
    const failed = started.find((r) => r.status === 'rejected')
    if (failed) throw failed.reason
    for (const t of targets) {
      const srv = t.server!
      if (t.name.startsWith('adapter-tabular')) {
        await checkAnswer(srv, tabularBody(risk!, 1), t.name === 'adapter-tabular-signed')
      }
      if (t.name === 'adapter-image') await checkAnswer(srv, imageBodies[0]!, false)
    }
    // Prime the warm cache: every input of the warm set once.
    const warmTarget = targets.find((t) => t.name === 'adapter-tabular-warm')
    if (warmTarget?.server && risk) {
      for (let k = 0; k < WARM_SET; k++) {
        await checkAnswer(warmTarget.server, tabularBody(risk, warmFirst + k), false)
      }
    }

    // 3. Load cells, in rounds.
    const perCell = new Map<string, { results: LoadResult[]; hits: number; misses: number }>()
    for (let round = 0; round < s.rounds; round++) {
      for (const c of CONNECTIONS) {
        for (const t of targets) {
          if (!t.connections.includes(c)) continue
          log(`round ${round + 1}/${s.rounds}: ${t.name} at ${c} connection(s)`)
          const m = await measureCell(t, t.server!, c, s)
          const key = `${t.name}@${c}`
          const acc = perCell.get(key) ?? { results: [], hits: 0, misses: 0 }
          acc.results.push(m.result)
          acc.hits += m.hits
          acc.misses += m.misses
          perCell.set(key, acc)
        }
      }
    }
    for (const t of targets) {
      for (const c of t.connections) {
        const acc = perCell.get(`${t.name}@${c}`)
        if (!acc) continue
        const cell: Cell = {
          target: t.name,
          connections: c,
          rounds: acc.results,
          requestsPerSecond: Math.round(median(acc.results.map((r) => r.requestsPerSecond))),
          latencyP50Ms: median(acc.results.map((r) => r.latencyP50Ms)),
          latencyP99Ms: median(acc.results.map((r) => r.latencyP99Ms)),
        }
        if (t.adapter && acc.hits + acc.misses > 0) {
          cell.cacheHitRate = Math.round((acc.hits / (acc.hits + acc.misses)) * 10_000) / 10_000
        }
        cells.push(cell)
      }
    }

    // 4. Image memory over a long run at full load.
    const imageTarget = targets.find((t) => t.name === 'adapter-image')
    if (imageTarget?.server) {
      const srv = imageTarget.server
      log(`image RSS run: ${s.rssRunSeconds} s at 16 connections`)
      // Warm-up at the same load first, so the start figure already holds the working set.
      await runLoad({
        url: srv.url,
        connections: 16,
        durationSeconds: Math.max(1, s.rssRunSeconds / 10),
        bodies: imageTarget.pool(16, 64),
      })
      const rssStart = rssMiB(srv.pid)
      let rssMax = rssStart
      const sampler = setInterval(() => {
        rssMax = Math.max(rssMax, rssMiB(srv.pid))
      }, 500)
      const r = await runLoad({
        url: srv.url,
        connections: 16,
        durationSeconds: s.rssRunSeconds,
        bodies: imageTarget.pool(16, 64),
      })
      clearInterval(sampler)
      const rssEnd = rssMiB(srv.pid)
      imageRss = {
        connections: 16,
        seconds: r.durationSeconds,
        rssStartMiB: rssStart,
        rssEndMiB: rssEnd,
        rssMaxMiB: Math.max(rssMax, rssEnd),
        growth: Math.round(((rssEnd - rssStart) / rssStart) * 10_000) / 10_000,
        requestsPerSecond: r.requestsPerSecond,
        latencyP99Ms: r.latencyP99Ms,
        statusCounts: r.statusCounts,
      }
    }

    // 5. The Functions source through simulateScript against 3 and 5 of the running adapters (every
    // adapter configuration serves risk-v1 with the same model file, so they must all agree).
    const adapterUrls = targets.filter((t) => t.adapter).map((t) => t.server!.url)
    if (adapterUrls.length >= 5 && risk) {
      log('functions: simulateScript against 3 and 5 adapters')
      try {
        functions = await measureFunctions(risk, adapterUrls.slice(0, 5), s.functionsRepeats)
      } catch (err) {
        skipped.push(`functions: ${err instanceof Error ? err.message : String(err)}`)
      }
    } else skipped.push('functions: fewer than 5 adapters running')

    for (const t of targets) {
      servers.push({
        target: t.name,
        description: t.description,
        peakRssMiB: peakRssMiB(t.server!.pid),
      })
    }
  } finally {
    await Promise.all(targets.map((t) => t.server?.stop()))
  }

  // 6. Gas from the committed forge snapshots.
  const gas = readGasSnapshots(REPO_ROOT)
  if (gas.length === 0) skipped.push('gas: no .gas-snapshot or snapshots/*.json committed yet')

  const ratios = computeRatios(cells, computeFloor, imageRss)
  const results: Results = {
    generatedAt: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    note: 'Figures from one run on a shared 2-core machine (other engineers were working on it); the load generator (autocannon) runs on the same cores as the servers.',
    machine,
    loadAverageEnd1m: describeMachine().loadAverage1m,
    settings: s,
    ...(computeFloor ? { computeFloor } : {}),
    servers,
    cells,
    ...(imageRss ? { imageRss } : {}),
    ...(functions ? { functions } : {}),
    gas,
    ratios,
    skipped,
    wallSeconds: Math.round((performance.now() - started) / 1000),
  }
  const outDir = outputDir(quick)
  mkdirSync(outDir, { recursive: true })
  const files = {
    json: join(outDir, 'results.json'),
    md: join(outDir, 'results.md'),
    svg: join(outDir, 'throughput.svg'),
  }
  writeFileSync(files.json, `${JSON.stringify(results, null, 2)}\n`)
  writeFileSync(files.md, renderMarkdown(results))
  writeFileSync(files.svg, renderThroughputSvg(results))
  // results.json is checked by `prettier --check` like every JSON file of the repository.
  await execFileP(join(REPO_ROOT, 'node_modules', '.bin', 'prettier'), ['--write', files.json], {
    cwd: REPO_ROOT,
  })
  log(`wrote ${Object.values(files).join(', ')}`)
  process.stdout.write(renderMarkdown(results))
  log(`done in ${results.wallSeconds} s`)
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    process.exit(1)
  })
}
