import { join } from 'node:path'

import { freePort } from './free-port'
import { startProcess, waitUntilReady, type ManagedProcess } from './managed-process'
import { NODE_BIN_DIR } from './repo-root'

/** A running anvil, its RPC URL and how to stop it. */
export interface LocalChain {
  rpcUrl: string
  port: number
  chainId: number
  process: ManagedProcess
  stop(): Promise<void>
}

export interface StartAnvilOptions {
  /** Port to listen on; a free one when omitted. */
  port?: number
  /** Chain id (anvil's default is 31337). */
  chainId?: number
  /** Seconds between blocks; omitted = a block per transaction (automine). */
  blockTimeSeconds?: number
  readyTimeoutMs?: number
}

const DEFAULT_CHAIN_ID = 31_337

/** Sends one JSON-RPC call over fetch and returns its `result`. */
export async function rpcCall(
  rpcUrl: string,
  method: string,
  params: unknown[] = [],
): Promise<unknown> {
  const res = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(2_000),
  })
  const body = (await res.json()) as { result?: unknown; error?: { message: string } }
  if (body.error) throw new Error(`${method}: ${body.error.message}`)
  return body.result
}

/** Starts anvil from node_modules on 127.0.0.1 and waits until it answers `eth_chainId`. */
export async function startAnvil(options: StartAnvilOptions = {}): Promise<LocalChain> {
  const port = options.port ?? (await freePort())
  const chainId = options.chainId ?? DEFAULT_CHAIN_ID
  const args = ['--host', '127.0.0.1', '--port', String(port), '--chain-id', String(chainId)]
  if (options.blockTimeSeconds !== undefined)
    args.push('--block-time', String(options.blockTimeSeconds))
  const proc = startProcess({
    name: `anvil:${port}`,
    command: join(NODE_BIN_DIR, 'anvil'),
    args,
  })
  const rpcUrl = `http://127.0.0.1:${port}`
  try {
    await waitUntilReady(
      proc,
      async () => Number(await rpcCall(rpcUrl, 'eth_chainId')) === chainId,
      { timeoutMs: options.readyTimeoutMs ?? 15_000 },
    )
  } catch (err) {
    await proc.stop()
    throw err
  }
  return { rpcUrl, port, chainId, process: proc, stop: () => proc.stop() }
}
