/**
 * The image preprocessing a damage-v1 manifest prescribes, written from the manifest alone: sharp
 * decode, resize (fit + kernel from the manifest), RGB, then (x / pixelScale - mean) / std in NCHW.
 */
import sharp from 'sharp'

import type { ImageInputs } from '../../protocol/manifest'

/** Decoded, resized RGB bytes (HWC) of an image file. */
export async function decodeRgb(bytes: Uint8Array, inputs: ImageInputs): Promise<Buffer> {
  const { data, info } = await sharp(bytes)
    .resize(inputs.width, inputs.height, { fit: inputs.resize, kernel: inputs.kernel })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true })
  if (info.channels !== 3) throw new Error(`expected 3 channels, got ${info.channels}`)
  return data
}

/** HWC RGB bytes -> float32 NCHW tensor data for one image. */
export function toTensor(rgb: Uint8Array, inputs: ImageInputs): Float32Array {
  const plane = inputs.width * inputs.height
  const out = new Float32Array(3 * plane)
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) {
      out[c * plane + p] =
        ((rgb[p * 3 + c] as number) / inputs.pixelScale - (inputs.mean[c] as number)) /
        (inputs.std[c] as number)
    }
  }
  return out
}
