import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

import type { InterfaceAbi } from 'ethers'

import { NODE_BIN_DIR, REPO_ROOT } from './repo-root'

/**
 * Artifact dirs of the local tooling (local DON, demo, e2e): apart from `out/` so a `forge test`
 * never shares its output with them, and inside this checkout (under the ignored `cache/`) so two
 * checkouts on one machine never share theirs.
 */
export const LOCAL_FORGE_OUT =
  process.env.LOCAL_FORGE_OUT ?? join(REPO_ROOT, 'cache', 'local-forge', 'out')
export const LOCAL_FORGE_CACHE =
  process.env.LOCAL_FORGE_CACHE ?? join(REPO_ROOT, 'cache', 'local-forge', 'cache')

export interface ForgeArtifact {
  abi: InterfaceAbi
  bytecode: string
}

/** Compiles the given source files (paths relative to the repo) into the local out dir. */
export async function forgeBuild(files: string[], timeoutMs = 180_000): Promise<void> {
  mkdirSync(LOCAL_FORGE_OUT, { recursive: true })
  const lock = join(LOCAL_FORGE_OUT, '..', 'forge.lock')
  const forge = join(NODE_BIN_DIR, 'forge')
  const child = spawn('flock', [lock, forge, 'build', ...files], {
    cwd: REPO_ROOT,
    env: { ...process.env, FOUNDRY_OUT: LOCAL_FORGE_OUT, FOUNDRY_CACHE_PATH: LOCAL_FORGE_CACHE },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')))
  child.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')))
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.once('exit', (c) => {
      clearTimeout(timer)
      resolve(c)
    })
  })
  if (code !== 0)
    throw new Error(`forge build ${files.join(' ')} failed (exit ${code}):\n${output}`)
}

/** Reads `<out>/<File.sol>/<Contract>.json` (ABI and creation bytecode). */
export function readArtifact(
  sourceFile: string,
  contract: string,
  outDir = LOCAL_FORGE_OUT,
): ForgeArtifact {
  const path = join(outDir, sourceFile, `${contract}.json`)
  if (!existsSync(path)) throw new Error(`no forge artifact at ${path}: build ${sourceFile} first`)
  const json = JSON.parse(readFileSync(path, 'utf8')) as {
    abi: InterfaceAbi
    bytecode: { object: string }
  }
  return { abi: json.abi, bytecode: json.bytecode.object }
}
