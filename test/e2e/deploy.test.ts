/**
 * The deploy scripts on a real anvil, exactly as operators and the local DONs run them, through
 * `forge script --broadcast`:
 * - Functions: script/DeployLocalFunctions.s.sol (Chainlink Functions with a 4-node DON and two
 *   subscriptions), then script/Deploy.s.sol with TRANSPORT=functions;
 * - CRE: script/DeployLocalCre.s.sol (Chainlink's real KeystoneForwarder with a 4-signer DON), then
 *   script/Deploy.s.sol with TRANSPORT=cre.
 * Checks the deployments/<chainid>.json they write against what is on chain.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'

import {
  Contract,
  JsonRpcProvider,
  Wallet,
  ZeroHash,
  getAddress,
  hexlify,
  sha256,
  toUtf8Bytes,
} from 'ethers'

import { anvilPrivateKey } from '../../script/local/anvil-accounts'
import { startAnvil, type LocalChain } from '../../script/local/anvil'
import type { LocalCreDeployment } from '../../script/local/cre-deployment'
import { LOCAL_FORGE_CACHE, LOCAL_FORGE_OUT, forgeBuild } from '../../script/local/forge-artifacts'
import { runForgeScript } from '../../script/local/forge-script'
import { REPO_ROOT } from '../../script/local/repo-root'

interface ContractsJson {
  transport: 'functions' | 'cre'
  registry: string
  registryImplementation: string
  timelock: string
  claimsInsurance: string
  riskPricing: string
  claimsInsuranceOracle: string
  riskPricingOracle: string
  oracles: string[]
  owner: string
  // functions
  router?: string
  donId?: string
  subscriptionIds?: number[]
  oraclesAddedToSubscriptions?: boolean
  // cre
  forwarder?: string
  workflowOwner?: string
  workflowName?: string
  workflowNameEncoded?: string
}

interface DeploymentJson {
  chainId: number
  functions?: {
    router: string
    coordinator: string
    link: string
    linkNativeFeed: string
    linkUsdFeed: string
    allowList: string
    donId: string
    donIdString: string
    subscriptionId: number
    subscriptionIds: number[]
    subscriptionOwner: string
    signers: string[]
    transmitters: string[]
    f: number
    configDigest: string
    tosSigner: string
  }
  /** What script/local/cre-deployment.ts reads from the file, less the keys it derives. */
  cre?: Omit<LocalCreDeployment, 'donKeyring' | 'transmitterKeys'>
  contracts: ContractsJson
}

// DEV ONLY: anvil's public dev key 0 deploys, account 1 may propose model versions.
const DEPLOYER_KEY = anvilPrivateKey(0)
const DEPLOYER = new Wallet(DEPLOYER_KEY).address
const PROPOSER = new Wallet(anvilPrivateKey(1)).address
const SOURCE = readFileSync(join(REPO_ROOT, 'functions-source', 'image-inference.js'), 'utf8')
const TABULAR_SOURCE = readFileSync(
  join(REPO_ROOT, 'functions-source', 'tabular-inference.js'),
  'utf8',
)
// The local tooling's forge dirs, shared with the demo and the DON tests through their lock.
const forgeDirs = { outDir: LOCAL_FORGE_OUT, cacheDir: LOCAL_FORGE_CACHE }
// EIP-1967 implementation slot: keccak256('eip1967.proxy.implementation') - 1.
const IMPLEMENTATION_SLOT = '0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc'
// Cold: compiling the scripts' sources takes minutes on the shared machine; warm runs are fast.
const SETUP_TIMEOUT_MS = 600_000

const oracleAbi = [
  'function isClient(address) view returns (bool)',
  'function acceptancePolicy() view returns ((address registry, uint8 threshold, uint32 tolerance, uint32 maxResultAge))',
  'function callbackGasLimit() view returns (uint32)',
  'function requestFee() view returns (uint256)',
  'function owner() view returns (address)',
]
const clientAbi = [
  'function oracle() view returns (address)',
  'function owner() view returns (address)',
]
const registryAbi = [
  'function hasRole(bytes32, address) view returns (bool)',
  'function PROPOSER_ROLE() view returns (bytes32)',
]
const coordinatorAbi = [
  'function transmitters() view returns (address[])',
  'function latestConfigDetails() view returns (uint32, uint32, bytes32)',
]
const routerAbi = [
  'function getSubscription(uint64) view returns (tuple(uint96 balance, address owner, uint96 blockedBalance, address proposedOwner, address[] consumers, bytes32 flags))',
  'function getContractById(bytes32) view returns (address)',
]
const forwarderAbi = [
  'function typeAndVersion() view returns (string)',
  'function owner() view returns (address)',
  'event ConfigSet(uint32 indexed donId, uint32 indexed configVersion, uint8 f, address[] signers)',
]
const creOracleAbi = [
  'function forwarder() view returns (address)',
  'function workflow() view returns (address, bytes10)',
  'function supportsInterface(bytes4) view returns (bool)',
]

/** A chain of this run only, so the file never collides with another run's deployments/*.json. */
function chainIdFor(offset: number): number {
  return 3_100_000 + ((process.pid * 2 + offset) % 100_000)
}

function fileOf(chainId: number): string {
  return join(REPO_ROOT, 'deployments', `${chainId}.json`)
}

async function deployScript(chain: LocalChain, script: string, env: Record<string, string>) {
  await runForgeScript({
    script,
    rpcUrl: chain.rpcUrl,
    privateKey: DEPLOYER_KEY,
    env,
    ...forgeDirs,
    timeoutMs: SETUP_TIMEOUT_MS,
  })
}

interface Deployed {
  provider: JsonRpcProvider
  d: DeploymentJson
}

/**
 * A suite's own anvil (chain `chainIdFor(offset)`): before the suite, `deploy` runs against it and
 * the deployment file it wrote is read; after it, chain, provider and file go. Returns the chain
 * id and a getter of the provider and the file, for the suite's tests.
 */
function deployedOnAnvil(
  offset: number,
  deploy: (chain: LocalChain) => Promise<void>,
): { chainId: number; get: () => Deployed } {
  const chainId = chainIdFor(offset)
  let chain: LocalChain | undefined
  let provider: JsonRpcProvider | undefined
  let deployed: Deployed | undefined

  beforeAll(async () => {
    chain = await startAnvil({ chainId })
    provider = new JsonRpcProvider(chain.rpcUrl, chainId, { staticNetwork: true })
    await deploy(chain)
    deployed = { provider, d: JSON.parse(readFileSync(fileOf(chainId), 'utf8')) as DeploymentJson }
  }, SETUP_TIMEOUT_MS)

  afterAll(async () => {
    provider?.destroy()
    await chain?.stop()
    if (existsSync(fileOf(chainId))) rmSync(fileOf(chainId))
  })

  return {
    chainId,
    get: () => {
      if (deployed === undefined) throw new Error('the deployment did not start')
      return deployed
    },
  }
}

/** `section` of the deployment file, which this transport must have written. */
function section<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`no ${name} section`)
  return value
}

/** What both transports' deployments promise about the registry and the example dApps. */
function describeCommonChecks(get: () => Deployed): void {
  it('puts the registry behind its proxy with the roles asked for', async () => {
    const { provider, d } = get()
    const slot = await provider.getStorage(d.contracts.registry, IMPLEMENTATION_SLOT)
    expect(getAddress('0x' + slot.slice(26))).toBe(getAddress(d.contracts.registryImplementation))
    const registry = new Contract(d.contracts.registry, registryAbi, provider)
    const proposerRole = (await registry.getFunction('PROPOSER_ROLE')()) as string
    expect(await registry.getFunction('hasRole')(proposerRole, PROPOSER)).toBe(true)
    // Admin (and upgrades) belong to a timelock, not the deployer (script/deploy/GovernanceDeployer.sol).
    expect(await registry.getFunction('hasRole')(ZeroHash, DEPLOYER)).toBe(false)
    expect(await registry.getFunction('hasRole')(ZeroHash, d.contracts.timelock)).toBe(true)
  })

  it('gives each dApp its own oracle, which allows exactly that dApp', async () => {
    const { provider, d } = get()
    const c = d.contracts
    expect(c.oracles).toEqual([c.claimsInsuranceOracle, c.riskPricingOracle])
    expect(getAddress(c.claimsInsuranceOracle)).not.toBe(getAddress(c.riskPricingOracle))
    const pairs = [
      [c.claimsInsurance, c.claimsInsuranceOracle, c.riskPricing],
      [c.riskPricing, c.riskPricingOracle, c.claimsInsurance],
    ] as const
    for (const [dapp, oracleAddress, other] of pairs) {
      const client = new Contract(dapp, clientAbi, provider)
      expect(getAddress((await client.getFunction('oracle')()) as string)).toBe(
        getAddress(oracleAddress),
      )
      expect(getAddress((await client.getFunction('owner')()) as string)).toBe(DEPLOYER)
      const oracle = new Contract(oracleAddress, oracleAbi, provider)
      expect(await oracle.getFunction('isClient')(dapp)).toBe(true)
      expect(await oracle.getFunction('isClient')(other)).toBe(false)
      expect(getAddress((await oracle.getFunction('owner')()) as string)).toBe(DEPLOYER)
      const policy = (await oracle.getFunction('acceptancePolicy')()) as {
        registry: string
        threshold: bigint
      }
      expect(getAddress(policy.registry)).toBe(getAddress(c.registry))
      expect(policy.threshold).toBe(2n)
      expect(await oracle.getFunction('callbackGasLimit')()).toBe(200_000n)
      expect(await oracle.getFunction('requestFee')()).toBe(0n)
    }
  })
}

describe('deploy scripts on anvil: Functions transport', () => {
  const { chainId, get } = deployedOnAnvil(0, async (chain) => {
    await deployScript(chain, 'script/DeployLocalFunctions.s.sol', {})
    await deployScript(chain, 'script/Deploy.s.sol', {
      TRANSPORT: 'functions',
      FUNCTIONS_SOURCE: SOURCE,
      FUNCTIONS_TABULAR_SOURCE: TABULAR_SOURCE,
      REGISTRY_PROPOSERS: PROPOSER,
    })
  })

  it('writes both parts of the deployment file for this chain', () => {
    const { d } = get()
    expect(d.chainId).toBe(chainId)
    const fn = section(d.functions, 'functions')
    expect(fn.donIdString).toBe('local-don')
    expect(fn.signers).toHaveLength(4)
    expect(fn.transmitters).toHaveLength(4)
    expect(fn.f).toBe(1)
    expect(fn.subscriptionIds).toHaveLength(2)
    expect(fn.subscriptionId).toBe(fn.subscriptionIds[0])
    expect(d.contracts.transport).toBe('functions')
    expect(d.contracts.subscriptionIds).toEqual(fn.subscriptionIds)
    expect(d.contracts.oraclesAddedToSubscriptions).toBe(true)
  })

  it('has code at every address it lists', async () => {
    const { provider, d } = get()
    const fn = section(d.functions, 'functions')
    const addresses = [
      ...Object.values(fn).filter(
        (v): v is string => typeof v === 'string' && /^0x[0-9a-fA-F]{40}$/.test(v),
      ),
      d.contracts.registry,
      d.contracts.registryImplementation,
      d.contracts.claimsInsurance,
      d.contracts.riskPricing,
      ...d.contracts.oracles,
    ].filter((a) => a !== fn.subscriptionOwner && a !== fn.tosSigner)
    expect(addresses.length).toBeGreaterThanOrEqual(11)
    for (const address of addresses) {
      expect(await provider.getCode(address)).not.toBe('0x')
    }
  })

  it('configured the coordinator with the DON it names', async () => {
    const { provider, d } = get()
    const fn = section(d.functions, 'functions')
    const coordinator = new Contract(fn.coordinator, coordinatorAbi, provider)
    const transmitters = (await coordinator.getFunction('transmitters')()) as string[]
    expect(transmitters.map((a) => getAddress(a))).toEqual(
      fn.transmitters.map((a) => getAddress(a)),
    )
    const details = (await coordinator.getFunction('latestConfigDetails')()) as [
      bigint,
      bigint,
      string,
    ]
    expect(details[2]).toBe(fn.configDigest)
  })

  it('funded one subscription per oracle and made each oracle its only consumer', async () => {
    const { provider, d } = get()
    const fn = section(d.functions, 'functions')
    const router = new Contract(fn.router, routerAbi, provider)
    for (const [i, oracle] of d.contracts.oracles.entries()) {
      const sub = (await router.getFunction('getSubscription')(fn.subscriptionIds[i])) as {
        balance: bigint
        owner: string
        consumers: string[]
      }
      expect(sub.balance).toBeGreaterThan(0n)
      expect(getAddress(sub.owner)).toBe(DEPLOYER)
      expect(sub.consumers.map((a) => getAddress(a))).toEqual([getAddress(oracle)])
    }
    const coordinator = (await router.getFunction('getContractById')(fn.donId)) as string
    expect(getAddress(coordinator)).toBe(getAddress(fn.coordinator))
  })

  it.each([
    ['claimsInsuranceOracle', SOURCE],
    ['riskPricingOracle', TABULAR_SOURCE],
  ] as const)('stored the real Functions source of %s as contract code', async (name, source) => {
    const { provider, d } = get()
    const oracle = new Contract(
      d.contracts[name],
      ['function encodedSource() view returns (bytes)'],
      provider,
    )
    const encoded = (await oracle.getFunction('encodedSource')()) as string
    // CBOR text strings are UTF-8; the source's bytes sit inside the encoding as-is (forge trims
    // the env value's trailing newline).
    const bytes = Buffer.from(encoded.slice(2), 'hex')
    expect(bytes.includes(Buffer.from(source.trimEnd(), 'utf8'))).toBe(true)
    // Only the CBOR keys and headers besides: codeLocation, language (as 32-byte bignums), source.
    expect(bytes.length).toBeLessThan(source.length + 128)
  })

  describeCommonChecks(get)
})

describe('deploy scripts on anvil: CRE transport', () => {
  const { get } = deployedOnAnvil(1, async (chain) => {
    // The forwarder is solc 0.8.24; a forge script compiles only its own version (see
    // script/deploy/LocalCreDeployer.sol).
    await forgeBuild(['test/contracts/KeystoneToolchain.t.sol'], SETUP_TIMEOUT_MS)
    await deployScript(chain, 'script/DeployLocalCre.s.sol', {})
    await deployScript(chain, 'script/Deploy.s.sol', {
      TRANSPORT: 'cre',
      REGISTRY_PROPOSERS: PROPOSER,
    })
  })

  it('deployed Chainlink KeystoneForwarder with the DON it names', async () => {
    const { provider, d } = get()
    const cre = section(d.cre, 'cre')
    expect(cre.signers).toHaveLength(4)
    expect(cre.f).toBe(1)
    const forwarder = new Contract(cre.forwarder, forwarderAbi, provider)
    expect(await forwarder.getFunction('typeAndVersion')()).toBe('Forwarder and Router 1.0.0')
    expect(getAddress((await forwarder.getFunction('owner')()) as string)).toBe(DEPLOYER)
    const logs = await forwarder.queryFilter(forwarder.getEvent('ConfigSet'), 0)
    const last = logs.at(-1)
    if (last === undefined || !('args' in last)) throw new Error('no ConfigSet')
    expect(Number(last.args.getValue('donId'))).toBe(cre.donId)
    expect(Number(last.args.getValue('f'))).toBe(1)
    expect((last.args.getValue('signers') as string[]).map((a) => getAddress(a))).toEqual(
      cre.signers.map((a) => getAddress(a)),
    )
  })

  it('made both oracles accept only the recorded forwarder and workflow', async () => {
    const { provider, d } = get()
    const cre = section(d.cre, 'cre')
    expect(d.contracts.transport).toBe('cre')
    expect(getAddress(cre.workflowOwner)).toBe(DEPLOYER)
    // CRE's metadata encoding: the first 10 hex characters of sha256(name), as ASCII.
    const expected = hexlify(toUtf8Bytes(sha256(toUtf8Bytes(cre.workflowName)).slice(2, 12)))
    expect(cre.workflowNameEncoded).toBe(expected)
    expect(d.contracts.workflowNameEncoded).toBe(expected)
    for (const address of d.contracts.oracles) {
      const oracle = new Contract(address, creOracleAbi, provider)
      expect(getAddress((await oracle.getFunction('forwarder')()) as string)).toBe(
        getAddress(cre.forwarder),
      )
      const [owner, name] = (await oracle.getFunction('workflow')()) as [string, string]
      expect(getAddress(owner)).toBe(getAddress(cre.workflowOwner))
      expect(name).toBe(expected)
      // IReceiver.onReport(bytes,bytes)
      expect(await oracle.getFunction('supportsInterface')('0x805f2132')).toBe(true)
    }
  })

  describeCommonChecks(get)
})
