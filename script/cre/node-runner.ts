/**
 * One simulated CRE node's round: the workflow's node-mode code (`runNodeRoundAsync` of
 * cre-workflow/onnx-inference/node-round.ts, what the workflow runs inside `runtime.runInNodeMode`)
 * with Node.js `fetch` as its HTTP client and the workflow's noble crypto. A node whose round
 * throws (quorum not met, a refused request or secret) contributes that error to consensus.
 */
import type { InferenceRequest } from '../../don-core/inference-core'
import { workflowCrypto } from '../../cre-workflow/onnx-inference/crypto'
import {
  runNodeRoundAsync,
  type ResultObservation,
} from '../../cre-workflow/onnx-inference/node-round'
import { fetchAdapterCalls } from './adapter-fetch'
import type { NodeObservation } from './consensus'

export interface NodeRun {
  observation: NodeObservation<ResultObservation>
  /** What the node-mode code logged: one verdict line per adapter, warnings. */
  log: string[]
}

export interface NodeRunInput {
  /** The request, or a function that builds it (it throws for a request the core refuses). */
  request: InferenceRequest | (() => InferenceRequest)
  /** The ADAPTERS secret as the node reads it (undefined: missing). */
  adaptersSecret: string | undefined
  timeoutMs: number
  /** The node's clock, unix seconds. */
  nowSeconds: () => bigint
}

function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** Runs one node's round; never throws for what the node observes (that is its error observation). */
export async function runCreNode(input: NodeRunInput): Promise<NodeRun> {
  const log: string[] = []
  try {
    const request = typeof input.request === 'function' ? input.request() : input.request
    const value = await runNodeRoundAsync(
      { request, adaptersSecret: input.adaptersSecret, timeoutMs: input.timeoutMs },
      {
        crypto: workflowCrypto,
        log: (line) => log.push(line),
        nowSeconds: input.nowSeconds,
        send: fetchAdapterCalls,
      },
    )
    return { observation: { ok: true, value }, log }
  } catch (err) {
    return { observation: { ok: false, error: describeError(err) }, log }
  }
}
