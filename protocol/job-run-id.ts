/**
 * Job run ids (docs/protocol.md): the `id` of an external-adapter request, echoed as `jobRunID` in
 * the answer and signed inside the operator's EIP-712 message.
 * - The adapter echoes the request's `id` when it is a string or a finite number (as its decimal
 *   text), else `"1"`, as Chainlink's EA framework does.
 * - The Functions sources send every adapter `"fn-"` + the first 16 hex digits of the expected
 *   input hash, so every DON node sends identical requests and the signed job run id is predictable.
 */

/** The job run id echoed when a request carries none. */
export const DEFAULT_JOB_RUN_ID = '1'

/** Prefix of the job run ids the Functions sources send. */
export const FUNCTIONS_JOB_RUN_ID_PREFIX = 'fn-'
/** Hex digits of the input hash in a Functions job run id. */
export const FUNCTIONS_JOB_RUN_ID_HEX_DIGITS = 16

/** The job run id to echo for a parsed request body. */
export function jobRunIdOf(body: unknown): string {
  if (typeof body === 'object' && body !== null) {
    const id = (body as { id?: unknown }).id
    if (typeof id === 'string') return id
    if (typeof id === 'number' && Number.isFinite(id)) return String(id)
  }
  return DEFAULT_JOB_RUN_ID
}

/** The job run id a Functions source sends for the expected input hash (`0x` + 64 hex). */
export function functionsJobRunId(inputHash: string): string {
  return FUNCTIONS_JOB_RUN_ID_PREFIX + inputHash.slice(2, 2 + FUNCTIONS_JOB_RUN_ID_HEX_DIGITS)
}
