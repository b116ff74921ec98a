import { createHash } from 'node:crypto'
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { BUNDLED_MODEL_DIR } from './repo-root'

/** ModelProto field 6 (`doc_string`), wire type 2 (length-delimited). */
const DOC_STRING_TAG = (6 << 3) | 2
const MAX_ONE_BYTE_LENGTH = 127

export interface ModelVariant {
  /** A MODEL_DIR holding only the variant. */
  modelDir: string
  /** sha256 of the variant's model.onnx: a model hash no registry has approved. */
  modelHash: string
}

/**
 * Writes a MODEL_DIR with another version of a bundled model under the same id: the same graph with
 * a different `doc_string` (protobuf keeps the last occurrence of a field), so it loads and answers
 * like the original while its file, and so its model hash, differs. An adapter serving it stands for
 * an operator running a model version the registry never approved.
 */
export function writeUnapprovedVariant(
  modelId: string,
  note = 'unapproved local variant',
): ModelVariant {
  const source = join(BUNDLED_MODEL_DIR, modelId)
  const manifest = JSON.parse(readFileSync(join(source, 'manifest.json'), 'utf8')) as {
    file: { path: string; sha256: string }
  }
  const text = Buffer.from(note, 'utf8')
  if (text.length > MAX_ONE_BYTE_LENGTH) throw new RangeError('note too long')
  const original = readFileSync(join(source, manifest.file.path))
  const changed = Buffer.concat([original, Buffer.from([DOC_STRING_TAG, text.length]), text])
  const modelHash = `0x${createHash('sha256').update(changed).digest('hex')}`

  const modelDir = mkdtempSync(join(tmpdir(), 'onnx-oracle-variant-'))
  const target = join(modelDir, modelId)
  cpSync(source, target, { recursive: true })
  writeFileSync(join(target, manifest.file.path), changed)
  manifest.file.sha256 = modelHash
  writeFileSync(join(target, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  return { modelDir, modelHash }
}
