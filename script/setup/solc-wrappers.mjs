#!/usr/bin/env node
// Puts one solc per pinned compiler where forge looks for installed compilers (svm's folder,
// `<svm>/<version>/solc-<version>`), so that `auto_detect_solc = true` with `offline = true` picks
// the compiler per file from its pragma: 0.8.19 for the project and Chainlink's Functions
// contracts, 0.8.24 for Chainlink's KeystoneForwarder. forge cannot download compilers here.
//
// Each wrapper is a small shell script that runs the checkout's bin/solc with the npm module of
// that version (`--solc-module solc` or `--solc-module solc-0824`): the compiling logic stays in
// bin/solc. The pinned compilers are read from package.json: `solc` itself and every alias
// `"<name>": "npm:solc@<version>"`.
//
// Run by package.json's `postinstall` (so `npm ci` sets it up on a fresh machine); safe to run
// again. A wrapper finds bin/solc in the folder forge runs it from (the project root), so several
// checkouts on one machine each use their own; it falls back to the checkout that wrote it. A
// compiler that is not one of these wrappers (e.g. a native solc installed by svm or foundryup) is
// left alone.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const MARKER = '# onnx-oracle solc wrapper'

/** Where svm (and so forge) keeps compilers: svm-rs's own rule. */
export function svmDir(env = process.env, home = homedir()) {
  const legacy = join(home, '.svm')
  const data = env.XDG_DATA_HOME || join(home, '.local', 'share')
  return !existsSync(legacy) && existsSync(data) ? join(data, 'svm') : legacy
}

/** The solc-js modules package.json pins, with the compiler version each one holds. */
export function pinnedCompilers(root = REPO_ROOT) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
  const deps = { ...pkg.dependencies, ...pkg.devDependencies }
  const require = createRequire(join(root, 'package.json'))
  return Object.entries(deps)
    .filter(([name, spec]) => name === 'solc' || String(spec).startsWith('npm:solc@'))
    .map(([name]) => ({ module: name, version: require(`${name}/package.json`).version }))
}

/** The wrapper script for one module. */
export function wrapperScript(module, root = REPO_ROOT) {
  const quote = (s) => `'${s.replaceAll("'", `'\\''`)}'`
  return [
    '#!/bin/sh',
    `${MARKER} for the npm module ${module}; written by script/setup/solc-wrappers.mjs.`,
    '# forge runs solc from the project root: use that checkout if its bin/solc takes the module.',
    'root=$PWD',
    `grep -qs -- --solc-module "$root/bin/solc" && [ -d "$root/node_modules/${module}" ] ||`,
    `  root=${quote(root)}`,
    `exec node "$root/bin/solc" --solc-module ${module} "$@"`,
    '',
  ].join('\n')
}

/** Writes the wrappers; returns what it did for each compiler. */
export function installWrappers({ root = REPO_ROOT, dir = svmDir() } = {}) {
  return pinnedCompilers(root).map(({ module, version }) => {
    const folder = join(dir, version)
    const file = join(folder, `solc-${version}`)
    if (existsSync(file) && !readFileSync(file, 'utf8').includes(MARKER)) {
      return { module, version, file, action: 'kept (not ours)' }
    }
    mkdirSync(folder, { recursive: true })
    writeFileSync(file, wrapperScript(module, root))
    chmodSync(file, 0o755)
    return { module, version, file, action: 'written' }
  })
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    for (const r of installWrappers()) {
      process.stdout.write(`solc ${r.version} (${r.module}): ${r.file} ${r.action}\n`)
    }
  } catch (err) {
    process.stderr.write(`solc-wrappers: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exit(1)
  }
}
