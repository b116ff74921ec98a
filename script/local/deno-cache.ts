/**
 * A Deno cache (DENO_DIR) seeded from node_modules, so that the Functions sources' `npm:` imports
 * (noble, pinned in functions-source/src/functions-runtime.ts) resolve without a download: `npm ci`
 * already put the same packages in node_modules, and the project downloads nothing at install or
 * run time beyond that.
 *
 * Deno keeps an npm package in `<DENO_DIR>/npm/registry.npmjs.org/<name>/<version>/` (the package's
 * files, as in node_modules) next to the package's packument, `<name>/registry.json`. A packument
 * holding the wanted version and marked `"_deno.packumentFormat": "full"` (as Deno marks the ones
 * it writes) is used as it is; without that mark Deno fetches the packument again. The seeded
 * packument lists only the installed version, with its dependencies (curves depends on hashes).
 *
 * The cache lies in the OS temp folder (outside the repository), named after the seeded packages
 * and versions; it is built in a staging folder and renamed into place, so concurrent processes
 * (jest workers, the local DON's children) never see it half-written. Deno writes its own caches
 * (analysis, V8 code) into it too, as it does into ~/.cache/deno.
 */
import { createHash } from 'node:crypto'
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { isInsideRepo, REPO_ROOT } from './repo-root'

/** The npm packages the Functions sources import (`npm:` specifiers) and their dependencies. */
export const DENO_NPM_PACKAGES = ['@noble/curves', '@noble/hashes'] as const

/** The registry Deno reads npm packages from; its host names the cache folder. */
export const NPM_REGISTRY = 'https://registry.npmjs.org/'

/** The registry's folder in a DENO_DIR. */
const REGISTRY_FOLDER = join('npm', 'registry.npmjs.org')

/** Written last into the staging folder: a cache with it is complete. */
const SEEDED_MARKER = 'onnx-oracle-seeded.json'

/** One package as node_modules holds it. */
export interface InstalledPackage {
  name: string
  version: string
  /** Its folder in node_modules. */
  dir: string
  dependencies: Record<string, string>
  /** The tarball's integrity as `npm ci` recorded it (node_modules/.package-lock.json), if known. */
  integrity?: string
}

/** `name` as installed in the repository's node_modules (throws when it is missing). */
export function installedPackage(name: string): InstalledPackage {
  const dir = join(REPO_ROOT, 'node_modules', name)
  const manifestPath = join(dir, 'package.json')
  if (!existsSync(manifestPath)) {
    throw new Error(`${name} is not in node_modules: run npm ci`)
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    version: string
    dependencies?: Record<string, string>
  }
  const pkg: InstalledPackage = {
    name,
    version: manifest.version,
    dir,
    dependencies: manifest.dependencies ?? {},
  }
  const integrity = lockedIntegrity(name, manifest.version)
  if (integrity !== undefined) pkg.integrity = integrity
  return pkg
}

/** The integrity npm recorded for `name@version` in node_modules/.package-lock.json. */
function lockedIntegrity(name: string, version: string): string | undefined {
  const lockPath = join(REPO_ROOT, 'node_modules', '.package-lock.json')
  if (!existsSync(lockPath)) return undefined
  const lock = JSON.parse(readFileSync(lockPath, 'utf8')) as {
    packages?: Record<string, { version?: string; integrity?: string }>
  }
  const entry = lock.packages?.[`node_modules/${name}`]
  return entry?.version === version ? entry.integrity : undefined
}

/** The packument Deno keeps for `pkg`, listing the installed version only. */
export function seededPackument(pkg: InstalledPackage): Record<string, unknown> {
  const basename = pkg.name.split('/').pop() ?? pkg.name
  return {
    name: pkg.name,
    'dist-tags': { latest: pkg.version },
    versions: {
      [pkg.version]: {
        version: pkg.version,
        ...(Object.keys(pkg.dependencies).length === 0 ? {} : { dependencies: pkg.dependencies }),
        dist: {
          tarball: `${NPM_REGISTRY}${pkg.name}/-/${basename}-${pkg.version}.tgz`,
          ...(pkg.integrity === undefined ? {} : { integrity: pkg.integrity }),
        },
      },
    },
    '_deno.packumentFormat': 'full',
  }
}

/** Writes the packages in Deno's npm cache layout under `denoDir`. */
function writeCache(denoDir: string, packages: readonly InstalledPackage[]): void {
  for (const pkg of packages) {
    const packageDir = join(denoDir, REGISTRY_FOLDER, pkg.name)
    mkdirSync(packageDir, { recursive: true })
    cpSync(pkg.dir, join(packageDir, pkg.version), { recursive: true, dereference: true })
    writeFileSync(join(packageDir, 'registry.json'), JSON.stringify(seededPackument(pkg)))
  }
  const seeded = packages.map(({ name, version }) => ({ name, version }))
  writeFileSync(join(denoDir, SEEDED_MARKER), JSON.stringify(seeded))
}

/** The cache each root got in this process (checked again on reuse: temp folders get cleaned). */
const prepared = new Map<string, string>()

/**
 * The DENO_DIR to run the Functions sources with: seeded from node_modules on first use (under
 * `root`, default the OS temp folder or /tmp when that lies inside the repository), reused after.
 */
export function preparedDenoDir(root?: string): string {
  const base = root ?? (isInsideRepo(tmpdir()) ? '/tmp' : tmpdir())
  const known = prepared.get(base)
  if (known !== undefined && existsSync(join(known, SEEDED_MARKER))) return known
  const packages = DENO_NPM_PACKAGES.map(installedPackage)
  const key = createHash('sha256')
    .update(
      JSON.stringify(packages.map(({ name, version, integrity }) => [name, version, integrity])),
    )
    .digest('hex')
    .slice(0, 16)
  const denoDir = join(base, `onnx-oracle-deno-${key}`)
  if (existsSync(join(denoDir, SEEDED_MARKER))) {
    prepared.set(base, denoDir)
    return denoDir
  }
  mkdirSync(base, { recursive: true })
  const staging = mkdtempSync(`${denoDir}.staging-`)
  try {
    writeCache(staging, packages)
    renameSync(staging, denoDir)
  } catch (err) {
    // Another process may have renamed its complete copy into place first.
    if (!existsSync(join(denoDir, SEEDED_MARKER))) throw err
  } finally {
    rmSync(staging, { recursive: true, force: true })
  }
  prepared.set(base, denoDir)
  return denoDir
}

/** The environment Deno needs to use `preparedDenoDir()` (and the registry it was seeded for). */
export function denoCacheEnv(root?: string): { DENO_DIR: string; NPM_CONFIG_REGISTRY: string } {
  return { DENO_DIR: preparedDenoDir(root), NPM_CONFIG_REGISTRY: NPM_REGISTRY }
}
