import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

import { sha256Hex } from '../../protocol/hashes'
import { REPO_ROOT } from '../../script/local/repo-root'
import { runTs } from './child-process'
import { tempDirFor } from '../support/temp-dir'

const COMMITTED = join(REPO_ROOT, 'adapter', 'models')
// About 25 s of CPU; the wall time stretches several-fold when the shared machine is busy.
const BUILD_TIMEOUT_MS = 420_000

/** sha256 of every file under `root`, keyed by relative path. */
function hashTree(root: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name)
      if (statSync(full).isDirectory()) walk(full)
      else out[relative(root, full)] = sha256Hex(readFileSync(full))
    }
  }
  walk(root)
  return out
}

describe('models:build', () => {
  const out = tempDirFor('onnx-oracle-models-')

  it(
    'rebuilds both models byte-identical to the committed artifacts',
    () => {
      const res = runTs('script/models/tools/build.ts', ['--out', out()], BUILD_TIMEOUT_MS)
      expect(res.stderr).toBe('')
      expect(res.status).toBe(0)
      const rebuilt = hashTree(out())
      const committed: Record<string, string> = {}
      for (const [path, hash] of Object.entries(hashTree(COMMITTED))) {
        // Only what the build writes: the schema and the two model folders.
        if (path === 'manifest.schema.json' || /^(risk|damage)-v1\//.test(path))
          committed[path] = hash
      }
      expect(Object.keys(rebuilt)).toContain('risk-v1/model.onnx')
      expect(Object.keys(rebuilt)).toContain('damage-v1/model.onnx')
      expect(rebuilt).toEqual(committed)
    },
    BUILD_TIMEOUT_MS + 10_000,
  )
})
