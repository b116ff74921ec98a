import { Contract, ContractFactory, JsonRpcProvider, Wallet, toUtf8String } from 'ethers'

import { routerInterface } from '../../script/don/coordinator-abi'
import { LocalDon, type RoundOutcome } from '../../script/don/local-don'
import { anvilPrivateKey } from '../../script/local/anvil-accounts'
import { startAnvil, type LocalChain } from '../../script/local/anvil'
import { removeDeploymentFile, throwawayChainId } from '../../script/local/deployment-file'
import { forgeBuild, readArtifact } from '../../script/local/forge-artifacts'
import {
  deployLocalFunctions,
  type LocalFunctionsDeployment,
} from '../../script/local/functions-deployment'

// Chainlink's own example client (FunctionsClientExample, v1_0_0): it sends any inline source and
// keeps the first 32 bytes and the length of the response and of the error.
const EXAMPLE_CLIENT =
  'node_modules/@chainlink/contracts/src/v0.8/functions/v1_0_0/example/FunctionsClientExample.sol'
const ROUND_TIMEOUT_MS = 30_000
// A round runs four Deno sandboxes; on a busy shared machine that can take several seconds.
jest.setTimeout(60_000)
const word = (n: number): string => '0x' + n.toString(16).padStart(64, '0')

let chain: LocalChain
let deployment: LocalFunctionsDeployment
let provider: JsonRpcProvider
let client: Contract
let don: LocalDon

async function request(source: string): Promise<string> {
  const tx = (await client.getFunction('sendRequest')(
    source,
    '0x',
    [],
    deployment.subscriptionId,
    deployment.donId,
  )) as {
    wait(): Promise<unknown>
  }
  await tx.wait()
  return (await client.getFunction('s_lastRequestId')()) as string
}

async function processedEvents(requestId: string): Promise<number> {
  const topic = routerInterface.getEvent('RequestProcessed')?.topicHash ?? ''
  const logs = await provider.getLogs({
    address: deployment.router,
    topics: [topic, requestId],
    fromBlock: 0,
  })
  return logs.length
}

function expectTransmitted(o: RoundOutcome): Extract<RoundOutcome, { kind: 'transmitted' }> {
  if (o.kind !== 'transmitted')
    throw new Error(`expected a transmitted round, got ${JSON.stringify(o)}`)
  return o
}

beforeAll(async () => {
  chain = await startAnvil({ chainId: throwawayChainId() })
  deployment = await deployLocalFunctions(chain.rpcUrl, chain.chainId)
  await forgeBuild([EXAMPLE_CLIENT])
  provider = new JsonRpcProvider(chain.rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 })
  provider.pollingInterval = 100
  const owner = new Wallet(anvilPrivateKey(0), provider)
  const artifact = readArtifact('FunctionsClientExample.sol', 'FunctionsClientExample')
  const deployed = await new ContractFactory(artifact.abi, artifact.bytecode, owner).deploy(
    deployment.router,
  )
  await deployed.waitForDeployment()
  client = new Contract(await deployed.getAddress(), artifact.abi, owner)
  const router = new Contract(deployment.router, ['function addConsumer(uint64,address)'], owner)
  await (
    (await router.getFunction('addConsumer')(
      deployment.subscriptionId,
      await client.getAddress(),
    )) as { wait(): Promise<unknown> }
  ).wait()
  don = new LocalDon({
    rpcUrl: chain.rpcUrl,
    coordinator: deployment.coordinator,
    keyring: deployment.donKeyring,
  })
  await don.start()
}, 240_000)

afterAll(async () => {
  await don?.stop()
  provider?.destroy()
  await chain?.stop()
  if (chain) removeDeploymentFile(chain.chainId)
})

afterEach(() => {
  don.setFaults({})
  don.setTampering(undefined)
})

describe('local DON against the real FunctionsRouter and FunctionsCoordinator v1_3_0', () => {
  test('reads n=4, f=1 from the Coordinator and needs (n+f)/2+1 = 3 signatures', () => {
    expect(don.quorum).toEqual({ n: 4, f: 1, requiredSignatures: 3 })
  })

  test('a valid round is fulfilled: the router emits RequestProcessed and the consumer gets the bytes', async () => {
    const id = await request('return Functions.encodeUint256(42)')
    const o = expectTransmitted(await don.waitForOutcome(id, ROUND_TIMEOUT_MS))
    expect(o.observations).toHaveLength(4)
    expect(o.signers).toHaveLength(3)
    expect(o.processed?.resultName).toBe('FULFILLED')
    expect(o.processed?.response).toBe(word(42))
    expect(await processedEvents(id)).toBe(1)
    expect(await client.getFunction('s_lastResponse')()).toBe(word(42))
    expect(await client.getFunction('s_lastResponseLength')()).toBe(32n)
  })

  test('a source that throws reaches the consumer as the error', async () => {
    const id = await request("throw Error('no adapters agree')")
    const o = expectTransmitted(await don.waitForOutcome(id, ROUND_TIMEOUT_MS))
    expect(o.processed?.resultName).toBe('FULFILLED')
    expect(toUtf8String(o.processed?.err ?? '0x')).toBe('no adapters agree')
    expect(await client.getFunction('s_lastResponseLength')()).toBe(0n)
    expect(await client.getFunction('s_lastErrorLength')()).toBe(BigInt('no adapters agree'.length))
  })

  test('one node that errors is outvoted: the result is the median of the other three', async () => {
    don.setFaults({ 1: { kind: 'error', message: 'node 1 crashed' } })
    const id = await request('return Functions.encodeUint256(7)')
    const o = expectTransmitted(await don.waitForOutcome(id, ROUND_TIMEOUT_MS))
    expect(o.observations.filter((x) => !x.observation.ok)).toHaveLength(1)
    expect(o.processed?.response).toBe(word(7))
  })

  test('one node returning different bytes cannot move the median', async () => {
    don.setFaults({ 2: { kind: 'bytes', hex: word(999_999) } })
    const id = await request('return Functions.encodeUint256(7)')
    const o = expectTransmitted(await don.waitForOutcome(id, ROUND_TIMEOUT_MS))
    expect(o.processed?.response).toBe(word(7))
  })

  test('one missing node: three nodes still observe and sign', async () => {
    don.setFaults({ 3: { kind: 'missing' } })
    const id = await request('return Functions.encodeUint256(5)')
    const o = expectTransmitted(await don.waitForOutcome(id, ROUND_TIMEOUT_MS))
    expect(o.observations.map((x) => x.node)).toEqual([0, 1, 2])
    expect(o.processed?.response).toBe(word(5))
  })

  test('errors outnumbering results make the DON report the most common error', async () => {
    don.setFaults({
      0: { kind: 'error', message: 'adapter timeout' },
      1: { kind: 'error', message: 'adapter timeout' },
      2: { kind: 'error', message: 'other' },
    })
    const id = await request('return Functions.encodeUint256(1)')
    const o = expectTransmitted(await don.waitForOutcome(id, ROUND_TIMEOUT_MS))
    expect(toUtf8String(o.processed?.err ?? '0x')).toBe('adapter timeout')
    expect(o.processed?.response).toBe('0x')
  })

  test('a request above the 30 KB limit is not executed: every node reports the error', async () => {
    const id = await request(`/*${'x'.repeat(31 * 1024)}*/ return Functions.encodeUint256(1)`)
    const o = expectTransmitted(await don.waitForOutcome(id, ROUND_TIMEOUT_MS))
    expect(toUtf8String(o.processed?.err ?? '0x')).toMatch(/exceeds the 30720-byte limit/)
    expect(o.processed?.response).toBe('0x')
  })

  test('two missing nodes: no quorum, nothing is transmitted and the request stays pending', async () => {
    don.setFaults({ 0: { kind: 'missing' }, 2: { kind: 'missing' } })
    const id = await request('return Functions.encodeUint256(3)')
    const o = await don.waitForOutcome(id, ROUND_TIMEOUT_MS)
    expect(o).toMatchObject({ kind: 'no-quorum', present: 2, required: 3 })
    expect(await processedEvents(id)).toBe(0)
    // Once the nodes are back, the next round fulfils it.
    don.setFaults({})
    const retry = expectTransmitted(await don.retry(id))
    expect(retry.processed?.response).toBe(word(3))
  })
})

describe('the real Coordinator refuses reports without the DON threshold', () => {
  const allBytes = (hex: string) => ({
    0: { kind: 'bytes' as const, hex },
    1: { kind: 'bytes' as const, hex },
    2: { kind: 'bytes' as const, hex },
    3: { kind: 'bytes' as const, hex },
  })

  test.each([
    [
      'fewer signatures than (n+f)/2+1',
      { signatureCount: 2 },
      'ReportInvalid(wrong number of signatures)',
    ],
    [
      'more signatures than (n+f)/2+1',
      { signatureCount: 4 },
      'ReportInvalid(wrong number of signatures)',
    ],
    [
      'a signature by a key that is not a DON signer',
      { foreignSignerKey: Wallet.createRandom().privateKey },
      'ReportInvalid(address not authorized to sign)',
    ],
    [
      'a transmitter that is not a DON transmitter',
      { transmitterKey: anvilPrivateKey(5) },
      'ReportInvalid(unauthorized transmitter)',
    ],
  ])('%s', async (_name, tampering, reason) => {
    don.setFaults(allBytes(word(77)))
    don.setTampering(tampering)
    const id = await request('return Functions.encodeUint256(77)')
    const o = await don.waitForOutcome(id, ROUND_TIMEOUT_MS)
    expect(o).toMatchObject({ kind: 'rejected', reason })
    expect(await processedEvents(id)).toBe(0)
    // The same report with the right signatures from a DON transmitter is accepted.
    don.setTampering(undefined)
    const retry = expectTransmitted(await don.retry(id))
    expect(retry.processed?.response).toBe(word(77))
    expect(await processedEvents(id)).toBe(1)
  })
})
