/**
 * SSRF-safe image fetching. Two kinds of target, each with its own address policy and its own
 * connection pools (a socket opened under one policy is never reused under the other):
 * - `ipfs://<cid>/<path>` goes through the configured gateway as `<gateway>/ipfs/<cid>/<path>`,
 *   judged by the gateway policy (public addresses plus FETCH_ALLOWLIST, e.g. a gateway on
 *   loopback). The CID must be a CIDv0 or a multibase CIDv1, every path segment plain (no dot
 *   segments, no backslash, no encoded slash, backslash or control character, no query or
 *   fragment), and the built URL must still be on the gateway's origin under `/ipfs/<cid>`.
 *   A redirect keeps the gateway policy only while it stays on the gateway's origin under `/ipfs/`.
 * - every other URL (http, https), and any redirect that leaves the gateway, is judged by the host
 *   policy: public unicast addresses only. The allow-list never applies to it.
 * Every connection is checked on the resolved IP at connect time (a DNS lookup hook, plus a check
 * of the socket's remote address), for the first URL and after every redirect, so DNS rebinding
 * and redirects to internal hosts are refused. Bytes, time and redirects are capped; the content
 * type must be an image (or application/octet-stream, as IPFS gateways may send).
 *
 * Error messages never carry what the fetched side said (its status, content type, addresses a
 * name resolves to, or where it redirected): those go into the error's cause, which is logged,
 * not answered.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import http from 'node:http'
import https from 'node:https'
import { isIP, type LookupFunction, type Socket } from 'node:net'

import {
  AdapterError,
  ForbiddenError,
  InputError,
  PayloadTooLargeError,
  TimeoutError,
  UnsupportedMediaTypeError,
  UpstreamError,
} from '../errors'
import type { AddressPolicy } from './address-policy'

export interface FetchSettings {
  maxBytes: number
  timeoutMs: number
  maxRedirects: number
  /** Gateway base URL without trailing slash, e.g. `https://ipfs.io`. */
  ipfsGateway: string
  /** Addresses fetches through the IPFS gateway may reach: public ones plus FETCH_ALLOWLIST. */
  gatewayPolicy: AddressPolicy
  /** Addresses every other fetch may reach (the server uses public addresses only). */
  hostPolicy: AddressPolicy
}

/** A URL to fetch and whether it is a gateway fetch (judged by the gateway policy). */
export interface FetchTarget {
  url: URL
  viaGateway: boolean
}

const REDIRECTS = new Set([301, 302, 303, 307, 308])
const POOL = { keepAlive: true, maxSockets: 64 }
const AGENTS = {
  gateway: { http: new http.Agent(POOL), https: new https.Agent(POOL) },
  host: { http: new http.Agent(POOL), https: new https.Agent(POOL) },
}

/** CIDv0 (base58btc `Qm...`) or CIDv1 in a multibase the gateways accept (b, B, k, z, f). */
const CID =
  /^(?:Qm[1-9A-HJ-NP-Za-km-z]{44}|b[a-z2-7]{20,120}|B[A-Z2-7]{20,120}|k[0-9a-z]{20,120}|z[1-9A-HJ-NP-Za-km-z]{20,120}|f[0-9a-f]{20,160})$/
/** An RFC 3986 path segment of unreserved, sub-delims, ':' and '@' characters or %XX escapes. */
const SEGMENT = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})+$/
/** True when a decoded segment holds a separator (a second path level) or a control character. */
function holdsSeparatorOrControl(decoded: string): boolean {
  for (let i = 0; i < decoded.length; i++) {
    const c = decoded.charCodeAt(i)
    if (c < 0x20 || c === 0x7f || c === 0x2f || c === 0x5c) return true
  }
  return false
}

function invalidIpfs(why: string): InputError {
  return new InputError(`invalid ipfs URL: ${why} (expected ipfs://<CID>/<path>)`)
}

/** The gateway's `/ipfs/` path prefix, e.g. `/ipfs/` or `/prefix/ipfs/`. */
function gatewayIpfsPrefix(gateway: URL): string {
  return `${gateway.pathname.replace(/\/+$/, '')}/ipfs/`
}

/** Maps `ipfs://<cid>/<path>` to the gateway URL, refusing anything that could leave it. */
function ipfsTarget(raw: string, ipfsGateway: string): FetchTarget {
  // Not through `new URL`: a URL host is lower-cased, and CIDv0 (Qm...) is case-sensitive.
  const rest = raw.slice('ipfs://'.length).replace(/^ipfs\//, '')
  const slash = rest.indexOf('/')
  const cid = slash < 0 ? rest : rest.slice(0, slash)
  if (!CID.test(cid)) throw invalidIpfs('the CID is not a CIDv0 or a multibase CIDv1')
  const segments = slash < 0 ? [] : rest.slice(slash + 1).split('/')
  segments.forEach((segment, i) => {
    let decoded: string
    try {
      if (!SEGMENT.test(segment)) throw new URIError('characters outside a path segment')
      decoded = decodeURIComponent(segment)
    } catch {
      throw invalidIpfs(`path segment ${i + 1} is not a plain path segment`)
    }
    if (decoded === '.' || decoded === '..' || holdsSeparatorOrControl(decoded)) {
      throw invalidIpfs(`path segment ${i + 1} is a dot segment or holds a separator`)
    }
  })
  const gateway = new URL(ipfsGateway)
  const base = `${gatewayIpfsPrefix(gateway)}${cid}`
  const url = new URL(`${ipfsGateway}/ipfs/${cid}${segments.map((s) => `/${s}`).join('')}`)
  // Defence in depth: whatever the URL parser did, the target is the gateway's /ipfs/<cid> tree.
  if (
    url.origin !== gateway.origin ||
    url.search !== '' ||
    url.hash !== '' ||
    (url.pathname !== base && !url.pathname.startsWith(`${base}/`))
  ) {
    throw invalidIpfs(`it does not stay under the gateway's /ipfs/${cid}`)
  }
  return { url, viaGateway: true }
}

/** Maps a request URL (http, https, ipfs) to what to fetch. */
export function resolveImageUrl(raw: string, ipfsGateway: string): FetchTarget {
  if (raw.startsWith('ipfs://')) return ipfsTarget(raw, ipfsGateway)
  let url: URL
  try {
    url = new URL(raw)
  } catch (err) {
    throw new InputError(`invalid image URL "${raw}"`, { cause: err })
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InputError(`unsupported image URL scheme "${url.protocol}" (http, https, ipfs)`)
  }
  return { url, viaGateway: false }
}

/** The next hop of a redirect: still a gateway fetch only on the gateway's origin under /ipfs/. */
function redirectTarget(from: FetchTarget, location: string, ipfsGateway: string): FetchTarget {
  let url: URL
  try {
    url = new URL(location, from.url)
  } catch (err) {
    throw new UpstreamError('image host sent an invalid redirect', { cause: err })
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UpstreamError('image URL redirected to an unsupported scheme', {
      cause: new Error(`redirect to ${url.protocol}`),
    })
  }
  const gateway = new URL(ipfsGateway)
  const viaGateway =
    from.viaGateway &&
    url.origin === gateway.origin &&
    url.pathname.startsWith(gatewayIpfsPrefix(gateway))
  return { url, viaGateway }
}

function unreachable(what: string, detail: string): ForbiddenError {
  return new ForbiddenError(`${what} an address the adapter may not reach`, {
    cause: new Error(detail),
  })
}

function guardedLookup(policy: AddressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0)
      for (const a of addresses) {
        const why = policy.refusal(a.address)
        if (why !== undefined) {
          return callback(unreachable('image host resolves to', `${hostname}: ${why}`), '', 0)
        }
      }
      if (options.all)
        return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses)
      const first = addresses[0]
      if (first === undefined) {
        return callback(new UpstreamError('image could not be fetched'), '', 0)
      }
      return callback(null, first.address, first.family)
    })
  }
}

interface Hop {
  res: http.IncomingMessage
  req: http.ClientRequest
}

function requestOnce(
  target: FetchTarget,
  settings: FetchSettings,
  signal: AbortSignal,
  fromRequester: boolean,
): Promise<Hop> {
  const { url } = target
  const policy = target.viaGateway ? settings.gatewayPolicy : settings.hostPolicy
  const host = url.hostname.replace(/^\[|\]$/g, '')
  // An IP literal is judged here; a name is judged on each address its lookup returns.
  const literal = isIP(host) === 0 ? undefined : policy.refusal(host)
  if (literal !== undefined) {
    // The requester's own literal may be named; a redirect's target may not.
    return Promise.reject(
      fromRequester
        ? new ForbiddenError(`image URL points to a blocked ${literal}`)
        : unreachable('image URL redirected to', literal),
    )
  }
  return new Promise<Hop>((resolve, reject) => {
    const https_ = url.protocol === 'https:'
    const agents = target.viaGateway ? AGENTS.gateway : AGENTS.host
    const req = (https_ ? https : http).request(url, {
      method: 'GET',
      agent: https_ ? agents.https : agents.http,
      lookup: guardedLookup(policy),
      headers: { accept: 'image/*', 'user-agent': 'onnx-oracle-adapter' },
      signal,
    })
    req.on('socket', (socket: Socket) => {
      const check = (): void => {
        const remote = socket.remoteAddress
        const why = remote === undefined ? undefined : policy.refusal(remote)
        if (why !== undefined) req.destroy(unreachable('image host connection to', why))
      }
      if (socket.remoteAddress !== undefined && !socket.connecting) check()
      else socket.once('connect', check)
    })
    req.on('response', (res) => resolve({ res, req }))
    req.on('error', reject)
    req.end()
  })
}

function readCapped(hop: Hop, maxBytes: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = []
    let total = 0
    hop.res.on('data', (chunk: Buffer) => {
      total += chunk.length
      if (total > maxBytes) {
        hop.req.destroy()
        reject(new PayloadTooLargeError(`image is larger than ${maxBytes} bytes`))
        return
      }
      chunks.push(chunk)
    })
    hop.res.on('end', () => resolve(Buffer.concat(chunks, total)))
    hop.res.on('error', reject)
    hop.res.on('aborted', () => reject(new UpstreamError('image download was cut short')))
  })
}

function acceptableType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false
  const t = contentType.split(';')[0]?.trim().toLowerCase() ?? ''
  return t.startsWith('image/') || t === 'application/octet-stream'
}

/** Fetches an image's bytes under the settings' caps and address policies. */
export async function fetchImage(raw: string, settings: FetchSettings): Promise<Buffer> {
  let target = resolveImageUrl(raw, settings.ipfsGateway)
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), settings.timeoutMs)
  try {
    for (let hop = 0; ; hop++) {
      const current = await requestOnce(target, settings, controller.signal, hop === 0)
      const { res } = current
      const status = res.statusCode ?? 0
      if (REDIRECTS.has(status) && res.headers.location !== undefined) {
        res.resume()
        if (hop >= settings.maxRedirects) {
          throw new UpstreamError(`image URL redirected more than ${settings.maxRedirects} times`)
        }
        target = redirectTarget(target, res.headers.location, settings.ipfsGateway)
        continue
      }
      if (status !== 200) {
        res.resume()
        throw new UpstreamError('image host did not answer with the image', {
          cause: new Error(`HTTP ${status}`),
        })
      }
      const contentType = res.headers['content-type']
      if (!acceptableType(contentType)) {
        res.resume()
        throw new UnsupportedMediaTypeError(
          'image host did not send an image (image/* or application/octet-stream)',
          { cause: new Error(`content type ${contentType ?? '(none)'}`) },
        )
      }
      const length = Number(res.headers['content-length'])
      if (Number.isFinite(length) && length > settings.maxBytes) {
        current.req.destroy()
        throw new PayloadTooLargeError(`image is larger than ${settings.maxBytes} bytes`)
      }
      return await readCapped(current, settings.maxBytes)
    }
  } catch (err) {
    if (controller.signal.aborted) {
      throw new TimeoutError(`image fetch took longer than ${settings.timeoutMs} ms`, {
        cause: err,
      })
    }
    if (err instanceof AdapterError) throw err
    throw new UpstreamError('image could not be fetched', { cause: err })
  } finally {
    clearTimeout(timer)
  }
}
