/**
 * Inputs for the bundled models, read from their manifests (the bench and the tests load adapters
 * with them): distinct valid tabular feature sets (the n-th set differs from every other, so
 * cache-cold runs really miss the cache) and JPEG images of a given size (random pixels, so nothing
 * about them is special to the decoder).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import sharp from 'sharp'

import { sha256Hex } from '../../protocol/hashes'
import { parseManifest, type Manifest } from '../../protocol/manifest'
import { BUNDLED_MODEL_DIR } from './repo-root'

/** The manifest of a bundled model, parsed and checked by the adapter's schema. */
export function loadManifest(modelId: string): Manifest {
  const path = join(BUNDLED_MODEL_DIR, modelId, 'manifest.json')
  return parseManifest(JSON.parse(readFileSync(path, 'utf8')))
}

/** Distinct values a non-integer feature takes (evenly spaced over its range). */
const NUMBER_STEPS = 1000

/**
 * The n-th feature set of a tabular model: n written in mixed radix, one digit per feature (each
 * feature's grid of values in [min, max]), so distinct n give distinct feature sets.
 */
export function tabularFeatures(manifest: Manifest, n: number): Record<string, number> {
  if (manifest.inputs.kind !== 'tabular') throw new Error(`${manifest.id} is not tabular`)
  const out: Record<string, number> = {}
  let rest = n
  for (const f of manifest.inputs.features) {
    const steps = f.type === 'integer' ? Math.floor(f.max) - Math.ceil(f.min) + 1 : NUMBER_STEPS
    const digit = rest % steps
    rest = Math.floor(rest / steps)
    out[f.name] =
      f.type === 'integer'
        ? Math.ceil(f.min) + digit
        : Number((f.min + ((f.max - f.min) * digit) / (NUMBER_STEPS - 1)).toFixed(6))
  }
  if (rest !== 0) throw new Error(`feature index ${n} exceeds the distinct feature sets`)
  return out
}

/** The EA request body asking `modelId` about the n-th feature set. */
export function tabularBody(manifest: Manifest, n: number): string {
  return JSON.stringify({
    id: `bench-${n}`,
    data: { model: manifest.id, features: tabularFeatures(manifest, n) },
  })
}

/** A JPEG of random pixels (seeded), width x height, quality 85. */
export async function randomJpeg(width: number, height: number, seed: number): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3)
  let x = (seed * 2654435761) >>> 0 || 1
  for (let i = 0; i < pixels.length; i++) {
    // xorshift32, smoothed a little so the JPEG is not pure noise (more like a photo's size).
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    pixels[i] = i >= 3 ? ((pixels[i - 3] ?? 0) * 3 + (x & 0xff)) >> 2 : x & 0xff
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 85 })
    .toBuffer()
}

/** The EA request body asking `manifest`'s image model about an inline (base64) image. */
export function imageBody(manifest: Manifest, image: Buffer, jobRunId: string): string {
  return JSON.stringify({
    id: jobRunId,
    data: {
      model: manifest.id,
      image: { base64: image.toString('base64'), sha256: sha256Hex(image) },
    },
  })
}
