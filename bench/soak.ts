/**
 * `npm run bench:soak`: the image adapter's memory soak alone (bench/lib/image-soak.ts), ten
 * minutes at 16 connections unless `--seconds N`; `--env NAME=VALUE` (repeatable) adds adapter
 * environment, e.g. `--env MALLOC_ARENA_MAX=4` to compare allocator settings; `--json FILE` writes
 * the whole run (every RSS sample). Prints the figures; `npm run bench` runs the same soak as its
 * last phase and stores it in bench/results.json.
 */
import { writeFileSync } from 'node:fs'

import { FULL_SOAK_SECONDS, runImageSoak, type SoakRun } from './lib/image-soak'

interface Args {
  seconds: number
  env: Record<string, string>
  json?: string
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { seconds: FULL_SOAK_SECONDS, env: {} }
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]
    const value = argv[i + 1]
    if (flag === '--seconds' && value !== undefined) {
      args.seconds = Number(value)
      if (!Number.isInteger(args.seconds) || args.seconds < 2) {
        throw new Error(`--seconds must be an integer >= 2, got ${value}`)
      }
      i++
    } else if (flag === '--env' && value !== undefined) {
      const eq = value.indexOf('=')
      if (eq < 1) throw new Error(`--env takes NAME=VALUE, got ${value}`)
      args.env[value.slice(0, eq)] = value.slice(eq + 1)
      i++
    } else if (flag === '--json' && value !== undefined) {
      args.json = value
      i++
    } else {
      throw new Error(
        `unknown argument ${flag ?? ''} (use --seconds N, --env NAME=VALUE, --json FILE)`,
      )
    }
  }
  return args
}

export function summarise(r: SoakRun): string {
  const mem = (m: SoakRun['memoryStart']): string =>
    m
      ? `RSS ${m.rssMiB} MiB, V8 heap ${m.heapUsedMiB}/${m.heapTotalMiB} MiB, external ${m.externalMiB} MiB`
      : 'n/a'
  return [
    `soak: ${r.seconds} s at ${r.connections} connections, env ${JSON.stringify(r.env)}`,
    `load average ${r.loadAverage1mStart} at the start, ${r.loadAverage1mEnd} at the end`,
    `answers: ${JSON.stringify(r.load.statusCounts)}, errors ${r.load.errors}, ${r.load.requestsPerSecond} req/s, p50 ${r.load.latencyP50Ms} ms, p99 ${r.load.latencyP99Ms} ms`,
    `RSS: start ${r.rssStartMiB} MiB, peak ${r.rssPeakMiB} MiB, end ${r.rssEndMiB} MiB, slope over the second half ${r.rssSlopePctPer5Min}% per 5 min`,
    `memory after 1 s: ${mem(r.memoryStart)}`,
    `memory at the end: ${mem(r.memoryEnd)}`,
  ].join('\n')
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  const log = (msg: string): void => {
    process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${msg}\n`)
  }
  log(`${args.seconds} s of images at 16 connections`)
  const run = await runImageSoak({ seconds: args.seconds, env: args.env, log })
  if (args.json) writeFileSync(args.json, `${JSON.stringify(run, null, 2)}\n`)
  process.stdout.write(`${summarise(run)}\n`)
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    process.exit(1)
  })
}
