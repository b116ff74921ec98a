/**
 * script/setup/solc-wrappers.mjs (package.json postinstall) on a machine without compilers: run
 * with a fresh HOME, it writes one svm wrapper per pinned solc-js module, each answering forge's
 * `--version` with its own compiler through bin/solc, and it leaves a compiler it did not write alone.
 */
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { REPO_ROOT } from '../../script/local/repo-root'
import { tempDirFor } from '../support/temp-dir'

const SCRIPT = join(REPO_ROOT, 'script', 'setup', 'solc-wrappers.mjs')
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>
  dependencies: Record<string, string>
  devDependencies: Record<string, string>
}
const moduleVersion = (name: string): string =>
  (
    JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8')) as {
      version: string
    }
  ).version

function setUp(home: string): { status: number | null; stdout: string } {
  const res = spawnSync(process.execPath, [SCRIPT], {
    cwd: REPO_ROOT,
    env: { ...process.env, HOME: home, XDG_DATA_HOME: join(home, 'no-such-dir') },
    encoding: 'utf8',
  })
  return { status: res.status, stdout: res.stdout }
}

function version(wrapper: string, cwd: string): string {
  const res = spawnSync(wrapper, ['--version'], { cwd, encoding: 'utf8' })
  return res.stdout
}

describe('solc wrappers for forge (postinstall)', () => {
  const home = tempDirFor('onnx-oracle-svm-', 'test')

  it('is what npm runs after installing (then the Functions sources are built)', () => {
    expect(pkg.scripts.postinstall?.split(' && ')).toEqual([
      'node script/setup/solc-wrappers.mjs',
      'node --import tsx script/functions/build-sources.ts',
    ])
  })

  it('writes an executable wrapper per pinned compiler that answers with its own version', () => {
    const { status, stdout } = setUp(home())
    expect(status).toBe(0)
    const pinned = ['solc', 'solc-0824'].map((m) => ({ module: m, version: moduleVersion(m) }))
    expect(pkg.devDependencies.solc ?? pkg.dependencies.solc).toBe(pinned[0]?.version)
    expect(pkg.dependencies['solc-0824']).toBe(`npm:solc@${pinned[1]?.version}`)
    expect(new Set(pinned.map((p) => p.version)).size).toBe(2)
    for (const { module, version: v } of pinned) {
      const wrapper = join(home(), '.svm', v, `solc-${v}`)
      expect(statSync(wrapper).mode & 0o111).not.toBe(0)
      expect(stdout).toContain(`solc ${v} (${module}): ${wrapper} written`)
      // From the checkout (as forge runs it) and from anywhere else (the fallback).
      expect(version(wrapper, REPO_ROOT)).toMatch(
        new RegExp(`^Version: ${v.replaceAll('.', '\\.')}\\+commit`, 'm'),
      )
      expect(version(wrapper, home())).toMatch(
        new RegExp(`^Version: ${v.replaceAll('.', '\\.')}\\+commit`, 'm'),
      )
    }
  })

  it('is safe to run again and leaves a compiler it did not write alone', () => {
    const v = moduleVersion('solc-0824')
    const foreign = join(home(), '.svm', v, `solc-${v}`)
    mkdirSync(join(home(), '.svm', v), { recursive: true })
    writeFileSync(foreign, '#!/bin/sh\necho native solc\n')
    chmodSync(foreign, 0o755)
    expect(setUp(home()).status).toBe(0)
    const again = setUp(home())
    expect(again.status).toBe(0)
    expect(again.stdout).toContain(`${foreign} kept (not ours)`)
    expect(readFileSync(foreign, 'utf8')).toBe('#!/bin/sh\necho native solc\n')
    const own = moduleVersion('solc')
    expect(again.stdout).toContain(`${join(home(), '.svm', own, `solc-${own}`)} written`)
  })
})
