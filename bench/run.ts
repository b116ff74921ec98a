/**
 * `npm run bench` (about 17 minutes, ten of them the image memory soak; `--soak-seconds N`
 * shortens it) and `npm run bench -- --quick` (under 2.5): measures, in one run on this machine,
 * the compute floor, the HTTP floor, plain Express, Chainlink's EA framework and the adapter
 * (tabular and image, 1/16/64 connections, micro-batching on/off, cache cold/warm, signing on/off),
 * the Functions source through simulateScript against 3 and 5 local adapters, the image adapter's
 * memory over a soak, one request to its accepted result per transport next to Chainlink's toolkit
 * testnet (bench/lib/rounds.ts), and reads the contracts' gas snapshots. Writes results.json (with the `ratios` of issue 8),
 * results.md and throughput.svg to bench/ (full run) or a temporary folder (quick run; `--out DIR`
 * chooses).
 *
 * Every server runs in its own child process (started by the process kit, script/local; peak RSS
 * from /proc/<pid>/status VmHWM); autocannon runs in this process. The load cells are measured in
 * rounds (full: 2, interleaved, so a burst of other work on the shared machine hits every target
 * alike) and each cell's figure is the median over rounds.
 *
 * The phases, in order: compute floor (`measureComputeFloor`), targets (bench/lib/targets.ts),
 * load cells (bench/lib/cells.ts), the Functions source (`measureFunctionsPhase`), peak memory of
 * every server, the image memory soak on a fresh adapter (bench/lib/image-soak.ts), the end-to-end
 * rounds per transport (`measureRounds`, bench/lib/rounds.ts), gas, then the results
 * (`writeResults`).
 */
import { execFile } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'

import type { Manifest } from '../protocol/manifest'
import { peakRssMiB } from '../script/local/process-memory'
import { NODE_BIN_DIR, REPO_ROOT } from '../script/local/repo-root'
import { runTsScript } from '../script/local/tsx-process'
import type { ComputeFloor } from './compute-floor'
import { measureCells } from './lib/cells'
import { renderThroughputSvg } from './lib/chart-svg'
import { measureFunctions, type FunctionsFigures } from './lib/functions-wall-time'
import { readGasSnapshots } from './lib/gas'
import { FULL_SOAK_SECONDS, runImageSoak, type SoakRun } from './lib/image-soak'
import { describeMachine } from './lib/machine'
import { computeRatios, computeRoundRatios, computeZkRatios } from './lib/ratios'
import { renderMarkdown } from './lib/report-markdown'
import type { Cell, Results, ServerFigures, Settings } from './lib/results-types'
import { measureRounds } from './lib/rounds'
import { measureZk } from './lib/zk'
import {
  availability,
  buildTargets,
  checkTargets,
  serverOf,
  startTargets,
  type Availability,
  type Target,
} from './lib/targets'

/** The quick run's soak: long enough to have a second half, far too short to judge a slope. */
const QUICK_SOAK_SECONDS = 20

/** `--soak-seconds N` if given, else `fallback`. */
function soakSeconds(fallback: number): number {
  const i = process.argv.indexOf('--soak-seconds')
  if (i < 0) return fallback
  const n = Number(process.argv[i + 1])
  if (!Number.isInteger(n) || n < 2) throw new Error('--soak-seconds takes an integer >= 2')
  return n
}

function settings(quick: boolean): Settings {
  return quick
    ? {
        quick,
        warmupSeconds: 0.4,
        measureSeconds: 1.5,
        rounds: 1,
        soakSeconds: soakSeconds(QUICK_SOAK_SECONDS),
        computeMsPerPoint: 200,
        functionsRepeats: 1,
        e2eRounds: 3,
        e2eWarmup: 1,
      }
    : {
        quick,
        warmupSeconds: 1.5,
        measureSeconds: 5,
        rounds: 2,
        soakSeconds: soakSeconds(FULL_SOAK_SECONDS),
        computeMsPerPoint: 1000,
        functionsRepeats: 3,
        e2eRounds: 20,
        e2eWarmup: 2,
      }
}

/** `--out DIR`, else bench/ for a full run and a temporary folder for a quick one. */
function outputDir(quick: boolean): string {
  const i = process.argv.indexOf('--out')
  const given = i >= 0 ? process.argv[i + 1] : undefined
  if (given) return resolve(given)
  return quick ? join(tmpdir(), 'onnx-oracle-bench-quick') : join(REPO_ROOT, 'bench')
}

function log(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`)
}

/** Phase 1: the compute floor, in its own process before any load. */
async function measureComputeFloor(
  have: Availability,
  s: Settings,
  skipped: string[],
): Promise<ComputeFloor | undefined> {
  const models = [have.tabular && 'risk-v1', have.image && 'damage-v1'].filter(Boolean)
  if (models.length === 0) {
    skipped.push('compute floor: no bundled models yet')
    return undefined
  }
  log('compute floor')
  const run = await runTsScript(
    'bench/compute-floor.ts',
    [String(s.computeMsPerPoint), '1024', '768', models.join(',')],
    { timeoutMs: 120_000 },
  )
  if (run.code !== 0) {
    throw new Error(`compute floor failed (${run.signal ?? `exit ${run.code}`}):\n${run.stderr}`)
  }
  return JSON.parse(run.stdout) as ComputeFloor
}

/**
 * Phase 5: the Functions source through simulateScript against 3 and 5 of the running adapters
 * (every adapter configuration serves risk-v1 with the same model file, so they must all agree).
 */
async function measureFunctionsPhase(
  targets: Target[],
  risk: Manifest | undefined,
  s: Settings,
  skipped: string[],
): Promise<FunctionsFigures | undefined> {
  const adapterUrls = targets.filter((t) => t.adapter).map((t) => serverOf(t).url)
  if (adapterUrls.length < 5 || !risk) {
    skipped.push('functions: fewer than 5 adapters running')
    return undefined
  }
  log('functions: simulateScript against 3 and 5 adapters')
  try {
    return await measureFunctions(risk, adapterUrls.slice(0, 5), s.functionsRepeats)
  } catch (err) {
    skipped.push(`functions: ${err instanceof Error ? err.message : String(err)}`)
    return undefined
  }
}

/** What phases 2 to 5 measure with the servers running. */
interface ServerPhases {
  cells: Cell[]
  functions?: FunctionsFigures
  servers: ServerFigures[]
}

/** Phases 2 to 5: starts the targets, measures them, and stops them whatever happens. */
async function measureServers(
  have: Availability,
  s: Settings,
  skipped: string[],
): Promise<ServerPhases> {
  const { targets, risk } = await buildTargets(have, s.quick, skipped)
  try {
    log(`starting ${targets.length} servers`)
    await startTargets(targets, skipped)
    await checkTargets(targets)
    const cells = await measureCells(targets, s, log)
    const functions = await measureFunctionsPhase(targets, risk, s, skipped)
    const servers = targets.map((t) => ({
      target: t.name,
      description: t.description,
      peakRssMiB: peakRssMiB(serverOf(t).pid),
    }))
    return {
      cells,
      servers,
      ...(functions ? { functions } : {}),
    }
  } finally {
    await Promise.all(targets.map((t) => t.server?.stop()))
  }
}

/**
 * Phase 6: the image memory soak, on a fresh adapter once every other server has stopped (so the
 * soak has the machine's two cores to itself, like the servers before it).
 */
async function measureSoak(
  have: Availability,
  s: Settings,
  skipped: string[],
): Promise<SoakRun | undefined> {
  if (!have.adapter || !have.image) {
    skipped.push('image soak: adapter/src/server.ts or damage-v1 not present')
    return undefined
  }
  log(`image memory soak: ${s.soakSeconds} s at 16 connections`)
  return runImageSoak({ seconds: s.soakSeconds, log })
}

/** Writes results.json (prettier-formatted, as the repository checks), results.md, throughput.svg. */
async function writeResults(results: Results, outDir: string): Promise<string[]> {
  mkdirSync(outDir, { recursive: true })
  const files = {
    json: join(outDir, 'results.json'),
    md: join(outDir, 'results.md'),
    svg: join(outDir, 'throughput.svg'),
  }
  writeFileSync(files.json, `${JSON.stringify(results, null, 2)}\n`)
  writeFileSync(files.md, renderMarkdown(results))
  writeFileSync(files.svg, renderThroughputSvg(results))
  await promisify(execFile)(join(NODE_BIN_DIR, 'prettier'), ['--write', files.json], {
    cwd: REPO_ROOT,
  })
  return Object.values(files)
}

async function main(): Promise<void> {
  const started = performance.now()
  const quick = process.argv.includes('--quick')
  const s = settings(quick)
  const machine = describeMachine()
  log(`${quick ? 'quick' : 'full'} bench on ${JSON.stringify(machine)}`)
  const skipped: string[] = []
  const have = availability()

  const computeFloor = await measureComputeFloor(have, s, skipped)
  const measured = await measureServers(have, s, skipped)
  const imageSoak = await measureSoak(have, s, skipped)
  // 7. One request to its accepted result per transport, interleaved (bench/lib/rounds.ts).
  const rounds = await measureRounds(s, skipped, log)
  // 8. The zero-knowledge path: proving time, proof size, verification and fulfilment gas.
  const zk = await measureZk(quick, skipped, log)
  // 9. Gas from the committed forge snapshots.
  const gas = readGasSnapshots(REPO_ROOT)
  if (gas.length === 0) skipped.push('gas: no .gas-snapshot or snapshots/*.json committed yet')

  const results: Results = {
    generatedAt: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    note: 'Figures from one run on a shared 2-core machine (other engineers were working on it); the load generator (autocannon) runs on the same cores as the servers.',
    machine,
    loadAverageEnd1m: describeMachine().loadAverage1m,
    settings: s,
    ...(computeFloor ? { computeFloor } : {}),
    servers: measured.servers,
    cells: measured.cells,
    ...(imageSoak ? { imageSoak } : {}),
    ...(measured.functions ? { functions: measured.functions } : {}),
    rounds,
    ...(zk ? { zk } : {}),
    gas,
    ratios: {
      ...computeRatios(measured.cells, computeFloor, imageSoak),
      ...computeRoundRatios(rounds),
      ...computeZkRatios(zk),
    },
    skipped,
    wallSeconds: Math.round((performance.now() - started) / 1000),
  }
  const written = await writeResults(results, outputDir(quick))
  log(`wrote ${written.join(', ')}`)
  process.stdout.write(renderMarkdown(results))
  log(`done in ${results.wallSeconds} s`)
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    process.exit(1)
  })
}
