/**
 * The real-network commands of `npm run functions`, against a local chain: anvil (from npm) with the
 * real FunctionsRouter and LINK token, deployed by the toolkit's own `deployFunctionsOracle` (which
 * also deploys its coordinator test helper holding the toolkit's simulated DON keys; see
 * deploy-functions-oracle.ts). Subscription
 * commands run in-process and through the CLI; encryption reads the keys from that coordinator.
 * Uploading to a DON gateway cannot run locally (there is no gateway).
 */
import '../../script/functions/toolkit-backend'

import { join } from 'node:path'

import {
  addConsumer,
  createSubscription,
  encryptSecrets,
  fundSubscription,
  networkEnv,
  signerFor,
  subscriptionInfo,
  type NetworkEnv,
  type SubscriptionTarget,
} from '../../script/functions/network'
import { anvilPrivateKey } from '../../script/local/anvil-accounts'
import { startAnvil, type LocalChain } from '../../script/local/anvil'
import { runTsScript, type TsScriptResult } from '../../script/local/tsx-process'

jest.setTimeout(60_000)

const ONE_LINK = 10n ** 18n
const CONSUMER = '0x' + '42'.repeat(20)
const ADAPTERS = JSON.stringify([{ url: 'https://adapter.example/', apiKey: 'plaintext-api-key' }])

let chain: LocalChain
let env: NetworkEnv
let target: SubscriptionTarget
let donId: string
let owner: string

function cliEnv0(rpcUrl: string): Record<string, string> {
  return {
    FUNCTIONS_RPC_URL: rpcUrl,
    FUNCTIONS_PRIVATE_KEY: anvilPrivateKey(0),
    FUNCTIONS_POLLING_INTERVAL_MS: String(POLLING_INTERVAL_MS),
  }
}

function runCli(cliArgs: string[], extraEnv: Record<string, string>): Promise<TsScriptResult> {
  return runTsScript('script/functions/cli.ts', cliArgs, { env: extraEnv, timeoutMs: 40_000 })
}

/** Receipts are polled every 100 ms instead of ethers' 4 s: anvil mines each transaction at once. */
const POLLING_INTERVAL_MS = 100
const cliEnv = () => cliEnv0(env.rpcUrl)
const targetArgs = () => ['--router', target.router, '--link', target.link]

beforeAll(async () => {
  chain = await startAnvil()
  env = networkEnv(cliEnv0(chain.rpcUrl))
  owner = signerFor(env).address
  const deployed = await runTsScript(
    join(__dirname, 'deploy-functions-oracle.ts'),
    [chain.rpcUrl],
    {
      timeoutMs: 40_000,
    },
  )
  if (deployed.code !== 0) throw new Error(`deployment failed:\n${deployed.stderr}`)
  const line = deployed.stdout.trim().split('\n').pop() ?? ''
  const addresses = JSON.parse(line) as SubscriptionTarget & { donId: string }
  target = { router: addresses.router, link: addresses.link }
  donId = addresses.donId
}, 60_000)

afterAll(async () => {
  await chain?.stop()
})

describe('subscriptions (in-process)', () => {
  let subscriptionId: string

  it('creates one owned by the signer, empty', async () => {
    subscriptionId = await createSubscription(env, target)
    expect(subscriptionId).toMatch(/^[1-9][0-9]*$/)
    expect(await subscriptionInfo(env, target, subscriptionId)).toEqual({
      subscriptionId,
      owner,
      balanceJuels: '0',
      consumers: [],
    })
  })

  it('funds it with LINK', async () => {
    await fundSubscription(env, target, subscriptionId, 2n * ONE_LINK)
    const info = await subscriptionInfo(env, target, subscriptionId)
    expect(BigInt(info.balanceJuels)).toBe(2n * ONE_LINK)
  })

  it('adds a consumer once, and refuses it twice', async () => {
    await addConsumer(env, target, subscriptionId, CONSUMER)
    const info = await subscriptionInfo(env, target, subscriptionId)
    expect(info.consumers.map((c) => c.toLowerCase())).toEqual([CONSUMER])
    await expect(addConsumer(env, target, subscriptionId, CONSUMER)).rejects.toThrow(
      /already authorized/,
    )
  })
})

describe('DON-hosted secrets (in-process)', () => {
  it('fails for a DON id the router does not know', async () => {
    await expect(encryptSecrets(env, target.router, 'no-such-don', { ADAPTERS })).rejects.toThrow()
  })
})

describe('npm run functions -- sub:* and secrets:encrypt (the CLI)', () => {
  it('sub:create with a consumer prints the new id; sub:info shows it', async () => {
    const created = await runCli(['sub:create', ...targetArgs(), '--consumer', CONSUMER], cliEnv())
    expect(created.code).toBe(0)
    const { subscriptionId } = JSON.parse(created.stdout) as { subscriptionId: string }
    const info = await subscriptionInfo(env, target, subscriptionId)
    expect(info.owner).toBe(owner)
    expect(info.consumers.map((c) => c.toLowerCase())).toEqual([CONSUMER])
  })

  it('secrets:encrypt reads ADAPTERS from the environment and prints hex only', async () => {
    const run = await runCli(['secrets:encrypt', '--router', target.router, '--don-id', donId], {
      ...cliEnv(),
      FUNCTIONS_ADAPTERS: ADAPTERS,
    })
    expect(run.code).toBe(0)
    const out = JSON.parse(run.stdout) as { encryptedSecrets: string; bytes: number }
    expect(out.encryptedSecrets).toMatch(/^0x[0-9a-f]+$/)
    expect(out.bytes).toBe((out.encryptedSecrets.length - 2) / 2)
    expect(run.stdout + run.stderr).not.toContain('plaintext-api-key')
    expect(run.stdout + run.stderr).not.toContain(env.privateKey.slice(2))
  })

  it('reads its configuration from the environment and refuses a missing key or RPC URL', () => {
    const base = cliEnv()
    expect(() => networkEnv({ ...base, FUNCTIONS_PRIVATE_KEY: '' })).toThrow(
      /set FUNCTIONS_PRIVATE_KEY/,
    )
    expect(() => networkEnv({ ...base, FUNCTIONS_RPC_URL: undefined })).toThrow(
      /set FUNCTIONS_RPC_URL/,
    )
    expect(() => networkEnv({ ...base, FUNCTIONS_POLLING_INTERVAL_MS: 'fast' })).toThrow(
      /POLLING_INTERVAL_MS/,
    )
    expect(networkEnv(base)).toEqual({
      rpcUrl: env.rpcUrl,
      privateKey: env.privateKey,
      pollingIntervalMs: POLLING_INTERVAL_MS,
    })
  })
})
