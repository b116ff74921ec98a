import { existsSync } from 'node:fs'
import { join } from 'node:path'

import * as repo from '../../script/local/repo-root'

describe('repo-root', () => {
  it('points at this checkout and its well-known folders', () => {
    expect(existsSync(join(repo.REPO_ROOT, 'package.json'))).toBe(true)
    expect(existsSync(join(repo.REPO_ROOT, 'script', 'local', 'repo-root.ts'))).toBe(true)
    expect(existsSync(join(repo.NODE_BIN_DIR, 'deno'))).toBe(true)
    expect(existsSync(join(repo.BUNDLED_MODEL_DIR, 'risk-v1', 'manifest.json'))).toBe(true)
  })

  it('resolves repository-relative paths and keeps absolute ones', () => {
    expect(repo.repoPath('adapter/src/server.ts')).toBe(
      join(repo.REPO_ROOT, 'adapter', 'src', 'server.ts'),
    )
    expect(repo.repoPath('/etc/hosts')).toBe('/etc/hosts')
  })

  it('tells paths inside the repository from paths outside it, siblings included', () => {
    expect(repo.isInsideRepo(repo.REPO_ROOT)).toBe(true)
    expect(repo.isInsideRepo(join(repo.REPO_ROOT, 'cache', 'x'))).toBe(true)
    expect(repo.isInsideRepo(join(repo.REPO_ROOT, 'a', '..', 'b'))).toBe(true)
    // a sibling whose name starts with the repository's is outside it
    expect(repo.isInsideRepo(`${repo.REPO_ROOT}-other`)).toBe(false)
    expect(repo.isInsideRepo(join(repo.REPO_ROOT, '..'))).toBe(false)
    expect(repo.isInsideRepo('/tmp')).toBe(false)
  })
})
