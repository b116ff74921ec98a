/**
 * The HTTP trigger (off-chain callers): the same inputs as the on-chain request, no on-chain
 * request and no on-chain write. It returns the result and a DON-signed report over the 192-byte
 * InferenceResult layout. Also the node-mode module run by a Node.js-style asynchronous HTTP
 * client, as the local CRE DON will run it.
 */
import { describe, expect } from 'bun:test'
import type { HTTPPayload } from '@chainlink/cre-sdk'
import { test } from '@chainlink/cre-sdk/test'
import { decodeAbiParameters, parseAbiParameters } from 'viem'

import { QuorumError, type AdapterReply } from '../../don-core/inference-core'
import { workflowCrypto } from '../../cre-workflow/onnx-inference/crypto'
import {
  runNodeRoundAsync,
  requestFromFields,
  type AdapterCall,
} from '../../cre-workflow/onnx-inference/node-round'
import { onHttpInference } from '../../cre-workflow/onnx-inference/workflow'
import {
  HTTP_CALLER,
  NOW_MS,
  REPORT_METADATA_BYTES,
  VECTORS,
  acceptWrites,
  adapterEntry,
  adapterUrl,
  replyWith,
  routeAdapters,
  runtimeWith,
} from './support/fixtures'

const { requests, answers } = VECTORS
const risk = requests.risk
const RISK_RESULT = (answers.risk[0]?.body as { result: string }).result

function payload(fields: Record<string, unknown>): HTTPPayload {
  return { input: new TextEncoder().encode(JSON.stringify(fields)) } as unknown as HTTPPayload
}

const riskFields = {
  modelId: risk.modelId,
  modelHash: risk.modelHash,
  inputHash: risk.inputHash,
  input: risk.input,
  threshold: 2,
  tolerance: '0',
}

const httpConfig = { httpTrigger: { authorizedKeys: [HTTP_CALLER] } }

describe('onHttpInference', () => {
  test('returns the result and a DON-signed report over its 192-byte encoding; writes nothing on-chain', () => {
    const sent = routeAdapters({
      [adapterUrl(0)]: replyWith(answers.risk[0]!),
      [adapterUrl(1)]: replyWith(answers.risk[1]!),
      [adapterUrl(2)]: replyWith(answers.risk[2]!),
    })
    const written = acceptWrites()
    const runtime = runtimeWith([adapterEntry(0), adapterEntry(1), adapterEntry(2)], httpConfig)

    const out = onHttpInference(runtime, payload(riskFields))

    expect(out).toMatchObject({
      result: RISK_RESULT,
      modelHash: risk.modelHash,
      inputHash: risk.inputHash,
      responded: 3,
      agreed: 3,
      observedAt: String(NOW_MS / 1000),
    })
    const [result, modelHash, inputHash, responded, agreed, observedAt] = decodeAbiParameters(
      parseAbiParameters('uint256, bytes32, bytes32, uint8, uint8, uint64'),
      out.encodedResult as `0x${string}`,
    )
    expect([result, modelHash, inputHash, responded, agreed, observedAt]).toEqual([
      BigInt(RISK_RESULT),
      risk.modelHash,
      risk.inputHash,
      3,
      3,
      BigInt(NOW_MS / 1000),
    ])
    // The report carries exactly that encoding after its metadata header, with DON signatures.
    expect(out.report.rawReport.slice(2 + 2 * REPORT_METADATA_BYTES)).toBe(
      out.encodedResult.slice(2),
    )
    expect(out.report.signatures.length).toBeGreaterThan(0)
    expect(written).toHaveLength(0)
    // Same adapter request as for an on-chain request of the same input.
    expect(sent.map((r) => r.body)).toEqual([risk.body, risk.body, risk.body])
  })

  test('quorum not met: the execution fails with the reason (no default, nothing returned)', () => {
    routeAdapters({
      [adapterUrl(0)]: replyWith(answers.risk[0]!),
      [adapterUrl(1)]: replyWith(answers.unauthorized),
      [adapterUrl(2)]: replyWith(answers.riskOtherModel),
    })
    const runtime = runtimeWith([adapterEntry(0), adapterEntry(1), adapterEntry(2)], httpConfig)
    expect(() => onHttpInference(runtime, payload(riskFields))).toThrow(
      'quorum not met: 1 of 3 adapters agree, threshold 2 (1 valid)',
    )
  })

  test('the majority rule and duplicate adapters apply as on-chain', () => {
    const sent = routeAdapters({})
    const list = [adapterEntry(0), adapterEntry(1), adapterEntry(2)]
    expect(() =>
      onHttpInference(runtimeWith(list, httpConfig), payload({ ...riskFields, threshold: 1 })),
    ).toThrow(/threshold 1 is not a strict majority of the 3 adapters/)
    const twice = [adapterEntry(0), adapterEntry(1), { ...adapterEntry(2), url: adapterUrl(1) }]
    expect(() => onHttpInference(runtimeWith(twice, httpConfig), payload(riskFields))).toThrow(
      /ADAPTERS\[2\]\.url repeats ADAPTERS\[1\]\.url/,
    )
    expect(sent).toHaveLength(0)
  })

  const badPayloads: [string, Uint8Array, RegExp][] = [
    ['not JSON', new TextEncoder().encode('{model'), /payload is not JSON/],
    ['a missing field', payload({ ...riskFields, inputHash: undefined }).input, /inputHash: /],
    ['an extra field', payload({ ...riskFields, requestId: '0x01' }).input, /payload: .*requestId/],
    ['input as a string', payload({ ...riskFields, input: '{}' }).input, /input: /],
    [
      'a bad model hash',
      payload({ ...riskFields, modelHash: '0x12' }).input,
      /modelHash must be a model hash/,
    ],
    [
      'a fractional tolerance',
      payload({ ...riskFields, tolerance: '0.5' }).input,
      /tolerance must be a tolerance/,
    ],
    [
      'features whose hash is not inputHash',
      payload({ ...riskFields, input: requests.riskOtherFeatures.input }).input,
      /inputHash is not the sha256 of the canonical features/,
    ],
  ]
  for (const [name, input, message] of badPayloads) {
    test(`refuses a payload with ${name}, before any adapter is asked`, () => {
      const sent = routeAdapters({})
      const runtime = runtimeWith([adapterEntry(0), adapterEntry(1), adapterEntry(2)], httpConfig)
      expect(() => onHttpInference(runtime, { input } as unknown as HTTPPayload)).toThrow(message)
      expect(sent).toHaveLength(0)
    })
  }
})

describe('the node-mode module with an asynchronous HTTP client (the local CRE DON)', () => {
  const byUrl = new Map<string, AdapterReply>([
    [adapterUrl(0), { body: answers.risk[0]?.body }],
    [adapterUrl(1), { body: answers.risk[1]?.body }],
    [adapterUrl(2), { failed: '503' }],
  ])
  const send = async (calls: AdapterCall[]) =>
    calls.map((call) => byUrl.get(call.url) ?? { failed: 'refused' })

  test('runs the same judging and returns the node observation', async () => {
    const logs: string[] = []
    const calls: AdapterCall[] = []
    const observation = await runNodeRoundAsync(
      {
        request: requestFromFields({ ...riskFields, input: JSON.stringify(risk.input) }),
        adaptersSecret: JSON.stringify([adapterEntry(0), adapterEntry(1), adapterEntry(2)]),
        timeoutMs: 2500,
      },
      {
        crypto: workflowCrypto,
        log: (message) => logs.push(message),
        nowSeconds: () => 1_800_000_000n,
        send: async (batch) => {
          calls.push(...batch)
          return send(batch)
        },
      },
    )
    expect(observation).toEqual({
      modelHash: risk.modelHash,
      inputHash: risk.inputHash,
      result: BigInt(RISK_RESULT),
      responded: 2n,
      agreed: 2n,
      observedAt: 1_800_000_000n,
    })
    expect(calls.map((c) => [c.url, c.body, c.timeoutMs, c.headers['x-api-key']])).toEqual(
      [0, 1, 2].map((i) => [adapterUrl(i), risk.body, 2500, VECTORS.apiKeys[i]]),
    )
    expect(logs).toEqual([
      `adapter 0: result ${RISK_RESULT}`,
      `adapter 1: result ${RISK_RESULT}`,
      'adapter 2: request failed (503)',
    ])
  })

  test('throws QuorumError when too few agree', async () => {
    const attempt = runNodeRoundAsync(
      {
        request: requestFromFields({
          ...riskFields,
          threshold: 3,
          input: JSON.stringify(risk.input),
        }),
        adaptersSecret: JSON.stringify([adapterEntry(0), adapterEntry(1), adapterEntry(2)]),
        timeoutMs: 2500,
      },
      { crypto: workflowCrypto, log: () => undefined, nowSeconds: () => 0n, send },
    )
    await expect(attempt).rejects.toBeInstanceOf(QuorumError)
  })
})
