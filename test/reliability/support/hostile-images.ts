/**
 * Images built to hurt a decoder, each with its true sha256 (so the digest check passes and the
 * adapter's decode limits are what is tested): PNG decompression bombs (tiny files that claim
 * hundreds of millions of pixels), a JPEG whose header lies about its size, a truncated JPEG,
 * random bytes, an empty file, an SVG claiming a huge canvas, and an image over the byte cap.
 */
import { crc32, deflateSync } from 'node:zlib'

import { randomJpeg } from '../../../script/local/model-inputs'

export interface HostileImage {
  name: string
  bytes: Buffer
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(typed) >>> 0)
  return Buffer.concat([len, typed, crc])
}

/** A valid PNG of width x height pixels, all zero (1-bit grey), which deflates to almost nothing. */
export function pngBomb(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr[8] = 1 // bit depth
  ihdr[9] = 0 // greyscale
  const rowBytes = 1 + Math.ceil(width / 8)
  const raw = Buffer.alloc(rowBytes * height) // filter 0 and zero pixels on every row
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(raw, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ])
}

/** A real JPEG whose SOF0 header is rewritten to claim `width` x `height`. */
export function lyingJpeg(jpeg: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(jpeg)
  for (let i = 2; i + 9 < out.length; i++) {
    if (out[i] === 0xff && (out[i + 1] === 0xc0 || out[i + 1] === 0xc2)) {
      out.writeUInt16BE(height, i + 5)
      out.writeUInt16BE(width, i + 7)
      return out
    }
  }
  throw new Error('no SOF marker found')
}

export async function hostileImages(maxBytes: number): Promise<HostileImage[]> {
  const photo = await randomJpeg(1024, 768, 3)
  const big = await randomJpeg(1024, 768, 4)
  const random = Buffer.alloc(4096)
  for (let i = 0; i < random.length; i++) random[i] = (i * 2654435761) >>> 24
  if (big.length <= maxBytes)
    throw new Error(`the oversized image (${big.length} B) is not over ${maxBytes} B`)
  return [
    { name: 'PNG bomb 16000x16000 (256 Mpx)', bytes: pngBomb(16_000, 16_000) },
    { name: 'PNG bomb 8000x6000 (48 Mpx)', bytes: pngBomb(8000, 6000) },
    { name: 'PNG bomb 65000x1000 (wide, 65 Mpx)', bytes: pngBomb(65_000, 1000) },
    { name: 'JPEG header claiming 65000x65000', bytes: lyingJpeg(photo, 65_000, 65_000) },
    { name: 'JPEG truncated at half', bytes: photo.subarray(0, Math.floor(photo.length / 2)) },
    { name: 'JPEG truncated after the header', bytes: photo.subarray(0, 700) },
    { name: 'random bytes', bytes: random },
    { name: 'empty file', bytes: Buffer.alloc(0) },
    {
      name: 'SVG claiming 100000x100000',
      bytes: Buffer.from(
        '<svg xmlns="http://www.w3.org/2000/svg" width="100000" height="100000"><rect width="100%" height="100%"/></svg>',
      ),
    },
    { name: `JPEG over the byte cap (${big.length} B > ${maxBytes} B)`, bytes: big },
  ]
}
