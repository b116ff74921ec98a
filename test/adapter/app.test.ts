/**
 * @jest-environment ./test/models/ort-test-environment.js
 */
/*
 * The adapter's HTTP contract over the bundled tabular model (risk-v1), through the real request
 * listener (Express plus the `POST /` dispatch) and real ONNX Runtime: every endpoint, every error
 * class, cache hits, signatures and metrics. Then `POST /` through every dispatch: the listener's
 * fast path, the exported Express app, and that app mounted inside another Express app (at `/` or
 * a prefix) give byte-identical answers and errors (one error renderer) and count each request
 * once (one metrics path): mounting the app used to count it twice.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer, type RequestListener } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import { join } from 'node:path'

import canonicalize from 'canonicalize'
import { verifyTypedData } from 'ethers'
import express from 'express'
import request from 'supertest'

import { BUNDLED_MODEL_DIR } from '../../adapter/src/config'
import { EIP712_DOMAIN, INFERENCE_TYPES, inferenceLeaf, toHex } from '../../protocol/answer-digest'
import { manifestHash } from '../../protocol/manifest'
import {
  TEST_SIGNER_ADDRESS,
  TEST_SIGNER_KEY,
  bundledManifest,
  riskFeatures,
  startTestAdapter,
  type TestAdapter,
} from './helpers'

const risk = bundledManifest('risk-v1')
const FEATURES = riskFeatures(7)

function metricValue(text: string, line: string): number {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `))
  return found === undefined ? 0 : Number(found.slice(line.length + 1))
}

describe('adapter HTTP contract (risk-v1)', () => {
  let adapter: TestAdapter

  beforeAll(async () => {
    adapter = await startTestAdapter({
      API_KEYS: 'k-one,k-two',
      SIGNER_PRIVATE_KEY: TEST_SIGNER_KEY,
    })
  })

  afterAll(async () => {
    await adapter.close()
  })

  const post = (body: unknown, key = 'k-one') =>
    request(adapter.listener)
      .post('/')
      .set('authorization', `Bearer ${key}`)
      .send(body as object)

  it('answers an inference in the external-adapter format', async () => {
    const res = await post({ id: 'run-42', data: { model: 'risk-v1', features: FEATURES } })
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toMatch(/^application\/json/)
    const body = res.body
    expect(body.jobRunID).toBe('run-42')
    expect(body.statusCode).toBe(200)
    expect(body.result).toMatch(/^\d+$/)
    expect(body.data.result).toBe(body.result)
    expect(body.data.model).toBe('risk-v1')
    expect(body.data.modelVersion).toBe(risk.version)
    expect(body.data.modelHash).toBe(risk.file.sha256)
    const canonical = canonicalize(FEATURES) as string
    expect(body.data.inputHash).toBe(`0x${createHash('sha256').update(canonical).digest('hex')}`)
    expect(body.data.scale).toBe(risk.outputs.scale)
    expect(body.data.outputs).toHaveLength(risk.outputs.labels.length)
    const rule = risk.outputs.result
    if (rule.kind === 'probability') {
      expect(body.data.result).toBe(body.data.outputs[rule.index])
      expect(body.data.label).toBe(risk.outputs.labels[rule.index])
      // Probabilities of a softmax/sigmoid pair sum to the scale, give or take rounding.
      const sum = body.data.outputs.reduce((a: number, o: string) => a + Number(o), 0)
      expect(Math.abs(sum - risk.outputs.scale)).toBeLessThanOrEqual(2)
    }
    expect(Object.keys(body.data)).toEqual([
      'result',
      'model',
      'modelVersion',
      'modelHash',
      'manifestHash',
      'inputHash',
      'label',
      'outputs',
      'scale',
      'signer',
      'signature',
      'leaf',
      'proof',
    ])
    expect(body.data.manifestHash).toBe(
      manifestHash(
        JSON.parse(readFileSync(join(BUNDLED_MODEL_DIR, 'risk-v1', 'manifest.json'), 'utf8')),
      ),
    )
  })

  it('signs (model hash, manifest hash, input hash, result, job run id) with EIP-712, recoverable to the operator', async () => {
    const res = await post({ id: 'job-sig', data: { model: 'risk-v1', features: FEATURES } })
    expect(res.status).toBe(200)
    const d = res.body.data
    expect(d.signer).toBe(TEST_SIGNER_ADDRESS)
    expect(d.signature).toMatch(/^0x[0-9a-f]{130}$/)
    const v = parseInt(d.signature.slice(130), 16)
    expect([27, 28]).toContain(v)
    const message = {
      modelHash: d.modelHash,
      manifestHash: d.manifestHash,
      inputHash: d.inputHash,
      result: BigInt(d.result),
      jobRunId: 'job-sig',
    }
    // Alone in its turn: a batch of one, a plain EIP-712 signature whose leaf is the answer's.
    expect(d.proof).toEqual([])
    expect(d.leaf).toBe(toHex(inferenceLeaf(message)))
    expect(verifyTypedData(EIP712_DOMAIN, INFERENCE_TYPES, message, d.signature)).toBe(
      TEST_SIGNER_ADDRESS,
    )
    // Bound to the job run id: another id does not recover to the operator.
    expect(
      verifyTypedData(
        EIP712_DOMAIN,
        INFERENCE_TYPES,
        { ...message, jobRunId: 'other' },
        d.signature,
      ),
    ).not.toBe(TEST_SIGNER_ADDRESS)
  })

  it('serves a repeated input from the cache (same answer, hit counter moves)', async () => {
    const features = riskFeatures(99)
    const before = await request(adapter.listener).get('/metrics')
    const hits0 = metricValue(before.text, 'cache_hits_total{model="risk-v1"}')
    const misses0 = metricValue(before.text, 'cache_misses_total{model="risk-v1"}')
    const first = await post({ id: 'a', data: { model: 'risk-v1', features } })
    const second = await post({ id: 'b', data: { model: 'risk-v1', features } })
    expect(second.body.data.outputs).toEqual(first.body.data.outputs)
    expect(second.body.data.inputHash).toBe(first.body.data.inputHash)
    expect(second.body.jobRunID).toBe('b')
    const after = await request(adapter.listener).get('/metrics')
    expect(metricValue(after.text, 'cache_hits_total{model="risk-v1"}')).toBe(hits0 + 1)
    expect(metricValue(after.text, 'cache_misses_total{model="risk-v1"}')).toBe(misses0 + 1)
  })

  it('echoes a numeric id as a string and uses "1" when the id is absent', async () => {
    const numeric = await post({ id: 7, data: { model: 'risk-v1', features: FEATURES } })
    expect(numeric.body.jobRunID).toBe('7')
    const none = await post({ data: { model: 'risk-v1', features: FEATURES } })
    expect(none.status).toBe(200)
    expect(none.body.jobRunID).toBe('1')
  })

  describe('errors: EA error body with the same HTTP status', () => {
    const expectError = (
      res: request.Response,
      status: number,
      name: string,
      message: RegExp,
      jobRunID = 'e1',
    ) => {
      expect(res.status).toBe(status)
      expect(res.body).toEqual({
        jobRunID,
        status: 'errored',
        statusCode: status,
        error: { name, message: expect.stringMatching(message) },
      })
    }

    it('malformed JSON -> 400', async () => {
      const res = await request(adapter.listener)
        .post('/')
        .set('authorization', 'Bearer k-one')
        .set('content-type', 'application/json')
        .send('{"id":"e1","data":')
      expectError(res, 400, 'InputError', /not valid JSON/, '1')
    })

    it('missing data -> 400', async () => {
      expectError(await post({ id: 'e1' }), 400, 'InputError', /"data" is required/)
    })

    it('unknown model -> 404 naming the served ones', async () => {
      const res = await post({ id: 'e1', data: { model: 'nope-v9', features: FEATURES } })
      expectError(res, 404, 'NotFoundError', /"nope-v9" is not served \(served: .*risk-v1/)
    })

    it('missing feature -> 400 naming it', async () => {
      const first = risk.inputs.kind === 'tabular' ? (risk.inputs.features[0]?.name ?? '') : ''
      const features: Record<string, number> = { ...FEATURES }
      delete features[first]
      const res = await post({ id: 'e1', data: { model: 'risk-v1', features } })
      expectError(res, 400, 'InputError', new RegExp(`feature "${first}" is missing`))
    })

    it('unknown feature -> 400 naming it', async () => {
      const res = await post({
        id: 'e1',
        data: { model: 'risk-v1', features: { ...FEATURES, shoe_size: 44 } },
      })
      expectError(res, 400, 'InputError', /unknown feature "shoe_size"/)
    })

    it('out-of-range feature -> 400 naming it and its range', async () => {
      if (risk.inputs.kind !== 'tabular') throw new Error('risk-v1 must be tabular')
      const f = risk.inputs.features[0]
      if (f === undefined) throw new Error('no feature')
      const res = await post({
        id: 'e1',
        data: { model: 'risk-v1', features: { ...FEATURES, [f.name]: f.max + 1 } },
      })
      expectError(
        res,
        400,
        'InputError',
        new RegExp(`"${f.name}" must be between ${f.min} and ${f.max}`),
      )
    })

    it('a string where a number belongs -> 400', async () => {
      if (risk.inputs.kind !== 'tabular') throw new Error('risk-v1 must be tabular')
      const name = risk.inputs.features[1]?.name ?? ''
      const res = await post({
        id: 'e1',
        data: { model: 'risk-v1', features: { ...FEATURES, [name]: '3' } },
      })
      expectError(res, 400, 'InputError', new RegExp(`"${name}" must be a number`))
    })

    it('missing or wrong API key -> 401, keys compared in full', async () => {
      // Refused from the headers before the body is read: the body's id is not echoed.
      const body = { id: 'e1', data: { model: 'risk-v1', features: FEATURES } }
      const unauthorised = (res: request.Response) =>
        expectError(res, 401, 'AuthError', /API key/, '1')
      unauthorised(await request(adapter.listener).post('/').send(body))
      unauthorised(await post(body, 'k-on'))
      unauthorised(await post(body, 'k-one-'))
      // The second key works, and so does the X-API-Key header of the Functions sources.
      expect((await post(body, 'k-two')).status).toBe(200)
      const viaHeader = await request(adapter.listener)
        .post('/')
        .set('x-api-key', 'k-one')
        .send(body)
      expect(viaHeader.status).toBe(200)
    })

    it('body over the 1 MiB limit -> 413', async () => {
      const big = JSON.stringify({
        id: 'e1',
        data: { model: 'risk-v1', pad: 'x'.repeat(1_100_000) },
      })
      const res = await request(adapter.listener)
        .post('/')
        .set('authorization', 'Bearer k-one')
        .set('content-type', 'application/json')
        .send(big)
      expectError(res, 413, 'PayloadTooLargeError', /larger than 1048576 bytes/, '1')
    })

    it('oversized bodies: the client reads the 413 instead of write EPIPE', async () => {
      // Regression: the adapter used to answer 413 and close while the client was still writing,
      // so fetch failed with `write EPIPE` (reliability fuzz, bodies 1,858 and 3,192 of 10,000).
      const server = createServer(adapter.listener)
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
      const { port } = server.address() as AddressInfo
      try {
        for (const size of [1_100_000, 2_000_000, 3_000_000, 6_000_000]) {
          for (let i = 0; i < 5; i++) {
            const res = await fetch(`http://127.0.0.1:${port}/`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: 'Bearer k-one' },
              body: `{"id":"big","data":{"model":"risk-v1","pad":"${'x'.repeat(size)}"}}`,
            })
            expect(res.status).toBe(413)
            expect(((await res.json()) as { error: { name: string } }).error.name).toBe(
              'PayloadTooLargeError',
            )
          }
        }
      } finally {
        await new Promise((r) => server.close(r))
      }
    })

    it('oversized body written slowly: every byte is accepted, then the 413 is read', async () => {
      // A raw socket that declares 1.6 MB and sends it in 16 slow chunks: the adapter must not
      // close the connection before the last chunk (the writes would fail with EPIPE/ECONNRESET).
      const server = createServer(adapter.listener)
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
      const { port } = server.address() as AddressInfo
      try {
        const reply = await new Promise<string>((resolve, reject) => {
          const socket = connect(port, '127.0.0.1')
          let text = ''
          let ended = false
          let written = false
          const done = (): void => {
            if (ended && written) resolve(text)
          }
          socket.setEncoding('utf8')
          socket.on('data', (c: string) => (text += c))
          socket.on('end', () => {
            ended = true
            done()
          })
          socket.on('error', reject)
          socket.write(
            'POST / HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n' +
              'authorization: Bearer k-one\r\ncontent-length: 1600000\r\n\r\n',
          )
          let sent = 0
          const tick = (): void => {
            if (sent === 16) {
              written = true
              done()
              return
            }
            sent++
            socket.write(Buffer.alloc(100_000, 0x78), (err) => {
              if (err) reject(err)
              else setTimeout(tick, 20)
            })
          }
          tick()
        })
        expect(reply).toMatch(/^HTTP\/1\.1 413 /)
        expect(reply).toContain('PayloadTooLargeError')
      } finally {
        await new Promise((r) => server.close(r))
      }
    })

    it('unknown route -> JSON 404', async () => {
      const res = await request(adapter.listener).get('/nowhere')
      expectError(res, 404, 'NotFoundError', /no route GET \/nowhere/, '1')
    })
  })

  it('GET /health, /ready and /models', async () => {
    const health = await request(adapter.listener).get('/health')
    expect(health.status).toBe(200)
    expect(health.body).toEqual({ status: 'ok' })
    const ready = await request(adapter.listener).get('/ready')
    expect(ready.status).toBe(200)
    expect(ready.body.ready).toBe(true)
    expect(ready.body.models).toContain('risk-v1')
    const models = await request(adapter.listener).get('/models')
    expect(models.status).toBe(200)
    const served = models.body.models.find((m: { id: string }) => m.id === 'risk-v1')
    expect(served).toEqual(risk)
  })

  it('GET /metrics exposes HTTP, inference and batch metrics in Prometheus text', async () => {
    await post({ id: 'm', data: { model: 'risk-v1', features: riskFeatures(5) } })
    const res = await request(adapter.listener).get('/metrics')
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toMatch(/^text\/plain/)
    expect(
      metricValue(res.text, 'http_requests_total{method="POST",route="/",status_code="200"}'),
    ).toBeGreaterThan(0)
    expect(
      metricValue(res.text, 'http_requests_total{method="POST",route="/",status_code="401"}'),
    ).toBeGreaterThan(0)
    expect(res.text).toMatch(/^http_request_duration_seconds_bucket\{.*route="\/".*\} \d+/m)
    expect(metricValue(res.text, 'inference_batch_size_count{model="risk-v1"}')).toBeGreaterThan(0)
    expect(
      metricValue(res.text, 'inference_requests_total{model="risk-v1",outcome="computed"}'),
    ).toBeGreaterThan(0)
    expect(res.text).toContain('inference_queue_depth 0')
  })

  it('never logs the API keys or the signing key', () => {
    const text = adapter.logs.text()
    expect(text).toContain('"SIGNER_PRIVATE_KEY":"[set]"')
    expect(text).not.toContain(TEST_SIGNER_KEY.slice(2))
    expect(text).not.toContain('k-one')
    expect(text).not.toContain('k-two')
  })

  it('during shutdown answers 503 with Retry-After and /ready turns 503', async () => {
    const other = await startTestAdapter({})
    try {
      other.beginShutdown()
      const res = await request(other.listener)
        .post('/')
        .send({ id: 's1', data: { model: 'risk-v1', features: FEATURES } })
      expect(res.status).toBe(503)
      expect(res.headers['retry-after']).toBe('1')
      expect(res.body.error.name).toBe('UnavailableError')
      expect(res.body.jobRunID).toBe('s1')
      expect((await request(other.listener).get('/ready')).status).toBe(503)
      expect(await other.drain(1000)).toBe(true)
    } finally {
      await other.close()
    }
  })
})

/** Sum of the samples of `metric` whose labels start with `labels`. */
function metricSum(text: string, metric: string, labels: string): number {
  let sum = 0
  for (const line of text.split('\n')) {
    if (line.startsWith(`${metric}{${labels}`)) sum += Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return sum
}

describe('POST / through every dispatch', () => {
  let adapter: TestAdapter
  const ways: [string, () => RequestListener, string][] = []

  beforeAll(async () => {
    adapter = await startTestAdapter({})
    const mountedAtRoot = express()
    mountedAtRoot.use(adapter.app)
    const mountedAtPrefix = express()
    mountedAtPrefix.use('/ea', adapter.app)
    ways.push(
      ['the listener (fast path)', () => adapter.listener, '/'],
      ['the exported Express app', () => adapter.app, '/'],
      ['the app mounted in another Express app', () => mountedAtRoot, '/'],
      ['the app mounted at /ea in another Express app', () => mountedAtPrefix, '/ea'],
    )
  })

  afterAll(async () => {
    await adapter.close()
  })

  const scrape = async (): Promise<string> => (await request(adapter.listener).get('/metrics')).text

  it('answers alike and counts each request once', async () => {
    const answers: string[][] = []
    for (const [way, handler, path] of ways) {
      const before = await scrape()
      const post = (body: string) =>
        request(handler()).post(path).set('content-type', 'application/json').send(body)
      const bodies = [
        JSON.stringify({
          id: 'ok-1',
          data: { model: 'risk-v1', features: riskFeatures(1) },
        }),
        JSON.stringify({
          id: 'ok-2',
          data: { model: 'risk-v1', features: riskFeatures(2) },
        }),
        '{"id":"bad-json","data":',
        JSON.stringify({ id: 'no-model', data: { model: 'nope-v9', features: {} } }),
        JSON.stringify({ id: 'no-data' }),
      ]
      const got: string[] = []
      for (const body of bodies) {
        const res = await post(body)
        got.push(`${res.status} ${res.text}`)
      }
      expect(got.map((g) => g.slice(0, 3))).toEqual(['200', '200', '400', '404', '400'])
      const ready = await request(handler()).get(path === '/' ? '/ready' : `${path}/ready`)
      expect(ready.status).toBe(200)
      answers.push(got)

      const after = await scrape()
      const delta = (metric: string, labels: string) =>
        metricSum(after, metric, labels) - metricSum(before, metric, labels)
      const post200 = 'method="POST",route="/",status_code="200"'
      const post400 = 'method="POST",route="/",status_code="400"'
      const post404 = 'method="POST",route="/",status_code="404"'
      expect([way, delta('http_requests_total', 'method="POST"')]).toEqual([way, 5])
      expect([way, delta('http_requests_total', post200)]).toEqual([way, 2])
      expect([way, delta('http_requests_total', post400)]).toEqual([way, 2])
      expect([way, delta('http_requests_total', post404)]).toEqual([way, 1])
      expect([way, delta('http_request_duration_seconds_count', 'method="POST"')]).toEqual([way, 5])
      expect([way, delta('http_requests_total', 'method="GET",route="/ready"')]).toEqual([way, 1])
    }
    // Byte-identical answers and error bodies, whichever way the request came.
    for (const got of answers.slice(1)) expect(got).toEqual(answers[0])
  })
})
