import { spawn } from 'node:child_process'
import { join } from 'node:path'

import { REPO_ROOT } from '../../script/local/repo-root'

export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
  /** stdout (exit 0) or stderr (otherwise) parsed as the CLI's one JSON object; {} if it is not JSON. */
  json: Record<string, unknown>
}

/**
 * Runs `npm run registry -- <args>` the way npm does (`node --import tsx script/registry/cli.ts`),
 * in its own process: the CLI's model-folder check loads ESM-only IPFS modules that jest's CommonJS
 * runtime cannot import, and a separate process is what users run anyway. Only `env` and PATH/HOME
 * reach it (no REGISTRY_* leaks in from the test's environment).
 */
export function runRegistryCli(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 90_000,
): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, 'script', 'registry', 'cli.ts'), ...args],
      {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('exit', (code) => {
      clearTimeout(timer)
      let json: Record<string, unknown> = {}
      try {
        json = JSON.parse(code === 0 ? stdout : stderr) as Record<string, unknown>
      } catch {
        // usage errors from commander are plain text
      }
      resolve({ code, stdout, stderr, json })
    })
  })
}
