/**
 * A local IPFS-style gateway for the federated demo and tests: files are served on 127.0.0.1 at
 * `/ipfs/<cid>` and named `ipfs://<cid>`, so adapters fetch them through IPFS_GATEWAY with the
 * gateway allowed by FETCH_ALLOWLIST (their host policy never lets a plain URL reach loopback).
 * Every file here is smaller than one 256 KiB chunk, for which `ipfs add --cid-version=1` (raw
 * leaves) yields the raw-leaf CID: base32 of 0x01 0x55 0x12 0x20 ‖ sha256(bytes), multibase `b`.
 */
import { createHash } from 'node:crypto'

import { startFileServer, type FileServer } from '../local/photo-server'

/** Largest file whose CID is its raw leaf (one chunk). */
export const MAX_RAW_LEAF_BYTES = 262_144
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567'

function base32(bytes: Uint8Array): string {
  let out = ''
  let bits = 0
  let value = 0
  for (const b of bytes) {
    value = (value << 8) | b
    bits += 8
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31]
  return out
}

/** The CIDv1 (raw leaf, sha2-256, base32) of a file of at most one chunk. */
export function rawLeafCid(bytes: Uint8Array): string {
  if (bytes.length > MAX_RAW_LEAF_BYTES) {
    throw new RangeError(`${bytes.length} bytes is more than one chunk; use a UnixFS importer`)
  }
  const digest = createHash('sha256').update(bytes).digest()
  return `b${base32(Buffer.concat([Buffer.from([0x01, 0x55, 0x12, 0x20]), digest]))}`
}

export interface ContentStore {
  /** The gateway's base URL (IPFS_GATEWAY), without a trailing slash. */
  gateway: string
  /** Publishes bytes; returns `ipfs://<cid>`. */
  put(bytes: Uint8Array): string
  /** Serves other bytes under an existing name (a participant lying about its content). */
  replace(uri: string, bytes: Uint8Array): void
  stop(): Promise<void>
}

export async function startContentStore(): Promise<ContentStore> {
  const server: FileServer = await startFileServer()
  const path = (uri: string): string => `ipfs/${uri.slice('ipfs://'.length)}`
  return {
    gateway: server.url.replace(/\/$/, ''),
    put(bytes) {
      const uri = `ipfs://${rawLeafCid(bytes)}`
      server.put(path(uri), Buffer.from(bytes), 'application/octet-stream')
      return uri
    },
    replace(uri, bytes) {
      server.put(path(uri), Buffer.from(bytes), 'application/octet-stream')
    },
    stop: () => server.stop(),
  }
}
