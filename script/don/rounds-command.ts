/**
 * `npm run don -- rounds [N] [--warmup W] [--json]`: N local Functions rounds (default 20, after 2
 * uncounted warm-up rounds), request transaction to accepted result (script/don/round-latency.ts).
 * Prints each round and then p50, p95 and max; `--json` prints the figures as one JSON object.
 */
import { measureFunctionsRounds } from './round-latency'
import type { RoundFigures } from '../local/round-figures'

export interface RoundsArgs {
  rounds: number
  warmup: number
  json: boolean
}

/** Thrown for a command line the rounds command does not accept. */
export class RoundsUsageError extends Error {
  constructor(message: string) {
    super(`${message}\nusage: npm run don -- rounds [N] [--warmup W] [--json]`)
    this.name = 'RoundsUsageError'
  }
}

function count(value: string | undefined, what: string, min: number): number {
  const n = Number(value)
  if (value === undefined || !Number.isInteger(n) || n < min || n > 1000) {
    throw new RoundsUsageError(`${what} must be an integer from ${min} to 1000, got ${value}`)
  }
  return n
}

/** Parses the arguments after `rounds`. */
export function parseRoundsArgs(args: readonly string[]): RoundsArgs {
  const out: RoundsArgs = { rounds: 20, warmup: 2, json: false }
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    if (arg === '--json') out.json = true
    else if (arg === '--warmup') out.warmup = count(args[++i], '--warmup', 0)
    else if (arg !== undefined && /^\d+$/.test(arg)) out.rounds = count(arg, 'N', 1)
    else throw new RoundsUsageError(`unknown argument ${arg}`)
  }
  return out
}

/** The figures as JSON (gas as numbers). */
export function figuresJson(figures: RoundFigures): string {
  return JSON.stringify({ ...figures, reportGas: figures.reportGas.map(Number) })
}

export async function runRoundsCommand(args: readonly string[]): Promise<RoundFigures> {
  const parsed = parseRoundsArgs(args)
  const log = (line: string): void => {
    process.stderr.write(`${line}\n`)
  }
  const figures = await measureFunctionsRounds({
    rounds: parsed.rounds,
    warmup: parsed.warmup,
    log,
  })
  if (parsed.json) process.stdout.write(`${figuresJson(figures)}\n`)
  else
    process.stdout.write(
      `${figures.rounds} Functions rounds through the local DON: p50 ${figures.p50Ms.toFixed(0)} ms, p95 ${figures.p95Ms.toFixed(0)} ms, max ${figures.maxMs.toFixed(0)} ms; all accepted: ${figures.allAccepted}; transmit gas ${figures.reportGas[0] ?? 'n/a'}\n`,
    )
  return figures
}
