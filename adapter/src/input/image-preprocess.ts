/**
 * Decodes an image and turns it into the model's input tensor row, exactly as training did (see
 * the model cards): sharp resize to width x height with the manifest's `fit` and `kernel` (black
 * background for `contain`), alpha removed, sRGB, raw RGB bytes; then per channel
 * (x / pixelScale - mean[c]) / std[c] in float64, stored as float32 in NCHW order. EXIF
 * orientation is ignored (pixels are used as stored). The decoder refuses images above `maxPixels`
 * before decoding them (decompression bombs).
 *
 * Speed (docs/benchmarks.md, "Images: where the time goes"): a JPEG is decoded at 1/2, 1/4
 * or 1/8 scale by libjpeg itself when the target is that much smaller (sharp's shrink-on-load,
 * on by default and part of the pixels the models were published with), then resized by the
 * manifest's kernel. libvips' operation cache is switched off for the whole process (this module is
 * the adapter's only sharp user): every request brings a buffer never seen before, so cached
 * operations are never reused, and caching them cost CPU on every request and kept references to
 * past requests' images. Neither setting changes a pixel. Normalisation reads per-channel tables of
 * the 256 possible values, computed once per manifest with the same float64 arithmetic, so the
 * row is bit-identical to computing each value.
 */
import sharp from 'sharp'

import { PayloadTooLargeError, UnprocessableError } from '../errors'
import type { ImageInputs } from '../../../protocol/manifest'

sharp.cache(false)

/** Per channel, the float32 value of each byte 0..255: (x / pixelScale - mean[c]) / std[c]. */
type ChannelTables = readonly [Float32Array, Float32Array, Float32Array]

const tablesByInputs = new WeakMap<ImageInputs, ChannelTables>()

/** The normalisation tables of `inputs` (computed once per manifest object). */
export function channelTables(inputs: ImageInputs): ChannelTables {
  let tables = tablesByInputs.get(inputs)
  if (tables === undefined) {
    const { mean, std, pixelScale } = inputs
    const table = (c: 0 | 1 | 2): Float32Array => {
      const t = new Float32Array(256)
      for (let x = 0; x < 256; x++) t[x] = (x / pixelScale - mean[c]) / std[c]
      return t
    }
    tables = [table(0), table(1), table(2)]
    tablesByInputs.set(inputs, tables)
  }
  return tables
}

/** Raw interleaved RGB bytes (`width * height * 3`) -> the normalised NCHW float32 row. */
export function normaliseRgb(rgb: Uint8Array, inputs: ImageInputs): Float32Array {
  const plane = inputs.width * inputs.height
  const [t0, t1, t2] = channelTables(inputs)
  const row = new Float32Array(3 * plane)
  for (let p = 0, i = 0; p < plane; p++, i += 3) {
    row[p] = t0[rgb[i] as number] as number
    row[plane + p] = t1[rgb[i + 1] as number] as number
    row[2 * plane + p] = t2[rgb[i + 2] as number] as number
  }
  return row
}

/** Decodes `bytes` to the manifest's width x height sRGB pixels (3 bytes each, interleaved). */
export async function decodeRgb(
  bytes: Buffer,
  inputs: ImageInputs,
  maxPixels: number,
): Promise<Buffer> {
  const { width, height } = inputs
  let raw: { data: Buffer; info: sharp.OutputInfo }
  try {
    raw = await sharp(bytes, { limitInputPixels: maxPixels, sequentialRead: true })
      .resize(width, height, {
        fit: inputs.resize,
        kernel: inputs.kernel,
        background: { r: 0, g: 0, b: 0 },
      })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true })
  } catch (err) {
    throw await decodeFailure(bytes, maxPixels, err)
  }
  const { data, info } = raw
  if (info.channels !== 3 || info.width !== width || info.height !== height) {
    throw new UnprocessableError(
      `image decoded to ${info.width}x${info.height}x${info.channels}, expected ${width}x${height}x3`,
    )
  }
  return data
}

export async function imageToRow(
  bytes: Buffer,
  inputs: ImageInputs,
  maxPixels: number,
): Promise<Float32Array> {
  return normaliseRgb(await decodeRgb(bytes, inputs, maxPixels), inputs)
}

/**
 * Why a decode failed, from the image's header rather than from the decoder's message text: more
 * pixels than allowed (413), else undecodable (422).
 */
async function decodeFailure(bytes: Buffer, maxPixels: number, err: unknown): Promise<Error> {
  let pixels = 0
  try {
    const { width, height } = await sharp(bytes, { limitInputPixels: false }).metadata()
    pixels = (width ?? 0) * (height ?? 0)
  } catch {
    // No readable header: undecodable.
  }
  if (pixels > maxPixels) {
    return new PayloadTooLargeError(`image has more than ${maxPixels} pixels`, { cause: err })
  }
  return new UnprocessableError(`image cannot be decoded: ${(err as Error).message}`, {
    cause: err,
  })
}
