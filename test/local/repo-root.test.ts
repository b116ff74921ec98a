import { existsSync } from 'node:fs'
import { join } from 'node:path'

import {
  BUNDLED_MODEL_DIR,
  isInsideRepo,
  NODE_BIN_DIR,
  REPO_ROOT,
  repoPath,
} from '../../script/local/repo-root'

describe('repo-root', () => {
  it('points at this checkout and its well-known folders', () => {
    expect(existsSync(join(REPO_ROOT, 'package.json'))).toBe(true)
    expect(existsSync(join(REPO_ROOT, 'script', 'local', 'repo-root.ts'))).toBe(true)
    expect(existsSync(join(NODE_BIN_DIR, 'deno'))).toBe(true)
    expect(existsSync(join(BUNDLED_MODEL_DIR, 'risk-v1', 'manifest.json'))).toBe(true)
  })

  it('resolves repository-relative paths and keeps absolute ones', () => {
    expect(repoPath('adapter/src/server.ts')).toBe(join(REPO_ROOT, 'adapter', 'src', 'server.ts'))
    expect(repoPath('/etc/hosts')).toBe('/etc/hosts')
  })

  it('tells paths inside the repository from paths outside it, siblings included', () => {
    expect(isInsideRepo(REPO_ROOT)).toBe(true)
    expect(isInsideRepo(join(REPO_ROOT, 'cache', 'x'))).toBe(true)
    expect(isInsideRepo(join(REPO_ROOT, 'a', '..', 'b'))).toBe(true)
    // a sibling whose name starts with the repository's is outside it
    expect(isInsideRepo(`${REPO_ROOT}-other`)).toBe(false)
    expect(isInsideRepo(join(REPO_ROOT, '..'))).toBe(false)
    expect(isInsideRepo('/tmp')).toBe(false)
  })
})
