/**
 * Consensus by fields as the local CRE DON applies it (script/cre/consensus.ts): the workflow's field
 * spec with the rules of Chainlink's consensus plugin for CRE workflows (2f+1 observations, f+1
 * errors, IDENTICAL at f+1, lower median, the default per field and as a whole).
 */
import {
  REQUEST_FIELD_AGGREGATION,
  type RequestObservation,
} from '../../cre-workflow/onnx-inference/node-round'
import {
  aggregateByFields,
  identicalOf,
  medianOf,
  requiredObservations,
  type NodeObservation,
} from '../../script/cre/consensus'

const F = 1
const word = (byte: string): string => `0x${byte.repeat(32)}`

const honest: RequestObservation = {
  requestId: word('11'),
  client: `0x${'22'.repeat(20)}`,
  modelId: word('33'),
  requestedInputHash: word('44'),
  modelHash: word('55'),
  inputHash: word('44'),
  result: 3n,
  responded: 3n,
  agreed: 3n,
  observedAt: 1_796_169_600n,
}
const noResult: RequestObservation = { ...honest, result: 0n, responded: 0n, agreed: 0n }

const ok = (value: RequestObservation): NodeObservation<RequestObservation> => ({ ok: true, value })
const err = (error: string): NodeObservation<RequestObservation> => ({ ok: false, error })

function agreed(outcome: ReturnType<typeof aggregateByFields<RequestObservation>>) {
  if (outcome.kind !== 'agreed')
    throw new Error(
      `expected agreement, got ${JSON.stringify(outcome, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`,
    )
  return outcome
}

describe('the field aggregations', () => {
  test('IDENTICAL takes the value f+1 observations share, and tells bigint 1 from "1"', () => {
    expect(identicalOf(['a', 'b', 'a', 'c'], F)).toBe('a')
    expect(identicalOf([1n, '1', 1n], F)).toBe(1n)
    expect(() => identicalOf(['a', 'b', 'c'], F)).toThrow('no value met the f+1 threshold')
    expect(() => identicalOf(['a', 'b', 'a', 'b'], F)).toThrow('two values have f+1 occurrences')
  })

  test('MEDIAN takes the middle value, the lower middle for an even count, of at least f+1 numbers', () => {
    expect(medianOf([5n, 1n, 3n], F)).toBe(3n)
    expect(medianOf([40n, 10n, 30n, 20n], F)).toBe(20n)
    expect(medianOf([7n, 7n], F)).toBe(7n)
    expect(() => medianOf([7n], F)).toThrow('insufficient observations')
    expect(() => medianOf(['7', '8'], F)).toThrow('insufficient observations')
  })

  test('an outcome needs 2f+1 observations', () => {
    expect(requiredObservations(1)).toBe(3)
    expect(requiredObservations(2)).toBe(5)
  })
})

describe("aggregateByFields with the workflow's spec (n = 4, f = 1)", () => {
  test('four honest nodes: every field is theirs', () => {
    const out = agreed(
      aggregateByFields(
        REQUEST_FIELD_AGGREGATION,
        [ok(honest), ok(honest), ok(honest), ok(honest)],
        F,
        noResult,
      ),
    )
    expect(out.value).toEqual(honest)
    expect(out.defaulted).toEqual([])
  })

  test('numbers are aggregated field by field: the medians need not come from one node', () => {
    const nodes = [
      ok({ ...honest, responded: 3n, agreed: 2n, observedAt: 100n }),
      ok({ ...honest, responded: 2n, agreed: 2n, observedAt: 103n }),
      ok({ ...honest, responded: 3n, agreed: 3n, observedAt: 101n }),
    ]
    const out = agreed(aggregateByFields(REQUEST_FIELD_AGGREGATION, nodes, F, noResult))
    expect(out.value).toMatchObject({ responded: 3n, agreed: 2n, observedAt: 101n })
  })

  test('a lying node moves nothing: identical fields keep the honest value, medians stay between honest values', () => {
    const liar = ok({
      ...honest,
      result: 10n ** 30n,
      modelHash: word('66'),
      agreed: 255n,
      responded: 255n,
      observedAt: 0n,
    })
    const out = agreed(
      aggregateByFields(
        REQUEST_FIELD_AGGREGATION,
        [ok(honest), liar, ok(honest), ok(honest)],
        F,
        noResult,
      ),
    )
    expect(out.value).toEqual(honest)
    expect(out.defaulted).toEqual([])
  })

  test('a silent node: three observations are enough; two are not (no outcome yet)', () => {
    expect(
      agreed(
        aggregateByFields(
          REQUEST_FIELD_AGGREGATION,
          [ok(honest), ok(honest), ok(honest)],
          F,
          noResult,
        ),
      ).value,
    ).toEqual(honest)
    expect(
      aggregateByFields(REQUEST_FIELD_AGGREGATION, [ok(honest), ok(honest)], F, noResult),
    ).toEqual({
      kind: 'insufficient',
      observations: 2,
      required: 3,
    })
  })

  test('one node erroring is outvoted; f+1 errors give the default (the no-result report)', () => {
    expect(
      agreed(
        aggregateByFields(
          REQUEST_FIELD_AGGREGATION,
          [err('quorum not met'), ok(honest), ok(honest), ok(honest)],
          F,
          noResult,
        ),
      ).value,
    ).toEqual(honest)
    const out = aggregateByFields(
      REQUEST_FIELD_AGGREGATION,
      [err('quorum not met: 1 of 3'), err('quorum not met: 1 of 3'), ok(honest), ok(honest)],
      F,
      noResult,
    )
    expect(out).toMatchObject({ kind: 'default', value: noResult })
    expect(out.kind === 'default' && out.reason).toMatch(
      /^2 nodes reported errors \(f\+1 = 2\): quorum not met/,
    )
  })

  test('without a default, f+1 errors fail the execution with the reason', () => {
    const out = aggregateByFields(REQUEST_FIELD_AGGREGATION, [err('a'), err('b'), ok(honest)], F)
    expect(out).toEqual({ kind: 'failed', reason: '2 nodes reported errors (f+1 = 2): a; b' })
  })

  test('a field with two f+1 values takes the default value for that field only', () => {
    const other = { ...honest, modelHash: word('77') }
    const out = agreed(
      aggregateByFields(
        REQUEST_FIELD_AGGREGATION,
        [ok(honest), ok(honest), ok(other), ok(other)],
        F,
        { ...noResult, modelHash: word('99') },
      ),
    )
    expect(out.defaulted).toEqual(['modelHash'])
    expect(out.value).toEqual({ ...honest, modelHash: word('99') })
    expect(
      aggregateByFields(
        REQUEST_FIELD_AGGREGATION,
        [ok(honest), ok(honest), ok(other), ok(other)],
        F,
      ),
    ).toEqual({
      kind: 'failed',
      reason: 'field modelHash: not identical: two values have f+1 occurrences',
    })
  })
})
