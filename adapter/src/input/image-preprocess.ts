/**
 * Decodes an image and turns it into the model's input tensor row, exactly as training did (see
 * the model cards): sharp resize to width x height with the manifest's `fit` and `kernel` (black
 * background for `contain`), alpha removed, sRGB, raw RGB bytes; then per channel
 * (x / pixelScale - mean[c]) / std[c] in float64, stored as float32 in NCHW order. EXIF
 * orientation is ignored (pixels are used as stored). The decoder refuses images above `maxPixels`
 * before decoding them (decompression bombs).
 */
import sharp from 'sharp'

import { PayloadTooLargeError, UnprocessableError } from '../errors'
import type { ImageInputs } from '../../../protocol/manifest'

export async function imageToRow(
  bytes: Buffer,
  inputs: ImageInputs,
  maxPixels: number,
): Promise<Float32Array> {
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
  const plane = width * height
  const row = new Float32Array(3 * plane)
  const { mean, std, pixelScale } = inputs
  for (let c = 0; c < 3; c++) {
    const m = mean[c] as number
    const s = std[c] as number
    const base = c * plane
    for (let p = 0; p < plane; p++)
      row[base + p] = ((data[p * 3 + c] as number) / pixelScale - m) / s
  }
  return row
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
