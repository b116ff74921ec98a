/**
 * The onnx-oracle CRE workflow: its triggers, handlers and consensus (the header of main.ts
 * documents the whole contract: triggers, config, secrets, report layout; docs/cre.md explains it).
 */
import {
  ConsensusAggregationByFields,
  EVMClient,
  HTTPCapability,
  TxStatus,
  bytesToHex as sdkBytesToHex,
  getNetwork,
  handler,
  identical,
  logTriggerConfig,
  median,
  prepareReportRequest,
  type ConsensusAggregationFields,
  type HTTPPayload,
  type NodeRuntime,
  type Runtime,
  type Workflow,
} from '@chainlink/cre-sdk'
import { z } from 'zod'

import {
  MAX_UINT256,
  MAX_UINT64,
  MAX_UINT8,
  bytesToHex,
  encodeCrePayload,
  encodeResult,
  sortedKeys,
} from '../../don-core/inference-core'
import { sendAdapterCalls } from './adapter-http'
import { WorkflowConfigError, type WorkflowConfig } from './config'
import { workflowCrypto } from './crypto'
import {
  REQUEST_FIELD_AGGREGATION,
  RESULT_FIELD_AGGREGATION,
  noResultObservation,
  requestFromEvent,
  requestFromFields,
  requestObservation,
  runNodeRound,
  type FieldAggregation,
  type NodeRoundInput,
  type RequestObservation,
  type ResultObservation,
} from './node-round'
import {
  INFERENCE_REQUESTED_TOPIC,
  decodeInferenceRequested,
  type InferenceRequestedEvent,
  type RequestLog,
} from './request-event'

/** The Vault DON secret holding the adapters (the same JSON as the Functions ADAPTERS secret). */
export const ADAPTERS_SECRET_ID = 'ADAPTERS'
const MS_PER_SECOND = 1000n

const HASH = /^0x[0-9a-f]{64}$/
const ADDRESS = /^0x[0-9a-f]{40}$/
const hash = z.string().regex(HASH)
const count = z.bigint().min(0n).max(BigInt(MAX_UINT8))

/** The fields every report carries: the DON's result and what it is bound to. */
const resultFields = z.object({
  modelHash: hash,
  inputHash: hash,
  result: z.bigint().min(0n).max(MAX_UINT256),
  responded: count,
  agreed: count,
  observedAt: z.bigint().min(0n).max(MAX_UINT64),
})

const AGREED_WITHIN_RESPONDED = [
  (o: { agreed: bigint; responded: bigint }) => o.agreed <= o.responded,
  'agreed exceeds responded',
] as const

/** What consensus returns for the HTTP trigger, checked before it is encoded. */
export const resultObservationSchema = resultFields.refine(...AGREED_WITHIN_RESPONDED)

/** What consensus returns for an on-chain request, checked before it is encoded. */
export const requestObservationSchema = resultFields
  .extend({
    requestId: hash,
    client: z.string().regex(ADDRESS),
    modelId: hash,
    requestedInputHash: hash,
  })
  .refine(...AGREED_WITHIN_RESPONDED)

/** The SDK's aggregation of a field spec (node-round.ts holds the spec, shared with the local DON). */
function consensusByFields<T extends object>(spec: Readonly<Record<keyof T, FieldAggregation>>) {
  const fields: Record<string, typeof identical | typeof median> = {}
  for (const name of sortedKeys(spec)) {
    fields[name] = spec[name as keyof T] === 'identical' ? identical : median
  }
  return ConsensusAggregationByFields<T>(fields as unknown as ConsensusAggregationFields<T>)
}

/** Consensus by fields for the HTTP trigger (docs/cre.md, "Consensus by fields, and why"). */
export const RESULT_CONSENSUS = consensusByFields<ResultObservation>(RESULT_FIELD_AGGREGATION)

/** Consensus by fields for an on-chain request. */
export const REQUEST_CONSENSUS = consensusByFields<RequestObservation>(REQUEST_FIELD_AGGREGATION)

/** The HTTP trigger's input: the same fields as the on-chain request, without an on-chain request. */
export const httpRequestSchema = z.strictObject({
  modelId: z.string(),
  modelHash: z.string(),
  inputHash: z.string(),
  /** The adapter input object, e.g. {"features": {...}} or {"image": {"url", "sha256"}}. */
  input: z.record(z.string(), z.unknown()),
  threshold: z.number(),
  /** Base-10 integer string (result units). */
  tolerance: z.string(),
})

/** What the HTTP trigger returns: the result and the DON-signed report of its 192-byte layout. */
export interface HttpInferenceResult {
  result: string
  modelHash: string
  inputHash: string
  responded: number
  agreed: number
  observedAt: string
  /** abi.encode of the InferenceResult fields, as signed. */
  encodedResult: string
  report: { rawReport: string; reportContext: string; signatures: string[] }
}

function evmClientFor(config: WorkflowConfig): EVMClient {
  const network = getNetwork({
    chainFamily: 'evm',
    chainSelectorName: config.chainSelectorName,
    isTestnet: config.isTestnet,
  })
  if (network === undefined) {
    throw new WorkflowConfigError(
      `chainSelectorName: no ${config.isTestnet ? 'testnet' : 'mainnet'} EVM chain named ${config.chainSelectorName}`,
    )
  }
  return new EVMClient(network.chainSelector.selector)
}

function nowSeconds(runtime: { now(): Date }): bigint {
  return BigInt(runtime.now().getTime()) / MS_PER_SECOND
}

/** The ADAPTERS secret, or undefined when the Vault DON has none (the node round refuses it). */
function readAdaptersSecret(runtime: Runtime<WorkflowConfig>): string | undefined {
  try {
    return runtime.getSecret({ id: ADAPTERS_SECRET_ID }).result().value
  } catch {
    return undefined
  }
}

/** One node's round for a request, with the workflow's crypto, log, clock and HTTP client. */
function workflowNodeRound(
  nodeRuntime: NodeRuntime<WorkflowConfig>,
  request: NodeRoundInput['request'],
  adaptersSecret: string | undefined,
): ResultObservation {
  return runNodeRound(
    { request, adaptersSecret, timeoutMs: nodeRuntime.config.adapterTimeoutMs },
    {
      crypto: workflowCrypto,
      log: (message) => nodeRuntime.log(message),
      nowSeconds: () => nowSeconds(nodeRuntime),
      send: (calls) => sendAdapterCalls(nodeRuntime, calls),
    },
  )
}

/** Node mode for an on-chain request: one node's observation, or a throw. */
export function observeRequest(
  nodeRuntime: NodeRuntime<WorkflowConfig>,
  event: InferenceRequestedEvent,
  adaptersSecret: string | undefined,
): RequestObservation {
  return requestObservation(
    event,
    workflowNodeRound(nodeRuntime, requestFromEvent(event), adaptersSecret),
  )
}

/**
 * EVM log trigger: an InferenceRequested event of the oracle. Decodes it (a malformed log fails
 * the execution: nothing can be reported without a request id), lets every node ask the adapters,
 * reaches consensus by fields, and writes the 320-byte payload to the oracle through the
 * forwarder. When the nodes cannot agree on a result, the consensus default answers the request
 * with responded = agreed = 0, which the oracle rejects: the client hears of the failure.
 */
export function onInferenceRequested(runtime: Runtime<WorkflowConfig>, log: RequestLog): string {
  const config = runtime.config
  const event = decodeInferenceRequested(log, config.oracleAddress)
  runtime.log(
    `InferenceRequested ${event.requestId}: model ${event.modelName}, client ${event.client}, threshold ${event.threshold}`,
  )
  const observation = runtime
    .runInNodeMode(
      observeRequest,
      REQUEST_CONSENSUS.withDefault(noResultObservation(event, nowSeconds(runtime))),
      { schema: requestObservationSchema },
    )(event, readAdaptersSecret(runtime))
    .result()
  if (
    observation.requestId !== event.requestId ||
    observation.client !== event.client ||
    observation.modelId !== event.modelId ||
    observation.requestedInputHash !== event.inputHash
  ) {
    throw new Error(`consensus changed the request words of ${event.requestId}`)
  }
  const payload = encodeCrePayload({
    ...observation,
    responded: Number(observation.responded),
    agreed: Number(observation.agreed),
  })
  const report = runtime.report(prepareReportRequest(sdkBytesToHex(payload))).result()
  const reply = evmClientFor(config)
    .writeReport(runtime, {
      receiver: config.oracleAddress,
      report,
      gasConfig: { gasLimit: config.gasLimit },
    })
    .result()
  if (reply.txStatus !== TxStatus.SUCCESS) {
    throw new Error(
      `writeReport for ${event.requestId} failed: ${reply.errorMessage ?? TxStatus[reply.txStatus]}`,
    )
  }
  const outcome =
    observation.agreed === 0n
      ? 'no result (quorum not met or request refused)'
      : `result ${observation.result}, ${observation.agreed} of ${observation.responded} agreed`
  const summary = `${event.requestId}: ${outcome}, tx ${reply.txHash === undefined ? 'none' : bytesToHex(reply.txHash)}`
  runtime.log(summary)
  return summary
}

/** Node mode for the HTTP trigger: one node's observation, or a throw. */
export function observeFields(
  nodeRuntime: NodeRuntime<WorkflowConfig>,
  fields: z.output<typeof httpRequestSchema>,
  adaptersSecret: string | undefined,
): ResultObservation {
  return workflowNodeRound(
    nodeRuntime,
    requestFromFields({ ...fields, input: JSON.stringify(fields.input) }),
    adaptersSecret,
  )
}

/** The HTTP trigger's JSON payload, validated. */
export function parseHttpRequest(input: Uint8Array): z.output<typeof httpRequestSchema> {
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder().decode(input))
  } catch {
    throw new Error('HTTP trigger payload is not JSON')
  }
  const parsed = httpRequestSchema.safeParse(value)
  if (!parsed.success) {
    throw new Error(
      `HTTP trigger payload: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ')}`,
    )
  }
  return parsed.data
}

/**
 * HTTP trigger: the same inference for an off-chain caller, with no on-chain request. Nothing is
 * written on-chain: the workflow returns the result and a DON-signed report over its 192-byte
 * InferenceResult encoding, which anyone can check against the DON's signers. That report cannot
 * be replayed into the oracle (its payload is not the 320-byte request layout). When the nodes
 * cannot agree, the execution fails with the reason (no default).
 */
export function onHttpInference(
  runtime: Runtime<WorkflowConfig>,
  payload: HTTPPayload,
): HttpInferenceResult {
  const fields = parseHttpRequest(payload.input)
  runtime.log(`HTTP inference: model ${fields.modelId}, threshold ${fields.threshold}`)
  const observation = runtime
    .runInNodeMode(observeFields, RESULT_CONSENSUS, { schema: resultObservationSchema })(
      fields,
      readAdaptersSecret(runtime),
    )
    .result()
  const fieldsOut = {
    ...observation,
    responded: Number(observation.responded),
    agreed: Number(observation.agreed),
  }
  const encoded = encodeResult(fieldsOut)
  const report = runtime.report(prepareReportRequest(sdkBytesToHex(encoded))).result()
  const signed = report.x_generatedCodeOnly_unwrap()
  return {
    result: observation.result.toString(),
    modelHash: observation.modelHash,
    inputHash: observation.inputHash,
    responded: fieldsOut.responded,
    agreed: fieldsOut.agreed,
    observedAt: observation.observedAt.toString(),
    encodedResult: bytesToHex(encoded),
    report: {
      rawReport: bytesToHex(signed.rawReport),
      reportContext: bytesToHex(signed.reportContext),
      signatures: signed.sigs.map((sig) => bytesToHex(sig.signature)),
    },
  }
}

/** The handlers: the oracle's log trigger, and the HTTP trigger when the config enables it. */
export function initWorkflow(config: WorkflowConfig): Workflow<WorkflowConfig> {
  const evm = evmClientFor(config)
  const requests = handler(
    evm.logTrigger(
      logTriggerConfig({
        addresses: [config.oracleAddress as `0x${string}`],
        topics: [[INFERENCE_REQUESTED_TOPIC]],
        confidence: config.logConfidence,
      }),
    ),
    onInferenceRequested,
  )
  if (config.httpTrigger === undefined) return [requests]
  const http = handler(
    new HTTPCapability().trigger({
      authorizedKeys: config.httpTrigger.authorizedKeys.map((publicKey) => ({
        type: 'KEY_TYPE_ECDSA_EVM' as const,
        publicKey,
      })),
    }),
    onHttpInference,
  )
  return [requests, http]
}
