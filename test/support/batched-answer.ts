/**
 * A real adapter's answer signed in a batch (a Merkle proof, not a plain signature): the request is
 * sent together with companion requests (other risk-v1 feature sets), all at once, so the adapter
 * answers them in one event-loop turn and signs them under one Merkle root; sent again until the
 * answer to the request carries a proof. Every byte comes from the adapter; only the timing is
 * arranged. Used by the FaultProxy's `batched` mode and the CRE vector recorder.
 */
import { loadManifest, tabularBody } from '../../script/local/model-inputs'

/** Companion bodies for batching: risk-v1 feature sets no test asks for (from index 900,000). */
export function companionBodies(count: number): string[] {
  const risk = loadManifest('risk-v1')
  return Array.from({ length: count }, (_, k) => tabularBody(risk, 900_000 + k))
}

/** Most rounds of (request + companions) before giving up. */
const MAX_ROUNDS = 50

export interface BatchedAnswer {
  status: number
  text: string
  /** Rounds it took until the answer came with a proof. */
  rounds: number
}

/**
 * POSTs `body` with `companions` to `url` (headers on every request) until the answer to `body`
 * has a non-empty `data.proof`. Throws when the adapter never batched it (an unsigned adapter, or
 * an error answer).
 */
export async function askInBatch(
  url: string,
  body: string,
  companions: readonly string[],
  headers: Record<string, string>,
): Promise<BatchedAnswer> {
  const post = (payload: string) =>
    fetch(url, { method: 'POST', headers, body: payload, signal: AbortSignal.timeout(10_000) })
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    const [response, ...others] = await Promise.all([post(body), ...companions.map(post)])
    const [text] = await Promise.all([
      (response as Response).text(),
      ...others.map((other) => other.arrayBuffer()),
    ])
    const status = (response as Response).status
    if (status !== 200) return { status, text, rounds: round }
    const proof = (JSON.parse(text) as { data?: { proof?: unknown } }).data?.proof
    if (Array.isArray(proof) && proof.length > 0) return { status: 200, text, rounds: round }
  }
  throw new Error(`the adapter at ${url} signed no batch in ${MAX_ROUNDS} rounds`)
}
