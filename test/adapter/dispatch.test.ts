/**
 * @jest-environment ./test/models/ort-test-environment.js
 */
/*
 * `POST /` reaches the inference route three ways: the server's request listener (its fast path),
 * the exported Express app, and that app mounted inside another Express app (at `/` or a prefix).
 * Each way gives byte-identical answers and errors (one error renderer), and each request is
 * counted once in the HTTP metrics (one metrics path): mounting the app used to count it twice.
 */
import type { RequestListener } from 'node:http'

import express from 'express'
import request from 'supertest'

import {
  bundledManifest,
  prng,
  randomFeatures,
  startTestAdapter,
  type TestAdapter,
} from './helpers'

const risk = bundledManifest('risk-v1')

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
          data: { model: 'risk-v1', features: randomFeatures(risk, prng(1)) },
        }),
        JSON.stringify({
          id: 'ok-2',
          data: { model: 'risk-v1', features: randomFeatures(risk, prng(2)) },
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
