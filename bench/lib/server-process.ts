/**
 * A server under test in its own child process, so its memory can be read from
 * /proc/<pid>/status (VmRSS now, VmHWM peak) without the load generator's memory mixed in.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { resolve } from 'node:path'

export const REPO_ROOT = resolve(__dirname, '..', '..')

export interface ServerSpec {
  /** Human name for logs and errors. */
  name: string
  /** Script run as `node --import tsx <script>`, relative to the repository root. */
  script: string
  /** Extra environment (the port variables are added). */
  env?: Record<string, string>
  /** GET path that answers 200 once the server is ready. */
  readyPath: string
  /** Give up waiting for readiness after this long. */
  readyTimeoutMs?: number
}

export interface RunningServer {
  name: string
  pid: number
  port: number
  url: string
  child: ChildProcess
  /** stderr and stdout collected so far (bounded), for error messages. */
  output(): string
  stop(signal?: NodeJS.Signals): Promise<void>
}

/** A free TCP port on 127.0.0.1 (asked from the kernel, then released). */
export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer()
    srv.on('error', fail)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      srv.close(() => {
        if (addr && typeof addr === 'object') ok(addr.port)
        else fail(new Error('no port'))
      })
    })
  })
}

function procStatusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)
  if (!m?.[1]) throw new Error(`no ${field} for pid ${pid}`)
  return Number(m[1])
}

/** Resident memory of a process now, in MiB. */
export function rssMiB(pid: number): number {
  return Math.round((procStatusKb(pid, 'VmRSS') / 1024) * 10) / 10
}

/** Peak resident memory of a process over its life so far (VmHWM), in MiB. */
export function peakRssMiB(pid: number): number {
  return Math.round((procStatusKb(pid, 'VmHWM') / 1024) * 10) / 10
}

// Children still running when this process exits (a crash, an interrupted run) are killed with it.
const live = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** GET url; resolves to the status code, or 0 if the connection failed. */
export async function getStatus(url: string, timeoutMs = 1000): Promise<number> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
    await res.arrayBuffer()
    return res.status
  } catch {
    return 0
  }
}

/** Starts `spec` on a free port and waits until its ready path answers 200. */
export async function startServer(spec: ServerSpec, port?: number): Promise<RunningServer> {
  const p = port ?? (await freePort())
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(REPO_ROOT, spec.script)], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'error',
      ...spec.env,
      PORT: String(p),
      EA_PORT: String(p),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  live.add(child)
  let out = ''
  const keep = (b: Buffer) => {
    out = (out + b.toString('utf8')).slice(-8000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  let exited = false
  const exit = new Promise<void>((r) =>
    child.once('exit', () => {
      exited = true
      live.delete(child)
      r()
    }),
  )
  const url = `http://127.0.0.1:${p}`
  const deadline = Date.now() + (spec.readyTimeoutMs ?? 90_000)
  while (true) {
    if (exited) {
      const how = child.signalCode ?? `code ${String(child.exitCode)}`
      throw new Error(`${spec.name} exited (${how}) before ready:\n${out}`)
    }
    if ((await getStatus(url + spec.readyPath)) === 200) break
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`${spec.name} not ready after ${spec.readyTimeoutMs ?? 90_000} ms:\n${out}`)
    }
    await sleep(100)
  }
  if (child.pid === undefined) throw new Error(`${spec.name}: no pid`)
  return {
    name: spec.name,
    pid: child.pid,
    port: p,
    url,
    child,
    output: () => out,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (exited) return
      child.kill(signal)
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exit
      clearTimeout(timer)
    },
  }
}
