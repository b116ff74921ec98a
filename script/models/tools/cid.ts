/**
 * The IPFS CIDv1 of a file exactly as `ipfs add --cid-version=1` (kubo defaults) computes it: UnixFS,
 * raw leaves, fixed 256 KiB chunks, balanced DAG of at most 174 links per node, a single-chunk file
 * reduced to its raw leaf, sha2-256, base32. ipfs-unixfs-importer and blockstore-core are ESM-only,
 * so they are imported dynamically (fine under tsx/node; not inside jest).
 * CLI: `node --import tsx script/models/cid.ts <file>` prints the file's CID.
 */
import { readFileSync } from 'node:fs'

import { runTool } from './tool-main'

export const CHUNK_SIZE = 262_144
export const MAX_CHILDREN_PER_NODE = 174

/** CIDv1 (base32 string) of `bytes` as a UnixFS file. */
export async function unixfsCidV1(bytes: Uint8Array): Promise<string> {
  const { importer } = await import('ipfs-unixfs-importer')
  const { fixedSize } = await import('ipfs-unixfs-importer/chunker')
  const { balanced } = await import('ipfs-unixfs-importer/layout')
  const { MemoryBlockstore } = await import('blockstore-core/memory')
  const blockstore = new MemoryBlockstore()
  let cid: string | undefined
  for await (const entry of importer([{ content: bytes }], blockstore, {
    cidVersion: 1,
    rawLeaves: true,
    reduceSingleLeafToSelf: true,
    wrapWithDirectory: false,
    chunker: fixedSize({ chunkSize: CHUNK_SIZE }),
    layout: balanced({ maxChildrenPerNode: MAX_CHILDREN_PER_NODE }),
  })) {
    cid = entry.cid.toString()
  }
  if (cid === undefined) throw new Error('importer produced no entry')
  return cid
}

if (require.main === module) {
  runTool('cid.ts <file>', 'cid', (path) => unixfsCidV1(readFileSync(path)))
}
