/**
 * Digests of the training code (the folder script/models): a sha256 over a sha256sum-style listing
 * and the git tree id of the folder, computed from the working tree the way git would store it
 * (blobs `blob <len>\0<bytes>`, trees of `<mode> <name>\0<20-byte id>` entries sorted git's way,
 * sha1). The tree id equals `git rev-parse <commit>:script/models` for every commit holding exactly
 * this code, so the manifest can name its code without naming the commit that also contains it.
 */
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

export interface CodeDigest {
  /** sha256 over the lines `<sha256 hex>  <path>\n`, paths relative to the root, sorted. */
  sha256: string
  /** Git tree id (sha1) of the folder. */
  gitTree: string
  files: { path: string; sha256: string }[]
}

function gitObjectId(type: 'blob' | 'tree', body: Buffer): Buffer {
  return createHash('sha1')
    .update(Buffer.from(`${type} ${body.length}\0`))
    .update(body)
    .digest()
}

interface TreeResult {
  id: Buffer
  files: { path: string; sha256: string }[]
}

function walk(dir: string, prefix: string): TreeResult {
  const entries: { sortKey: string; bytes: Buffer }[] = []
  const files: { path: string; sha256: string }[] = []
  for (const name of readdirSync(dir)) {
    const full = join(dir, name)
    const st = statSync(full)
    if (st.isDirectory()) {
      const sub = walk(full, `${prefix}${name}/`)
      if (sub.files.length === 0) continue // git does not store empty folders
      files.push(...sub.files)
      entries.push({
        sortKey: `${name}/`,
        bytes: Buffer.concat([Buffer.from(`40000 ${name}\0`), sub.id]),
      })
    } else if (st.isFile()) {
      const content = readFileSync(full)
      const mode = (st.mode & 0o111) !== 0 ? '100755' : '100644'
      files.push({
        path: `${prefix}${name}`,
        sha256: createHash('sha256').update(content).digest('hex'),
      })
      entries.push({
        sortKey: name,
        bytes: Buffer.concat([Buffer.from(`${mode} ${name}\0`), gitObjectId('blob', content)]),
      })
    }
  }
  // git orders tree entries by bytes of the name, a folder's name compared as if it ended in '/'.
  entries.sort((a, b) => Buffer.compare(Buffer.from(a.sortKey), Buffer.from(b.sortKey)))
  return { id: gitObjectId('tree', Buffer.concat(entries.map((e) => e.bytes))), files }
}

/** Digests every regular file under `root` (recursively). */
export function digestCodeFolder(root: string): CodeDigest {
  const { id, files } = walk(root, '')
  files.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)))
  const listing = files.map((f) => `${f.sha256}  ${f.path}\n`).join('')
  return {
    sha256: `0x${createHash('sha256').update(listing).digest('hex')}`,
    gitTree: id.toString('hex'),
    files,
  }
}
