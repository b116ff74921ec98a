/** What one DON node observed for a request: the bytes its source returned, or its error. */
export type NodeObservation = { ok: true; result: Buffer } | { ok: false; error: Buffer }

/** The DON's aggregate for one request: exactly one of `result` and `error` is non-empty. */
export interface AggregatedResponse {
  result: Buffer
  error: Buffer
}

/**
 * True when the DON may aggregate these observations: at least 2f+1 and at most n of them, as in
 * Chainlink's Functions reporting plugin (`CanAggregate` in `plugins/functions/aggregation.go`).
 */
export function canAggregate(n: number, f: number, observationCount: number): boolean {
  return (
    n > 0 &&
    f >= 0 &&
    observationCount > 0 &&
    observationCount <= n &&
    observationCount >= 2 * f + 1
  )
}

/** Orders byte strings by length, then byte-wise (the DON's median order). */
export function compareByLengthThenBytes(a: Buffer, b: Buffer): number {
  if (a.length !== b.length) return a.length - b.length
  return Buffer.compare(a, b)
}

/** The DON's median: sort by length then bytes, take index (len-1)/2 (the lower median). */
export function medianBytes(items: Buffer[]): Buffer {
  if (items.length === 0) throw new RangeError('median of no items')
  const sorted = [...items].sort(compareByLengthThenBytes)
  return sorted[Math.floor((sorted.length - 1) / 2)] as Buffer
}

/** The most frequent item; on a tie, the one that first reached the highest count. */
export function modeBytes(items: Buffer[]): Buffer {
  if (items.length === 0) throw new RangeError('mode of no items')
  const counts = new Map<string, number>()
  let best = items[0] as Buffer
  let bestCount = 0
  for (const item of items) {
    const key = item.toString('hex')
    const count = (counts.get(key) ?? 0) + 1
    counts.set(key, count)
    if (count > bestCount) {
      bestCount = count
      best = item
    }
  }
  return best
}

/**
 * Aggregates the nodes' observations the way the Functions DON does: if errors outnumber
 * successes, the most common error; otherwise the median of the successful results.
 */
export function aggregateObservations(observations: NodeObservation[]): AggregatedResponse {
  if (observations.length === 0) throw new RangeError('no observations to aggregate')
  const results: Buffer[] = []
  const errors: Buffer[] = []
  for (const o of observations) {
    if (o.ok) results.push(o.result)
    else errors.push(o.error)
  }
  if (errors.length > results.length) return { result: Buffer.alloc(0), error: modeBytes(errors) }
  return { result: medianBytes(results), error: Buffer.alloc(0) }
}
