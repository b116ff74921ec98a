/**
 * @jest-environment ./test/models/ort-test-environment.js
 */
/*
 * By-reference requests (issue 13.11): `data.inputRef` names features kept in the operator's input
 * store, so they never appear on-chain. Through the real listener and ONNX Runtime, against a real
 * HTTP store on loopback that checks the adapter's key: the answer is the inline answer (same
 * result, same input hash), and every way a reference or a store can fail is a typed error that
 * says nothing of what the store answered.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

import request from 'supertest'

import { checkInputRef } from '../../adapter/src/input/input-store'
import { riskFeatures, startTestAdapter, type TestAdapter } from './helpers'

const FEATURES = riskFeatures(11)
const STORE_KEY = 'store-key-for-operator-1'

interface Store {
  server: Server
  url: string
  docs: Map<string, string>
  seen: string[]
}

/** A store that serves `docs` by path to requests bearing STORE_KEY, and records what it was asked. */
async function startStore(): Promise<Store> {
  const docs = new Map<string, string>()
  const seen: string[] = []
  const server = createServer((req, res) => {
    seen.push(req.url ?? '')
    if (req.headers.authorization !== `Bearer ${STORE_KEY}`) {
      res.writeHead(401, { 'content-type': 'text/plain' }).end('who are you (secret detail)')
      return
    }
    const doc = docs.get(req.url ?? '')
    if (doc === undefined) {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(doc)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { server, url: `http://127.0.0.1:${port}/inputs`, docs, seen }
}

describe('by-reference inputs (data.inputRef)', () => {
  let store: Store
  let adapter: TestAdapter
  let storeless: TestAdapter

  beforeAll(async () => {
    store = await startStore()
    store.docs.set('/inputs/quotes/0001', JSON.stringify(FEATURES))
    store.docs.set('/inputs/quotes/not-json', '{"driver_age":')
    store.docs.set('/inputs/quotes/bad-features', JSON.stringify({ ...FEATURES, salt: 1 }))
    store.docs.set('/inputs/quotes/huge', JSON.stringify({ pad: 'x'.repeat(4096) }))
    adapter = await startTestAdapter({
      INPUT_STORE_URL: `${store.url}/`,
      INPUT_STORE_API_KEY: STORE_KEY,
      BODY_LIMIT_BYTES: '2048',
    })
    storeless = await startTestAdapter({})
  })

  afterAll(async () => {
    await adapter.close()
    await storeless.close()
    await new Promise((resolve) => store.server.close(resolve))
  })

  const post = (a: TestAdapter, data: Record<string, unknown>) =>
    request(a.listener)
      .post('/')
      .send({ id: 'fn-1', data: { model: 'risk-v1', ...data } })

  it('answers a reference exactly as the inline features it names', async () => {
    const inline = await post(adapter, { features: FEATURES })
    const byRef = await post(adapter, { inputRef: 'quotes/0001' })
    expect(inline.status).toBe(200)
    expect(byRef.status).toBe(200)
    expect(byRef.body.result).toBe(inline.body.result)
    expect(byRef.body.data.inputHash).toBe(inline.body.data.inputHash)
    expect(store.seen).toContain('/inputs/quotes/0001')
  })

  it('refuses references that could leave the store path, before asking the store', async () => {
    const asked = store.seen.length
    for (const ref of ['../secrets', 'quotes/../../x', 'quotes//x', './x', 'a b', 'q"x', '']) {
      const res = await post(adapter, { inputRef: ref })
      expect(res.status).toBe(400)
      expect(res.body.error.name).toBe('InputError')
    }
    expect((await post(adapter, { inputRef: 'q'.repeat(129) })).status).toBe(400)
    expect((await post(adapter, { inputRef: 42 })).status).toBe(400)
    expect(store.seen.length).toBe(asked)
    expect(() => checkInputRef('quotes/2026-12/a_b.json')).not.toThrow()
  })

  it('refuses features and a reference together, and a reference without a store', async () => {
    const both = await post(adapter, { features: FEATURES, inputRef: 'quotes/0001' })
    expect(both.status).toBe(400)
    expect(both.body.error.message).toContain('not both')
    const none = await post(storeless, { inputRef: 'quotes/0001' })
    expect(none.status).toBe(400)
    expect(none.body.error.message).toContain('input store')
  })

  it('maps store failures to typed errors that do not repeat what the store said', async () => {
    const missing = await post(adapter, { inputRef: 'quotes/0002' })
    expect(missing.status).toBe(404)
    const notJson = await post(adapter, { inputRef: 'quotes/not-json' })
    expect(notJson.status).toBe(502)
    const huge = await post(adapter, { inputRef: 'quotes/huge' })
    expect(huge.status).toBe(413)
    // Stored features are validated like inline ones (the protocol hash admits no extra field).
    const bad = await post(adapter, { inputRef: 'quotes/bad-features' })
    expect(bad.status).toBe(400)
    expect(bad.body.error.message).toContain('unknown feature "salt"')

    const wrongKey = await startTestAdapter({
      INPUT_STORE_URL: store.url,
      INPUT_STORE_API_KEY: 'stolen',
    })
    try {
      const refused = await post(wrongKey, { inputRef: 'quotes/0001' })
      expect(refused.status).toBe(502)
      expect(JSON.stringify(refused.body)).not.toContain('secret detail')
      expect(JSON.stringify(refused.body)).not.toContain('401')
    } finally {
      await wrongKey.close()
    }
  })

  it('never logs the store key', () => {
    expect(adapter.logs.text()).not.toContain(STORE_KEY)
  })
})
