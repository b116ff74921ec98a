import {
  SimulationSetupError,
  simulateSource,
  type FunctionsLimits,
} from '../local/functions-simulator'
import type { NodeObservation } from './aggregation'

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
  limits: FunctionsLimits
}

/** A node's observation plus what the sandbox printed (for logs). */
export interface NodeExecution {
  observation: NodeObservation
  terminalOutput: string
}

/** Truncates an error message to the bytes a DON reports on chain. */
function errorBytes(message: string, maxBytes: number): Buffer {
  return Buffer.from(message, 'utf8').subarray(0, maxBytes)
}

/**
 * Runs the request's source as a DON node would, in the toolkit's Deno sandbox with the Functions
 * limits, unless a fault is injected. Never throws for a failing source: that is the node's error
 * observation (a temp folder inside the repository is a setup error and is thrown).
 */
export async function executeOnNode(
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
  try {
    // Each call runs in its own temp folder under DON_TMPDIR (outside the repository).
    const sim = await simulateSource({
      source: input.source,
      args: input.args,
      bytesArgs: input.bytesArgs,
      ...(input.secrets === undefined ? {} : { secrets: input.secrets }),
      limits: input.limits,
      ...(process.env.DON_TMPDIR === undefined ? {} : { tmpRoot: process.env.DON_TMPDIR }),
    })
    if (sim.error !== undefined || sim.responseHex === undefined) {
      const message = sim.error ?? 'source returned no value'
      return {
        observation: {
          ok: false,
          error: errorBytes(message, input.limits.maxOnChainResponseBytes),
        },
        terminalOutput: sim.log,
      }
    }
    return {
      observation: { ok: true, result: Buffer.from(sim.responseHex.slice(2), 'hex') },
      terminalOutput: sim.log,
    }
  } catch (err) {
    if (err instanceof SimulationSetupError) throw err
    const message = err instanceof Error ? err.message : String(err)
    return {
      observation: { ok: false, error: errorBytes(message, input.limits.maxOnChainResponseBytes) },
      terminalOutput: '',
    }
  }
}
