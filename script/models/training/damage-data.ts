/**
 * damage-v1's data pipeline around the renderer: the normalisation the manifest publishes, the
 * conversion of rendered uint8 HWC images into the network's NCHW float input (the same arithmetic
 * the adapter applies after sharp), and the dataset digest.
 */
import { createHash } from 'node:crypto'

import { averagePool2 } from './cnn-trainer'
import { IMAGE_SIZE, type ImageDataset } from './damage-render'

export const PIXEL_SCALE = 255
export const CHANNEL_MEAN: [number, number, number] = [0.5, 0.5, 0.5]
export const CHANNEL_STD: [number, number, number] = [0.25, 0.25, 0.25]
const PLANE = IMAGE_SIZE * IMAGE_SIZE

/** uint8 RGB HWC -> CHW floats (x / pixelScale - mean[c]) / std[c], in float64. */
export function imageToChw(hwc: Uint8Array, offset = 0): Float64Array {
  const out = new Float64Array(3 * PLANE)
  for (let p = 0; p < PLANE; p++) {
    for (let c = 0; c < 3; c++) {
      const v = hwc[offset + p * 3 + c] as number
      out[c * PLANE + p] =
        (v / PIXEL_SCALE - (CHANNEL_MEAN[c] as number)) / (CHANNEL_STD[c] as number)
    }
  }
  return out
}

/** The network's input for every image of the data set, already 2x2 average-pooled. */
export function pooledInputs(ds: ImageDataset): Float64Array[] {
  return Array.from({ length: ds.n }, (_, i) =>
    averagePool2(imageToChw(ds.pixels, i * 3 * PLANE), 3, IMAGE_SIZE),
  )
}

/** sha256 (0x hex) of the canonical serialisation of an image data set (IMAGE_SERIALISATION). */
export function imageDatasetDigest(ds: ImageDataset): string {
  const hash = createHash('sha256')
  const size = 3 * PLANE
  for (let i = 0; i < ds.n; i++) {
    hash.update(ds.pixels.subarray(i * size, (i + 1) * size))
    hash.update(Uint8Array.of(ds.labels[i] as number))
  }
  return `0x${hash.digest('hex')}`
}
