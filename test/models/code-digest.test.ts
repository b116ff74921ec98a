import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { digestCodeFolder, type CodeDigest } from '../../script/models/tools/code-digest'
import { REPO_ROOT } from '../../script/local/repo-root'

describe('training-code digest', () => {
  let dir: string
  let digest: CodeDigest
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'onnx-oracle-code-'))
    mkdirSync(join(dir, 'sub'))
    mkdirSync(join(dir, 'empty'))
    writeFileSync(join(dir, 'b.ts'), 'export const b = 1\n')
    writeFileSync(join(dir, 'sub', 'a.ts'), 'export const a = 2\n')
    writeFileSync(join(dir, 'sub.ts'), '// sorts before the folder "sub/" in git order\n')
    writeFileSync(join(dir, 'run.sh'), '#!/bin/sh\n')
    chmodSync(join(dir, 'run.sh'), 0o755)
    digest = digestCodeFolder(dir) // before `git init` adds .git/
  })
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  it('computes the git tree id git itself writes for the folder', () => {
    const git = (...args: string[]): string =>
      execFileSync('git', args, { cwd: dir, encoding: 'utf8', timeout: 10_000 }).trim()
    git('init', '-q')
    git('add', '-A')
    expect(digest.gitTree).toBe(git('write-tree'))
  })

  it('hashes a sorted sha256sum-style listing', () => {
    const d = digest
    expect(d.files.map((f) => f.path)).toEqual(['b.ts', 'run.sh', 'sub.ts', 'sub/a.ts'])
    const listing = execFileSync('sha256sum', ['b.ts', 'run.sh', 'sub.ts', 'sub/a.ts'], {
      cwd: dir,
      encoding: 'utf8',
    })
    expect(d.sha256).toBe(`0x${createHash('sha256').update(listing).digest('hex')}`)
  })
})

describe('committed manifests', () => {
  it('record the digest of the current training code (rebuild after editing script/models/training)', () => {
    const current = digestCodeFolder(join(REPO_ROOT, 'script', 'models', 'training'))
    for (const id of ['risk-v1', 'damage-v1']) {
      const manifest = JSON.parse(
        readFileSync(join(REPO_ROOT, 'adapter', 'models', id, 'manifest.json'), 'utf8'),
      ) as {
        provenance: { trainingCode: { path: string; digest: { sha256: string }; gitTree: string } }
      }
      expect(manifest.provenance.trainingCode.path).toBe('script/models/training')
      expect(manifest.provenance.trainingCode.digest.sha256).toBe(current.sha256)
      expect(manifest.provenance.trainingCode.gitTree).toBe(current.gitTree)
    }
  })
})
