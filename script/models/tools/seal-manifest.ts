/**
 * `node --import tsx script/models/seal-manifest.ts <model folder>`: for a model you bring (see
 * docs/models.md), fills in the hash fields of a draft manifest.json from the folder's files and
 * the draft's own provenance: `file.sha256`, `file.cid`, `provenance.hyperparametersHash` and
 * `provenanceHash`. Then validates the result with parseManifest and writes it back. Everything else
 * (ids, inputs, outputs, metrics, dataset digest) is yours to fill in before sealing.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

import { sha256Hex } from '../../../protocol/hashes'
import {
  hyperparametersHash,
  parseManifest,
  provenanceHash,
  type Manifest,
} from '../../../protocol/manifest'
import { manifestText } from './assemble-manifest'
import { unixfsCidV1 } from './cid'
import { runTool } from './tool-main'

type Draft = Record<string, unknown> & {
  file?: Record<string, unknown>
  provenance?: Record<string, unknown>
}

/** Seals `<dir>/manifest.json` in place and returns the validated manifest. */
export async function sealManifest(dir: string): Promise<Manifest> {
  const path = join(dir, 'manifest.json')
  const draft = JSON.parse(readFileSync(path, 'utf8')) as Draft
  const file = draft.file ?? {}
  const fileName = typeof file.path === 'string' ? file.path : 'model.onnx'
  const bytes = readFileSync(join(dir, fileName))
  draft.file = { path: fileName, sha256: sha256Hex(bytes), cid: await unixfsCidV1(bytes) }
  if (draft.provenance) {
    draft.provenance.hyperparametersHash = hyperparametersHash(
      draft.provenance.hyperparameters ?? {},
    )
    draft.provenanceHash = provenanceHash(draft.provenance)
  }
  const manifest = parseManifest(draft)
  writeFileSync(path, manifestText(manifest))
  return manifest
}

if (require.main === module) {
  runTool('seal-manifest.ts <model folder>', 'seal', async (dir) => {
    const m = await sealManifest(resolve(dir))
    return `sealed ${m.id} ${m.version}: ${m.file.sha256}`
  })
}
