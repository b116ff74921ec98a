/**
 * Optional API-key check. Keys come from API_KEYS; a request presents one as
 * `Authorization: Bearer <key>` (Chainlink bridges) or `X-API-Key: <key>` (the Functions sources).
 * Keys are compared as sha256 digests with `crypto.timingSafeEqual`, against every configured key
 * without early exit, so timing reveals neither a key nor which one matched.
 */
import { hash, timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'

export class ApiKeyAuth {
  private readonly digests: Buffer[]

  constructor(keys: readonly string[]) {
    this.digests = keys.map((k) => hash('sha256', k, 'buffer'))
  }

  get required(): boolean {
    return this.digests.length > 0
  }

  /** True when no key is configured, or the headers carry one of the keys. */
  allows(headers: IncomingHttpHeaders): boolean {
    if (this.digests.length === 0) return true
    let presented: string | undefined
    const auth = headers.authorization
    if (auth !== undefined && auth.length > 7 && auth.slice(0, 7).toLowerCase() === 'bearer ') {
      presented = auth.slice(7).trim()
    } else {
      const header = headers['x-api-key']
      presented = Array.isArray(header) ? header[0] : header
    }
    if (presented === undefined || presented === '') return false
    const digest = hash('sha256', presented, 'buffer')
    let ok = false
    for (const d of this.digests) ok = timingSafeEqual(d, digest) || ok
    return ok
  }
}
