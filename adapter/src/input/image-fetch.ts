/**
 * SSRF-safe image fetching. http(s) URLs are fetched directly; `ipfs://<cid>/<path>` through the
 * configured gateway (`<gateway>/ipfs/<cid>/<path>`). Every connection is checked against the
 * address policy on the resolved IP at connect time (a DNS lookup hook, plus a check of the
 * socket's remote address), for the first URL and after every redirect, so DNS rebinding and
 * redirects to internal hosts are refused. Bytes, time and redirects are capped; the content type
 * must be an image (or application/octet-stream, as IPFS gateways may send).
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
  policy: AddressPolicy
}

const REDIRECTS = new Set([301, 302, 303, 307, 308])
const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 })
const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64 })

/** Maps a request URL (http, https, ipfs) to the http(s) URL to fetch. */
export function resolveImageUrl(raw: string, ipfsGateway: string): URL {
  if (raw.startsWith('ipfs://')) {
    // Not through `new URL`: a URL host is lower-cased, and CIDv0 (Qm...) is case-sensitive.
    const rest = raw.slice('ipfs://'.length).replace(/^ipfs\//, '')
    if (!/^[A-Za-z0-9]+(\/[^?#]*)?$/.test(rest)) throw new InputError(`invalid ipfs URL "${raw}"`)
    return new URL(`${ipfsGateway}/ipfs/${rest}`)
  }
  let url: URL
  try {
    url = new URL(raw)
  } catch (err) {
    throw new InputError(`invalid image URL "${raw}"`, { cause: err })
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InputError(`unsupported image URL scheme "${url.protocol}" (http, https, ipfs)`)
  }
  return url
}

function guardedLookup(policy: AddressPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err, '', 0)
      for (const a of addresses) {
        const why = policy.refusal(a.address)
        if (why !== undefined) {
          return callback(
            new ForbiddenError(`image host ${hostname} resolves to a blocked ${why}`),
            '',
            0,
          )
        }
      }
      if (options.all)
        return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses)
      const first = addresses[0]
      if (first === undefined)
        return callback(new UpstreamError(`${hostname} has no address`), '', 0)
      return callback(null, first.address, first.family)
    })
  }
}

interface Hop {
  res: http.IncomingMessage
  req: http.ClientRequest
}

function requestOnce(url: URL, settings: FetchSettings, signal: AbortSignal): Promise<Hop> {
  const host = url.hostname.replace(/^\[|\]$/g, '')
  // An IP literal is judged here; a name is judged on each address its lookup returns.
  const literal = isIP(host) === 0 ? undefined : settings.policy.refusal(host)
  if (literal !== undefined) {
    return Promise.reject(new ForbiddenError(`image URL points to a blocked ${literal}`))
  }
  return new Promise<Hop>((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http
    const req = mod.request(url, {
      method: 'GET',
      agent: url.protocol === 'https:' ? httpsAgent : httpAgent,
      lookup: guardedLookup(settings.policy),
      headers: { accept: 'image/*', 'user-agent': 'onnx-oracle-adapter' },
      signal,
    })
    req.on('socket', (socket: Socket) => {
      const check = (): void => {
        const remote = socket.remoteAddress
        const why = remote === undefined ? undefined : settings.policy.refusal(remote)
        if (why !== undefined)
          req.destroy(new ForbiddenError(`image host connection to a blocked ${why}`))
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

/** Fetches an image's bytes under the settings' caps and address policy. */
export async function fetchImage(raw: string, settings: FetchSettings): Promise<Buffer> {
  let url = resolveImageUrl(raw, settings.ipfsGateway)
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), settings.timeoutMs)
  try {
    for (let hop = 0; ; hop++) {
      const current = await requestOnce(url, settings, controller.signal)
      const { res } = current
      const status = res.statusCode ?? 0
      if (REDIRECTS.has(status) && res.headers.location !== undefined) {
        res.resume()
        if (hop >= settings.maxRedirects) {
          throw new UpstreamError(`image URL redirected more than ${settings.maxRedirects} times`)
        }
        const next = new URL(res.headers.location, url)
        if (next.protocol !== 'http:' && next.protocol !== 'https:') {
          throw new UpstreamError(`image URL redirected to unsupported scheme ${next.protocol}`)
        }
        url = next
        continue
      }
      if (status !== 200) {
        res.resume()
        throw new UpstreamError(`image host answered HTTP ${status}`)
      }
      if (!acceptableType(res.headers['content-type'])) {
        res.resume()
        throw new UnsupportedMediaTypeError(
          `image host sent content type "${res.headers['content-type'] ?? '(none)'}", expected image/*`,
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
    throw new UpstreamError(`image fetch failed: ${(err as Error).message}`, { cause: err })
  } finally {
    clearTimeout(timer)
  }
}
