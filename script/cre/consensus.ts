/**
 * Consensus by fields, as a CRE DON computes it for `runtime.runInNodeMode(fn, aggregation)`, applied
 * to the local DON's node observations. The field spec is the workflow's own
 * (`REQUEST_FIELD_AGGREGATION` in cre-workflow/onnx-inference/node-round.ts); the rules are those of
 * Chainlink's consensus plugin for CRE workflows (the OCR3 outcome of a consensus request and
 * `CalculateOutcomeForObservations`, chainlink and chainlink-common), reproduced here because that
 * plugin is Go and cannot run in this repository:
 *
 * - an outcome needs observations from at least 2f+1 nodes (errors count); with fewer the request
 *   waits (nothing is reported: a silent node too many stalls the DON, it does not fool it);
 * - f+1 or more error observations: consensus fails;
 * - otherwise every field is aggregated over the value observations (at least f+1 of them):
 *   IDENTICAL takes the one value that f+1 nodes reported (none, or two such values: the field
 *   fails); MEDIAN sorts the values and takes the middle one, the lower middle for an even count;
 * - a failed field takes the default's value for that field when the aggregation has a default
 *   (`withDefault`); a failure with no default for it fails consensus, and a failed consensus with a
 *   default yields the whole default.
 *
 * docs/cre.md, "Consensus by fields, and why", says why each field is aggregated as it is.
 */
import type { FieldAggregation } from '../../cre-workflow/onnx-inference/node-round'

/** A field value a node can observe: a number (MEDIAN or IDENTICAL) or a string (IDENTICAL). */
export type FieldValue = bigint | string

/** One node's contribution: the value it observed, or the error its node-mode code threw. */
export type NodeObservation<T> = { ok: true; value: T } | { ok: false; error: string }

/** What consensus decided. */
export type ConsensusOutcome<T> =
  /** Every field aggregated (`defaulted` lists fields that took the default's value instead). */
  | { kind: 'agreed'; value: T; defaulted: string[] }
  /** Consensus failed and the aggregation's default is the outcome. */
  | { kind: 'default'; value: T; reason: string }
  /** Consensus failed and there is no default: the execution fails with `reason`. */
  | { kind: 'failed'; reason: string }
  /** Fewer than 2f+1 nodes observed: no outcome yet (a real DON keeps waiting). */
  | { kind: 'insufficient'; observations: number; required: number }

/** Thrown by one field's aggregation; the caller falls back to the default or fails. */
class FieldConsensusError extends Error {}

/** Observations a DON of fault tolerance f needs before it decides anything. */
export function requiredObservations(f: number): number {
  return 2 * f + 1
}

function identityKey(value: FieldValue): string {
  return `${typeof value}:${String(value)}`
}

/** IDENTICAL: the single value that at least f+1 observations share. */
export function identicalOf(values: readonly FieldValue[], f: number): FieldValue {
  const counts = new Map<string, number>()
  let candidate: FieldValue | undefined
  for (const value of values) {
    const key = identityKey(value)
    const count = (counts.get(key) ?? 0) + 1
    counts.set(key, count)
    if (count === f + 1) {
      if (candidate !== undefined) {
        throw new FieldConsensusError('not identical: two values have f+1 occurrences')
      }
      candidate = value
    }
  }
  if (candidate === undefined) throw new FieldConsensusError('no value met the f+1 threshold')
  return candidate
}

/** MEDIAN: the middle of at least f+1 numbers, the lower middle for an even count. */
export function medianOf(values: readonly FieldValue[], f: number): bigint {
  const numbers = values.filter((v): v is bigint => typeof v === 'bigint')
  if (numbers.length < f + 1) {
    throw new FieldConsensusError(
      `insufficient observations (${numbers.length} numbers) to meet the minimum (${f + 1})`,
    )
  }
  const sorted = [...numbers].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  return sorted[(sorted.length - 1) >> 1] as bigint
}

/**
 * Aggregates node observations field by field with `spec` (the workflow's consensus descriptor) for
 * a DON tolerating `f` faulty nodes, falling back to `defaultValue` as CRE does.
 */
export function aggregateByFields<T extends { [K in keyof T]: FieldValue }>(
  spec: Readonly<Record<keyof T, FieldAggregation>>,
  observations: ReadonlyArray<NodeObservation<T>>,
  f: number,
  defaultValue?: T,
): ConsensusOutcome<T> {
  const required = requiredObservations(f)
  if (observations.length < required) {
    return { kind: 'insufficient', observations: observations.length, required }
  }
  const fail = (reason: string): ConsensusOutcome<T> =>
    defaultValue === undefined
      ? { kind: 'failed', reason }
      : { kind: 'default', value: defaultValue, reason }

  const errors = observations.flatMap((o) => (o.ok ? [] : [o.error]))
  if (errors.length >= f + 1) {
    return fail(`${errors.length} nodes reported errors (f+1 = ${f + 1}): ${errors.join('; ')}`)
  }
  const values = observations.flatMap((o) => (o.ok ? [o.value] : []))
  if (values.length < f + 1) {
    return fail(`insufficient value observations (${values.length}) for f+1 = ${f + 1}`)
  }

  const out: Partial<Record<keyof T, FieldValue>> = {}
  const defaulted: string[] = []
  // Sorted field names, as the plugin walks them (the result does not depend on the order).
  for (const name of (Object.keys(spec) as Array<keyof T & string>).sort()) {
    const fieldValues = values.map((v) => v[name])
    try {
      out[name] =
        spec[name] === 'identical' ? identicalOf(fieldValues, f) : medianOf(fieldValues, f)
    } catch (err) {
      if (!(err instanceof FieldConsensusError)) throw err
      if (defaultValue === undefined) return fail(`field ${name}: ${err.message}`)
      out[name] = defaultValue[name]
      defaulted.push(name)
    }
  }
  return { kind: 'agreed', value: out as T, defaulted }
}
