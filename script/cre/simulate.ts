/**
 * `npm run cre -- simulate`: the workflow run once against given adapters, without a chain write,
 * as `cre workflow simulate` does for users with the CRE CLI (which cannot be installed here) and
 * `npm run functions -- simulate` does for the Functions sources. Every simulated node runs the
 * workflow's node-mode code (cre-workflow/onnx-inference/node-round.ts) against the adapters of the
 * ADAPTERS secret; the DON's consensus by fields (the workflow's spec, ./consensus.ts) combines them:
 *
 * - the HTTP trigger (`simulateFields`): the request's fields given directly; the outcome is the
 *   InferenceResult the trigger returns (192-byte encoding), or the reason there is none;
 * - the log trigger (`simulateRequestLog`): an `InferenceRequested` log of a transaction, decoded by
 *   the workflow's decoder; the outcome is the 320-byte payload the workflow would report (the
 *   no-result default when the nodes cannot agree).
 */
import {
  CRE_PAYLOAD_BYTES,
  RESULT_BYTES,
  bytesToHex,
  encodeCrePayload,
  encodeResult,
  type RawRequest,
} from '../../don-core/inference-core'
import {
  REQUEST_FIELD_AGGREGATION,
  RESULT_FIELD_AGGREGATION,
  noResultObservation,
  requestFromEvent,
  requestFromFields,
  requestObservation,
  type RequestObservation,
  type ResultObservation,
} from '../../cre-workflow/onnx-inference/node-round'
import {
  decodeInferenceRequested,
  type InferenceRequestedEvent,
  type RequestLog,
} from '../../cre-workflow/onnx-inference/request-event'
import { DEFAULT_ADAPTER_TIMEOUT_MS } from '../../cre-workflow/onnx-inference/config'
import { aggregateByFields, type ConsensusOutcome, type NodeObservation } from './consensus'
import { runCreNode } from './node-runner'

export interface SimulationOptions {
  /** The ADAPTERS secret. */
  adaptersSecret: string
  /** Simulated nodes (default 4); f = floor((nodes - 1) / 3). */
  nodes?: number
  adapterTimeoutMs?: number
  nowSeconds?: () => bigint
}

export interface SimulatedNode<T> {
  node: number
  observation: NodeObservation<T>
  log: string[]
}

export interface FieldsSimulation {
  nodes: SimulatedNode<ResultObservation>[]
  f: number
  consensus: ConsensusOutcome<ResultObservation>
  /** The 192-byte InferenceResult encoding of the consensus value, when there is one. */
  encodedResult?: string
  durationMs: number
}

export interface LogSimulation {
  event: InferenceRequestedEvent
  nodes: SimulatedNode<RequestObservation>[]
  f: number
  consensus: ConsensusOutcome<RequestObservation>
  /** The 320-byte payload the workflow would report. */
  payloadHex?: string
  durationMs: number
}

/** Thrown for a simulation that cannot run (too few nodes). */
export class SimulationError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SimulationError'
  }
}

const MIN_NODES = 4
const MAX_NODES = 31

function dimensions(options: SimulationOptions): { n: number; f: number } {
  const n = options.nodes ?? MIN_NODES
  if (!Number.isInteger(n) || n < MIN_NODES || n > MAX_NODES) {
    throw new SimulationError(
      `nodes must be ${MIN_NODES} to ${MAX_NODES} (a DON has 3f + 1 nodes, f >= 1)`,
    )
  }
  return { n, f: Math.floor((n - 1) / 3) }
}

function clock(options: SimulationOptions): () => bigint {
  return options.nowSeconds ?? (() => BigInt(Math.floor(Date.now() / 1000)))
}

/** The HTTP trigger's path: the request's fields, every node, consensus without a default. */
export async function simulateFields(
  raw: RawRequest,
  options: SimulationOptions,
): Promise<FieldsSimulation> {
  const { n, f } = dimensions(options)
  const started = performance.now()
  const nowSeconds = clock(options)
  const nodes = await Promise.all(
    [...Array(n).keys()].map(async (node) => ({
      node,
      ...(await runCreNode({
        request: () => requestFromFields(raw),
        adaptersSecret: options.adaptersSecret,
        timeoutMs: options.adapterTimeoutMs ?? DEFAULT_ADAPTER_TIMEOUT_MS,
        nowSeconds,
      })),
    })),
  )
  const consensus = aggregateByFields(
    RESULT_FIELD_AGGREGATION,
    nodes.map((x) => x.observation),
    f,
  )
  const out: FieldsSimulation = { nodes, f, consensus, durationMs: performance.now() - started }
  if (consensus.kind === 'agreed') {
    const v = consensus.value
    const encoded = encodeResult({ ...v, responded: Number(v.responded), agreed: Number(v.agreed) })
    if (encoded.length !== RESULT_BYTES)
      throw new SimulationError('result encoding is not 192 bytes')
    out.encodedResult = bytesToHex(encoded)
  }
  return out
}

/** The log trigger's path: one request log, every node, consensus with the no-result default. */
export async function simulateRequestLog(
  log: RequestLog,
  oracleAddress: string,
  options: SimulationOptions,
): Promise<LogSimulation> {
  const { n, f } = dimensions(options)
  const event = decodeInferenceRequested(log, oracleAddress)
  const started = performance.now()
  const nowSeconds = clock(options)
  const nodes = await Promise.all(
    [...Array(n).keys()].map(async (node) => {
      const run = await runCreNode({
        request: () => requestFromEvent(event),
        adaptersSecret: options.adaptersSecret,
        timeoutMs: options.adapterTimeoutMs ?? DEFAULT_ADAPTER_TIMEOUT_MS,
        nowSeconds,
      })
      const observation: NodeObservation<RequestObservation> = run.observation.ok
        ? { ok: true, value: requestObservation(event, run.observation.value) }
        : run.observation
      return { node, observation, log: run.log }
    }),
  )
  const consensus = aggregateByFields(
    REQUEST_FIELD_AGGREGATION,
    nodes.map((x) => x.observation),
    f,
    noResultObservation(event, nowSeconds()),
  )
  const out: LogSimulation = { event, nodes, f, consensus, durationMs: performance.now() - started }
  if (consensus.kind === 'agreed' || consensus.kind === 'default') {
    const v = consensus.value
    const payload = encodeCrePayload({
      ...v,
      responded: Number(v.responded),
      agreed: Number(v.agreed),
    })
    if (payload.length !== CRE_PAYLOAD_BYTES) throw new SimulationError('payload is not 320 bytes')
    out.payloadHex = bytesToHex(payload)
  }
  return out
}
