/**
 * An independent, hand-written construction of the CIDv1 `ipfs add --cid-version=1` gives a file of
 * 2..174 chunks (kubo defaults: 256 KiB chunks, raw leaves, one balanced level): the leaves are raw
 * blocks; the root is a dag-pb node (links first: Hash, Name "", Tsize = chunk length) whose Data is
 * a UnixFS message {Type: File, filesize, blocksizes}. Used to check script/models/tools/cid.ts.
 */
import { createHash } from 'node:crypto'

const CHUNK = 262_144

function varint(n: number): number[] {
  const out: number[] = []
  let v = n
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80)
    v = Math.floor(v / 128)
  }
  out.push(v)
  return out
}

/** A protobuf length-delimited field. */
function bytesField(field: number, bytes: Uint8Array): number[] {
  return [...varint((field << 3) | 2), ...varint(bytes.length), ...bytes]
}

function varintField(field: number, n: number): number[] {
  return [...varint(field << 3), ...varint(n)]
}

function cidBytes(codec: number, block: Uint8Array): Uint8Array {
  const digest = createHash('sha256').update(block).digest()
  return Uint8Array.from([0x01, codec, 0x12, 0x20, ...digest])
}

/** RFC 4648 base32, lower case, no padding, with the multibase prefix `b`. */
export function base32Multibase(bytes: Uint8Array): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567'
  let bits = 0
  let value = 0
  let out = 'b'
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff
    bits += 8
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31]
  return out
}

/** CIDv1 string of `bytes` as a UnixFS file, for files of one to 174 chunks. */
export function referenceUnixfsCid(bytes: Uint8Array): string {
  const RAW = 0x55
  const DAG_PB = 0x70
  if (bytes.length <= CHUNK) return base32Multibase(cidBytes(RAW, bytes))
  const chunks: Uint8Array[] = []
  for (let at = 0; at < bytes.length; at += CHUNK) chunks.push(bytes.subarray(at, at + CHUNK))
  if (chunks.length > 174) throw new Error('reference handles one DAG level only')
  const unixfs = [
    ...varintField(1, 2), // Type = File
    ...varintField(3, bytes.length), // filesize
    ...chunks.flatMap((c) => varintField(4, c.length)), // blocksizes
  ]
  const links = chunks.flatMap((c) =>
    bytesField(
      2,
      Uint8Array.from([
        ...bytesField(1, cidBytes(RAW, c)), // Hash
        ...bytesField(2, new Uint8Array(0)), // Name ""
        ...varintField(3, c.length), // Tsize
      ]),
    ),
  )
  const node = Uint8Array.from([...links, ...bytesField(1, Uint8Array.from(unixfs))])
  return base32Multibase(cidBytes(DAG_PB, node))
}
