/*
 * Issue 13.11 end to end on the local Chainlink Functions DON: RiskPricing prices a quote whose
 * personal features never appear on-chain. The customer calls `requestQuoteByHash(hash, ref)`; the
 * real Router and Coordinator carry only the hash and the reference; four DON nodes run the
 * generated tabular source, which asks three adapter processes; each adapter fetches the features
 * by the reference from an input store (a loopback HTTP server checking each operator's key) and
 * answers; the DON signs and transmits; the oracle accepts only a result naming the requested hash.
 * A reference to other features than the hashed ones prices nothing.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { Contract, Interface, JsonRpcProvider, Wallet, type Log } from 'ethers'

import { tabularInputHash } from '../../protocol/input-hash'
import { LocalDon, type RoundOutcome } from '../../script/don/local-don'
import { HostedSecretsStore } from '../../script/don/secrets'
import { registerModel } from '../../script/local/model-registration'
import { adaptersSecret, startAdapters, type LocalAdapter } from '../../script/local/adapters'
import { anvilPrivateKey } from '../../script/local/anvil-accounts'
import { startAnvil, type LocalChain } from '../../script/local/anvil'
import { removeDeploymentFile, throwawayChainId } from '../../script/local/deployment-file'
import { deployLocalFunctions } from '../../script/local/functions-deployment'
import { deployProject, type ProjectDeployment } from '../../script/local/project-deployment'
import { REPO_ROOT } from '../../script/local/repo-root'

const SETUP_TIMEOUT_MS = 600_000
const ROUND_TIMEOUT_MS = 60_000
const SECRETS_SLOT = 0
const SECRETS_VERSION = 1
const ACCOUNTS = { owner: 0, customer: 1, proposer: 2, approver: 3 } as const

/** risk-v1's features (adapter/models/risk-v1/manifest.json). */
const FEATURES = {
  driver_age: 34,
  years_licensed: 15,
  vehicle_age: 6,
  annual_mileage_km: 14000,
  prior_claims_5y: 1,
  region_risk: 0.4,
  vehicle_power_kw: 90,
  garage_parked: 1,
  harsh_braking_per_100km: 2.5,
  deductible_eur: 500,
}
const OTHER_FEATURES = { ...FEATURES, prior_claims_5y: 4 }

const pricingInterface = new Interface([
  'function setCustomer(address customer, bool allowed)',
  'function basePremium() view returns (uint128)',
  'function requestQuoteByHash(bytes32 inputHash, string inputRef) payable returns (bytes32)',
  'function getQuote(bytes32 requestId) view returns ((address customer, uint40 pricedAt, uint128 premium))',
  'event QuoteRequested(bytes32 indexed requestId, address indexed customer, bytes32 featuresSha256)',
  'event QuotePriced(bytes32 indexed requestId, uint256 lossProbabilityBps, uint256 premium)',
  'event QuoteFailed(bytes32 indexed requestId, uint8 reason)',
])
const functionsOracleInterface = new Interface([
  'function setSource(string source)',
  'function setDonHostedSecrets(uint8 slotId, uint64 version)',
])

interface InputStore {
  server: Server
  url: string
  asked: string[]
}

/** The input store: features by path, for the operators' keys only. */
async function startInputStore(
  docs: Record<string, unknown>,
  keys: readonly string[],
): Promise<InputStore> {
  const asked: string[] = []
  const server = createServer((req, res) => {
    asked.push(req.url ?? '')
    const key = (req.headers.authorization ?? '').replace(/^Bearer /, '')
    if (!keys.includes(key)) {
      res.writeHead(401).end()
      return
    }
    const doc = docs[req.url ?? '']
    if (doc === undefined) {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { server, url: `http://127.0.0.1:${port}/inputs`, asked }
}

describe('private quote: RiskPricing by hash on the local Functions DON', () => {
  let chain: LocalChain
  let provider: JsonRpcProvider
  let store: InputStore
  let adapters: LocalAdapter[] = []
  let don: LocalDon | undefined
  let project: ProjectDeployment
  let pricing: Contract
  let customerAddress: string

  beforeAll(async () => {
    const operatorKeys = ['operator-1', 'operator-2', 'operator-3'].map((n) => `store-key-${n}`)
    store = await startInputStore(
      { '/inputs/quotes/0001': FEATURES, '/inputs/quotes/0002': OTHER_FEATURES },
      operatorKeys,
    )
    chain = await startAnvil({ chainId: throwawayChainId() })
    const adaptersStarting = startAdapters(
      operatorKeys.map((key, i) => ({
        name: `operator-${i + 1}`,
        signerKey: '0x' + String(i + 1).repeat(64),
        env: { INPUT_STORE_URL: store.url, INPUT_STORE_API_KEY: key },
      })),
    )
    adaptersStarting.then((a) => (adapters = a)).catch(() => undefined)
    const functions = await deployLocalFunctions(chain.rpcUrl, chain.chainId)
    const wallet = (i: number): Wallet => new Wallet(anvilPrivateKey(i), provider)
    provider = new JsonRpcProvider(chain.rpcUrl, undefined, {
      staticNetwork: true,
      cacheTimeout: -1,
    })
    provider.pollingInterval = 100
    project = await deployProject(chain.rpcUrl, chain.chainId, {
      proposers: [wallet(ACCOUNTS.proposer).address],
      approvers: [wallet(ACCOUNTS.approver).address],
      secretsSlot: SECRETS_SLOT,
      secretsVersion: SECRETS_VERSION,
      agreementThreshold: 2,
      tolerance: 0,
    })
    await registerModel(
      project.registry,
      'risk-v1',
      wallet(ACCOUNTS.proposer),
      wallet(ACCOUNTS.approver),
    )
    adapters = await adaptersStarting

    const owner = wallet(ACCOUNTS.owner)
    const oracle = new Contract(project.pricingOracle, functionsOracleInterface, owner)
    const source = readFileSync(join(REPO_ROOT, 'functions-source', 'tabular-inference.js'), 'utf8')
    await (await oracle.getFunction('setSource')(source)).wait()
    await (await oracle.getFunction('setDonHostedSecrets')(SECRETS_SLOT, SECRETS_VERSION)).wait()
    const customer = wallet(ACCOUNTS.customer)
    customerAddress = customer.address
    const asOwner = new Contract(project.pricing, pricingInterface, owner)
    await (await asOwner.getFunction('setCustomer')(customerAddress, true)).wait()
    pricing = new Contract(project.pricing, pricingInterface, customer)

    don = new LocalDon({
      rpcUrl: chain.rpcUrl,
      coordinator: functions.coordinator,
      keyring: functions.donKeyring,
      secrets: new HostedSecretsStore([
        {
          slotId: SECRETS_SLOT,
          version: BigInt(SECRETS_VERSION),
          secrets: { ADAPTERS: adaptersSecret(adapters) },
        },
      ]),
      onEvent: () => undefined,
    })
    await don.start()
  }, SETUP_TIMEOUT_MS)

  afterAll(async () => {
    await don?.stop()
    await Promise.all(adapters.map((a) => a.stop()))
    provider?.destroy()
    await new Promise((resolve) => store?.server.close(resolve))
    if (chain !== undefined) {
      await chain.stop()
      removeDeploymentFile(chain.chainId)
    }
  })

  /** Sends `requestQuoteByHash`, waits for the DON; returns the request, its logs and the outcome. */
  async function quote(
    inputHash: string,
    ref: string,
  ): Promise<{ requestId: string; calldata: string; logs: readonly Log[]; outcome: RoundOutcome }> {
    const tx = (await pricing.getFunction('requestQuoteByHash')(inputHash, ref)) as {
      data: string
      wait(): Promise<{ logs: readonly Log[] } | null>
    }
    const receipt = await tx.wait()
    const logs = receipt?.logs ?? []
    const requested = logs
      .map((l) => (l.address.toLowerCase() === project.pricing.toLowerCase() ? l : undefined))
      .map((l) => (l === undefined ? null : pricingInterface.parseLog(l)))
      .find((p) => p?.name === 'QuoteRequested')
    const requestId = requested?.args.getValue('requestId') as string
    const outcome = await don!.waitForOutcome(requestId, ROUND_TIMEOUT_MS)
    return { requestId, calldata: tx.data, logs, outcome }
  }

  function pricingEvent(txHash: string, logs: readonly Log[], name: string) {
    for (const l of logs) {
      if (l.address.toLowerCase() !== project.pricing.toLowerCase()) continue
      const parsed = pricingInterface.parseLog(l)
      if (parsed?.name === name) return parsed
    }
    throw new Error(`no ${name} in ${txHash}`)
  }

  it(
    'prices the hashed features, which never appear in the request transaction or its logs',
    async () => {
      const hash = tabularInputHash(FEATURES)
      const { requestId, calldata, logs, outcome } = await quote(hash, 'quotes/0001')
      // Nothing of the features on-chain: not the names, not the values' JSON.
      const onChain = [calldata, ...logs.map((l) => l.data), ...logs.flatMap((l) => l.topics)]
        .join('')
        .toLowerCase()
      for (const name of Object.keys(FEATURES)) {
        expect(onChain).not.toContain(Buffer.from(name, 'utf8').toString('hex'))
      }
      expect(onChain).toContain(Buffer.from('{"inputRef":"quotes/0001"}').toString('hex'))

      expect(outcome.kind).toBe('transmitted')
      if (outcome.kind !== 'transmitted') return
      const receipt = await provider.getTransactionReceipt(outcome.txHash)
      const priced = pricingEvent(outcome.txHash, receipt?.logs ?? [], 'QuotePriced')
      const q = (await pricing.getFunction('getQuote')(requestId)) as {
        customer: string
        premium: bigint
      }
      const base = (await pricing.getFunction('basePremium')()) as bigint
      const risk = priced.args.getValue('lossProbabilityBps') as bigint
      expect(q.customer).toBe(customerAddress)
      expect(q.premium).toBe((base * (10_000n + risk)) / 10_000n)
      expect(q.premium).toBeGreaterThan(base)
      // Every adapter fetched the features itself, by reference, with its own key.
      expect(store.asked.filter((u) => u === '/inputs/quotes/0001').length).toBeGreaterThanOrEqual(
        3,
      )
    },
    ROUND_TIMEOUT_MS * 2,
  )

  it(
    'prices nothing when the reference names other features than the hashed ones',
    async () => {
      const { requestId, outcome } = await quote(tabularInputHash(FEATURES), 'quotes/0002')
      expect(outcome.kind).toBe('transmitted')
      if (outcome.kind !== 'transmitted') return
      const receipt = await provider.getTransactionReceipt(outcome.txHash)
      pricingEvent(outcome.txHash, receipt?.logs ?? [], 'QuoteFailed')
      const err = Buffer.from((outcome.processed?.err ?? '0x').slice(2), 'hex').toString('utf8')
      // Every adapter answered for the features it fetched; none named the requested hash.
      expect(err).toContain('no valid answer from 3 adapters')
      const q = (await pricing.getFunction('getQuote')(requestId)) as { premium: bigint }
      expect(q.premium).toBe(0n)
    },
    ROUND_TIMEOUT_MS * 2,
  )
})
