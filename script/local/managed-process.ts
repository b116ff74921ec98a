import { spawn, type ChildProcess } from 'node:child_process'

/** How much of a child's combined stdout/stderr is kept for error messages. */
const OUTPUT_TAIL_CHARS = 16_000
/** How long `stop()` waits after SIGTERM before it sends SIGKILL. */
const STOP_GRACE_MS = 3_000

/** A child process this project started, with its recent output and a clean `stop()`. */
export interface ManagedProcess {
  readonly name: string
  readonly child: ChildProcess
  /** The last `OUTPUT_TAIL_CHARS` characters the process wrote to stdout and stderr. */
  output(): string
  /** True once the process has exited. */
  exited(): boolean
  /** SIGTERM, then SIGKILL after a grace period; resolves once the process has exited. */
  stop(): Promise<void>
}

export interface StartProcessOptions {
  name: string
  command: string
  args: string[]
  env?: NodeJS.ProcessEnv
  cwd?: string
  /** Called with each chunk of output (e.g. to stream logs); the tail is kept either way. */
  onOutput?: (chunk: string) => void
}

/** Thrown when a started process exits before it was ready, or never becomes ready. */
export class ProcessStartError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ProcessStartError'
  }
}

// Children still running when this process exits (a crash, an interrupted run, a test worker torn
// down) are killed with it. The exit hook is installed while any child lives and removed after, so
// module instances that come and go (jest loads modules per test file) never pile up listeners.
const live = new Set<ChildProcess>()
function killLiveChildren(): void {
  for (const child of live) child.kill('SIGKILL')
}
function track(child: ChildProcess): void {
  if (live.size === 0) process.once('exit', killLiveChildren)
  live.add(child)
}
function untrack(child: ChildProcess): void {
  if (live.delete(child) && live.size === 0) process.removeListener('exit', killLiveChildren)
}

/** Spawns a child process whose output is captured, not inherited. */
export function startProcess(options: StartProcessOptions): ManagedProcess {
  const child = spawn(options.command, options.args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  track(child)
  let tail = ''
  let hasExited = false
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      hasExited = true
      untrack(child)
      resolve()
    })
    child.once('error', (err) => {
      tail += `\n[spawn error] ${err.message}`
      hasExited = true
      untrack(child)
      resolve()
    })
  })
  const collect = (data: Buffer): void => {
    const chunk = data.toString('utf8')
    tail = (tail + chunk).slice(-OUTPUT_TAIL_CHARS)
    options.onOutput?.(chunk)
  }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)

  return {
    name: options.name,
    child,
    output: () => tail,
    exited: () => hasExited,
    async stop() {
      if (hasExited) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => {
        if (!hasExited) child.kill('SIGKILL')
      }, STOP_GRACE_MS)
      await exitedPromise
      clearTimeout(timer)
    },
  }
}

export interface WaitUntilReadyOptions {
  timeoutMs: number
  intervalMs?: number
}

/**
 * Polls `probe` until it resolves true; fails early with the process output if the process exits,
 * and after `timeoutMs` otherwise.
 */
export async function waitUntilReady(
  proc: ManagedProcess,
  probe: () => Promise<boolean>,
  { timeoutMs, intervalMs = 100 }: WaitUntilReadyOptions,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (proc.exited()) {
      throw new ProcessStartError(`${proc.name} exited before it was ready:\n${proc.output()}`)
    }
    if (await probe().catch(() => false)) return
    await new Promise((r) => setTimeout(r, intervalMs))
  }
  throw new ProcessStartError(
    `${proc.name} was not ready within ${timeoutMs} ms:\n${proc.output()}`,
  )
}
