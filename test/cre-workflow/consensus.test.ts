/**
 * Consensus by fields, as the workflow hands it to the DON (DESIGN.md section 1): IDENTICAL on
 * requestId, client, modelId, requestedInputHash, modelHash, inputHash; MEDIAN on result,
 * responded, agreed, observedAt. The spec lives once, SDK-free, in node-round.ts (the local CRE DON
 * applies it itself); this checks the SDK descriptors built from it, and the default observation.
 */
import { describe, expect } from 'bun:test'
import { SDK_PB } from '@chainlink/cre-sdk/pb'
import { test } from '@chainlink/cre-sdk/test'

import {
  REQUEST_FIELD_AGGREGATION,
  RESULT_FIELD_AGGREGATION,
  noResultObservation,
} from '../../cre-workflow/onnx-inference/node-round'
import {
  REQUEST_CONSENSUS,
  RESULT_CONSENSUS,
  requestObservationSchema,
} from '../../cre-workflow/onnx-inference/workflow'
import { decodeInferenceRequested } from '../../cre-workflow/onnx-inference/request-event'
import { ORACLE, VECTORS, requestLog } from './support/fixtures'

type Descriptor = (typeof REQUEST_CONSENSUS)['descriptor']

/** field -> aggregation name, read back from the SDK's protobuf descriptor. */
function fieldsOf(descriptor: Descriptor): Record<string, string> {
  if (descriptor.descriptor.case !== 'fieldsMap') throw new Error('not an aggregation by fields')
  const out: Record<string, string> = {}
  for (const [name, field] of Object.entries(descriptor.descriptor.value.fields)) {
    if (field.descriptor.case !== 'aggregation') throw new Error(`${name}: nested descriptor`)
    out[name] = SDK_PB.AggregationType[field.descriptor.value] ?? 'unknown'
  }
  return out
}

/** The InferenceResult fields and their aggregation: all of the HTTP trigger's observation. */
const RESULT_AGGREGATION = {
  modelHash: 'IDENTICAL',
  inputHash: 'IDENTICAL',
  result: 'MEDIAN',
  responded: 'MEDIAN',
  agreed: 'MEDIAN',
  observedAt: 'MEDIAN',
}

describe('consensus by fields', () => {
  test('an on-chain request: the DESIGN.md fields, IDENTICAL and MEDIAN', () => {
    expect(fieldsOf(REQUEST_CONSENSUS.descriptor)).toEqual({
      requestId: 'IDENTICAL',
      client: 'IDENTICAL',
      modelId: 'IDENTICAL',
      requestedInputHash: 'IDENTICAL',
      ...RESULT_AGGREGATION,
    })
    expect(Object.keys(REQUEST_FIELD_AGGREGATION).sort()).toEqual(
      Object.keys(fieldsOf(REQUEST_CONSENSUS.descriptor)).sort(),
    )
  })

  test('the HTTP trigger: the InferenceResult fields only', () => {
    expect(fieldsOf(RESULT_CONSENSUS.descriptor)).toEqual(RESULT_AGGREGATION)
    expect(Object.keys(RESULT_FIELD_AGGREGATION)).toHaveLength(6)
  })

  test('the default observation answers the request with agreed 0, and passes the DON-mode schema', () => {
    const event = decodeInferenceRequested(requestLog(VECTORS.requests.risk), ORACLE)
    const fallback = noResultObservation(event, 1_800_000_000n)
    expect(requestObservationSchema.parse(fallback)).toEqual({
      requestId: event.requestId,
      client: event.client,
      modelId: event.modelId,
      requestedInputHash: event.inputHash,
      modelHash: event.modelHash,
      inputHash: event.inputHash,
      result: 0n,
      responded: 0n,
      agreed: 0n,
      observedAt: 1_800_000_000n,
    })
    expect(() => requestObservationSchema.parse({ ...fallback, agreed: 1n })).toThrow(
      /agreed exceeds responded/,
    )
    expect(() =>
      requestObservationSchema.parse({ ...fallback, responded: 256n, agreed: 1n }),
    ).toThrow()
  })
})
