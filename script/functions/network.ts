/**
 * The real-network steps of a dApp developer, through `@chainlink/functions-toolkit` (which works
 * with ethers v5 objects: they come from the toolkit's own ethers): subscriptions (create, fund,
 * add a consumer, inspect) and DON-hosted secrets (encrypt the ADAPTERS secret to the DON's keys).
 * Uploading the encrypted secrets needs the DON's gateway and is documented in docs/functions.md.
 * Credentials come from the environment only (FUNCTIONS_RPC_URL, FUNCTIONS_PRIVATE_KEY).
 */
import './toolkit-backend'

import { SecretsManager, SubscriptionManager } from '@chainlink/functions-toolkit'
import { providers, Wallet } from '@chainlink/functions-toolkit/node_modules/ethers'

/** Thrown when the environment lacks what a network command needs. */
export class NetworkConfigError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'NetworkConfigError'
  }
}

export interface NetworkEnv {
  rpcUrl: string
  privateKey: string
  /** How often to poll for receipts; ethers' default (4 s) suits real networks. */
  pollingIntervalMs?: number
}

/**
 * Reads FUNCTIONS_RPC_URL, FUNCTIONS_PRIVATE_KEY (never logged, never on the command line) and the
 * optional FUNCTIONS_POLLING_INTERVAL_MS (e.g. 100 for a local chain).
 */
export function networkEnv(env: NodeJS.ProcessEnv): NetworkEnv {
  const rpcUrl = env.FUNCTIONS_RPC_URL?.trim()
  const privateKey = env.FUNCTIONS_PRIVATE_KEY?.trim()
  const polling = env.FUNCTIONS_POLLING_INTERVAL_MS?.trim()
  if (!rpcUrl) throw new NetworkConfigError('set FUNCTIONS_RPC_URL')
  if (!privateKey || !/^0x[0-9a-fA-F]{64}$/.test(privateKey)) {
    throw new NetworkConfigError('set FUNCTIONS_PRIVATE_KEY (0x + 64 hex)')
  }
  if (polling !== undefined && polling !== '' && !/^[1-9][0-9]{0,5}$/.test(polling)) {
    throw new NetworkConfigError('FUNCTIONS_POLLING_INTERVAL_MS must be a positive integer')
  }
  return {
    rpcUrl,
    privateKey,
    ...(polling ? { pollingIntervalMs: Number(polling) } : {}),
  }
}

/** An ethers v5 wallet on the RPC (the toolkit's ethers). */
export function signerFor(env: NetworkEnv): Wallet {
  const provider = new providers.JsonRpcProvider(env.rpcUrl)
  if (env.pollingIntervalMs !== undefined) provider.pollingInterval = env.pollingIntervalMs
  return new Wallet(env.privateKey, provider)
}

export interface SubscriptionTarget {
  router: string
  link: string
}

async function subscriptions(env: NetworkEnv, target: SubscriptionTarget) {
  const manager = new SubscriptionManager({
    signer: signerFor(env),
    linkTokenAddress: target.link,
    functionsRouterAddress: target.router,
  })
  await manager.initialize()
  return manager
}

export interface SubscriptionSummary {
  subscriptionId: string
  owner: string
  balanceJuels: string
  consumers: string[]
}

/** Creates a subscription (optionally with a first consumer); returns its id. */
export async function createSubscription(
  env: NetworkEnv,
  target: SubscriptionTarget,
  consumer?: string,
): Promise<string> {
  const manager = await subscriptions(env, target)
  const id = await manager.createSubscription(
    consumer === undefined ? undefined : { consumerAddress: consumer },
  )
  return String(id)
}

/** Sends `juels` LINK (in juels) to the subscription through LINK's transferAndCall. */
export async function fundSubscription(
  env: NetworkEnv,
  target: SubscriptionTarget,
  subscriptionId: string,
  juels: bigint,
): Promise<void> {
  const manager = await subscriptions(env, target)
  await manager.fundSubscription({ subscriptionId, juelsAmount: juels.toString() })
}

/** Allows `consumer` to bill requests to the subscription. */
export async function addConsumer(
  env: NetworkEnv,
  target: SubscriptionTarget,
  subscriptionId: string,
  consumer: string,
): Promise<void> {
  const manager = await subscriptions(env, target)
  await manager.addConsumer({ subscriptionId, consumerAddress: consumer })
}

/** Owner, balance and consumers of a subscription. */
export async function subscriptionInfo(
  env: NetworkEnv,
  target: SubscriptionTarget,
  subscriptionId: string,
): Promise<SubscriptionSummary> {
  const manager = await subscriptions(env, target)
  const info = await manager.getSubscriptionInfo(subscriptionId)
  return {
    subscriptionId,
    owner: info.owner,
    balanceJuels: info.balance.toString(),
    consumers: [...info.consumers],
  }
}

/**
 * Encrypts `secrets` with the DON's keys, read from the Coordinator that the router names for
 * `donId` (threshold key + DON key, as the DON-hosted secrets flow requires). The result is what
 * `SecretsManager.uploadEncryptedSecretsToDON` uploads.
 */
export async function encryptSecrets(
  env: NetworkEnv,
  router: string,
  donId: string,
  secrets: Record<string, string>,
): Promise<string> {
  const manager = new SecretsManager({
    signer: signerFor(env),
    functionsRouterAddress: router,
    donId,
  })
  await manager.initialize()
  const { encryptedSecrets } = await manager.encryptSecrets(secrets)
  return encryptedSecrets
}
