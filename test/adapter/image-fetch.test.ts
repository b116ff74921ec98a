/*
 * The image fetcher on its own: how request URLs map to targets (ipfs:// only ever inside the
 * gateway's /ipfs/<cid> tree), and which address policy judges each hop. A test can hand the
 * fetcher a host policy that allows loopback (the server never does: its host policy is public
 * addresses only), which is how the plain-http path is exercised here on 127.0.0.1.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

import { ForbiddenError, InputError } from '../../adapter/src/errors'
import { AddressPolicy } from '../../adapter/src/input/address-policy'
import {
  fetchImage,
  resolveImageUrl,
  type FetchSettings,
} from '../../adapter/src/input/image-fetch'
import { TEST_CID, damageSamples, startImageHost, type ImageHost } from './image-server'

const CID_V0 = 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG'
const sample = damageSamples()[0]
if (sample === undefined) throw new Error('damage-v1 has no samples')

describe('resolveImageUrl', () => {
  const gw = 'https://gw.example'

  it('maps ipfs:// to <gateway>/ipfs/<cid>/<path>, keeping the CID as written', () => {
    const cases: [string, string, string][] = [
      [`ipfs://${TEST_CID}/a.png`, gw, `${gw}/ipfs/${TEST_CID}/a.png`],
      [`ipfs://${CID_V0}/dir/a%20b.png`, gw, `${gw}/ipfs/${CID_V0}/dir/a%20b.png`],
      [`ipfs://ipfs/${TEST_CID}`, gw, `${gw}/ipfs/${TEST_CID}`],
      [`ipfs://${TEST_CID}/a.png`, `${gw}/base`, `${gw}/base/ipfs/${TEST_CID}/a.png`],
    ]
    for (const [raw, gateway, expected] of cases) {
      const target = resolveImageUrl(raw, gateway)
      expect([raw, target.url.href, target.viaGateway]).toEqual([raw, expected, true])
    }
  })

  it('http(s) URLs are never gateway fetches, even on the gateway itself', () => {
    const target = resolveImageUrl(`${gw}/ipfs/${TEST_CID}/a.png`, gw)
    expect(target.viaGateway).toBe(false)
  })

  it.each([
    ['a short "CID"', 'ipfs://bafy/../../admin/secret'],
    ['a dot-dot segment', `ipfs://${TEST_CID}/../admin`],
    ['an encoded dot-dot segment', `ipfs://${TEST_CID}/%2e%2E/admin`],
    ['a half-encoded dot segment', `ipfs://${TEST_CID}/.%2e/admin`],
    ['an encoded slash', `ipfs://${TEST_CID}/..%2fadmin`],
    ['a backslash', `ipfs://${TEST_CID}\\..\\admin`],
    ['an encoded backslash', `ipfs://${TEST_CID}/%5C..%5Cadmin`],
    ['an encoded NUL', `ipfs://${TEST_CID}/a%00.png`],
    ['a query', `ipfs://${TEST_CID}/a.png?x=1`],
    ['a fragment', `ipfs://${TEST_CID}/a.png#x`],
    ['an empty segment', `ipfs://${TEST_CID}//a.png`],
    ['an invalid escape', `ipfs://${TEST_CID}/%e0%a4`],
    ['a host and port for a CID', 'ipfs://127.0.0.1:8080/a.png'],
  ])('refuses an ipfs:// URL with %s (400)', (_, raw) => {
    expect(() => resolveImageUrl(raw, gw)).toThrow(InputError)
  })
})

describe('fetchImage address policies', () => {
  let host: ImageHost
  let redirector: Server
  let redirectorBase: string
  const publicOnly = new AddressPolicy([])
  const loopback1 = new AddressPolicy(['127.0.0.1/32'])
  const settings = (over: Partial<FetchSettings>): FetchSettings => ({
    maxBytes: 1024 * 1024,
    timeoutMs: 2000,
    maxRedirects: 2,
    ipfsGateway: host.base,
    gatewayPolicy: loopback1,
    hostPolicy: publicOnly,
    ...over,
  })

  beforeAll(async () => {
    host = await startImageHost()
    // On 127.0.0.2: redirects to whatever `?u=` names.
    redirector = createServer((req, res) => {
      const u = new URL(req.url ?? '/', 'http://x').searchParams.get('u') ?? '/'
      res.writeHead(302, { location: u }).end()
    })
    await new Promise<void>((r) => redirector.listen(0, '127.0.0.2', r))
    redirectorBase = `http://127.0.0.2:${(redirector.address() as AddressInfo).port}`
  })

  afterAll(async () => {
    redirector.closeAllConnections()
    await new Promise((r) => redirector.close(r))
    await host.close()
  })

  it('fetches an http URL under the host policy it is given', async () => {
    const bytes = await fetchImage(
      `${host.base}/img/${sample.file}`,
      settings({ hostPolicy: loopback1 }),
    )
    expect(bytes.equals(sample.bytes)).toBe(true)
  })

  it('fetches ipfs:// under the gateway policy, and only that fetch', async () => {
    const bytes = await fetchImage(`ipfs://${TEST_CID}/${sample.file}`, settings({}))
    expect(bytes.equals(sample.bytes)).toBe(true)
    await expect(fetchImage(`${host.base}/img/${sample.file}`, settings({}))).rejects.toThrow(
      ForbiddenError,
    )
  })

  it('a redirect from a host to the gateway does not earn the gateway policy', async () => {
    const before = host.requested.length
    const toGateway = `${host.base}/ipfs/${TEST_CID}/${sample.file}`
    const url = `${redirectorBase}/?u=${encodeURIComponent(toGateway)}`
    const hostAllowsRedirector = new AddressPolicy(['127.0.0.2/32'])
    await expect(
      fetchImage(url, settings({ hostPolicy: hostAllowsRedirector })),
    ).rejects.toMatchObject({
      statusCode: 403,
      message: 'image URL redirected to an address the adapter may not reach',
    })
    expect(host.requested.slice(before)).toEqual([])
  })
})
