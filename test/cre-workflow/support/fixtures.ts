/**
 * Fixtures of the workflow tests (bun, the CRE SDK's test runtime): the recorded adapter answers
 * (vectors/adapter-answers.json, from real adapter processes), InferenceRequested logs encoded with
 * viem exactly as the oracle emits them, a routing HTTP mock that records what each node sent, and
 * the EVM mock that records the report write.
 */
import { TxStatus, bytesToBase64 } from '@chainlink/cre-sdk'
import { EvmMock, HttpActionsMock, newTestRuntime } from '@chainlink/cre-sdk/test'
import {
  encodeAbiParameters,
  encodeEventTopics,
  hexToBytes,
  parseAbiParameters,
  stringToHex,
  type Hex,
} from 'viem'

import { bytesToHex } from '../../../don-core/inference-core'
import {
  parseWorkflowConfig,
  type WorkflowConfig,
} from '../../../cre-workflow/onnx-inference/config'
import { INFERENCE_REQUESTED_EVENT } from '../../../cre-workflow/onnx-inference/request-event'
import type { RequestLog } from '../../../cre-workflow/onnx-inference/request-event'
import vectorsJson from '../vectors/adapter-answers.json'
import type { AdapterVectors, RecordedAnswer, RecordedRequest } from '../vectors/adapter-vectors'

export type { AdapterVectors, RecordedAnswer, RecordedRequest }

export const VECTORS = vectorsJson as unknown as AdapterVectors

/** ethereum-testnet-sepolia, the chain of the test config. */
export const CHAIN_SELECTOR = 16015286601757825753n
export const ORACLE = '0x5fbdb2315678afecb367f032d93f642f64180aa3'
export const CLIENT = '0xe7f1725e7734ce288f8367e1bb143e90bb3f0512'
export const REQUEST_ID: Hex = `0x${'5e'.repeat(32)}`
export const HTTP_CALLER = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8'
/** 2026-12-02T00:00:00Z: the time every test node observes. */
export const NOW_MS = 1_796_169_600_000

export const BASE_CONFIG = {
  chainSelectorName: 'ethereum-testnet-sepolia',
  isTestnet: true,
  oracleAddress: ORACLE,
  gasLimit: '400000',
}

export function config(overrides: Record<string, unknown> = {}): WorkflowConfig {
  return parseWorkflowConfig({ ...BASE_CONFIG, ...overrides })
}

/** Adapter i of the recordings: where the mock serves it, its key and its signer. */
export const adapterUrl = (operator: number) => `https://adapter-${operator}.example/`

export function adapterEntry(
  operator: number,
  options: { signer?: boolean; url?: string } = {},
): Record<string, string> {
  return {
    url: options.url ?? adapterUrl(operator),
    apiKey: VECTORS.apiKeys[operator] as string,
    ...(options.signer === false ? {} : { signer: VECTORS.signers[operator] as string }),
  }
}

export function secretsWith(adapters: unknown): Map<string, Map<string, string>> {
  return new Map([['main', new Map([['ADAPTERS', JSON.stringify(adapters)]])]])
}

export function runtimeWith(
  adapters: unknown | undefined,
  overrides: Record<string, unknown> = {},
) {
  return newTestRuntime<WorkflowConfig>(
    adapters === undefined ? null : secretsWith(adapters),
    { timeProvider: () => NOW_MS },
    config(overrides),
  )
}

export interface LogFields {
  requestId?: Hex
  modelId?: string
  client?: string
  modelHash?: string
  inputHash?: string
  input?: string
  threshold?: number
  tolerance?: bigint
}

/** An InferenceRequested log of `request`, as the oracle would emit it. */
export function requestLog(request: RecordedRequest, fields: LogFields = {}): RequestLog {
  const topics = encodeEventTopics({
    abi: [INFERENCE_REQUESTED_EVENT],
    eventName: 'InferenceRequested',
    args: {
      requestId: fields.requestId ?? REQUEST_ID,
      modelId: stringToHex(fields.modelId ?? request.modelId, { size: 32 }),
      client: (fields.client ?? CLIENT) as Hex,
    },
  })
  const data = encodeAbiParameters(parseAbiParameters('bytes32, bytes32, string, uint8, uint32'), [
    (fields.modelHash ?? request.modelHash) as Hex,
    (fields.inputHash ?? request.inputHash) as Hex,
    fields.input ?? JSON.stringify(request.input),
    fields.threshold ?? 2,
    Number(fields.tolerance ?? 0n),
  ])
  return {
    address: hexToBytes(ORACLE),
    topics: topics.map((topic) => hexToBytes(topic as Hex)),
    data: hexToBytes(data),
    removed: false,
  }
}

/** One request a node sent, as the HTTP capability received it. */
export interface SentRequest {
  url: string
  method: string
  headers: Record<string, string>
  body: string
  timeoutMs: number
}

export type Route = (request: SentRequest) => { statusCode: number; body: unknown }

/** The recorded answer as an HTTP reply. */
export const replyWith =
  (answer: RecordedAnswer): Route =>
  () => ({ statusCode: answer.status, body: answer.body })

/**
 * Routes the SDK's HTTP capability to canned replies by URL; an unrouted URL fails like a refused
 * connection (the capability call errors). Returns what was sent, in order.
 */
export function routeAdapters(routes: Record<string, Route>): SentRequest[] {
  const sent: SentRequest[] = []
  const mock = HttpActionsMock.testInstance()
  mock.sendRequest = (input) => {
    const headers: Record<string, string> = {}
    for (const [name, values] of Object.entries(input.multiHeaders)) {
      headers[name] = values.values.join(', ')
    }
    const request: SentRequest = {
      url: input.url,
      method: input.method,
      headers,
      body: new TextDecoder().decode(input.body),
      timeoutMs:
        Number(input.timeout?.seconds ?? 0n) * 1000 + Math.round((input.timeout?.nanos ?? 0) / 1e6),
    }
    sent.push(request)
    const route = routes[input.url]
    if (route === undefined) throw new Error(`connection refused: ${input.url}`)
    const reply = route(request)
    return {
      statusCode: reply.statusCode,
      body: new TextEncoder().encode(
        typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body),
      ),
    }
  }
  return sent
}

/** What the workflow asked the EVM capability to write. */
export interface Written {
  receiver: string
  gasLimit: bigint | undefined
  rawReport: Uint8Array
  /** The payload: the raw report minus the 109-byte metadata header. */
  payload: Uint8Array
}

export const REPORT_METADATA_BYTES = 109

/** Accepts every report write on the test chain and records it. */
export function acceptWrites(status: TxStatus = TxStatus.SUCCESS): Written[] {
  const written: Written[] = []
  const evm = EvmMock.testInstance(CHAIN_SELECTOR)
  evm.writeReport = (input) => {
    const rawReport = input.report?.rawReport ?? new Uint8Array()
    written.push({
      receiver: bytesToHex(input.receiver),
      gasLimit: input.gasConfig?.gasLimit,
      rawReport,
      payload: rawReport.subarray(REPORT_METADATA_BYTES),
    })
    // The reply in its JSON form (the mock accepts either form).
    return status === TxStatus.SUCCESS
      ? { txStatus: 'TX_STATUS_SUCCESS', txHash: bytesToBase64(new Uint8Array(32).fill(0xab)) }
      : {
          txStatus: `TX_STATUS_${TxStatus[status]}` as 'TX_STATUS_REVERTED',
          errorMessage: 'execution reverted',
        }
  }
  return written
}
