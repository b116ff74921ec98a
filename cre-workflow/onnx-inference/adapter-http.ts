/**
 * The adapters over the CRE SDK's HTTP capability (node mode): every call is issued first, then
 * each is awaited, so the adapters answer in parallel (up to CRE's capability concurrency).
 * An HTTP status other than 200, or a call the capability could not complete (connection refused,
 * timeout), is a failed reply; a 200 body that is not JSON reaches the core as "no data object".
 */
import { HTTPClient, bytesToBase64, type NodeRuntime } from '@chainlink/cre-sdk'

import { sortedKeys, type AdapterReply } from '../../don-core/inference-core'
import type { AdapterCall } from './node-round'

const HTTP_OK = 200
const MS_PER_SECOND = 1000

function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(body))
  } catch {
    return undefined
  }
}

/** The headers in the capability's multi-value form, in a fixed order. */
function headerValues(headers: Record<string, string>): Record<string, { values: string[] }> {
  const out: Record<string, { values: string[] }> = {}
  for (const name of sortedKeys(headers)) out[name] = { values: [headers[name] as string] }
  return out
}

/** Sends the round's calls from one node and returns one reply per call, in order. */
export function sendAdapterCalls(
  nodeRuntime: NodeRuntime<unknown>,
  calls: AdapterCall[],
): AdapterReply[] {
  const client = new HTTPClient()
  const pending = calls.map((call) =>
    client.sendRequest(nodeRuntime, {
      url: call.url,
      method: 'POST',
      multiHeaders: headerValues(call.headers),
      body: bytesToBase64(new TextEncoder().encode(call.body)),
      timeout: `${call.timeoutMs / MS_PER_SECOND}s`,
    }),
  )
  return pending.map((request): AdapterReply => {
    try {
      const response = request.result()
      if (response.statusCode !== HTTP_OK) return { failed: String(response.statusCode) }
      return { body: parseJson(response.body) }
    } catch {
      return { failed: 'no response or timeout' }
    }
  })
}
