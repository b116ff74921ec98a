/**
 * A MODEL_DIR holding a *different* version of a bundled model under the same id: the same ONNX
 * graph with one more doc string, so the file (and its sha256, the model hash) differs while the
 * adapter still loads and serves it. An adapter started on it stands for an operator serving a
 * model version the registry did not approve.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { REPO_ROOT } from '../../script/functions/simulate'

/** ModelProto field 6 (doc_string), wire type 2 (length-delimited). */
const DOC_STRING_TAG = (6 << 3) | 2
const MAX_SHORT_LENGTH = 127

interface ManifestFile {
  file: { path: string; sha256: string }
}

export interface OtherModelDir {
  dir: string
  modelHash: string
}

/** Writes `<tmp>/<modelId>/` with a changed model.onnx and its manifest updated to match. */
export function makeOtherModelDir(modelId: string, docString: string): OtherModelDir {
  const source = join(REPO_ROOT, 'adapter', 'models', modelId)
  const manifest = JSON.parse(readFileSync(join(source, 'manifest.json'), 'utf8')) as ManifestFile
  const text = Buffer.from(docString, 'utf8')
  if (text.length > MAX_SHORT_LENGTH) throw new Error('doc string too long for a one-byte length')
  const original = readFileSync(join(source, manifest.file.path))
  // Protobuf: a repeated occurrence of a string field replaces the earlier one when parsed.
  const changed = Buffer.concat([original, Buffer.from([DOC_STRING_TAG, text.length]), text])
  const modelHash = '0x' + createHash('sha256').update(changed).digest('hex')

  const dir = mkdtempSync(join(tmpdir(), 'onnx-oracle-other-model-'))
  const target = join(dir, modelId)
  mkdirSync(target)
  writeFileSync(join(target, manifest.file.path), changed)
  manifest.file.sha256 = modelHash
  writeFileSync(join(target, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n')
  copyFileSync(join(source, 'MODEL_CARD.md'), join(target, 'MODEL_CARD.md'))
  return { dir, modelHash }
}
