/**
 * Direct request end to end, on a real anvil: three real Operator contracts (each authorising one
 * node key), the QuorumClaimsExample consumer (k = 2 of n = 3), the real adapter process, and for
 * each operator the generated `directrequest` job spec, whose pipeline the test harness
 * (test/support/job-pipeline/harness.ts) interprets task by task in place of a Chainlink node: it reads
 * the OracleRequest log, decodes the CBOR, calls the adapter through the bridge definition, parses
 * and ABI-encodes the answer and sends `fulfillOracleRequest2` from the node's key. Nothing in
 * between is hard-coded here, so the spec, the adapter response and the contract must agree.
 */
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import {
  Contract,
  encodeBytes32String,
  JsonRpcProvider,
  NonceManager,
  Wallet,
  type TransactionReceipt,
} from 'ethers'

import { sha256Hex } from '../../protocol/hashes'
import { tabularInputHash } from '../../protocol/input-hash'
import {
  renderJob,
  validateBridgeJson,
  validateJobToml,
  type BridgeSpec,
  type ValidatedJob,
} from '../../script/jobs/job-spec'
import {
  runDirectRequest,
  whyNotAnswered,
  type ChainLog,
  type PipelineRun,
} from '../support/job-pipeline/harness'
import type { TaskEnvironment } from '../support/job-pipeline/tasks'
import { startAdapter, type LocalAdapter } from '../../script/local/adapters'
import { anvilPrivateKey } from '../../script/local/anvil-accounts'
import { startAnvil, type LocalChain } from '../../script/local/anvil'
import {
  LOCAL_FORGE_CACHE,
  LOCAL_FORGE_OUT,
  readArtifact,
} from '../../script/local/forge-artifacts'
import { runForgeScript } from '../../script/local/forge-script'
import { REPO_ROOT } from '../../script/local/repo-root'

// The local tooling's forge dirs (see script/local/forge-artifacts.ts), shared through its lock.
const FORGE_OUT = LOCAL_FORGE_OUT
const FORGE_CACHE = LOCAL_FORGE_CACHE
const MODEL = 'risk-v1'
const THRESHOLD = 2
const FEE_JUELS = 10n ** 17n
const OPERATOR_COUNT = 3
// The adapter's API key, which each job's bridge task sends (from the generated spec).
const ADAPTER_API_KEY = randomUUID()
// Cold: compiling the script's ~90 sources takes 30-70 s on the shared machine; warm runs are fast.
const SETUP_TIMEOUT_MS = 240_000

const FEATURES = {
  driver_age: 34,
  years_licensed: 12,
  vehicle_age: 6,
  annual_mileage_km: 12000,
  prior_claims_5y: 1,
  region_risk: 0.42,
  vehicle_power_kw: 90,
  garage_parked: 1,
  harsh_braking_per_100km: 2.5,
  deductible_eur: 500,
}

enum Status {
  None,
  Pending,
  Finalised,
  Rejected,
  Cancelled,
}

interface Deployment {
  link: string
  registry: string
  consumer: string
  operators: string[]
  nodes: string[]
}

interface OperatorNode {
  operator: string
  wallet: Wallet
  job: ValidatedJob
  bridge: BridgeSpec
}

describe('direct request: generated job spec x adapter x Operator x QuorumConsumer', () => {
  let chain: LocalChain
  let adapterStarting: Promise<LocalAdapter> | undefined
  let provider: JsonRpcProvider
  let owner: NonceManager
  let consumer: Contract
  let deployment: Deployment
  let nodes: OperatorNode[]
  let adapterUrl: string
  const modelHash = sha256Hex(
    readFileSync(join(REPO_ROOT, 'adapter', 'models', MODEL, 'model.onnx')),
  )

  beforeAll(async () => {
    chain = await startAnvil()
    // The adapter loads its models while forge compiles and deploys (awaited below).
    adapterStarting = startAdapter({ name: 'adapter', env: { API_KEYS: ADAPTER_API_KEY } })
    adapterStarting.catch(() => undefined)

    const externalJobIds = Array.from({ length: OPERATOR_COUNT }, () => randomUUID())
    const nodeKeys = Array.from({ length: OPERATOR_COUNT }, (_, i) => anvilPrivateKey(i + 1))
    const output = await runForgeScript({
      script: 'script/DeployDirectRequest.s.sol',
      rpcUrl: chain.rpcUrl,
      privateKey: anvilPrivateKey(0),
      outDir: FORGE_OUT,
      cacheDir: FORGE_CACHE,
      timeoutMs: SETUP_TIMEOUT_MS - 20_000,
      env: {
        NODE_ADDRESSES: nodeKeys.map((k) => new Wallet(k).address).join(','),
        // the on-chain job id the CLI prints, taken from the rendered spec below
        JOB_IDS: externalJobIds
          .map((id) => '0x' + Buffer.from(id.replaceAll('-', ''), 'ascii').toString('hex'))
          .join(','),
        MODEL_ID: MODEL,
        MODEL_HASH: modelHash,
        THRESHOLD: String(THRESHOLD),
        TOLERANCE: '0',
        FEE_JUELS: FEE_JUELS.toString(),
        APPROVER_PRIVATE_KEY: anvilPrivateKey(5),
      },
    })
    const line = /DIRECT_REQUEST_DEPLOYMENT=(\{.*\})/.exec(output)
    if (line === null) throw new Error(`no deployment line in forge output:\n${output}`)
    deployment = JSON.parse(line[1] as string) as Deployment

    provider = new JsonRpcProvider(chain.rpcUrl, chain.chainId, { staticNetwork: true })
    provider.pollingInterval = 100
    owner = new NonceManager(new Wallet(anvilPrivateKey(0), provider))
    const artifact = readArtifact('QuorumClaimsExample.sol', 'QuorumClaimsExample', FORGE_OUT)
    consumer = new Contract(deployment.consumer, artifact.abi, owner)
    adapterUrl = (await adapterStarting).url

    nodes = deployment.operators.map((operator, i) => {
      const rendered = renderJob({
        operator,
        model: MODEL,
        evmChainId: String(chain.chainId),
        bridgeName: 'onnx-oracle',
        bridgeUrl: adapterUrl,
        externalJobId: externalJobIds[i] as string,
        jobName: `onnx-oracle ${MODEL} operator ${i}`,
        minPaymentJuels: FEE_JUELS.toString(),
        minIncomingConfirmations: 0,
        gasLimit: 600_000,
        bridgeTimeout: '20s',
        maxTaskDuration: '30s',
        apiKey: ADAPTER_API_KEY,
      })
      return {
        operator,
        wallet: new Wallet(nodeKeys[i] as string, provider),
        job: validateJobToml(rendered.jobToml),
        bridge: validateBridgeJson(rendered.bridgeJson),
      }
    })
  }, SETUP_TIMEOUT_MS)

  afterAll(async () => {
    provider?.destroy()
    await (await adapterStarting?.catch(() => undefined))?.stop()
    await chain?.stop()
  })

  /** What a node needs from outside: its bridges and its sending key. */
  function environment(node: OperatorNode, receipts: TransactionReceipt[]): TaskEnvironment {
    return {
      bridgeUrl: (name) => {
        if (name !== node.bridge.name) throw new Error(`no bridge ${name} in this node`)
        return node.bridge.url
      },
      sendTransaction: async (tx) => {
        const sent = await node.wallet.sendTransaction({
          to: tx.to,
          data: tx.data,
          gasLimit: tx.gasLimit,
        })
        const receipt = await sent.wait(1, 20_000)
        if (receipt === null) throw new Error('no receipt')
        receipts.push(receipt)
        return receipt.hash
      },
      defaultBridgeTimeoutMs: 20_000,
      chainId: BigInt(chain.chainId),
    }
  }

  async function request(claim: string, input: string, inputHash: string): Promise<ChainLog[]> {
    const tx = await consumer.getFunction('requestAssessment')(
      encodeBytes32String(claim),
      encodeBytes32String(MODEL),
      input,
      inputHash,
    )
    const receipt = (await tx.wait(1, 20_000)) as TransactionReceipt
    return receipt.logs.map((log) => ({
      address: log.address,
      topics: log.topics,
      data: log.data,
      blockHash: log.blockHash,
      blockNumber: log.blockNumber,
      transactionHash: log.transactionHash,
    }))
  }

  /** Each node picks the one OracleRequest its job answers and runs the pipeline on it. */
  async function answer(node: OperatorNode, logs: ChainLog[], receipts: TransactionReceipt[]) {
    const mine = logs.filter((log) => whyNotAnswered(node.job, log) === null)
    expect(mine).toHaveLength(1)
    return runDirectRequest(node.job, mine[0] as ChainLog, environment(node, receipts))
  }

  function firstArgsOf(receipts: TransactionReceipt[], event: string): string[] {
    return receipts.flatMap((r) =>
      r.logs
        .filter((l) => l.address.toLowerCase() === deployment.consumer.toLowerCase())
        .map((l) => consumer.interface.parseLog(l))
        .filter((p) => p?.name === event)
        .map((p) => p?.args[0] as string),
    )
  }

  it('finalises with the adapter result once k of the n operators answered', async () => {
    // the adapter demands its key, so the spec's bridge headers are what lets the jobs through
    const anonymous = await fetch(adapterUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: '1', data: { model: MODEL, features: FEATURES } }),
    })
    expect(anonymous.status).toBe(401)

    const inputHash = tabularInputHash(FEATURES)
    const logs = await request('claim-e2e-1', JSON.stringify({ features: FEATURES }), inputHash)
    const quorumId = consumer.interface.parseLog(
      logs.find((l) => consumer.interface.parseLog(l)?.name === 'AssessmentRequested') as ChainLog,
    )?.args[1] as string

    const receipts: TransactionReceipt[] = []
    const runs: PipelineRun[] = []
    for (const node of nodes.slice(0, THRESHOLD)) runs.push(await answer(node, logs, receipts))
    expect(receipts.map((r) => r.status)).toEqual([1, 1])

    const adapterData = runs.map(
      (run) =>
        (JSON.parse(run.values.get('fetch') as string) as { data: Record<string, string> }).data,
    )
    const first = adapterData[0] as Record<string, string>
    expect(first.model).toBe(MODEL)
    expect(first.modelHash).toBe(modelHash)
    expect(first.inputHash).toBe(inputHash)
    expect(adapterData[1]).toMatchObject({ result: first.result, modelHash, inputHash })

    const request_ = await consumer.getFunction('getRequest')(quorumId)
    expect(Number(request_.status)).toBe(Status.Finalised)
    const assessment = await consumer.getFunction('getAssessment')(
      encodeBytes32String('claim-e2e-1'),
    )
    expect(assessment.result).toBe(BigInt(first.result as string))
    expect(assessment.modelHash).toBe(modelHash)
    expect(Number(assessment.agreed)).toBe(THRESHOLD)
    expect(firstArgsOf(receipts, 'InferenceAccepted')).toEqual([quorumId])

    // the third operator answers late: paid by its Operator, not counted by the consumer
    const late: TransactionReceipt[] = []
    await answer(nodes[2] as OperatorNode, logs, late)
    expect(late[0]?.status).toBe(1)
    expect(firstArgsOf(late, 'AnswerRejected')).toEqual([quorumId])
    expect((await consumer.getFunction('getAnswers')(quorumId)).length).toBe(THRESHOLD)
    for (const node of nodes) {
      const op = new Contract(
        node.operator,
        ['function withdrawable() view returns (uint256)'],
        provider,
      )
      expect(await op.getFunction('withdrawable')()).toBe(FEE_JUELS)
    }
  })

  it('counts no answer whose input hash differs from the one requested', async () => {
    const wrongHash = sha256Hex('not the canonical features')
    const logs = await request('claim-e2e-2', JSON.stringify({ features: FEATURES }), wrongHash)
    const receipts: TransactionReceipt[] = []
    for (const node of nodes) await answer(node, logs, receipts)
    expect(receipts.map((r) => r.status)).toEqual([1, 1, 1])
    const rejected = firstArgsOf(receipts, 'AnswerRejected')
    expect(rejected).toHaveLength(OPERATOR_COUNT)
    const quorumId = rejected[0] as string
    expect(Number((await consumer.getFunction('getRequest')(quorumId)).status)).toBe(
      Status.Rejected,
    )
    expect(firstArgsOf(receipts, 'AssessmentFailed')).toEqual([encodeBytes32String('claim-e2e-2')])
  })
})
