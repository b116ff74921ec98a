import { join } from 'node:path'

import { Wallet } from 'ethers'

import { freePort } from './free-port'
import { startProcess, waitUntilReady, type ManagedProcess } from './managed-process'
import { REPO_ROOT } from './repo-root'

/** How to start one adapter (`node --import tsx adapter/src/server.ts`, configured by env). */
export interface AdapterSpec {
  /** A name for logs, e.g. `operator-1`. */
  name: string
  /** The operator's EIP-712 signing key (SIGNER_PRIVATE_KEY). */
  signerKey: string
  /** MODEL_DIR; default: the bundled models. */
  modelDir?: string
  /** More adapter environment (docs/adapter.md), e.g. FETCH_ALLOWLIST. */
  env?: Record<string, string>
}

/** A running adapter. */
export interface LocalAdapter {
  name: string
  url: string
  /** The operator's signer address (what the Functions source checks signatures against). */
  signer: string
  process: ManagedProcess
  stop(): Promise<void>
}

// An adapter loads its ONNX models before it listens; on a busy 2-core machine that can take a while.
const ADAPTER_READY_TIMEOUT_MS = 90_000

/** Starts one adapter on a free loopback port and waits for `GET /ready`. */
export async function startAdapter(spec: AdapterSpec): Promise<LocalAdapter> {
  const port = await freePort()
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    EA_PORT: String(port),
    EA_HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    SIGNER_PRIVATE_KEY: spec.signerKey,
    // Sign on the event loop: no worker thread to start.
    SIGNER_THREADS: '0',
    ...(spec.modelDir === undefined ? {} : { MODEL_DIR: spec.modelDir }),
    ...spec.env,
  }
  const proc = startProcess({
    name: `adapter ${spec.name}`,
    command: process.execPath,
    args: ['--import', 'tsx', join(REPO_ROOT, 'adapter', 'src', 'server.ts')],
    cwd: REPO_ROOT,
    env,
  })
  const url = `http://127.0.0.1:${port}/`
  try {
    await waitUntilReady(
      proc,
      async () => (await fetch(`${url}ready`, { signal: AbortSignal.timeout(1_000) })).ok,
      { timeoutMs: ADAPTER_READY_TIMEOUT_MS, intervalMs: 200 },
    )
  } catch (err) {
    await proc.stop()
    throw err
  }
  return {
    name: spec.name,
    url,
    signer: new Wallet(spec.signerKey).address,
    process: proc,
    stop: () => proc.stop(),
  }
}

/** Starts several adapters at once; if one fails, stops the others and rethrows. */
export async function startAdapters(specs: AdapterSpec[]): Promise<LocalAdapter[]> {
  const results = await Promise.allSettled(specs.map((s) => startAdapter(s)))
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failed) {
    await Promise.all(started.map((a) => a.stop()))
    throw failed.reason
  }
  return started
}

/** The `ADAPTERS` secret of the Functions source (docs/protocol.md): url and signer of each. */
export function adaptersSecret(
  adapters: ReadonlyArray<Pick<LocalAdapter, 'url' | 'signer'>>,
): string {
  return JSON.stringify(adapters.map((a) => ({ url: a.url, signer: a.signer })))
}
