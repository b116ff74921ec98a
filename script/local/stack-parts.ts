/**
 * The first steps every local stack takes (the CRE stack, the round measurements, the demos), each
 * registered with the stack's teardown as it starts: a throwaway anvil chain, adapter processes
 * starting in the background, and a provider with anvil's accounts as wallets.
 */
import { JsonRpcProvider, Wallet, type Networkish } from 'ethers'

import { startAdapters, type AdapterSpec, type LocalAdapter } from './adapters'
import { anvilPrivateKey } from './anvil-accounts'
import { startAnvil, type LocalChain, type StartAnvilOptions } from './anvil'
import { removeDeploymentFile, throwawayChainId } from './deployment-file'
import { Teardown } from './teardown'

/** anvil on a throwaway chain id (unless `options.chainId`); teardown stops it and removes its deployment file. */
export async function startThrowawayAnvil(
  teardown: Teardown,
  options: StartAnvilOptions = {},
): Promise<LocalChain> {
  const chain = await startAnvil({ ...options, chainId: options.chainId ?? throwawayChainId() })
  teardown.add('anvil', async () => {
    await chain.stop()
    removeDeploymentFile(chain.chainId)
  })
  return chain
}

/**
 * Starts the adapters without waiting for them (they load their models while the caller deploys);
 * teardown stops whatever started, even if the caller fails before it awaits them.
 */
export function startAdaptersInBackground(
  teardown: Teardown,
  specs: AdapterSpec[],
): Promise<LocalAdapter[]> {
  const starting = startAdapters(specs)
  teardown.add('adapters', async () => {
    const started = await starting.catch(() => [] as LocalAdapter[])
    await Promise.all(started.map((a) => a.stop()))
  })
  return starting
}

export interface ChainWallets {
  provider: JsonRpcProvider
  /** A wallet of anvil account `index` on `provider`. */
  wallet(index: number): Wallet
}

/**
 * A provider without a request cache (a read right after a transaction must see its effect),
 * destroyed at teardown, and anvil's accounts as wallets on it.
 */
export function chainWallets(
  teardown: Teardown,
  rpcUrl: string,
  options: { pollingIntervalMs: number; network?: Networkish },
): ChainWallets {
  const provider = new JsonRpcProvider(rpcUrl, options.network, {
    staticNetwork: true,
    cacheTimeout: -1,
    pollingInterval: options.pollingIntervalMs,
  })
  teardown.add('provider', async () => provider.destroy())
  return { provider, wallet: (i: number): Wallet => new Wallet(anvilPrivateKey(i), provider) }
}

/**
 * Starts a stack: `build` starts its parts, each registering its step with `teardown` as it
 * starts; on a failure, what started is stopped and the error rethrown. The stack's `stop()` stops
 * everything in reverse order and resolves with the steps that failed.
 */
export async function startStack<T extends object>(
  build: (teardown: Teardown) => Promise<T>,
): Promise<T & { stop(): Promise<string[]> }> {
  const teardown = new Teardown()
  try {
    return { ...(await build(teardown)), stop: () => teardown.run() }
  } catch (err) {
    await teardown.run()
    throw err
  }
}
