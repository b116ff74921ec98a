/**
 * @jest-environment ./test/models/ort-test-environment.js
 */
/*
 * Model loading: a model whose file does not match its manifest's hash, or whose manifest is
 * invalid, is refused (and named as such), while the other models are served.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import request from 'supertest'

import { BUNDLED_MODEL_DIR } from '../../adapter/src/config'
import { startTestAdapter, type TestAdapter } from './helpers'

describe('model loading', () => {
  let dir: string
  let adapter: TestAdapter

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'adapter-models-'))
    cpSync(join(BUNDLED_MODEL_DIR, 'risk-v1'), join(dir, 'risk-v1'), { recursive: true })
    cpSync(join(BUNDLED_MODEL_DIR, 'damage-v1'), join(dir, 'damage-v1'), { recursive: true })
    // Tamper with damage-v1's file: one extra byte.
    writeFileSync(join(dir, 'damage-v1', 'model.onnx'), Buffer.from([0]), { flag: 'a' })
    // A folder with a broken manifest, and one without a manifest (ignored).
    cpSync(join(BUNDLED_MODEL_DIR, 'risk-v1'), join(dir, 'broken'), { recursive: true })
    writeFileSync(join(dir, 'broken', 'manifest.json'), '{"schemaVersion": 2}')
    cpSync(join(BUNDLED_MODEL_DIR, 'risk-v1', 'model.onnx'), join(dir, 'model.onnx'))
    adapter = await startTestAdapter({ MODEL_DIR: dir })
  })

  afterAll(async () => {
    await adapter.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('refuses a model whose file does not match its hash, and serves the rest', async () => {
    const ready = await request(adapter.listener).get('/ready')
    expect(ready.status).toBe(200)
    expect(ready.body.models).toEqual(['risk-v1'])
    expect(ready.body.refused.sort()).toEqual(['broken', 'damage-v1'])
    const refused = adapter.refused.find((r) => r.folder === 'damage-v1')
    expect(refused?.reason).toMatch(
      /manifest\.file\.sha256: expected 0x[0-9a-f]{64} but model\.onnx hashes to/,
    )
    expect(adapter.refused.find((r) => r.folder === 'broken')?.reason).toMatch(
      /manifest\.schemaVersion/,
    )
    const res = await request(adapter.listener)
      .post('/')
      .send({
        id: 'r',
        data: {
          model: 'damage-v1',
          image: { url: 'http://x/y.png', sha256: `0x${'00'.repeat(32)}` },
        },
      })
    expect(res.status).toBe(404)
    expect(res.body.error.message).toMatch(/"damage-v1" is not served: it was refused at load/)
    expect(adapter.logs.text()).toMatch(/"folder":"damage-v1".*"msg":"model refused"/)
  })
})
