/**
 * The deploy scripts on a real anvil: script/DeployLocalFunctions.s.sol (Chainlink Functions with a
 * 4-node DON) and then script/Deploy.s.sol (registry proxy + ClaimsInsurance), both through
 * `forge script --broadcast`, exactly as operators and the local DON run them. Checks the
 * deployments/<chainid>.json they write against what is on chain.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'

import { Contract, JsonRpcProvider, Wallet, ZeroHash, getAddress } from 'ethers'

import { anvilPrivateKey } from '../../script/local/anvil-accounts'
import { startAnvil, type LocalChain } from '../../script/local/anvil'
import { runForgeScript } from '../../script/local/forge-script'
import { REPO_ROOT } from '../../script/local/repo-root'

interface DeploymentJson {
  chainId: number
  functions: {
    router: string
    coordinator: string
    link: string
    linkNativeFeed: string
    linkUsdFeed: string
    allowList: string
    donId: string
    donIdString: string
    subscriptionId: number
    subscriptionOwner: string
    signers: string[]
    transmitters: string[]
    f: number
    configDigest: string
    tosSigner: string
  }
  contracts: {
    registry: string
    registryImplementation: string
    timelock: string
    claimsInsurance: string
    riskPricing: string
    consumers: string[]
    consumersAddedToSubscription: boolean
  }
}

// A chain id of this run only, so the file never collides with another run's deployments/31337.json.
const CHAIN_ID = 3_100_000 + (process.pid % 100_000)
const FILE = join(REPO_ROOT, 'deployments', `${CHAIN_ID}.json`)
// DEV ONLY: anvil's public dev key 0 deploys, account 1 may propose model versions.
const DEPLOYER_KEY = anvilPrivateKey(0)
const PROPOSER = new Wallet(anvilPrivateKey(1)).address
const SOURCE = readFileSync(join(REPO_ROOT, 'functions-source', 'image-inference.js'), 'utf8')
const TABULAR_SOURCE = readFileSync(
  join(REPO_ROOT, 'functions-source', 'tabular-inference.js'),
  'utf8',
)
// The repo's own out/ and cache/: the forge tests already compiled these contracts.
const forgeDirs = { outDir: join(REPO_ROOT, 'out'), cacheDir: join(REPO_ROOT, 'cache') }
// EIP-1967 implementation slot: keccak256('eip1967.proxy.implementation') - 1.
const IMPLEMENTATION_SLOT = '0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc'

let chain: LocalChain
let provider: JsonRpcProvider
let deployment: DeploymentJson

beforeAll(async () => {
  chain = await startAnvil({ chainId: CHAIN_ID })
  provider = new JsonRpcProvider(chain.rpcUrl, CHAIN_ID, { staticNetwork: true })
  await runForgeScript({
    script: 'script/DeployLocalFunctions.s.sol',
    rpcUrl: chain.rpcUrl,
    privateKey: DEPLOYER_KEY,
    ...forgeDirs,
    timeoutMs: 240_000,
  })
  await runForgeScript({
    script: 'script/Deploy.s.sol',
    rpcUrl: chain.rpcUrl,
    privateKey: DEPLOYER_KEY,
    env: {
      FUNCTIONS_SOURCE: SOURCE,
      FUNCTIONS_TABULAR_SOURCE: TABULAR_SOURCE,
      REGISTRY_PROPOSERS: PROPOSER,
    },
    ...forgeDirs,
    timeoutMs: 240_000,
  })
  deployment = JSON.parse(readFileSync(FILE, 'utf8')) as DeploymentJson
}, 600_000)

afterAll(async () => {
  provider?.destroy()
  await chain?.stop()
  if (existsSync(FILE)) rmSync(FILE)
})

describe('deploy scripts on anvil', () => {
  it('writes both parts of the deployment file for this chain', () => {
    expect(deployment.chainId).toBe(CHAIN_ID)
    expect(deployment.functions.donIdString).toBe('local-don')
    expect(deployment.functions.signers).toHaveLength(4)
    expect(deployment.functions.transmitters).toHaveLength(4)
    expect(deployment.functions.f).toBe(1)
    expect(deployment.contracts.consumers).toEqual([
      deployment.contracts.claimsInsurance,
      deployment.contracts.riskPricing,
    ])
    expect(deployment.contracts.consumersAddedToSubscription).toBe(true)
  })

  it('has code at every address it lists', async () => {
    const addresses = [
      ...Object.values(deployment.functions).filter(
        (v): v is string => typeof v === 'string' && /^0x[0-9a-fA-F]{40}$/.test(v),
      ),
      deployment.contracts.registry,
      deployment.contracts.registryImplementation,
      deployment.contracts.claimsInsurance,
      deployment.contracts.riskPricing,
    ].filter(
      (a) => a !== deployment.functions.subscriptionOwner && a !== deployment.functions.tosSigner,
    )
    expect(addresses.length).toBeGreaterThanOrEqual(9)
    for (const address of addresses) {
      expect(await provider.getCode(address)).not.toBe('0x')
    }
  })

  it('configured the coordinator with the DON it names', async () => {
    const coordinator = new Contract(
      deployment.functions.coordinator,
      [
        'function transmitters() view returns (address[])',
        'function latestConfigDetails() view returns (uint32, uint32, bytes32)',
      ],
      provider,
    )
    const transmitters = (await coordinator.getFunction('transmitters')()) as string[]
    expect(transmitters.map((a) => getAddress(a))).toEqual(
      deployment.functions.transmitters.map((a) => getAddress(a)),
    )
    const details = (await coordinator.getFunction('latestConfigDetails')()) as [
      bigint,
      bigint,
      string,
    ]
    expect(details[2]).toBe(deployment.functions.configDigest)
  })

  it('funded the subscription and added the consumer to it', async () => {
    const router = new Contract(
      deployment.functions.router,
      [
        'function getSubscription(uint64) view returns (tuple(uint96 balance, address owner, uint96 blockedBalance, address proposedOwner, address[] consumers, bytes32 flags))',
        'function getContractById(bytes32) view returns (address)',
      ],
      provider,
    )
    const sub = (await router.getFunction('getSubscription')(
      deployment.functions.subscriptionId,
    )) as { balance: bigint; owner: string; consumers: string[] }
    expect(sub.balance).toBeGreaterThan(0n)
    expect(getAddress(sub.owner)).toBe(new Wallet(DEPLOYER_KEY).address)
    expect(sub.consumers.map((a) => getAddress(a))).toEqual(
      deployment.contracts.consumers.map((a) => getAddress(a)),
    )
    const coordinator = (await router.getFunction('getContractById')(
      deployment.functions.donId,
    )) as string
    expect(getAddress(coordinator)).toBe(getAddress(deployment.functions.coordinator))
  })

  it('put the registry behind its proxy with the roles asked for', async () => {
    const slot = await provider.getStorage(deployment.contracts.registry, IMPLEMENTATION_SLOT)
    expect(getAddress('0x' + slot.slice(26))).toBe(
      getAddress(deployment.contracts.registryImplementation),
    )
    const registry = new Contract(
      deployment.contracts.registry,
      [
        'function hasRole(bytes32, address) view returns (bool)',
        'function PROPOSER_ROLE() view returns (bytes32)',
      ],
      provider,
    )
    const proposerRole = (await registry.getFunction('PROPOSER_ROLE')()) as string
    expect(await registry.getFunction('hasRole')(proposerRole, PROPOSER)).toBe(true)
    // Admin (and upgrades) belong to a timelock, not the deployer (script/deploy/GovernanceDeployer.sol).
    const deployer = new Wallet(DEPLOYER_KEY).address
    expect(await registry.getFunction('hasRole')(ZeroHash, deployer)).toBe(false)
    expect(await registry.getFunction('hasRole')(ZeroHash, deployment.contracts.timelock)).toBe(
      true,
    )
  })

  it.each([
    ['claimsInsurance', SOURCE],
    ['riskPricing', TABULAR_SOURCE],
  ] as const)('stored the real Functions source of %s as contract code', async (name, source) => {
    const consumer = new Contract(
      deployment.contracts[name],
      ['function encodedSource() view returns (bytes)'],
      provider,
    )
    const encoded = (await consumer.getFunction('encodedSource')()) as string
    // CBOR text strings are UTF-8; the source's bytes sit inside the encoding as-is (forge trims
    // the env value's trailing newline).
    const bytes = Buffer.from(encoded.slice(2), 'hex')
    expect(bytes.includes(Buffer.from(source.trimEnd(), 'utf8'))).toBe(true)
    // Only the CBOR keys and headers besides: codeLocation, language (as 32-byte bignums), source.
    expect(bytes.length).toBeLessThan(source.length + 128)
  })
})
