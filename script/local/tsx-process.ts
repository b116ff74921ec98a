/**
 * TypeScript entry points of this repository run in a child `node --import tsx <entry>`: servers
 * (started on a loopback port, waited for, stopped) and scripts (run to completion). Children get
 * a small fixed environment (`childBaseEnv`) plus what the caller passes, never the caller's whole
 * environment: a key or an env var set in the developer's shell cannot leak into a test.
 */
import { spawn, type ChildProcess } from 'node:child_process'

import { denoCacheEnv } from './deno-cache'
import { freePort } from './free-port'
import { startProcess, waitUntilReady, type ManagedProcess } from './managed-process'
import { REPO_ROOT, repoPath } from './repo-root'

/**
 * The variables a child inherits from this process: where programs and the home folder are, and
 * how this machine reaches the network (proxies and the certificate authorities TLS must trust).
 */
const INHERITED_VARIABLES = [
  'PATH',
  'HOME',
  'TMPDIR',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'NODE_EXTRA_CA_CERTS',
  'DENO_CERT',
  'HTTPS_PROXY',
  'HTTP_PROXY',
  'NO_PROXY',
  'https_proxy',
  'http_proxy',
  'no_proxy',
] as const

/**
 * The `INHERITED_VARIABLES` of this process (those that are set), and Deno's cache seeded from
 * node_modules (`denoCacheEnv`: DENO_DIR, NPM_CONFIG_REGISTRY), so that a child running the
 * Functions sources through the toolkit (the toolkit's local testnet, the local DON) resolves
 * their `npm:` imports without a download.
 */
export function childBaseEnv(): Record<string, string> {
  const env: Record<string, string> = {}
  for (const name of INHERITED_VARIABLES) {
    const value = process.env[name]
    if (value !== undefined) env[name] = value
  }
  return { ...env, ...denoCacheEnv() }
}

/** `node --import tsx <entry> ...args`, the entry resolved against the repository root. */
function tsxArgs(entry: string, args: readonly string[] = []): string[] {
  return ['--import', 'tsx', repoPath(entry), ...args]
}

/** Default wait for a server's ready path: a busy 2-core machine can take a while to load models. */
export const DEFAULT_READY_TIMEOUT_MS = 90_000

/** How to start one server. */
export interface TsServerSpec {
  /** A name for logs and errors. */
  name: string
  /** The entry point, relative to the repository root (or absolute). */
  entry: string
  /** The environment variable the server reads its port from (`EA_PORT`, `PORT`, ...). */
  portVariable: string
  /** The port; a free loopback port when omitted. */
  port?: number
  /** More environment, on top of `childBaseEnv()`. */
  env?: Record<string, string>
  /** GET path that answers 200 once the server is ready, e.g. `/ready`. */
  readyPath: string
  readyTimeoutMs?: number
  /** Called with each chunk of the server's output. */
  onOutput?: (chunk: string) => void
}

/** A running server on 127.0.0.1. */
export interface LocalServer {
  readonly name: string
  /** `http://127.0.0.1:<port>/` (an EA's endpoint is its root). */
  readonly url: string
  readonly port: number
  readonly pid: number
  readonly process: ManagedProcess
  readonly child: ChildProcess
  /** The tail of what the server wrote to stdout and stderr. */
  output(): string
  /** SIGTERM, SIGKILL after a grace period; resolves once it has exited. */
  stop(): Promise<void>
}

/** GETs `url` and tells whether it answered 200 (the body is read, so the socket is freed). */
async function answers200(url: URL): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(1_000) })
  await res.arrayBuffer()
  return res.status === 200
}

/** Starts `spec.entry` on a loopback port and waits until its ready path answers 200. */
export async function startTsServer(spec: TsServerSpec): Promise<LocalServer> {
  const port = spec.port ?? (await freePort())
  const proc = startProcess({
    name: spec.name,
    command: process.execPath,
    args: tsxArgs(spec.entry),
    cwd: REPO_ROOT,
    env: { ...childBaseEnv(), ...spec.env, [spec.portVariable]: String(port) },
    ...(spec.onOutput === undefined ? {} : { onOutput: spec.onOutput }),
  })
  const url = `http://127.0.0.1:${port}/`
  try {
    await waitUntilReady(proc, () => answers200(new URL(spec.readyPath, url)), {
      timeoutMs: spec.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS,
    })
  } catch (err) {
    await proc.stop()
    throw err
  }
  const pid = proc.child.pid
  if (pid === undefined) throw new Error(`${spec.name}: started without a pid`)
  return {
    name: spec.name,
    url,
    port,
    pid,
    process: proc,
    child: proc.child,
    output: () => proc.output(),
    stop: () => proc.stop(),
  }
}

export interface TsScriptOptions {
  /** More environment, on top of `childBaseEnv()`. */
  env?: Record<string, string>
  /** SIGKILL after this long (the result then has `signal: 'SIGKILL'`). */
  timeoutMs: number
}

/** How a script run ended and what it printed. */
export interface TsScriptResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Runs `entry` with `args` to completion (cwd: the repository root) and collects its output. */
export function runTsScript(
  entry: string,
  args: readonly string[],
  options: TsScriptOptions,
): Promise<TsScriptResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, tsxArgs(entry, args), {
      cwd: REPO_ROOT,
      env: { ...childBaseEnv(), ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs)
    child.once('error', (err) => {
      clearTimeout(timer)
      resolve({
        code: null,
        signal: null,
        stdout,
        stderr: `${stderr}\n[spawn error] ${err.message}`,
      })
    })
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })
}
