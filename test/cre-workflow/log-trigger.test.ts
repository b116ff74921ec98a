/**
 * The EVM log trigger handler (cre-workflow/onnx-inference/workflow.ts) in the CRE SDK's own test
 * runtime: an InferenceRequested log goes in; the adapters are served by the SDK's HTTP mock with
 * answers recorded from real adapter processes (vectors/); what comes out is the report the
 * workflow writes through the EVM capability, decoded here as the oracle will decode it.
 * The test runtime runs one node and its consensus returns that node's observation (or the
 * default): the consensus rules themselves are the SDK's and the DON's.
 */
import { describe, expect } from 'bun:test'
import { TxStatus } from '@chainlink/cre-sdk'
import { test } from '@chainlink/cre-sdk/test'
import { decodeAbiParameters, parseAbiParameters, stringToHex, type Hex } from 'viem'

import { bytesToHex, type CrePayloadFields } from '../../don-core/inference-core'
import { onInferenceRequested } from '../../cre-workflow/onnx-inference/workflow'
import {
  CLIENT,
  NOW_MS,
  ORACLE,
  REQUEST_ID,
  VECTORS,
  acceptWrites,
  adapterEntry,
  adapterUrl,
  replyWith,
  requestLog,
  routeAdapters,
  runtimeWith,
  type RecordedAnswer,
  type Route,
} from './support/fixtures'
import type { RequestLog } from '../../cre-workflow/onnx-inference/request-event'

/**
 * The ten payload words as one static tuple: its encoding is the words in order, and viem decodes
 * it into an object named by field.
 */
const PAYLOAD_TUPLE = parseAbiParameters(
  '(bytes32 requestId, address client, bytes32 modelId, bytes32 requestedInputHash, uint256 result, bytes32 modelHash, bytes32 inputHash, uint8 responded, uint8 agreed, uint64 observedAt)',
)

/** The report payload as the oracle decodes it (client lower-cased). */
type Payload = CrePayloadFields

function decodePayload(payload: Uint8Array): Payload {
  expect(payload.length).toBe(320)
  const [fields] = decodeAbiParameters(PAYLOAD_TUPLE, bytesToHex(payload) as Hex)
  return { ...fields, client: fields.client.toLowerCase() }
}

const { requests, answers } = VECTORS
const risk = requests.risk
const RISK_RESULT = BigInt((answers.risk[0]?.body as { result: string }).result)
const NOW_SECONDS = BigInt(NOW_MS / 1000)

/** Routes adapter i of `operators` to its recorded answer for `request` (or a custom route). */
function serve(replies: (RecordedAnswer | Route)[]): ReturnType<typeof routeAdapters> {
  const routes: Record<string, Route> = {}
  replies.forEach((reply, i) => {
    routes[adapterUrl(i)] = typeof reply === 'function' ? reply : replyWith(reply)
  })
  return routeAdapters(routes)
}

const honestRisk = (i: number) => answers.risk[i] as RecordedAnswer

/** An answer with its `data` changed after signing (what a tampering proxy would do). */
function tampered(answer: RecordedAnswer, change: Record<string, unknown>): Route {
  const body = answer.body as { data: Record<string, unknown> }
  return () => ({ statusCode: 200, body: { ...body, data: { ...body.data, ...change } } })
}

/**
 * A node configured with `list` handles `log` (the adapters served beforehand): its runtime, for
 * the logs, and the report it wrote, decoded.
 */
function handle(
  list: Record<string, string>[],
  log: RequestLog,
): { runtime: ReturnType<typeof runtimeWith>; payload: Payload } {
  const written = acceptWrites()
  const runtime = runtimeWith(list)
  onInferenceRequested(runtime, log)
  return { runtime, payload: decodePayload(written[0]?.payload ?? new Uint8Array()) }
}

function expectNoResult(payload: Payload): void {
  expect(payload.requestId).toBe(REQUEST_ID)
  expect(payload.client).toBe(CLIENT)
  expect(payload.modelHash).toBe(risk.modelHash)
  expect(payload.inputHash).toBe(risk.inputHash)
  expect(payload.result).toBe(0n)
  expect(payload.responded).toBe(0)
  expect(payload.agreed).toBe(0)
  expect(payload.observedAt).toBe(NOW_SECONDS)
}

describe('a valid round', () => {
  test('three honest signed adapters: median result, responded 3, agreed 3, one request each', () => {
    const sent = serve([honestRisk(0), honestRisk(1), honestRisk(2)])
    const written = acceptWrites()
    const runtime = runtimeWith([adapterEntry(0), adapterEntry(1), adapterEntry(2)])

    const summary = onInferenceRequested(runtime, requestLog(risk, { threshold: 2 }))

    expect(written).toHaveLength(1)
    expect(written[0]?.receiver).toBe(ORACLE)
    expect(written[0]?.gasLimit).toBe(400_000n)
    const payload = decodePayload(written[0]?.payload ?? new Uint8Array())
    expect(payload).toEqual({
      requestId: REQUEST_ID,
      client: CLIENT,
      modelId: stringToHex('risk-v1', { size: 32 }),
      requestedInputHash: risk.inputHash,
      result: RISK_RESULT,
      modelHash: risk.modelHash,
      inputHash: risk.inputHash,
      responded: 3,
      agreed: 3,
      observedAt: NOW_SECONDS,
    })
    expect(summary).toContain(`result ${RISK_RESULT}, 3 of 3 agreed`)
    // Exactly what the recorded adapters were asked: same body, own API key, one call each.
    expect(sent.map((r) => r.url)).toEqual([adapterUrl(0), adapterUrl(1), adapterUrl(2)])
    sent.forEach((request, i) => {
      expect(request.method).toBe('POST')
      expect(request.body).toBe(risk.body)
      expect(request.headers['x-api-key']).toBe(VECTORS.apiKeys[i])
      expect(request.headers['content-type']).toBe('application/json')
      expect(request.timeoutMs).toBe(4000)
    })
    expect(runtime.getLogs().some((line) => line.includes('warning'))).toBe(false)
  })

  test('five adapters (the HTTP quota) with a 2-to-2 split of results: the lower median, agreed counted within tolerance', () => {
    const value = (result: bigint): Route => tampered(honestRisk(0), { result: result.toString() })
    serve([
      honestRisk(0),
      honestRisk(1),
      value(RISK_RESULT + 3n),
      value(RISK_RESULT + 2n),
      honestRisk(3),
    ])
    const written = acceptWrites()
    // No signers: the off-by-two/three answers are not caught by a signature, only by tolerance.
    const list = [0, 1, 2, 3, 4].map((i) => adapterEntry(i, { signer: false }))
    const runtime = runtimeWith(list)
    onInferenceRequested(runtime, requestLog(risk, { threshold: 3, tolerance: 2n }))
    const payload = decodePayload(written[0]?.payload ?? new Uint8Array())
    expect(payload.result).toBe(RISK_RESULT)
    expect(payload.responded).toBe(5)
    expect(payload.agreed).toBe(4)
    expect(runtime.getLogs().filter((line) => line.startsWith('warning: ADAPTERS['))).toHaveLength(
      5,
    )
  })

  test('adapters that signed their answers in Merkle batches: each verifies alone, agreed 3', () => {
    serve(answers.riskBatched)
    const { payload } = handle(
      [adapterEntry(0), adapterEntry(1), adapterEntry(2)],
      requestLog(risk, { threshold: 2 }),
    )
    expect([payload.result, payload.responded, payload.agreed]).toEqual([RISK_RESULT, 3, 3])
    for (const answer of answers.riskBatched) {
      expect((answer.body as { data: { proof: string[] } }).data.proof.length).toBeGreaterThan(0)
    }
  })

  test('damage-v1 on a photo: the recorded severity class', () => {
    const damage = requests.damage
    serve(answers.damage)
    const { payload } = handle(
      [adapterEntry(0), adapterEntry(1), adapterEntry(2)],
      requestLog(damage, { threshold: 2 }),
    )
    expect(payload.result).toBe(BigInt((answers.damage[0]?.body as { result: string }).result))
    expect(payload.modelHash).toBe(damage.modelHash)
    expect(payload.agreed).toBe(3)
  })
})

describe('answers that prove nothing are dropped', () => {
  const signerMismatch = (i: number) =>
    `adapter ${i}: signature does not recover to the configured signer`
  const three = () => [adapterEntry(0), adapterEntry(1), adapterEntry(2)]

  /**
   * Adapters 0.. answer `replies`; a node configured with `list` handles a risk request of
   * `threshold`. Its report holds no result, or the [responded, agreed] counts given; its logs
   * hold every line of `logs`.
   */
  function expectDropped(
    replies: (RecordedAnswer | Route)[],
    list: Record<string, string>[],
    threshold: number,
    report: 'no result' | [number, number],
    logs: string[],
  ): void {
    serve(replies)
    const { runtime, payload } = handle(list, requestLog(risk, { threshold }))
    if (report === 'no result') expectNoResult(payload)
    else expect([payload.responded, payload.agreed]).toEqual(report)
    for (const line of logs) expect(runtime.getLogs()).toContain(line)
  }

  test('wrong model hash: an adapter on an unapproved model version', () => {
    expectDropped(
      [honestRisk(0), honestRisk(1), answers.riskOtherModel],
      [adapterEntry(0), adapterEntry(1), { ...adapterEntry(4), url: adapterUrl(2) }],
      2,
      [2, 2],
      ['adapter 2: different model hash'],
    )
  })

  test('wrong input hash: an answer for other features', () => {
    // Adapter 1 answers for other features (operator 0's recorded answer to that request).
    expectDropped(
      [honestRisk(0), answers.riskOtherFeatures, honestRisk(2)],
      three(),
      2,
      [2, 2],
      ['adapter 1: different input hash'],
    )
  })

  test('bad signature: a result changed after signing, or signed by another key', () => {
    // Adapter 0 tampered, adapter 2 signed by a key other than the configured one: 1 valid of 3.
    expectDropped(
      [tampered(honestRisk(0), { result: '1' }), honestRisk(1), honestRisk(2)],
      [
        adapterEntry(0),
        adapterEntry(1),
        { ...adapterEntry(2), signer: VECTORS.signers[3] as string },
      ],
      2,
      'no result',
      [signerMismatch(0), signerMismatch(2)],
    )
  })

  test('batch-signed answers with a proof that is not theirs, or none: dropped', () => {
    const [b0, b1, b2] = answers.riskBatched as [RecordedAnswer, RecordedAnswer, RecordedAnswer]
    const proofOf = (a: RecordedAnswer) => (a.body as { data: { proof: string[] } }).data.proof
    // The three adapters' batches may hold the same leaves in the same order (then b1's proof is
    // also b0's): lend b0 a proof made of b1's nodes in another order, a proof of no leaf of its tree.
    const [first, ...rest] = proofOf(b1)
    const foreign = [...rest, first as string]
    expect(foreign).not.toEqual(proofOf(b0))
    expectDropped(
      [tampered(b0, { proof: foreign }), tampered(b1, { proof: [] }), b2],
      three(),
      2,
      'no result',
      [signerMismatch(0), signerMismatch(1)],
    )
  })

  test('missing signature: an answer without one, when a signer is configured', () => {
    expectDropped(
      [tampered(honestRisk(0), { signature: undefined }), honestRisk(1), honestRisk(2)],
      three(),
      2,
      [2, 2],
      [signerMismatch(0)],
    )
  })

  test('out-of-range result: past uint256, or not a base-10 integer', () => {
    const past = ((1n << 256n) + RISK_RESULT).toString()
    expectDropped(
      [
        tampered(honestRisk(0), { result: past }),
        tampered(honestRisk(1), { result: '77.05' }),
        honestRisk(2),
      ],
      [0, 1, 2].map((i) => adapterEntry(i, { signer: false })),
      2,
      'no result',
      ['adapter 0: result exceeds uint256', 'adapter 1: result is not an unsigned integer'],
    )
  })

  test('an adapter down, one refusing the API key: failed calls, with the status when there is one', () => {
    expectDropped(
      [honestRisk(0), replyWith(answers.unauthorized), honestRisk(2)],
      [...three(), { ...adapterEntry(3), url: 'https://down.example/' }],
      3,
      'no result',
      ['adapter 1: request failed (401)', 'adapter 3: request failed (no response or timeout)'],
    )
  })
})

describe('no quorum, no result: the default report answers the request with agreed 0', () => {
  test('quorum not met: two of three adapters disagree', () => {
    serve([
      tampered(honestRisk(0), { result: '1' }),
      tampered(honestRisk(1), { result: '2' }),
      honestRisk(2),
    ])
    const written = acceptWrites()
    const runtime = runtimeWith([0, 1, 2].map((i) => adapterEntry(i, { signer: false })))
    const summary = onInferenceRequested(runtime, requestLog(risk, { threshold: 2 }))
    expect(written).toHaveLength(1)
    expectNoResult(decodePayload(written[0]?.payload ?? new Uint8Array()))
    expect(summary).toContain('no result')
  })

  test('majority rule: threshold 1 of 3 and 2 of 4 are refused before any request', () => {
    for (const [threshold, count] of [
      [1, 3],
      [2, 4],
    ] as const) {
      const sent = serve([honestRisk(0), honestRisk(1), honestRisk(2), honestRisk(3)])
      const written = acceptWrites()
      const list = [0, 1, 2, 3].slice(0, count).map((i) => adapterEntry(i))
      const runtime = runtimeWith(list)
      onInferenceRequested(runtime, requestLog(risk, { threshold }))
      expectNoResult(decodePayload(written.at(-1)?.payload ?? new Uint8Array()))
      expect(sent).toHaveLength(0)
    }
  })

  test('majority rule: threshold 3 of 4 is served', () => {
    serve([honestRisk(0), honestRisk(1), honestRisk(2), honestRisk(3)])
    const { payload } = handle(
      [0, 1, 2, 3].map((i) => adapterEntry(i)),
      requestLog(risk, { threshold: 3 }),
    )
    expect([payload.responded, payload.agreed]).toEqual([4, 4])
  })

  test('duplicate adapters: the same URL twice, or one signer behind two URLs', () => {
    for (const list of [
      [
        adapterEntry(0),
        adapterEntry(1),
        { ...adapterEntry(2), url: adapterUrl(0).toUpperCase().replace('HTTPS', 'https') },
      ],
      [
        adapterEntry(0),
        adapterEntry(1),
        { ...adapterEntry(2), signer: VECTORS.signers[0] as string },
      ],
    ]) {
      const sent = serve([honestRisk(0), honestRisk(1), honestRisk(2)])
      const written = acceptWrites()
      onInferenceRequested(runtimeWith(list), requestLog(risk, { threshold: 2 }))
      expectNoResult(decodePayload(written.at(-1)?.payload ?? new Uint8Array()))
      expect(sent).toHaveLength(0)
    }
  })

  test('an input hash that is not the hash of the features: refused before any request', () => {
    const sent = serve([honestRisk(0), honestRisk(1), honestRisk(2)])
    const { payload } = handle(
      [adapterEntry(0), adapterEntry(1), adapterEntry(2)],
      requestLog(risk, { inputHash: requests.riskOtherFeatures.inputHash }),
    )
    expect(sent).toHaveLength(0)
    expect([payload.result, payload.agreed]).toEqual([0n, 0])
    expect(payload.requestedInputHash).toBe(requests.riskOtherFeatures.inputHash)
  })

  test('no ADAPTERS secret, or an invalid one', () => {
    for (const adapters of [undefined, 'not a list', []]) {
      const sent = serve([honestRisk(0)])
      const written = acceptWrites()
      onInferenceRequested(runtimeWith(adapters), requestLog(risk))
      expectNoResult(decodePayload(written.at(-1)?.payload ?? new Uint8Array()))
      expect(sent).toHaveLength(0)
    }
  })
})

describe('the report write', () => {
  test('a failed transaction fails the execution with the chain error', () => {
    serve([honestRisk(0), honestRisk(1), honestRisk(2)])
    acceptWrites(TxStatus.REVERTED)
    const runtime = runtimeWith([adapterEntry(0), adapterEntry(1), adapterEntry(2)])
    expect(() => onInferenceRequested(runtime, requestLog(risk))).toThrow(
      /writeReport for 0x(5e){32} failed: execution reverted/,
    )
  })
})
