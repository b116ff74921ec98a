import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'

// The simulateScript module alone: the toolkit's index also loads its secrets code (bcrypto), which
// this DON does not need.
import { simulateScript } from '@chainlink/functions-toolkit/dist/simulateScript/simulateScript'
import {
  DEFAULT_MAX_EXECUTION_DURATION_MS,
  DEFAULT_MAX_HTTP_REQUEST_BYTES,
  DEFAULT_MAX_HTTP_REQUEST_DURATION_MS,
  DEFAULT_MAX_HTTP_REQUESTS,
  DEFAULT_MAX_MEMORY_USAGE_MB,
  DEFAULT_MAX_ON_CHAIN_RESPONSE_BYTES,
} from '@chainlink/functions-toolkit/dist/simulationConfig'

import { REPO_ROOT } from '../local/repo-root'
import type { NodeObservation } from './aggregation'

/** The Functions limits a node enforces on one execution (defaults: the toolkit's, i.e. mainnet's). */
export interface ExecutionLimits {
  maxOnChainResponseBytes: number
  maxExecutionTimeMs: number
  maxMemoryUsageMb: number
  numAllowedQueries: number
  maxQueryDurationMs: number
  maxQueryRequestBytes: number
}

/** The toolkit's defaults (simulationConfig.ts), which are the documented Functions limits. */
export const DEFAULT_EXECUTION_LIMITS: ExecutionLimits = {
  maxOnChainResponseBytes: DEFAULT_MAX_ON_CHAIN_RESPONSE_BYTES,
  maxExecutionTimeMs: DEFAULT_MAX_EXECUTION_DURATION_MS,
  maxMemoryUsageMb: DEFAULT_MAX_MEMORY_USAGE_MB,
  numAllowedQueries: DEFAULT_MAX_HTTP_REQUESTS,
  maxQueryDurationMs: DEFAULT_MAX_HTTP_REQUEST_DURATION_MS,
  maxQueryRequestBytes: DEFAULT_MAX_HTTP_REQUEST_BYTES,
}

/** Largest request (source, args and secrets reference) the DON executes: 30 KB. */
export const MAX_REQUEST_DATA_BYTES = 30 * 1024

/**
 * Fault injection for one simulated node:
 * - `error`: the node reports this error instead of running the source;
 * - `bytes`: the node reports these bytes (0x hex) as its result instead of running the source;
 * - `missing`: the node is offline: it neither observes nor signs.
 */
export type NodeFault =
  { kind: 'error'; message: string } | { kind: 'bytes'; hex: string } | { kind: 'missing' }

export interface NodeExecutionInput {
  source: string
  args: string[]
  bytesArgs: string[]
  secrets: Record<string, string> | undefined
  limits: ExecutionLimits
}

/** A node's observation plus what the sandbox printed (for logs). */
export interface NodeExecution {
  observation: NodeObservation
  terminalOutput: string
}

let simulationTmpRoot: string | undefined

/**
 * Prepares the process for simulateScript: deno from node_modules/.bin on PATH, and a temp root
 * outside the repository (Deno 2 switches to node_modules mode under a package.json).
 */
function simulationTmpDir(nodeIndex: number): string {
  if (simulationTmpRoot === undefined) {
    const bin = join(REPO_ROOT, 'node_modules', '.bin')
    const path = process.env.PATH ?? ''
    if (!path.split(delimiter).includes(bin)) process.env.PATH = `${bin}${delimiter}${path}`
    const base = process.env.DON_TMPDIR ?? tmpdir()
    if (base.startsWith(REPO_ROOT)) {
      throw new Error(`the DON's temp dir must be outside the repository, got ${base}`)
    }
    simulationTmpRoot = mkdtempSync(join(base, 'onnx-oracle-don-'))
  }
  const dir = join(simulationTmpRoot, `node-${nodeIndex}`)
  mkdirSync(dir, { recursive: true })
  return dir
}

/** Truncates an error message to the bytes a DON reports on chain. */
function errorBytes(message: string, maxBytes: number): Buffer {
  return Buffer.from(message, 'utf8').subarray(0, maxBytes)
}

/**
 * Runs the request's source as DON node `nodeIndex` would, in the toolkit's Deno sandbox with the
 * Functions limits, unless a fault is injected. Never throws for a failing source: that is the
 * node's error observation.
 */
export async function executeOnNode(
  nodeIndex: number,
  input: NodeExecutionInput,
  fault: Exclude<NodeFault, { kind: 'missing' }> | undefined,
): Promise<NodeExecution> {
  if (fault?.kind === 'error') {
    return {
      observation: {
        ok: false,
        error: errorBytes(fault.message, input.limits.maxOnChainResponseBytes),
      },
      terminalOutput: '[fault injected: error]',
    }
  }
  if (fault?.kind === 'bytes') {
    return {
      observation: { ok: true, result: Buffer.from(fault.hex.replace(/^0x/, ''), 'hex') },
      terminalOutput: '[fault injected: bytes]',
    }
  }
  // simulateScript names its temp file after Date.now(): nodes running at once would share one
  // file. Each node gets its own TMPDIR, set and used synchronously before simulateScript's first
  // await (os.tmpdir() reads TMPDIR on every call).
  const previousTmp = process.env.TMPDIR
  process.env.TMPDIR = simulationTmpDir(nodeIndex)
  let pending: ReturnType<typeof simulateScript>
  try {
    pending = simulateScript({
      source: input.source,
      args: input.args,
      bytesArgs: input.bytesArgs.length > 0 ? input.bytesArgs : undefined,
      secrets: input.secrets,
      maxOnChainResponseBytes: input.limits.maxOnChainResponseBytes,
      maxExecutionTimeMs: input.limits.maxExecutionTimeMs,
      maxMemoryUsageMb: input.limits.maxMemoryUsageMb,
      numAllowedQueries: input.limits.numAllowedQueries,
      maxQueryDurationMs: input.limits.maxQueryDurationMs,
      maxQueryRequestBytes: input.limits.maxQueryRequestBytes,
    })
  } finally {
    if (previousTmp === undefined) delete process.env.TMPDIR
    else process.env.TMPDIR = previousTmp
  }
  try {
    const sim = await pending
    if (sim.errorString !== undefined || sim.responseBytesHexstring === undefined) {
      const message = sim.errorString ?? 'source returned no value'
      return {
        observation: {
          ok: false,
          error: errorBytes(message, input.limits.maxOnChainResponseBytes),
        },
        terminalOutput: sim.capturedTerminalOutput,
      }
    }
    return {
      observation: { ok: true, result: Buffer.from(sim.responseBytesHexstring.slice(2), 'hex') },
      terminalOutput: sim.capturedTerminalOutput,
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    return {
      observation: { ok: false, error: errorBytes(message, input.limits.maxOnChainResponseBytes) },
      terminalOutput: '',
    }
  }
}
