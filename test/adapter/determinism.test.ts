/*
 * Two real adapter processes with different ONNX Runtime thread settings return identical answers
 * (result, outputs, input hash) for 200 random valid inputs per bundled model. Cache off, so every
 * answer is computed.
 */
import sharp from 'sharp'

import { sha256Hex } from '../../protocol/hashes'
import { startAdapter, type LocalAdapter } from '../../script/local/adapters'
import { bundledManifest, prng, randomFeatures } from './helpers'

jest.setTimeout(180_000)

const N = 200
const CONCURRENCY = 16

interface Answer {
  status: number
  result?: string
  outputs?: string[]
  inputHash?: string
}

async function askAll(url: string, bodies: object[]): Promise<Answer[]> {
  const answers: Answer[] = new Array<Answer>(bodies.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < bodies.length) {
      const i = next++
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(bodies[i]),
        signal: AbortSignal.timeout(20_000),
      })
      const json = (await res.json()) as {
        result?: string
        data?: { outputs?: string[]; inputHash?: string }
      }
      answers[i] = {
        status: res.status,
        result: json.result,
        outputs: json.data?.outputs,
        inputHash: json.data?.inputHash,
      }
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  return answers
}

/** Random images of varied sizes and content (noise, gradients), as PNG or JPEG. */
async function randomImages(n: number, rand: () => number): Promise<Buffer[]> {
  const out: Buffer[] = []
  for (let i = 0; i < n; i++) {
    const width = 48 + Math.floor(rand() * 48)
    const height = 48 + Math.floor(rand() * 48)
    const raw = Buffer.alloc(width * height * 3)
    const smooth = rand() < 0.5
    const base = [rand() * 255, rand() * 255, rand() * 255]
    for (let p = 0; p < width * height; p++) {
      for (let c = 0; c < 3; c++) {
        raw[p * 3 + c] = smooth
          ? Math.floor(((base[c] as number) + (p % width) * 2 + c * 30) % 256)
          : Math.floor(rand() * 256)
      }
    }
    const img = sharp(raw, { raw: { width, height, channels: 3 } })
    out.push(await (rand() < 0.5 ? img.png() : img.jpeg({ quality: 85 })).toBuffer())
  }
  return out
}

describe('determinism across processes and thread settings', () => {
  let one: LocalAdapter | undefined
  let two: LocalAdapter | undefined

  beforeAll(async () => {
    ;[one, two] = await Promise.all([
      startAdapter({
        name: 'one-thread',
        env: { ORT_INTRA_OP_THREADS: '1', CACHE_MAX_ENTRIES: '0', BATCH_MAX_SIZE: '64' },
      }),
      startAdapter({
        name: 'two-threads',
        env: { ORT_INTRA_OP_THREADS: '2', CACHE_MAX_ENTRIES: '0', BATCH_MAX_SIZE: '8' },
      }),
    ])
  })

  afterAll(async () => {
    await Promise.all([one?.stop(), two?.stop()])
  })

  const compare = async (bodies: object[]): Promise<void> => {
    if (one === undefined || two === undefined) throw new Error('adapters not started')
    const [a, b] = await Promise.all([askAll(one.url, bodies), askAll(two.url, bodies)])
    expect(a).toHaveLength(N)
    for (let i = 0; i < N; i++) {
      expect(a[i]?.status).toBe(200)
      expect(a[i]).toEqual(b[i])
    }
    // Not a degenerate model: the answers vary with the input.
    expect(new Set(a.map((x) => x.outputs?.join(','))).size).toBeGreaterThan(N / 10)
  }

  it('risk-v1: 200 random valid feature sets', async () => {
    const risk = bundledManifest('risk-v1')
    const rand = prng(31337)
    await compare(
      Array.from({ length: N }, (_, i) => ({
        id: `r${i}`,
        data: { model: 'risk-v1', features: randomFeatures(risk, rand) },
      })),
    )
  })

  it('damage-v1: 200 random valid images', async () => {
    const images = await randomImages(N, prng(4242))
    await compare(
      images.map((bytes, i) => ({
        id: `d${i}`,
        data: {
          model: 'damage-v1',
          image: { base64: bytes.toString('base64'), sha256: sha256Hex(bytes) },
        },
      })),
    )
  })
})
