/** Runs a TypeScript entry point (script/models/tools) in a child node (tsx), with a hard timeout. */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

import { REPO_ROOT } from '../../script/local/repo-root'

export interface ChildResult {
  status: number | null
  stdout: string
  stderr: string
}

export function runTs(script: string, args: string[], timeoutMs: number): ChildResult {
  const res = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, script), ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
  })
  if (res.error) throw res.error
  return { status: res.status, stdout: res.stdout, stderr: res.stderr }
}
