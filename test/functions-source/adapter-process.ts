/**
 * Starts real adapter processes (`node --import tsx adapter/src/server.ts`) for tests, each on its
 * own free loopback port, and waits until `GET /health` answers. Bounded waits; `stop()` sends
 * SIGTERM and falls back to SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'

import { Wallet } from 'ethers'

import { REPO_ROOT } from '../../script/functions/simulate'

export interface AdapterOptions {
  /** secp256k1 key for the EIP-712 signature (SIGNER_PRIVATE_KEY). */
  signerKey?: string
  /** MODEL_DIR; default: the bundled models. */
  modelDir?: string
  /** More environment variables (e.g. FETCH_ALLOWLIST). */
  env?: Record<string, string>
}

export interface AdapterProcess {
  readonly url: string
  /** The signer address, when started with a key. */
  readonly signer?: string
  stop(): Promise<void>
}

// Generous: on the shared 2-core machine an adapter can take 10 s or more to load its models.
const READY_TIMEOUT_MS = 90_000
const STOP_TIMEOUT_MS = 5_000

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

async function waitForHealth(
  url: string,
  child: ChildProcess,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`adapter exited with code ${child.exitCode}:\n${output()}`)
    }
    try {
      const res = await fetch(`${url}health`, { signal: AbortSignal.timeout(1_000) })
      if (res.ok) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`adapter not healthy after ${READY_TIMEOUT_MS} ms:\n${output()}`)
}

/** Starts one adapter and resolves once it is healthy. */
export async function startAdapter(options: AdapterOptions = {}): Promise<AdapterProcess> {
  const port = await freePort()
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    EA_PORT: String(port),
    EA_HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    // Sign on the event loop: one worker thread less to start per adapter.
    SIGNER_THREADS: '0',
    ...(options.signerKey === undefined ? {} : { SIGNER_PRIVATE_KEY: options.signerKey }),
    ...(options.modelDir === undefined ? {} : { MODEL_DIR: options.modelDir }),
    ...options.env,
  }
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(REPO_ROOT, 'adapter', 'src', 'server.ts')],
    { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let output = ''
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4_000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const url = `http://127.0.0.1:${port}/`
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const done = exited(child)
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
    await done
    clearTimeout(timer)
  }
  try {
    await waitForHealth(url, child, () => output)
  } catch (error) {
    await stop()
    throw error
  }
  return {
    url,
    ...(options.signerKey === undefined ? {} : { signer: new Wallet(options.signerKey).address }),
    stop,
  }
}
