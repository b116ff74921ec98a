/**
 * Deno's cache seeded from node_modules (script/local/deno-cache.ts): the Functions sources' `npm:`
 * imports (noble) resolve from it with every download made to fail (proxies on a closed loopback
 * port), through `simulateSource` in a fresh HOME and in the environment of the process kit's
 * children; jest's globalSetup puts it in the workers' environment (the toolkit's `deno` in the
 * tests); and a Deno with an empty cache does try to download them (so the checks can fail).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { toUtf8String } from 'ethers'

import {
  NOBLE_SECP256K1,
  NOBLE_SHA256,
  NOBLE_SHA3,
} from '../../functions-source/src/functions-runtime'
import {
  DENO_NPM_PACKAGES,
  denoCacheEnv,
  installedPackage,
  preparedDenoDir,
} from '../../script/local/deno-cache'
import { freePort } from '../../script/local/free-port'
import { NODE_BIN_DIR, REPO_ROOT } from '../../script/local/repo-root'
import { childBaseEnv } from '../../script/local/tsx-process'

jest.setTimeout(60_000)

/** Imports the three pinned noble modules and returns what they compute on empty input. */
const NOBLE_SOURCE = `const { secp256k1 } = await import('${NOBLE_SECP256K1}')
const { keccak_256 } = await import('${NOBLE_SHA3}')
const { sha256 } = await import('${NOBLE_SHA256}')
const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')
return Functions.encodeString(
  [typeof secp256k1.verify, hex(keccak_256(new Uint8Array())), hex(sha256(new Uint8Array()))].join(' '),
)`

const NOBLE_RESULT = [
  'function',
  'c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470',
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
].join(' ')

/** Proxy variables that send every download to a closed loopback port. */
let noNetwork: Record<string, string>

beforeAll(async () => {
  const closed = `http://127.0.0.1:${await freePort()}`
  noNetwork = { HTTPS_PROXY: closed, HTTP_PROXY: closed, https_proxy: closed, http_proxy: closed }
})

describe('the seeded Deno cache', () => {
  it('pins the versions node_modules holds', () => {
    const pinned = [NOBLE_SECP256K1, NOBLE_SHA3, NOBLE_SHA256].map((s) =>
      s.replace(/^npm:/, '').replace(/\/[^/@]+$/, ''),
    )
    const installed = DENO_NPM_PACKAGES.map(installedPackage)
    for (const spec of pinned) {
      expect(installed.map(({ name, version }) => `${name}@${version}`)).toContain(spec)
    }
    // curves depends on hashes: the version installed is the one it asks for
    const [curves, hashes] = installed
    expect(curves?.dependencies['@noble/hashes']).toBe(hashes?.version)
  })

  it("holds each package and its packument in Deno's npm layout, and is reused", () => {
    const root = mkdtempSync(join(tmpdir(), 'onnx-oracle-deno-test-'))
    try {
      const dir = preparedDenoDir(root)
      for (const pkg of DENO_NPM_PACKAGES.map(installedPackage)) {
        const folder = join(dir, 'npm', 'registry.npmjs.org', pkg.name)
        const manifest = JSON.parse(
          readFileSync(join(folder, pkg.version, 'package.json'), 'utf8'),
        ) as { version: string }
        expect(manifest.version).toBe(pkg.version)
        const packument = JSON.parse(readFileSync(join(folder, 'registry.json'), 'utf8')) as {
          versions: Record<string, unknown>
        }
        expect(Object.keys(packument.versions)).toEqual([pkg.version])
      }
      expect(preparedDenoDir(root)).toBe(dir)
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })

  it('serves simulateSource the npm: imports in a fresh HOME with downloads failing', () => {
    // A child process: inside a jest test `process.env` is a copy that the toolkit's spawn never
    // reads, so only a real process shows what `withToolkitEnv` gives Deno.
    const home = mkdtempSync(join(tmpdir(), 'onnx-oracle-deno-home-'))
    try {
      const run = spawnSync(
        process.execPath,
        [
          '--import',
          'tsx',
          '-e',
          `require('./script/local/functions-simulator.ts')
            .simulateSource({ source: process.env.NOBLE_SOURCE, args: [] })
            .then((outcome) => console.log(JSON.stringify(outcome)))`,
        ],
        {
          cwd: REPO_ROOT,
          env: { PATH: process.env.PATH ?? '', HOME: home, NOBLE_SOURCE, ...noNetwork },
          encoding: 'utf8',
          timeout: 60_000,
        },
      )
      expect(run.status).toBe(0)
      const outcome = JSON.parse(run.stdout) as { responseHex?: string; error?: string }
      expect(outcome.error).toBeUndefined()
      expect(toUtf8String(outcome.responseHex ?? '0x')).toBe(NOBLE_RESULT)
      expect(existsSync(join(home, '.cache', 'deno'))).toBe(false)
    } finally {
      rmSync(home, { recursive: true, force: true })
    }
  })

  it("is in the jest workers' real environment (the toolkit's deno inside tests)", () => {
    // No `env`: the child gets the worker's real environment, as `simulateScript`'s deno does.
    const run = spawnSync(process.execPath, ['-e', 'console.log(process.env.DENO_DIR)'], {
      encoding: 'utf8',
    })
    expect(run.stdout.trim()).toBe(denoCacheEnv().DENO_DIR)
  })

  describe('run by deno directly', () => {
    let dir: string
    let script: string

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'onnx-oracle-deno-test-'))
      script = join(dir, 'noble.js')
      writeFileSync(
        script,
        `const Functions = { encodeString: (s) => s }\nconsole.log(await (async () => {\n${NOBLE_SOURCE}\n})())\n`,
      )
    })

    afterAll(() => rmSync(dir, { recursive: true, force: true }))

    const deno = (env: Record<string, string>) =>
      spawnSync(join(NODE_BIN_DIR, 'deno'), ['run', '--no-prompt', '--allow-net', script], {
        cwd: dir,
        env: { ...env, ...noNetwork, NO_COLOR: '1' },
        encoding: 'utf8',
        timeout: 30_000,
      })

    it("resolves them in the process kit's child environment", () => {
      const run = deno(childBaseEnv())
      expect(run.stderr).not.toMatch(/Download/)
      expect(run.stdout.trim()).toBe(NOBLE_RESULT)
      expect(run.status).toBe(0)
    })

    it('would download them with an empty cache (so the checks above can fail)', () => {
      const empty = join(dir, 'empty-deno-dir')
      const run = deno({ ...childBaseEnv(), DENO_DIR: empty })
      expect(run.stderr).toMatch(/Download https:\/\/registry\.npmjs\.org\/@noble/)
      expect(run.status).not.toBe(0)
      expect(existsSync(join(empty, 'npm', 'registry.npmjs.org', '@noble', 'curves'))).toBe(false)
      expect(denoCacheEnv().DENO_DIR).not.toBe(empty)
    })
  })
})
