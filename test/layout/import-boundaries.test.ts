/**
 * No production module imports from `test/` or `bench/`, no test imports from `bench/`, no inner
 * adapter module imports from `adapter/src/http/`, and `protocol/` and `don-core/` import nothing
 * else of ours (test/support/import-boundaries.ts holds the rules).
 */
import { REPO_ROOT } from '../../script/local/repo-root'
import {
  findViolations,
  importSpecifiers,
  readSourceFiles,
  type SourceFile,
} from '../support/import-boundaries'

describe('import boundaries', () => {
  it('hold across the repository', () => {
    const files = readSourceFiles(REPO_ROOT)
    // the scan really reads the tree: production, test and bench files alike
    for (const path of ['adapter/src/server.ts', 'script/local/adapters.ts', 'bench/run.ts']) {
      expect(files.map((f) => f.path)).toContain(path)
    }
    expect(files.some((f) => f.path.startsWith('node_modules/'))).toBe(false)
    expect(findViolations(files)).toEqual([])
  })

  it('catch every way of importing across a boundary', () => {
    const files: SourceFile[] = [
      { path: 'script/demo/a.ts', text: "import { x } from '../../test/support/x'\n" },
      { path: 'adapter/src/b.ts', text: 'import type { Y } from "../../bench/lib/y"\n' },
      {
        path: 'script/c.ts',
        text: "export {\n  z,\n} from '../bench/lib/z'\nconst w = require('../test/w')\n",
      },
      { path: 'test/adapter/d.test.ts', text: "const m = await import('../../bench/lib/load')\n" },
      { path: 'script/e.ts', text: "import '../test/side-effect'\n" },
    ]
    expect(findViolations(files).map((v) => `${v.file} -> ${v.target}`)).toEqual([
      'script/demo/a.ts -> test/support/x',
      'adapter/src/b.ts -> bench/lib/y',
      'script/c.ts -> bench/lib/z',
      'script/c.ts -> test/w',
      'test/adapter/d.test.ts -> bench/lib/load',
      'script/e.ts -> test/side-effect',
    ])
  })

  it('keep the HTTP layer at the adapter edge and the shared cores self-contained', () => {
    const files: SourceFile[] = [
      { path: 'adapter/src/inference/s.ts', text: "import { r } from '../http/request-schema'\n" },
      { path: 'adapter/src/cache.ts', text: "import { e } from './http/error-response'\n" },
      { path: 'protocol/p.ts', text: "import { c } from '../adapter/src/config'\n" },
      { path: 'don-core/core.ts', text: "import { h } from '../protocol/hashes'\n" },
      // allowed: the composition root, the HTTP layer itself, packages, within the enclosure
      { path: 'adapter/src/app.ts', text: "import { r } from './http/routes'\n" },
      { path: 'adapter/src/http/routes.ts', text: "import { s } from './send-json'\n" },
      { path: 'protocol/q.ts', text: "import { h } from './hashes'\nimport 'ethers'\n" },
    ]
    expect(findViolations(files).map((v) => `${v.file} -> ${v.target}`)).toEqual([
      'adapter/src/inference/s.ts -> adapter/src/http/request-schema',
      'adapter/src/cache.ts -> adapter/src/http/error-response',
      'protocol/p.ts -> adapter/src/config',
      'don-core/core.ts -> protocol/hashes',
    ])
  })

  it('allow imports within a folder, into the kit, and of packages', () => {
    const files: SourceFile[] = [
      { path: 'test/a.test.ts', text: "import { s } from './support/s'\n" },
      { path: 'bench/run.ts', text: "import { k } from '../script/local/k'\nimport './lib/x'\n" },
      { path: 'test/b.test.ts', text: "import { k } from '../script/local/k'\n" },
      { path: 'script/c.ts', text: "import { t } from 'test'\nimport b from 'bench'\n" },
      // a name that only starts like a guarded folder
      { path: 'script/d.ts', text: "import { t } from '../testing/t'\n" },
    ]
    expect(findViolations(files)).toEqual([])
    expect(importSpecifiers("import a from 'a'\nexport * from './b'")).toEqual(['a', './b'])
  })
})
