/**
 * The adapters over Node.js `fetch`, for the local CRE DON's nodes: the counterpart of the
 * workflow's cre-workflow/onnx-inference/adapter-http.ts (the SDK's HTTP capability), with the same
 * reply rules: every call is issued at once; an HTTP status other than 200, a call that fails or
 * times out, or an answer over CRE's response limit is a failed reply; a 200 body that is not JSON
 * reaches the core as "no data object" (body undefined).
 */
import type { AdapterReply } from '../../don-core/inference-core'
import type { AdapterCall } from '../../cre-workflow/onnx-inference/node-round'

const HTTP_OK = 200
/** PerWorkflow.HTTPAction.ResponseSizeLimit: 100 KB. */
export const CRE_MAX_RESPONSE_BYTES = 100_000

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** One call: POST the round's body with the call's headers and timeout. */
async function sendOne(call: AdapterCall): Promise<AdapterReply> {
  try {
    const res = await fetch(call.url, {
      method: 'POST',
      headers: call.headers,
      body: call.body,
      signal: AbortSignal.timeout(call.timeoutMs),
      redirect: 'error',
    })
    const body = await res.arrayBuffer()
    if (res.status !== HTTP_OK) return { failed: String(res.status) }
    if (body.byteLength > CRE_MAX_RESPONSE_BYTES) return { failed: 'response too large' }
    return { body: parseJson(new TextDecoder().decode(body)) }
  } catch {
    return { failed: 'no response or timeout' }
  }
}

/** Sends a node's calls in parallel and returns one reply per call, in order. */
export function fetchAdapterCalls(calls: readonly AdapterCall[]): Promise<AdapterReply[]> {
  return Promise.all(calls.map((call) => sendOne(call)))
}
