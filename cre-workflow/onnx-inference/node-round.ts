/**
 * Node mode of the workflow: what each DON node does for one request, with the HTTP client passed
 * in. The workflow (workflow.ts) runs it inside `runtime.runInNodeMode` with the SDK's HTTP
 * capability; the local CRE DON (Node.js) runs the same functions per node with its own HTTP
 * client (`runNodeRoundAsync`). The I/O stays at the edge; the judging is don-core's.
 * No SDK import, so Node.js programs can import this file.
 *
 * A node: validates the request, parses the ADAPTERS secret (quorum rule, duplicates), checks the
 * input hash, sends every adapter the same request (EA protocol, docs/protocol.md) within CRE's
 * HTTP quota (5 calls, 10 KB request, 100 KB response), judges each answer, and either returns
 * its observation or throws (quorum not met, bad request, bad secret): a thrown node contributes
 * an error to consensus.
 */
import {
  checkJobInput,
  decideQuorum,
  judgeRound,
  parseAdapters,
  parseInferenceRequest,
  planRound,
  verdictLine,
  type AdapterReply,
  type CoreCrypto,
  type InferenceRequest,
  type RawRequest,
  type RequestLabels,
  type RoundPlan,
} from '../../don-core/inference-core'
import type { InferenceRequestedEvent } from './request-event'

/** Job run ids of this transport: "cre-" + the first 16 hex digits of the input hash. */
export const CRE_JOB_RUN_ID_PREFIX = 'cre-'
/** PerWorkflow.HTTPAction.RequestSizeLimit is 10 KB. */
export const CRE_MAX_REQUEST_BODY_BYTES = 10_000
/** How errors name the request fields (the event's and the HTTP payload's names). */
export const CRE_LABELS: RequestLabels = {
  modelId: 'modelId',
  modelHash: 'modelHash',
  inputHash: 'inputHash',
  input: 'input',
  threshold: 'threshold',
  tolerance: 'tolerance',
}

/** What one node observed: the InferenceResult fields (HTTP trigger). */
export interface ResultObservation {
  modelHash: string
  inputHash: string
  result: bigint
  responded: bigint
  agreed: bigint
  observedAt: bigint
}

/**
 * What one node observed for an on-chain request: the request's four words (IDENTICAL across
 * nodes) and the InferenceResult fields (hashes IDENTICAL, numbers MEDIAN). docs/cre.md.
 */
export interface RequestObservation extends ResultObservation {
  requestId: string
  client: string
  modelId: string
  requestedInputHash: string
}

/** How the DON combines one observation field across nodes. */
export type FieldAggregation = 'identical' | 'median'

/**
 * Consensus by fields (DESIGN.md; docs/cre.md), defined once: the workflow builds the SDK's
 * aggregation from it, the local CRE DON applies it itself. What identifies the model and the
 * input must be IDENTICAL on every node that reports; the numbers are the MEDIAN across nodes.
 */
export const RESULT_FIELD_AGGREGATION: Readonly<Record<keyof ResultObservation, FieldAggregation>> =
  {
    modelHash: 'identical',
    inputHash: 'identical',
    result: 'median',
    responded: 'median',
    agreed: 'median',
    observedAt: 'median',
  }

/** The request's four words come from the trigger event: IDENTICAL too. */
export const REQUEST_FIELD_AGGREGATION: Readonly<
  Record<keyof RequestObservation, FieldAggregation>
> = {
  requestId: 'identical',
  client: 'identical',
  modelId: 'identical',
  requestedInputHash: 'identical',
  ...RESULT_FIELD_AGGREGATION,
}

/** One HTTP call to one adapter: POST of the round's body. */
export interface AdapterCall {
  url: string
  headers: Record<string, string>
  /** JSON text of the EA request. */
  body: string
  timeoutMs: number
}

export interface NodeRoundInput {
  request: InferenceRequest
  /** The ADAPTERS secret as the node read it (undefined: missing). */
  adaptersSecret: string | undefined
  timeoutMs: number
}

export interface NodeRoundDeps {
  crypto: CoreCrypto
  log: (message: string) => void
  /** The node's clock, unix seconds (`runtime.now()` in CRE). */
  nowSeconds: () => bigint
}

/** The request of an InferenceRequested event, validated by the core. */
export function requestFromEvent(event: InferenceRequestedEvent): InferenceRequest {
  return parseInferenceRequest(
    {
      modelId: event.modelName,
      modelHash: event.modelHash,
      inputHash: event.inputHash,
      input: event.input,
      threshold: event.threshold,
      tolerance: event.tolerance,
    },
    CRE_LABELS,
  )
}

/** The request of raw fields (the HTTP trigger's payload), validated by the core. */
export function requestFromFields(raw: RawRequest): InferenceRequest {
  return parseInferenceRequest(raw, CRE_LABELS)
}

/**
 * Everything before the HTTP calls: the secret, the quorum rule, the input-hash check, the one
 * request body. Throws (and logs the secret's warnings first).
 */
export function planNodeRound(
  input: NodeRoundInput,
  deps: NodeRoundDeps,
): { plan: RoundPlan; calls: AdapterCall[] } {
  const { adapters, warnings } = parseAdapters(input.adaptersSecret)
  for (const warning of warnings) deps.log(`warning: ${warning}`)
  const plan = planRound(input.request, adapters, {
    jobRunIdPrefix: CRE_JOB_RUN_ID_PREFIX,
    maxBodyBytes: CRE_MAX_REQUEST_BODY_BYTES,
  })
  checkJobInput(input.request, deps.crypto, CRE_LABELS)
  const calls = plan.adapters.map((adapter, index) => ({
    url: adapter.url,
    headers: plan.headers[index] ?? {},
    body: plan.bodyText,
    timeoutMs: input.timeoutMs,
  }))
  return { plan, calls }
}

/** Everything after the HTTP calls: judge, log, count; throws `QuorumError` below the threshold. */
export function finishNodeRound(
  plan: RoundPlan,
  replies: AdapterReply[],
  deps: NodeRoundDeps,
): ResultObservation {
  const verdicts = judgeRound(deps.crypto, plan, replies)
  verdicts.forEach((verdict, index) => deps.log(verdictLine(index, verdict)))
  const outcome = decideQuorum(plan.request, plan.adapters.length, verdicts)
  return {
    modelHash: plan.request.modelHash,
    inputHash: plan.request.inputHash,
    result: outcome.result,
    responded: BigInt(outcome.responded),
    agreed: BigInt(outcome.agreed),
    observedAt: deps.nowSeconds(),
  }
}

/** One node's round with a synchronous HTTP client (the CRE SDK's `.result()` style). */
export function runNodeRound(
  input: NodeRoundInput,
  deps: NodeRoundDeps & { send: (calls: AdapterCall[]) => AdapterReply[] },
): ResultObservation {
  const { plan, calls } = planNodeRound(input, deps)
  return finishNodeRound(plan, deps.send(calls), deps)
}

/** One node's round with an asynchronous HTTP client (Node.js: the local CRE DON). */
export async function runNodeRoundAsync(
  input: NodeRoundInput,
  deps: NodeRoundDeps & { send: (calls: AdapterCall[]) => Promise<AdapterReply[]> },
): Promise<ResultObservation> {
  const { plan, calls } = planNodeRound(input, deps)
  return finishNodeRound(plan, await deps.send(calls), deps)
}

/** The observation of an on-chain request: the event's four words, then the node's result. */
export function requestObservation(
  event: InferenceRequestedEvent,
  result: ResultObservation,
): RequestObservation {
  return {
    requestId: event.requestId,
    client: event.client,
    modelId: event.modelId,
    requestedInputHash: event.inputHash,
    ...result,
  }
}

/**
 * The consensus default when the nodes cannot agree on a result (quorum not met, a refused
 * request or secret): a report that answers the request with responded = agreed = 0, which every
 * oracle rejects (agreed below any threshold), so the client hears of the failure instead of
 * waiting. The hashes are the requested ones, so the reject is about agreement, not the model.
 */
export function noResultObservation(
  event: InferenceRequestedEvent,
  nowSeconds: bigint,
): RequestObservation {
  return requestObservation(event, {
    modelHash: event.modelHash,
    inputHash: event.inputHash,
    result: 0n,
    responded: 0n,
    agreed: 0n,
    observedAt: nowSeconds,
  })
}
