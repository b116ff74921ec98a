/**
 * What the workflow refuses before any node asks an adapter: malformed trigger logs (the execution
 * fails and nothing is written: without a request id there is nothing to answer) and config errors
 * (the workflow does not start). Also what initWorkflow registers.
 */
import { describe, expect } from 'bun:test'
import { test } from '@chainlink/cre-sdk/test'
import { encodeAbiParameters, hexToBytes, parseAbiParameters, stringToHex, toHex } from 'viem'

import { bytesToHex } from '../../don-core/inference-core'
import { WorkflowConfigError, parseWorkflowConfig } from '../../cre-workflow/onnx-inference/config'
import {
  INFERENCE_REQUESTED_TOPIC,
  TriggerLogError,
  decodeInferenceRequested,
  modelNameFromBytes32,
  type RequestLog,
} from '../../cre-workflow/onnx-inference/request-event'
import {
  initWorkflow,
  onHttpInference,
  onInferenceRequested,
} from '../../cre-workflow/onnx-inference/workflow'
import stagingConfig from '../../cre-workflow/onnx-inference/config.staging.json'
import productionConfig from '../../cre-workflow/onnx-inference/config.production.json'
import {
  BASE_CONFIG,
  CLIENT,
  HTTP_CALLER,
  ORACLE,
  REQUEST_ID,
  VECTORS,
  acceptWrites,
  adapterEntry,
  config,
  requestLog,
  routeAdapters,
  runtimeWith,
} from './support/fixtures'

const risk = VECTORS.requests.risk
const good = () => requestLog(risk, { threshold: 2, tolerance: 7n })

function withData(log: RequestLog, data: Uint8Array): RequestLog {
  return { ...log, data }
}

describe('decodeInferenceRequested', () => {
  test('decodes every field of the event the oracle emits', () => {
    expect(decodeInferenceRequested(good(), ORACLE.toUpperCase().replace('0X', '0x'))).toEqual({
      requestId: REQUEST_ID,
      modelId: stringToHex('risk-v1', { size: 32 }),
      modelName: 'risk-v1',
      client: CLIENT,
      modelHash: risk.modelHash as `0x${string}`,
      inputHash: risk.inputHash as `0x${string}`,
      input: JSON.stringify(risk.input),
      threshold: 2,
      tolerance: 7n,
    })
  })

  const dataWords = (log: RequestLog) => bytesToHex(log.data).slice(2).match(/.{64}/g) ?? []
  const fromWords = (words: string[]) => hexToBytes(`0x${words.join('')}`)

  const malformed: [string, (log: RequestLog) => RequestLog, RegExp][] = [
    [
      'a log removed by a reorganisation',
      (log: RequestLog) => ({ ...log, removed: true }),
      /removed/,
    ],
    [
      'a log of another contract',
      (log: RequestLog) => ({ ...log, address: hexToBytes(CLIENT) }),
      /not the configured oracle/,
    ],
    [
      'three topics',
      (log: RequestLog) => ({ ...log, topics: log.topics.slice(0, 3) }),
      /expected 4 topics/,
    ],
    [
      'another event',
      (log: RequestLog) => ({
        ...log,
        topics: [new Uint8Array(32).fill(1), ...log.topics.slice(1)],
      }),
      /not the InferenceRequested event/,
    ],
    [
      'a short topic',
      (log: RequestLog) => ({ ...log, topics: [...log.topics.slice(0, 3), new Uint8Array(20)] }),
      /expected 4 topics of 32 bytes/,
    ],
    [
      'a client topic with high bits set',
      (log: RequestLog) => {
        const client = new Uint8Array(log.topics[3] as Uint8Array)
        client[0] = 1
        return { ...log, topics: [...log.topics.slice(0, 3), client] }
      },
      /client topic is not an address/,
    ],
    [
      'truncated data',
      (log: RequestLog) => withData(log, log.data.subarray(0, 100)),
      /malformed event data/,
    ],
    ['no data', (log: RequestLog) => withData(log, new Uint8Array()), /malformed event data/],
    [
      'a threshold word with dirty high bits',
      (log: RequestLog) => {
        const words = dataWords(log)
        words[3] = `01${(words[3] ?? '').slice(2)}`
        return withData(log, fromWords(words))
      },
      /malformed event data|not the canonical ABI encoding/,
    ],
    [
      'trailing bytes after the string',
      (log: RequestLog) => withData(log, fromWords([...dataWords(log), '00'.repeat(32)])),
      /not the canonical ABI encoding/,
    ],
    [
      'a model id that is not ASCII',
      (log: RequestLog) => ({
        ...log,
        topics: [
          log.topics[0] as Uint8Array,
          log.topics[1] as Uint8Array,
          hexToBytes(toHex(new Uint8Array(32).fill(0xff, 0, 4))),
          log.topics[3] as Uint8Array,
        ],
      }),
      /modelId must be printable ASCII/,
    ],
  ]
  for (const [name, change, message] of malformed) {
    test(`refuses ${name}`, () => {
      const attempt = () => decodeInferenceRequested(change(good()), ORACLE)
      expect(attempt).toThrow(TriggerLogError)
      expect(attempt).toThrow(message)
    })
  }

  test('a bytes32 model id must be left-aligned, zero-padded ASCII of 1 to 31 characters', () => {
    expect(modelNameFromBytes32(hexToBytes(stringToHex('damage-v1', { size: 32 })))).toBe(
      'damage-v1',
    )
    expect(() => modelNameFromBytes32(new Uint8Array(32))).toThrow(/1 to 31 characters/)
    expect(() => modelNameFromBytes32(new Uint8Array(32).fill(0x41))).toThrow(/1 to 31 characters/)
    const gap = hexToBytes(stringToHex('ab', { size: 32 }))
    gap[5] = 0x41
    expect(() => modelNameFromBytes32(gap)).toThrow(/not zero-padded/)
  })

  test('data with a wrong string offset is refused', () => {
    const data = encodeAbiParameters(
      parseAbiParameters('bytes32, bytes32, uint256, uint8, uint32, uint256, string'),
      [
        risk.modelHash as `0x${string}`,
        risk.inputHash as `0x${string}`,
        0xc0n,
        2,
        0,
        0n,
        JSON.stringify(risk.input),
      ],
    )
    expect(() => decodeInferenceRequested(withData(good(), hexToBytes(data)), ORACLE)).toThrow(
      TriggerLogError,
    )
  })
})

describe('a malformed trigger log fails the execution: no adapter asked, nothing written', () => {
  test('another event on the oracle', () => {
    const sent = routeAdapters({})
    const written = acceptWrites()
    const log = good()
    const other = { ...log, topics: [new Uint8Array(32).fill(7), ...log.topics.slice(1)] }
    const runtime = runtimeWith([adapterEntry(0), adapterEntry(1), adapterEntry(2)])
    expect(() => onInferenceRequested(runtime, other)).toThrow(/not the InferenceRequested event/)
    expect(sent).toHaveLength(0)
    expect(written).toHaveLength(0)
  })
})

describe('config', () => {
  test('the committed config files hold everything but your oracle address', () => {
    for (const file of [stagingConfig, productionConfig]) {
      expect(() => parseWorkflowConfig(file)).toThrow(
        /^oracleAddress: oracleAddress is the zero address$/,
      )
      expect(parseWorkflowConfig({ ...file, oracleAddress: ORACLE }).oracleAddress).toBe(ORACLE)
    }
  })

  test('defaults: FINALIZED logs, 4 s per adapter, no HTTP trigger', () => {
    expect(config()).toEqual({
      ...BASE_CONFIG,
      logConfidence: 'FINALIZED',
      adapterTimeoutMs: 4000,
    })
  })

  const bad: [Record<string, unknown>, string][] = [
    [{ oracleAddress: '0x1234' }, 'oracleAddress: oracleAddress must be an address, 0x + 40 hex'],
    [{ oracleAddress: `0x${'0'.repeat(40)}` }, 'oracleAddress: oracleAddress is the zero address'],
    [{ gasLimit: 400000 }, 'gasLimit: '],
    [{ gasLimit: '99999' }, 'gasLimit: gasLimit must be from 100000 to 5000000'],
    [{ gasLimit: '5000001' }, 'gasLimit: gasLimit must be from 100000 to 5000000'],
    [{ logConfidence: 'PENDING' }, 'logConfidence: '],
    [{ adapterTimeoutMs: 30_000 }, 'adapterTimeoutMs: adapterTimeoutMs must be at most 10000'],
    [{ isTestnet: 'yes' }, 'isTestnet: '],
    [
      { httpTrigger: { authorizedKeys: [] } },
      'httpTrigger.authorizedKeys: httpTrigger.authorizedKeys needs at least one address',
    ],
    [{ adapters: [] }, 'config: '],
  ]
  for (const [overrides, message] of bad) {
    test(`refuses ${JSON.stringify(overrides)}`, () => {
      const attempt = () => parseWorkflowConfig({ ...BASE_CONFIG, ...overrides })
      expect(attempt).toThrow(WorkflowConfigError)
      expect(attempt).toThrow(message)
    })
  }

  test('reports every problem at once', () => {
    expect(() => parseWorkflowConfig({ isTestnet: true })).toThrow(
      /chainSelectorName: .*; oracleAddress: .*; gasLimit: /,
    )
  })

  test('an unknown chain is refused when the workflow starts', () => {
    expect(() => initWorkflow(config({ chainSelectorName: 'ethereum-testnet-nowhere' }))).toThrow(
      'chainSelectorName: no testnet EVM chain named ethereum-testnet-nowhere',
    )
    expect(() => initWorkflow(config({ isTestnet: false }))).toThrow(/no mainnet EVM chain/)
  })
})

describe('initWorkflow', () => {
  test('registers the log trigger on the oracle and the event, with the configured finality', () => {
    const handlers = initWorkflow(config({ logConfidence: 'LATEST' }))
    expect(handlers).toHaveLength(1)
    const [log] = handlers
    expect(log?.fn).toBe(onInferenceRequested)
    const trigger = log?.trigger as unknown as {
      capabilityId(): string
      config: { addresses: Uint8Array[]; topics: { values: Uint8Array[] }[]; confidence: number }
    }
    expect(trigger.capabilityId()).toContain('evm:ChainSelector:16015286601757825753')
    expect(trigger.config.addresses.map(bytesToHex)).toEqual([ORACLE])
    expect(trigger.config.topics[0]?.values.map(bytesToHex)).toEqual([INFERENCE_REQUESTED_TOPIC])
    expect(trigger.config.confidence).toBe(1)
  })

  test('adds the HTTP trigger, for the authorized keys only, when the config asks for it', () => {
    const handlers = initWorkflow(config({ httpTrigger: { authorizedKeys: [HTTP_CALLER] } }))
    expect(handlers).toHaveLength(2)
    expect(handlers[1]?.fn).toBe(onHttpInference)
    const trigger = handlers[1]?.trigger as unknown as {
      capabilityId(): string
      config: { authorizedKeys: { type: number; publicKey: string }[] }
    }
    expect(trigger.capabilityId()).toBe('http-trigger@1.0.0-alpha')
    expect(trigger.config.authorizedKeys).toEqual([
      expect.objectContaining({ type: 1, publicKey: HTTP_CALLER }),
    ])
  })
})
