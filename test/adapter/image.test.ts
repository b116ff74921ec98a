/**
 * @jest-environment ./test/models/ort-test-environment.js
 */
/*
 * Image inference over the bundled damage-v1 model: inline and remote images (ipfs:// through a
 * gateway served from 127.0.0.1 and allow-listed), digest checks, size and pixel caps, upstream
 * failures, overload (429 with Retry-After), and the SSRF guards: the allow-list scopes only the
 * gateway, ipfs:// paths never leave the gateway's /ipfs/<cid>/ tree, and error texts never carry
 * what the fetched side said (status, content type, digest, addresses).
 */
import { createHash } from 'node:crypto'

import sharp from 'sharp'
import request from 'supertest'

import { startTestAdapter, type TestAdapter } from './helpers'
import { TEST_CID, damageSamples, ipfsUrl, startImageHost, type ImageHost } from './image-server'

const samples = damageSamples()
const sample = samples[0]
if (sample === undefined) throw new Error('damage-v1 has no samples')

describe('image inference (damage-v1)', () => {
  let host: ImageHost
  let adapter: TestAdapter

  beforeAll(async () => {
    host = await startImageHost()
    adapter = await startTestAdapter({
      FETCH_ALLOWLIST: '127.0.0.1/32',
      IPFS_GATEWAY: host.base,
      FETCH_TIMEOUT_MS: '500',
      FETCH_MAX_BYTES: String(1024 * 1024),
      FETCH_MAX_REDIRECTS: '2',
    })
  })

  afterAll(async () => {
    await adapter.close()
    await host.close()
  })

  const post = (image: Record<string, string>, target: TestAdapter = adapter) =>
    request(target.listener)
      .post('/')
      .send({ id: 'img-1', data: { model: 'damage-v1', image } })

  it('classifies every bundled sample, inline, as its labelled class', async () => {
    for (const s of samples) {
      const res = await post({ base64: s.bytes.toString('base64'), sha256: s.sha256 })
      expect(res.status).toBe(200)
      expect(res.body.result).toBe(String(s.classIndex))
      expect(res.body.data.label).toBe(s.label)
      expect(res.body.data.inputHash).toBe(s.sha256)
      expect(res.body.data.outputs).toHaveLength(4)
    }
  })

  it('fetches ipfs:// URLs through the gateway to the same answer as inline bytes', async () => {
    const s = samples[1] ?? sample
    const inline = await post({ base64: s.bytes.toString('base64'), sha256: s.sha256 })
    for (const url of [ipfsUrl(s.file), `ipfs://ipfs/${TEST_CID}/img/${s.file}`]) {
      const res = await post({ url, sha256: s.sha256 })
      expect(res.status).toBe(200)
      expect(res.body.data.outputs).toEqual(inline.body.data.outputs)
      expect(res.body.data.inputHash).toBe(s.sha256)
    }
    expect(host.requested).toContain(`/ipfs/${TEST_CID}/${s.file}`)
  })

  it('follows redirects within the limit and refuses beyond it (502)', async () => {
    const s = samples[2] ?? sample
    const ok = await post({ url: ipfsUrl(`redirect/2/${s.file}`), sha256: s.sha256 })
    expect(ok.status).toBe(200)
    const tooMany = await post({ url: ipfsUrl(`redirect/3/${s.file}`), sha256: s.sha256 })
    expect(tooMany.status).toBe(502)
    expect(tooMany.body.error.message).toMatch(/redirected more than 2 times/)
  })

  it('wrong digest -> 422 (inline and fetched), whatever the decode gives', async () => {
    const wrong = `0x${'00'.repeat(32)}`
    const inline = await post({ base64: sample.bytes.toString('base64'), sha256: wrong })
    expect(inline.status).toBe(422)
    expect(inline.body.error).toEqual({
      name: 'UnprocessableError',
      message: 'image bytes do not match the requested sha256',
    })
    const fetched = await post({ url: ipfsUrl(sample.file), sha256: wrong })
    expect(fetched.status).toBe(422)
  })

  it('never answers from the cache for bytes that do not match the digest (422), nor for undecodable ones', async () => {
    const s = samples[3] ?? sample
    const ok = await post({ base64: s.bytes.toString('base64'), sha256: s.sha256 })
    expect(ok.status).toBe(200)
    // Same digest, so the same cache key, but other bytes: another sample, and junk.
    const other = samples.find((x) => x.sha256 !== s.sha256) ?? sample
    for (const bytes of [other.bytes, Buffer.from('not an image')]) {
      const res = await post({ base64: bytes.toString('base64'), sha256: s.sha256 })
      expect(res.status).toBe(422)
      expect(res.body.error.message).toBe('image bytes do not match the requested sha256')
    }
    // And the genuine bytes are still answered (from the cache) as before.
    const again = await post({ base64: s.bytes.toString('base64'), sha256: s.sha256 })
    expect(again.body.data.outputs).toEqual(ok.body.data.outputs)
  })

  it('bad image specs -> 400', async () => {
    const noDigest = await post({ url: ipfsUrl(sample.file) })
    expect(noDigest.status).toBe(400)
    const both = await post({ url: 'http://x/y.png', base64: 'AAAA', sha256: sample.sha256 })
    expect(both.body.error.message).toMatch(/exactly one of "url" and "base64"/)
    const scheme = await post({ url: 'file:///etc/passwd', sha256: sample.sha256 })
    expect(scheme.status).toBe(400)
    expect(scheme.body.error.message).toMatch(/unsupported image URL scheme "file:"/)
    const missing = await request(adapter.listener)
      .post('/')
      .send({ id: 'x', data: { model: 'damage-v1' } })
    expect(missing.body.error.message).toMatch(/"data.image" is required/)
  })

  it('undecodable bytes with a matching digest -> 422', async () => {
    const junk = Buffer.from('definitely not a png')
    const digest = `0x${createHash('sha256').update(junk).digest('hex')}`
    const res = await post({ base64: junk.toString('base64'), sha256: digest })
    expect(res.status).toBe(422)
    expect(res.body.error.message).toMatch(/cannot be decoded/)
  })

  it('wrong content type -> 415, upstream 404 -> 502, oversized download -> 413, slow host -> 504', async () => {
    const d = sample.sha256
    const html = await post({ url: ipfsUrl('html'), sha256: d })
    expect(html.status).toBe(415)
    const missing = await post({ url: ipfsUrl('nothing.png'), sha256: d })
    expect(missing.status).toBe(502)
    const big = await post({ url: ipfsUrl('chunked-big'), sha256: d })
    expect(big.status).toBe(413)
    const slow = await post({ url: ipfsUrl(`slow/${sample.file}`), sha256: d })
    expect(slow.status).toBe(504)
    expect(slow.body.error.name).toBe('TimeoutError')
  })

  it('SSRF: error texts do not leak the fetched status, content type or digest', async () => {
    const wrong = `0x${'00'.repeat(32)}`
    const answers = [
      await post({ url: ipfsUrl('nothing.png'), sha256: sample.sha256 }),
      await post({ url: ipfsUrl('html'), sha256: sample.sha256 }),
      await post({ url: ipfsUrl(sample.file), sha256: wrong }),
      await post({ url: ipfsUrl('redirect-metadata'), sha256: sample.sha256 }),
    ]
    expect(answers.map((a) => a.status)).toEqual([502, 415, 422, 403])
    const texts = answers.map((a) => JSON.stringify(a.body))
    for (const leak of ['404', 'text/html', sample.sha256.slice(2), '169.254', 'meta-data']) {
      expect(texts.filter((t) => t.includes(leak))).toEqual([])
    }
  })

  it('SSRF: a redirect to the metadata address is refused (403) even with loopback allow-listed', async () => {
    const res = await post({ url: ipfsUrl('redirect-metadata'), sha256: sample.sha256 })
    expect(res.status).toBe(403)
    expect(res.body.error).toEqual({
      name: 'ForbiddenError',
      message: 'image URL redirected to an address the adapter may not reach',
    })
  })

  it('SSRF: FETCH_ALLOWLIST scopes only the gateway; an http URL to the allow-listed address is refused (403)', async () => {
    const before = host.requested.length
    const port = new URL(host.base).port
    for (const url of [
      `${host.base}/img/${sample.file}`,
      `${host.base}/ipfs/${TEST_CID}/${sample.file}`,
      `http://localhost:${port}/img/${sample.file}`,
    ]) {
      const res = await post({ url, sha256: sample.sha256 })
      expect([url, res.status]).toEqual([url, 403])
    }
    expect(host.requested.slice(before)).toEqual([])
  })

  it('SSRF: a gateway redirect that leaves /ipfs/ is judged as any host (403)', async () => {
    const before = host.requested.length
    const res = await post({ url: ipfsUrl(`redirect-out/${sample.file}`), sha256: sample.sha256 })
    expect(res.status).toBe(403)
    // The redirect was fetched; its target outside /ipfs/ never was.
    expect(host.requested.slice(before)).toEqual([`/ipfs/${TEST_CID}/redirect-out/${sample.file}`])
  })

  it("SSRF: ipfs:// path traversal and malformed CIDs never leave the gateway's /ipfs/<cid>/ path", async () => {
    const before = host.requested.length
    const hostile = [
      'ipfs://bafy/../../admin/secret',
      `ipfs://${TEST_CID}/../../admin/secret`,
      `ipfs://${TEST_CID}/%2e%2e/%2e%2e/admin/secret`,
      `ipfs://${TEST_CID}/%2E%2E/admin`,
      `ipfs://${TEST_CID}/.%2e/admin`,
      `ipfs://${TEST_CID}/%2e./admin`,
      `ipfs://${TEST_CID}/./img/${sample.file}`,
      `ipfs://${TEST_CID}/..%2f..%2fadmin`,
      `ipfs://${TEST_CID}/..%2F..%2Fadmin`,
      `ipfs://${TEST_CID}\\..\\..\\admin`,
      `ipfs://${TEST_CID}/..\\..\\admin`,
      `ipfs://${TEST_CID}/%5c..%5cadmin`,
      `ipfs://${TEST_CID}/a?x=/../../admin`,
      `ipfs://${TEST_CID}/a#/../../admin`,
      `ipfs://${TEST_CID}//admin`,
      `ipfs://${TEST_CID}/%00admin`,
      `ipfs://${TEST_CID}/%zz`,
      `ipfs://${TEST_CID}/%c0%ae%c0%ae/admin`,
      'ipfs://../admin',
      'ipfs://ipfs/../admin',
      `ipfs://${TEST_CID}@127.0.0.2/admin`,
      `ipfs://${TEST_CID}:80/admin`,
      'ipfs://',
    ]
    for (const url of hostile) {
      const res = await post({ url, sha256: sample.sha256 })
      expect([url, res.status, res.body.error?.name]).toEqual([url, 400, 'InputError'])
    }
    expect(host.requested.slice(before)).toEqual([])
  })

  describe('with tighter limits and no allow-list', () => {
    let strict: TestAdapter

    beforeAll(async () => {
      strict = await startTestAdapter({
        FETCH_MAX_BYTES: '5000',
        FETCH_MAX_PIXELS: '1000',
        QUEUE_LIMIT: '1',
        CACHE_MAX_ENTRIES: '0',
        IPFS_GATEWAY: host.base,
      })
    })

    afterAll(async () => {
      await strict.close()
    })

    it('refuses loopback addresses, as literals and through DNS (403), naming no resolved address', async () => {
      const literal = await post(
        { url: `${host.base}/img/${sample.file}`, sha256: sample.sha256 },
        strict,
      )
      expect(literal.status).toBe(403)
      expect(literal.body.error).toEqual({
        name: 'ForbiddenError',
        message: 'image URL points to a blocked address 127.0.0.1 is loopback',
      })
      const port = new URL(host.base).port
      const named = await post(
        { url: `http://localhost:${port}/img/${sample.file}`, sha256: sample.sha256 },
        strict,
      )
      expect(named.status).toBe(403)
      expect(named.body.error.message).toBe(
        'image host resolves to an address the adapter may not reach',
      )
      const mapped = await post(
        { url: `http://[::ffff:127.0.0.1]:${port}/img/${sample.file}`, sha256: sample.sha256 },
        strict,
      )
      expect(mapped.status).toBe(403)
      // Without the allow-list, the loopback gateway itself is refused too.
      const gateway = await post({ url: ipfsUrl(sample.file), sha256: sample.sha256 }, strict)
      expect(gateway.status).toBe(403)
    })

    it('oversized inline image -> 413 (bytes), image over the pixel cap -> 413 (pixels)', async () => {
      const bytes = await post(
        { base64: sample.bytes.toString('base64'), sha256: sample.sha256 },
        strict,
      )
      expect(bytes.status).toBe(413)
      expect(bytes.body.error.message).toMatch(/larger than 5000 bytes/)
      const small = await sharp({
        create: { width: 40, height: 40, channels: 3, background: '#808080' },
      })
        .png()
        .toBuffer()
      const digest = `0x${createHash('sha256').update(small).digest('hex')}`
      const pixels = await post({ base64: small.toString('base64'), sha256: digest }, strict)
      expect(pixels.status).toBe(413)
      expect(pixels.body.error.message).toMatch(/more than 1000 pixels/)
    })
  })

  it('beyond the queue limit answers 429 with Retry-After, and recovers', async () => {
    const limited = await startTestAdapter({
      FETCH_ALLOWLIST: '127.0.0.1/32',
      IPFS_GATEWAY: host.base,
      QUEUE_LIMIT: '1',
      CACHE_MAX_ENTRIES: '0',
    })
    try {
      const parked = post(
        { url: ipfsUrl(`hold/${sample.file}`), sha256: sample.sha256 },
        limited,
      ).then((r) => r)
      // Wait until the parked request is in flight.
      for (
        let i = 0;
        i < 100 &&
        (await request(limited.listener).get('/metrics')).text.indexOf('inference_queue_depth 1') <
          0;
        i++
      ) {
        await new Promise((r) => setTimeout(r, 20))
      }
      const refused = await post(
        { base64: sample.bytes.toString('base64'), sha256: sample.sha256 },
        limited,
      )
      expect(refused.status).toBe(429)
      expect(refused.headers['retry-after']).toBe('1')
      expect(refused.body).toMatchObject({ jobRunID: 'img-1', status: 'errored', statusCode: 429 })
      expect(refused.body.error.name).toBe('OverloadError')
      host.release()
      expect((await parked).status).toBe(200)
      const after = await post(
        { base64: sample.bytes.toString('base64'), sha256: sample.sha256 },
        limited,
      )
      expect(after.status).toBe(200)
    } finally {
      host.release()
      await limited.close()
    }
  })
})
