/**
 * `npm run demo -- --transport zk` hands over to the zero-knowledge demo, `runZkDemo()` of
 * script/zk/zk-demo.ts (a quote priced through a proof on anvil; docs/zk.md). It is loaded only when
 * asked for, so the other transports run without it; until that module exists the option fails
 * with a clear error (exit code 2).
 */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'

import { REPO_ROOT } from '../local/repo-root'

/** The module the zk transport delegates to, relative to the repository root. */
export const ZK_DEMO_MODULE = 'script/zk/zk-demo.ts'

/** Thrown when a transport's demo is not part of this checkout. */
export class DemoUnavailableError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'DemoUnavailableError'
  }
}

export interface ZkDemoOptions {
  log: (line: string) => void
  signal?: AbortSignal
}

/** What the demo needs of script/zk/zk-demo.ts. */
export type RunZkDemo = (options: ZkDemoOptions) => Promise<unknown>

/** `runZkDemo` from script/zk/zk-demo.ts, or a DemoUnavailableError saying why there is none. */
export async function loadZkDemo(root: string = REPO_ROOT): Promise<RunZkDemo> {
  const path = join(root, ZK_DEMO_MODULE)
  if (!existsSync(path)) {
    throw new DemoUnavailableError(
      `the zk transport is not available in this checkout: ${ZK_DEMO_MODULE} (runZkDemo) is missing; use --transport cre or --transport functions`,
    )
  }
  // Loaded through Node's module loader (tsx compiles TypeScript for it), and only now.
  const mod = createRequire(__filename)(path) as { runZkDemo?: unknown }
  if (typeof mod.runZkDemo !== 'function') {
    throw new DemoUnavailableError(`${ZK_DEMO_MODULE} does not export a function runZkDemo`)
  }
  return mod.runZkDemo as RunZkDemo
}

/**
 * The zk demo's verdict from its report (`ZkDemoReport` of script/zk/zk-demo.ts): it throws when the
 * story breaks; a report that says `ok: false` or lists teardown failures fails the run too.
 */
export function zkDemoSucceeded(report: unknown): boolean {
  if (typeof report !== 'object' || report === null) return true
  if ('ok' in report && report.ok === false) return false
  if ('teardownFailures' in report && Array.isArray(report.teardownFailures))
    return report.teardownFailures.length === 0
  return true
}
