/**
 * The sha256 of docs/protocol.md, written once: model hashes (the bytes of `model.onnx`), image input
 * hashes (the image bytes) and tabular input hashes (the UTF-8 bytes of canonical JSON) are all
 * `0x` + 64 lowercase hex digits of a sha256.
 */
import { hash } from 'node:crypto'

/** sha256 of bytes, or of a string's UTF-8 bytes, as `0x` + 64 lowercase hex. */
export function sha256Hex(data: Uint8Array | string): string {
  return `0x${hash('sha256', data, 'hex')}`
}
