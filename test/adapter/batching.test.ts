/**
 * @jest-environment ./test/models/ort-test-environment.js
 */
/*
 * Micro-batching changes nothing in the answers: the same inputs sent concurrently to an adapter
 * that batches (BATCH_MAX_SIZE=64) and to one that does not (BATCH_MAX_SIZE=1) give identical
 * bodies (job run id aside), for both bundled models; and the batching adapter really ran batches
 * of more than one input.
 */
import sharp from 'sharp'

import { sha256Hex } from '../../protocol/hashes'
import {
  postAllJson,
  prng,
  riskFeatureSeries,
  serveUncachedAdapter,
  stopServedAdapter,
  type ServedAdapter,
} from './helpers'
import { damageSamples } from './image-server'

function postAll(
  url: string,
  bodies: object[],
): Promise<{ status: number; json: { data: unknown } }[]> {
  return postAllJson(url, bodies, async (res) => ({
    status: res.status,
    json: (await res.json()) as { data: unknown },
  }))
}

function batchStats(text: string): { sum: number; count: number } {
  const read = (name: string) =>
    Number(
      text
        .split('\n')
        .find((l) => l.startsWith(`${name}{model=`))
        ?.split(' ')[1] ?? '0',
    )
  return { sum: read('inference_batch_size_sum'), count: read('inference_batch_size_count') }
}

async function randomPngs(n: number, rand: () => number): Promise<Buffer[]> {
  const out: Buffer[] = []
  for (let i = 0; i < n; i++) {
    const raw = Buffer.alloc(64 * 64 * 3)
    for (let j = 0; j < raw.length; j++) raw[j] = Math.floor(rand() * 256)
    out.push(
      await sharp(raw, { raw: { width: 64, height: 64, channels: 3 } })
        .png()
        .toBuffer(),
    )
  }
  return out
}

describe('micro-batching', () => {
  let batched: ServedAdapter
  let single: ServedAdapter

  beforeAll(async () => {
    batched = await serveUncachedAdapter({ BATCH_MAX_SIZE: '64' })
    single = await serveUncachedAdapter({ BATCH_MAX_SIZE: '1' })
  })

  afterAll(async () => {
    await stopServedAdapter(batched)
    await stopServedAdapter(single)
  })

  it('tabular: batched and unbatched answers are identical, and batches formed', async () => {
    const bodies = riskFeatureSeries(2024, 96).map((features, i) => ({
      id: `t${i}`,
      data: { model: 'risk-v1', features },
    }))
    const [a, b] = await Promise.all([postAll(batched.url, bodies), postAll(single.url, bodies)])
    a.forEach((r, i) => {
      expect(r.status).toBe(200)
      expect(r.json).toEqual(b[i]?.json)
    })
    const bs = batchStats(
      await batched.adapter.metrics.registry.getSingleMetricAsString('inference_batch_size'),
    )
    expect(bs.sum).toBe(96)
    expect(bs.count).toBeLessThan(96)
    const ss = batchStats(
      await single.adapter.metrics.registry.getSingleMetricAsString('inference_batch_size'),
    )
    expect(ss).toEqual({ sum: 96, count: 96 })
  })

  it('image: batched and unbatched answers are identical', async () => {
    const images = [...damageSamples().map((s) => s.bytes), ...(await randomPngs(10, prng(77)))]
    const bodies = images.map((bytes, i) => ({
      id: `i${i}`,
      data: {
        model: 'damage-v1',
        image: { base64: bytes.toString('base64'), sha256: sha256Hex(bytes) },
      },
    }))
    const [a, b] = await Promise.all([postAll(batched.url, bodies), postAll(single.url, bodies)])
    a.forEach((r, i) => {
      expect(r.status).toBe(200)
      expect(r.json).toEqual(b[i]?.json)
    })
  })
})
