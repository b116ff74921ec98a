/**
 * Runs a Functions source exactly as the toolkit's local simulator does: `simulateScript` from
 * `@chainlink/functions-toolkit` (Deno sandbox, `--allow-net` only, the Functions limits), with the
 * setup this project needs around it, in one place for the CLI, the local DON, the bench and the
 * tests:
 * - the limits are parameters, each defaulting to the toolkit's own default (`TOOLKIT_LIMITS`);
 * - `deno` comes from `node_modules/.bin` (the npm `deno` package);
 * - Deno's cache (DENO_DIR) is one seeded from node_modules (script/local/deno-cache.ts), so the
 *   sources' `npm:` imports (noble) resolve without a download;
 * - every call gets its own temporary folder outside the repository (Deno 2 would switch to
 *   node_modules mode under a folder with a package.json, and `npm:` imports would fail; the
 *   toolkit names its temp file after `Date.now()` only, so concurrent calls need separate
 *   folders), removed when the call ends;
 * - the caller's `process.env` is never seen changed (see `withToolkitEnv`).
 * `simulateScript` is imported from its own module of the toolkit (the same function the package
 * root exports) so that loading it does not pull in the toolkit's bcrypto-based encryption code.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'

import { simulateScript } from '@chainlink/functions-toolkit/dist/simulateScript/simulateScript'
import {
  DEFAULT_MAX_EXECUTION_DURATION_MS,
  DEFAULT_MAX_HTTP_REQUEST_BYTES,
  DEFAULT_MAX_HTTP_REQUEST_DURATION_MS,
  DEFAULT_MAX_HTTP_REQUEST_URL_LENGTH,
  DEFAULT_MAX_HTTP_REQUESTS,
  DEFAULT_MAX_HTTP_RESPONSE_BYTES,
  DEFAULT_MAX_MEMORY_USAGE_MB,
  DEFAULT_MAX_ON_CHAIN_RESPONSE_BYTES,
} from '@chainlink/functions-toolkit/dist/simulationConfig'

import { denoCacheEnv } from './deno-cache'
import { isInsideRepo, NODE_BIN_DIR, repoPath } from './repo-root'

/** The Functions sources, one per job kind. */
export const FUNCTIONS_SOURCES = {
  image: repoPath('functions-source/image-inference.js'),
  tabular: repoPath('functions-source/tabular-inference.js'),
} as const

export type JobKind = keyof typeof FUNCTIONS_SOURCES

/** The limits the simulator enforces on one execution (`simulateScript`'s parameters). */
export interface FunctionsLimits {
  /** Largest returned value, in bytes. */
  maxOnChainResponseBytes: number
  /** Wall time of the whole execution (the sandbox is killed after it). */
  maxExecutionTimeMs: number
  maxMemoryUsageMb: number
  /** HTTP requests per execution. */
  numAllowedQueries: number
  /** Timeout of one HTTP request. */
  maxQueryDurationMs: number
  maxQueryUrlLength: number
  /** Largest HTTP request body, in bytes. */
  maxQueryRequestBytes: number
  /** Largest HTTP response body, in bytes. */
  maxQueryResponseBytes: number
}

/** The toolkit's defaults (its simulationConfig), which are the documented Functions limits. */
export const TOOLKIT_LIMITS: Readonly<FunctionsLimits> = Object.freeze({
  maxOnChainResponseBytes: DEFAULT_MAX_ON_CHAIN_RESPONSE_BYTES,
  maxExecutionTimeMs: DEFAULT_MAX_EXECUTION_DURATION_MS,
  maxMemoryUsageMb: DEFAULT_MAX_MEMORY_USAGE_MB,
  numAllowedQueries: DEFAULT_MAX_HTTP_REQUESTS,
  maxQueryDurationMs: DEFAULT_MAX_HTTP_REQUEST_DURATION_MS,
  maxQueryUrlLength: DEFAULT_MAX_HTTP_REQUEST_URL_LENGTH,
  maxQueryRequestBytes: DEFAULT_MAX_HTTP_REQUEST_BYTES,
  maxQueryResponseBytes: DEFAULT_MAX_HTTP_RESPONSE_BYTES,
})

/** The source to run: its text, or the path of its file (absolute, or relative to the repo). */
export type SourceRef = { source: string } | { sourcePath: string }

export type SimulationRequest = SourceRef & {
  /** `args` as the consumer contract would send them (all strings). */
  args: string[]
  /** `bytesArgs` (0x hex strings), if any. */
  bytesArgs?: string[]
  /** Secrets as DON-hosted secrets would deliver them (string values). */
  secrets?: Record<string, string>
  /** Limits to change; the others keep the toolkit's defaults. */
  limits?: Partial<FunctionsLimits>
  /**
   * Folder under which each call makes (and removes) its own temp folder; must lie outside the
   * repository. Default: the OS temp folder, or /tmp when that lies inside the repository.
   */
  tmpRoot?: string
}

export interface SimulationOutcome {
  /** The returned bytes as 0x-hex, when the source returned within the limits. */
  responseHex?: string
  /** The error message, when the source threw or broke a limit. */
  error?: string
  /** What the source printed (console.log), without the toolkit's result line. */
  log: string
  /** Wall time of the simulation, Deno start included. */
  durationMs: number
}

/** Thrown for a simulation that cannot be set up (not for a failing source: that is an outcome). */
export class SimulationSetupError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SimulationSetupError'
  }
}

/** The base folder for a call's temp folder, checked to lie outside the repository. */
function tempRoot(requested: string | undefined): string {
  if (requested === undefined) return isInsideRepo(tmpdir()) ? '/tmp' : tmpdir()
  if (isInsideRepo(requested)) {
    throw new SimulationSetupError(
      `the simulation temp folder must lie outside the repository, got ${requested}`,
    )
  }
  return requested
}

/**
 * Runs `start` (which must call `simulateScript`) with PATH, TMPDIR and Deno's cache (DENO_DIR,
 * NPM_CONFIG_REGISTRY: `denoCacheEnv`) set for the toolkit and gives the caller's values back
 * before returning. `simulateScript` reads them only before its first `await` (`deno --version`,
 * `os.tmpdir()` for its sandbox file, the `deno` spawn, which inherits process.env), so setting
 * them for this synchronous span is enough, and since nothing else runs during it, no other code
 * of the caller ever sees its environment changed.
 */
function withToolkitEnv<T>(tmpDir: string, start: () => T): T {
  const restore = setToolkitEnv(tmpDir)
  try {
    return start()
  } finally {
    restore()
  }
}

/**
 * Sets what the toolkit's Deno needs in `process.env`: PATH with node_modules/.bin (deno) first,
 * TMPDIR = `tmpDir`, and Deno's cache seeded from node_modules (`denoCacheEnv`). Returns the
 * function that gives the previous values back. `withToolkitEnv` uses it for one synchronous span;
 * the toolkit testnet (script/functions/toolkit-testnet-rounds.ts) for the testnet's life.
 */
export function setToolkitEnv(tmpDir: string): () => void {
  const deno = denoCacheEnv()
  const saved = {
    PATH: process.env.PATH,
    TMPDIR: process.env.TMPDIR,
    DENO_DIR: process.env.DENO_DIR,
    NPM_CONFIG_REGISTRY: process.env.NPM_CONFIG_REGISTRY,
  }
  process.env.PATH =
    saved.PATH === undefined ? NODE_BIN_DIR : `${NODE_BIN_DIR}${delimiter}${saved.PATH}`
  process.env.TMPDIR = tmpDir
  process.env.DENO_DIR = deno.DENO_DIR
  process.env.NPM_CONFIG_REGISTRY = deno.NPM_CONFIG_REGISTRY
  return () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  }
}

/** A source's text; a generated source that was never built says how to build it. */
function readSource(sourcePath: string): string {
  const path = repoPath(sourcePath)
  if (!existsSync(path) && (Object.values(FUNCTIONS_SOURCES) as string[]).includes(path)) {
    throw new Error(`${sourcePath} is not built yet: run npm run build:sources`)
  }
  return readFileSync(path, 'utf8')
}

/** Runs a source through the toolkit's `simulateScript` with the given (or default) limits. */
export async function simulateSource(request: SimulationRequest): Promise<SimulationOutcome> {
  const source = 'source' in request ? request.source : readSource(request.sourcePath)
  const limits: FunctionsLimits = { ...TOOLKIT_LIMITS, ...request.limits }
  const dir = mkdtempSync(join(tempRoot(request.tmpRoot), 'onnx-oracle-fn-'))
  const started = Date.now()
  try {
    const pending = withToolkitEnv(dir, () =>
      simulateScript({
        source,
        args: request.args,
        ...(request.bytesArgs === undefined || request.bytesArgs.length === 0
          ? {}
          : { bytesArgs: request.bytesArgs }),
        secrets: request.secrets ?? {},
        ...limits,
      }),
    )
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
