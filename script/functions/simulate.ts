/**
 * Runs a Functions source exactly as the toolkit's local simulator does: `simulateScript` from
 * `@chainlink/functions-toolkit` (Deno sandbox, `--allow-net` only, the Functions limits), with the
 * setup this project needs around it:
 * - `deno` comes from `node_modules/.bin` (the npm `deno` package), put on PATH;
 * - every call gets its own temporary folder outside the repository (Deno 2 would switch to
 *   node_modules mode under a folder with a package.json, and `npm:` imports would fail; the toolkit
 *   names its temp file after `Date.now()` only, so concurrent calls need separate folders).
 * `simulateScript` is imported from its own module of the toolkit (the same function the package
 * root exports) so that loading it does not pull in the toolkit's bcrypto-based encryption code.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, isAbsolute, join, resolve } from 'node:path'

import { simulateScript } from '@chainlink/functions-toolkit/dist/simulateScript'

/** Repository root (this file lives in script/functions/). */
export const REPO_ROOT = resolve(__dirname, '..', '..')

/** The Functions sources, one per job kind. */
export const FUNCTIONS_SOURCES = {
  image: join(REPO_ROOT, 'functions-source', 'image-inference.js'),
  tabular: join(REPO_ROOT, 'functions-source', 'tabular-inference.js'),
} as const

export type JobKind = keyof typeof FUNCTIONS_SOURCES

/** The Chainlink Functions limits the simulation enforces (the toolkit's defaults, 0.3.2). */
export const FUNCTIONS_LIMITS = {
  maxOnChainResponseBytes: 256,
  maxExecutionTimeMs: 10_000,
  maxMemoryUsageMb: 128,
  numAllowedQueries: 5,
  maxQueryDurationMs: 9_000,
  maxQueryRequestBytes: 2_048,
} as const

export interface SimulationRequest {
  /** Path of the source file (absolute, or relative to the repository root). */
  sourcePath: string
  /** `args` as the consumer contract would send them (all strings). */
  args: string[]
  /** Secrets as DON-hosted secrets would deliver them (string values). */
  secrets?: Record<string, string>
}

export interface SimulationOutcome {
  /** The returned bytes as 0x-hex, when the source returned. */
  responseHex?: string
  /** The error message, when the source threw or broke a limit. */
  error?: string
  /** What the source printed (console.log), without the toolkit's result line. */
  log: string
  /** Wall time of the simulation, Deno start included. */
  durationMs: number
}

const DENO_BIN_DIR = join(REPO_ROOT, 'node_modules', '.bin')

function ensureDenoOnPath(): void {
  const parts = (process.env.PATH ?? '').split(delimiter)
  if (!parts.includes(DENO_BIN_DIR)) {
    process.env.PATH = [DENO_BIN_DIR, ...parts].join(delimiter)
  }
}

/** A folder for the toolkit's temp file, outside the repository whatever TMPDIR says. */
function makeSimulationDir(): string {
  const base = tmpdir()
  const outside = resolve(base).startsWith(REPO_ROOT) ? '/tmp' : base
  return mkdtempSync(join(outside, 'onnx-oracle-fn-'))
}

/** Runs `sourcePath` through the toolkit's `simulateScript` with the Functions limits. */
export async function simulateSource(request: SimulationRequest): Promise<SimulationOutcome> {
  ensureDenoOnPath()
  const path = isAbsolute(request.sourcePath)
    ? request.sourcePath
    : join(REPO_ROOT, request.sourcePath)
  const source = readFileSync(path, 'utf8')
  const dir = makeSimulationDir()
  const savedTmpdir = process.env.TMPDIR
  const started = Date.now()
  let pending: ReturnType<typeof simulateScript>
  // simulateScript writes its temp file synchronously, before its first await: the TMPDIR override
  // only has to hold for this call.
  process.env.TMPDIR = dir
  try {
    pending = simulateScript({
      source,
      args: request.args,
      secrets: request.secrets ?? {},
      ...FUNCTIONS_LIMITS,
    })
  } finally {
    if (savedTmpdir === undefined) delete process.env.TMPDIR
    else process.env.TMPDIR = savedTmpdir
  }
  try {
    const result = await pending
    const outcome: SimulationOutcome = {
      log: result.capturedTerminalOutput,
      durationMs: Date.now() - started,
    }
    if (result.responseBytesHexstring !== undefined)
      outcome.responseHex = result.responseBytesHexstring
    if (result.errorString !== undefined) outcome.error = result.errorString
    return outcome
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
