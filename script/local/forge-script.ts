import { spawn } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

import { NODE_BIN_DIR, REPO_ROOT } from './repo-root'

export interface ForgeScriptOptions {
  /** Path of the script relative to the repository root, e.g. `script/Deploy.s.sol`. */
  script: string
  /** The script contract to run when the file holds more than one. */
  targetContract?: string
  rpcUrl: string
  privateKey: string
  /** Extra environment for the script (its documented inputs). */
  env?: Record<string, string>
  /** Where forge writes artifacts and cache; separate dirs keep parallel runs apart. */
  outDir: string
  cacheDir: string
  timeoutMs?: number
}

/** Thrown when a forge script fails or times out; carries its output. */
export class ForgeScriptError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message)
    this.name = 'ForgeScriptError'
  }
}

/** Runs `forge script <script> --broadcast` against `rpcUrl` and returns its output. */
export async function runForgeScript(options: ForgeScriptOptions): Promise<string> {
  const args = [
    'script',
    options.script,
    '--rpc-url',
    options.rpcUrl,
    '--broadcast',
    '--private-key',
    options.privateKey,
    '--slow',
  ]
  if (options.targetContract !== undefined) args.push('--tc', options.targetContract)
  // One forge at a time per out dir: parallel runs (jest workers) would corrupt a shared cache.
  mkdirSync(options.outDir, { recursive: true })
  const lock = join(options.outDir, '..', 'forge.lock')
  const forge = join(NODE_BIN_DIR, 'forge')
  const child = spawn('flock', [lock, forge, ...args], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      ...options.env,
      FOUNDRY_OUT: options.outDir,
      FOUNDRY_CACHE_PATH: options.cacheDir,
      // The broadcast log would land in the repo (broadcast/); keep it with the artifacts.
      FOUNDRY_BROADCAST: join(options.outDir, '..', 'broadcast'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')))
  child.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')))
  const timeoutMs = options.timeoutMs ?? 180_000
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.once('exit', (c) => {
      clearTimeout(timer)
      resolve(c)
    })
    child.once('error', (err) => {
      clearTimeout(timer)
      output += `\n[spawn error] ${err.message}`
      resolve(null)
    })
  })
  if (code !== 0) {
    throw new ForgeScriptError(`forge script ${options.script} failed (exit ${code})`, output)
  }
  return output
}
