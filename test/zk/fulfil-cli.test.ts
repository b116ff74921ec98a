/**
 * `npm run zk -- fulfil` as a prover runs it (a child process) against a real ZkInferenceOracle on
 * anvil: a salt that does not open the request's commitment is refused before anything is proven
 * or sent; the right features and salt prove the request and price the quote; the oracle's refusal
 * of a replay comes back as its custom error.
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

import { Contract, type TransactionReceipt } from 'ethers'

import { anvilPrivateKey } from '../../script/local/anvil-accounts'
import { Teardown } from '../../script/local/teardown'
import { zkOracleInterface } from '../../script/zk/fulfil'
import { startZkStack, ZK_DEMO_ACCOUNTS, type ZkStack } from '../../script/zk/zk-demo'
import { REPO_ROOT } from '../../zk/src/artifacts'
import { parseSalt, releaseCurve } from '../../zk/src/prover'
import { signalHex } from '../../zk/src/solidity'

const SETUP_TIMEOUT_MS = 240_000
const FEATURES = {
  driver_age: 31,
  years_licensed: 12,
  vehicle_age: 6,
  annual_mileage_km: 15000,
  prior_claims_5y: 0,
  region_risk: 0.5,
  vehicle_power_kw: 100,
  garage_parked: 1,
  harsh_braking_per_100km: 1.25,
  deductible_eur: 500,
}
const SALT = '0x5eed5eed5eed5eed5eed5eed5eed5eed'
const PRICING_ABI = [
  'function requestQuoteByHash(bytes32 inputHash, string inputRef) payable returns (bytes32)',
  'function getQuote(bytes32 requestId) view returns ((address customer, uint40 pricedAt, uint128 premium))',
]

function zk(
  env: Record<string, string>,
  ...args: string[]
): { status: number | null; stdout: string; stderr: string } {
  const res = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(REPO_ROOT, 'zk', 'cli.ts'), ...args],
    { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } },
  )
  return { status: res.status, stdout: res.stdout, stderr: res.stderr }
}

describe('npm run zk -- fulfil', () => {
  const teardown = new Teardown()
  let stack: ZkStack
  let requestId: string
  let env: Record<string, string>
  let pricing: Contract

  beforeAll(async () => {
    stack = await startZkStack(teardown)
    const commitment = signalHex(stack.prover.commit(FEATURES, parseSalt(SALT)))
    pricing = new Contract(stack.contracts.riskPricing, PRICING_ABI, stack.wallets.customer)
    const tx = await pricing.getFunction('requestQuoteByHash')(commitment, '')
    const receipt = (await tx.wait()) as TransactionReceipt
    const event = receipt.logs
      .map((l) => zkOracleInterface.parseLog(l))
      .find((e) => e?.name === 'InferenceRequested')
    requestId = String(event?.args.getValue('requestId'))
    env = {
      ZK_RPC_URL: stack.chain.rpcUrl,
      ZK_PRIVATE_KEY: anvilPrivateKey(ZK_DEMO_ACCOUNTS.prover),
    }
  }, SETUP_TIMEOUT_MS)
  afterAll(async () => {
    await teardown.run()
    await releaseCurve()
  })

  const common = (): string[] => [
    '--oracle',
    stack.contracts.oracle,
    '--request-id',
    requestId,
    '--features',
    JSON.stringify(FEATURES),
  ]

  it('refuses features and a salt that do not open the request, before proving', async () => {
    const res = zk(env, 'fulfil', ...common(), '--salt', '0x1234')
    expect(res.status).toBe(2)
    expect(res.stderr).toMatch(/not this request's input/)
    expect(res.stderr).not.toContain(env.ZK_PRIVATE_KEY?.slice(2))
    const quote = (await pricing.getFunction('getQuote')(requestId)) as { premium: bigint }
    expect(quote.premium).toBe(0n)
  })

  it('needs the RPC URL and, to send, a key', () => {
    const noRpc = zk({ ZK_RPC_URL: '' }, 'fulfil', ...common(), '--salt', SALT)
    expect(noRpc.status).toBe(2)
    expect(noRpc.stderr).toMatch(/ZK_RPC_URL is not set/)
    const badKey = zk(
      { ...env, ZK_PRIVATE_KEY: 'not-a-key' },
      'fulfil',
      ...common(),
      '--salt',
      SALT,
    )
    expect(badKey.status).toBe(2)
    expect(badKey.stderr).toMatch(/ZK_PRIVATE_KEY is not a 32-byte hex private key/)
    expect(badKey.stderr).not.toContain('not-a-key')
  })

  it('proves the request and sends fulfill: the quote is priced by the proven result', async () => {
    const res = zk(env, 'fulfil', ...common(), '--salt', SALT)
    expect(res.stderr).toBe('')
    expect(res.status).toBe(0)
    const out = JSON.parse(res.stdout) as {
      requestId: string
      result: number
      tx: string
      gasUsed: number
    }
    expect(out.requestId).toBe(requestId)
    expect(out.tx).toMatch(/^0x[0-9a-f]{64}$/)
    expect(out.gasUsed).toBeGreaterThan(200_000)
    const quote = (await pricing.getFunction('getQuote')(requestId)) as { premium: bigint }
    const base = 10n ** 16n
    expect(quote.premium).toBe((base * (10_000n + BigInt(out.result))) / 10_000n)
  })

  it('reports the oracle’s refusal of a replay as its custom error', () => {
    const res = zk(env, 'fulfil', ...common(), '--salt', SALT)
    expect(res.status).toBe(1)
    expect(res.stderr).toContain(`the oracle refuses the proof: RequestNotPending(${requestId})`)
  })
})
