/**
 * Sizes of the reliability suite. `npm test` runs the quick form (small counts, the whole suite in
 * well under a minute); `npm run test:reliability` sets RELIABILITY_FULL=1 for the full counts of
 * issue 8 (10,000 fuzzed bodies, 30 s of overload, ...).
 */
export const FULL = process.env.RELIABILITY_FULL === '1'

export const SIZES = {
  /** Hostile EA bodies sent by the fuzzer. */
  fuzzBodies: FULL ? 10_000 : 500,
  /** Seconds of 2x-capacity load. */
  overloadSeconds: FULL ? 30 : 5,
  /** Seconds of load while one of three adapters is killed. */
  killLoadSeconds: FULL ? 10 : 3,
  /** Distinct inputs compared before and after a restart. */
  restartInputs: FULL ? 500 : 50,
} as const

/** A jest timeout for a test expected to take `seconds` of real work. */
export function timeoutFor(seconds: number): number {
  return Math.ceil((seconds * 3 + 30) * 1000)
}
