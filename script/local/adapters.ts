import { Wallet } from 'ethers'

import { startTsServer, type LocalServer } from './tsx-process'

/** The adapter's entry point (`node --import tsx adapter/src/server.ts`, configured by env). */
export const ADAPTER_ENTRY = 'adapter/src/server.ts'

/**
 * What every local adapter gets unless its spec's `env` says otherwise (an empty value means the
 * adapter's own default: docs/adapter.md).
 */
export const LOCAL_ADAPTER_ENV: Readonly<Record<string, string>> = {
  EA_HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  // Sign on the event loop: one worker thread less to start per adapter.
  SIGNER_THREADS: '0',
}

/** How to start one adapter. */
export interface AdapterSpec {
  /** A name for logs, e.g. `operator-1`. */
  name: string
  /** The operator's EIP-712 signing key (SIGNER_PRIVATE_KEY); none: answers are not signed. */
  signerKey?: string
  /** MODEL_DIR; default: the bundled models. */
  modelDir?: string
  /** More adapter environment (docs/adapter.md), e.g. FETCH_ALLOWLIST, API_KEYS. */
  env?: Record<string, string>
  /** EA_PORT; a free loopback port when omitted (e.g. a restart on the port of a killed one). */
  port?: number
  readyTimeoutMs?: number
}

/** A running adapter. */
export interface LocalAdapter extends LocalServer {
  /** The operator's signer address (what the DON checks signatures against), when it signs. */
  readonly signer?: string
}

/** Starts one adapter on a loopback port and waits for `GET /ready` (its models are loaded). */
export async function startAdapter(spec: AdapterSpec): Promise<LocalAdapter> {
  const server = await startTsServer({
    name: `adapter ${spec.name}`,
    entry: ADAPTER_ENTRY,
    portVariable: 'EA_PORT',
    ...(spec.port === undefined ? {} : { port: spec.port }),
    readyPath: '/ready',
    ...(spec.readyTimeoutMs === undefined ? {} : { readyTimeoutMs: spec.readyTimeoutMs }),
    env: {
      ...LOCAL_ADAPTER_ENV,
      ...(spec.signerKey === undefined ? {} : { SIGNER_PRIVATE_KEY: spec.signerKey }),
      ...(spec.modelDir === undefined ? {} : { MODEL_DIR: spec.modelDir }),
      ...spec.env,
    },
  })
  if (spec.signerKey === undefined) return { ...server, name: spec.name }
  return { ...server, name: spec.name, signer: new Wallet(spec.signerKey).address }
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
