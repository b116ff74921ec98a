/*
 * The image preprocessing of adapter/src/input/image-preprocess.ts, in-process: the normalisation
 * tables give exactly the per-value arithmetic; decoding gives the same rows whatever libvips' thread
 * count, with or without its operation cache, one image at a time or sixteen at once, on the paths
 * a request can take (JPEG shrink-on-load at 1/8 and 1/4, 4:2:0 and 4:4:4, greyscale, CMYK, PNG
 * with alpha, 16-bit PNG); and the rows of a few fixed images are pinned, so any change in the
 * pixels (a sharp or libvips upgrade, another resize path) fails here: that is a new model version
 * (docs/models.md), never a silent change of answers.
 */
import { createHash } from 'node:crypto'

import sharp from 'sharp'

import {
  channelTables,
  decodeRgb,
  imageToRow,
  normaliseRgb,
} from '../../adapter/src/input/image-preprocess'
import type { ImageInputs } from '../../protocol/manifest'
import { randomJpeg } from '../../script/local/model-inputs'
import { bundledManifest } from './helpers'
import { damageSamples } from './image-server'

const MAX_PIXELS = 40_000_000
/** libvips' cache limits right after the module under test was loaded (before any test runs). */
const cacheAtLoad = sharp.cache()

function damageInputs(): ImageInputs {
  const inputs = bundledManifest('damage-v1').inputs
  if (inputs.kind !== 'image') throw new Error('damage-v1 is not an image model')
  return inputs
}

const rowDigest = (row: Float32Array): string =>
  createHash('sha256')
    .update(new Uint8Array(row.buffer, row.byteOffset, row.byteLength))
    .digest('hex')

/** Images on every decoding path a request can take, built from seeded pixels. */
async function imagesOnEveryPath(): Promise<{ name: string; bytes: Buffer }[]> {
  const noise = await randomJpeg(1600, 1200, 7)
  const rgb = await sharp(noise).raw().toBuffer()
  const raw = { raw: { width: 1600, height: 1200, channels: 3 as const } }
  return [
    { name: 'jpeg 1024x768 4:2:0 (1/8 shrink-on-load)', bytes: await randomJpeg(1024, 768, 11) },
    {
      name: 'jpeg 1600x1200 4:4:4 q95 (1/8 shrink-on-load)',
      bytes: await sharp(rgb, raw).jpeg({ quality: 95, chromaSubsampling: '4:4:4' }).toBuffer(),
    },
    {
      name: 'jpeg 700x500 (1/4 shrink-on-load)',
      bytes: await sharp(rgb, raw).resize(700, 500).jpeg({ quality: 80 }).toBuffer(),
    },
    {
      name: 'greyscale jpeg 800x600',
      bytes: await sharp(rgb, raw).resize(800, 600).greyscale().jpeg().toBuffer(),
    },
    {
      name: 'cmyk jpeg 640x480',
      bytes: await sharp(rgb, raw).resize(640, 480).toColourspace('cmyk').jpeg().toBuffer(),
    },
    {
      name: 'png 300x200 with alpha',
      bytes: await sharp(rgb, raw).resize(300, 200).ensureAlpha(0.4).png().toBuffer(),
    },
    {
      name: '16-bit png 200x150',
      bytes: await sharp(rgb, raw).resize(200, 150).toColourspace('rgb16').png().toBuffer(),
    },
  ]
}

describe('normaliseRgb', () => {
  it('gives (x / pixelScale - mean[c]) / std[c], computed in float64 and stored as float32, for every byte of every channel', () => {
    const damage = damageInputs()
    // Also an ImageNet-style manifest, whose constants are not exact in binary.
    const imagenet: ImageInputs = {
      ...damage,
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
      pixelScale: 255,
    }
    for (const inputs of [damage, imagenet]) {
      // A 64x64 image holding every byte value in every channel, at different positions.
      const plane = inputs.width * inputs.height
      const rgb = new Uint8Array(3 * plane)
      for (let p = 0; p < plane; p++) {
        rgb[3 * p] = p % 256
        rgb[3 * p + 1] = (p * 7 + 3) % 256
        rgb[3 * p + 2] = 255 - (p % 256)
      }
      const row = normaliseRgb(rgb, inputs)
      const expected = new Float32Array(3 * plane)
      for (let c = 0; c < 3; c++) {
        for (let p = 0; p < plane; p++) {
          expected[c * plane + p] =
            ((rgb[3 * p + c] as number) / inputs.pixelScale - (inputs.mean[c] as number)) /
            (inputs.std[c] as number)
        }
      }
      expect(Buffer.from(row.buffer).equals(Buffer.from(expected.buffer))).toBe(true)
    }
  })

  it('computes the tables once per manifest', () => {
    const inputs = damageInputs()
    expect(channelTables(inputs)).toBe(channelTables(inputs))
    expect(channelTables({ ...inputs })).not.toBe(channelTables(inputs))
  })
})

describe('imageToRow determinism', () => {
  let images: { name: string; bytes: Buffer }[]
  const inputs = damageInputs()
  const threads = sharp.concurrency()

  beforeAll(async () => {
    images = await imagesOnEveryPath()
  })

  afterEach(() => {
    sharp.concurrency(threads)
    sharp.cache(false)
  })

  const rowsOf = async (parallel: boolean): Promise<string[]> => {
    if (parallel) {
      // Sixteen decodes in flight at once (libuv's pool runs four at a time).
      const all = await Promise.all(
        Array.from({ length: 16 }, (_, i) => images[i % images.length] as { bytes: Buffer }).map(
          (img) => imageToRow(img.bytes, inputs, MAX_PIXELS),
        ),
      )
      return all.slice(0, images.length).map(rowDigest)
    }
    const out: string[] = []
    for (const img of images) out.push(rowDigest(await imageToRow(img.bytes, inputs, MAX_PIXELS)))
    return out
  }

  it('gives the same rows with 1, 2 and 4 libvips threads, with and without its cache, one at a time or 16 at once', async () => {
    sharp.concurrency(1)
    const reference = await rowsOf(false)
    // Not degenerate: every image gives its own row.
    expect(new Set(reference).size).toBe(images.length)
    for (const n of [1, 2, 4]) {
      sharp.concurrency(n)
      for (const cache of [false, true]) {
        if (cache) sharp.cache({ memory: 50, files: 20, items: 100 })
        else sharp.cache(false)
        for (const parallel of [false, true]) {
          const rows = await rowsOf(parallel)
          expect({ n, cache, parallel, rows }).toEqual({ n, cache, parallel, rows: reference })
        }
      }
    }
  })

  it('switches the libvips operation cache off when loaded', () => {
    expect(cacheAtLoad).toMatchObject({ items: { max: 0 }, memory: { max: 0 }, files: { max: 0 } })
  })
})

describe('pinned pixels', () => {
  it('decodes the bundled samples and a 1024x768 JPEG made from one to pinned rows', async () => {
    const inputs = damageInputs()
    const digests: Record<string, string> = {}
    for (const s of damageSamples()) {
      digests[s.file] = rowDigest(await imageToRow(s.bytes, inputs, MAX_PIXELS))
    }
    // The shrink-on-load and lanczos3 path: a sample upscaled to 1024x768, as JPEG (its own bytes
    // are pinned first, so an encoder change is told apart from a decoder change).
    const sample = damageSamples().find((s) => s.file === 'severe-0.png')
    if (sample === undefined) throw new Error('severe-0.png missing')
    const big = await sharp(sample.bytes)
      .resize(1024, 768, { fit: 'fill', kernel: 'cubic' })
      .jpeg({ quality: 90 })
      .toBuffer()
    expect(createHash('sha256').update(big).digest('hex')).toBe(PINNED_BIG_JPEG_SHA256)
    digests['severe-0 as 1024x768 jpeg'] = rowDigest(await imageToRow(big, inputs, MAX_PIXELS))
    // And the decoded pixels of that JPEG, before normalisation.
    const rgb = await decodeRgb(big, inputs, MAX_PIXELS)
    digests['severe-0 as 1024x768 jpeg, rgb'] = createHash('sha256').update(rgb).digest('hex')
    expect(digests).toEqual(PINNED_ROWS)
  })
})

/**
 * Pinned from the adapter before issue 14's changes (sharp 0.35.5, libvips 8.18.7): the rows are the
 * published damage-v1 preprocessing, byte for byte. Digests are sha256 of the float32 rows.
 */
const PINNED_BIG_JPEG_SHA256 = 'fa8accd3d140f30a6bfe8527397faf83787735dbf8cc00b005e4a49c9a76d269'
const PINNED_ROWS: Record<string, string> = {
  'none-0.png': '753d1cd377eea4fadac0d9564dfccd86f10fefbad52ca1e83019327a14ff7793',
  'none-1.png': 'ad65cd59956f44b266083a14494b9027343460a360ab2666472b616fced162e3',
  'minor-0.png': '2b57a767226f4e1a5c4162dd1a664a2ca13f8598bcad3dafa22043ebf041ff41',
  'minor-1.png': 'c87ffc236086f08c02831f7bf7aa367e50a67d375cc7535765877a5a2d91989c',
  'moderate-0.png': 'c1d9bf07b5370279cbc0b9d7273da83c6ea23e5fa20ab40b0387d72deca6b063',
  'moderate-1.png': 'ef170a0fcf26d235657031ceef15fc0f30dae886a88185d3bc01fdadb5e28db6',
  'severe-0.png': 'a12614067f0d419d4170d56d5f0fcfc020e9b67289819b5b75200d8d42a6e9c5',
  'severe-0.jpg': '6415467e697dea873ee249aa4c0ffd0c409dcdb6158c14c7d1b29ed013133e2b',
  'severe-1.png': '6a1246a08f65a9fb27131a90034b9adc007fe1b2efea3d44121e1b90059a854d',
  'severe-0 as 1024x768 jpeg': 'fa584deb155c3e4795df0469e0c23125b5a085c7c5f4a2d6469a1000ade8d9d9',
  'severe-0 as 1024x768 jpeg, rgb':
    'b029afec58d1ef01446582273f95ce19602809ce16652bb058ee74ff137cafe2',
}
