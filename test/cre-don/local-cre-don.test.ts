/**
 * The local CRE DON against the real contracts on anvil: Chainlink's KeystoneForwarder 1.2.0 with a
 * 4-signer DON (f = 1), the CreInferenceOracle and RiskPricing of script/Deploy.s.sol, risk-v1
 * registered and approved, real adapter processes. Each round is a RiskPricing quote; the faults are
 * the DON's (a lying, an erroring or a silent node; a report of another workflow; too few or foreign
 * signatures) and the adapters' (an unapproved model, a wrong signer, down, slow).
 */
import { rmSync } from 'node:fs'

import { Contract, Wallet, getAddress, id } from 'ethers'

import { creOracleInterface } from '../../script/cre/abi'
import { simulateCommand } from '../../script/cre/cli'
import type { CreRoundOutcome } from '../../script/cre/local-cre-don'
import {
  startLocalCreStack,
  STACK_ACCOUNTS,
  type LocalCreStack,
} from '../../script/cre/local-stack'
import { requestRiskQuote, riskQuote } from '../../script/local/risk-quote-requests'
import { measureCreRounds } from '../../script/cre/round-latency'
import { percentile } from '../../script/local/round-figures'
import { adaptersSecret, type LocalAdapter } from '../../script/local/adapters'
import { freePort } from '../../script/local/free-port'
import { writeUnapprovedVariant, type ModelVariant } from '../../script/local/unapproved-model'
import { simulateAgreed } from '../support/cre-simulate'
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy'

// Cold, the first run compiles the contracts (minutes on the shared machine); warm, about 20 s.
const SETUP_TIMEOUT_MS = 600_000
const ROUND_TIMEOUT_MS = 30_000
/** Adapter calls time out after this (the slow adapter answers later). */
const ADAPTER_TIMEOUT_MS = 1_000
jest.setTimeout(60_000)

const operatorKey = (i: number): string => id(`onnx-oracle cre-don test operator ${i}`)

let variant: ModelVariant
let stack: LocalCreStack
let op: [LocalAdapter, LocalAdapter, LocalAdapter, LocalAdapter]
let slow: FaultProxy
let quoteIndex = 0
/** The honest result for the first feature set (every honest round asks the same features). */
let honestResult: bigint | undefined

type Listed = { url: string; signer?: string }

function useAdapters(list: Listed[]): void {
  stack.don.setSecret('ADAPTERS', adaptersSecret(list))
}

/** Sends a quote for feature set `n` (a fresh one by default) and waits for the DON's outcome. */
async function quote(n?: number): Promise<{ requestId: string; outcome: CreRoundOutcome }> {
  const sent = await requestRiskQuote(
    stack.project.pricing,
    stack.project.pricingOracle,
    stack.wallet(STACK_ACCOUNTS.user),
    n ?? 100 + quoteIndex++,
  )
  return {
    requestId: sent.requestId,
    outcome: await stack.don.waitForOutcome(sent.requestId, ROUND_TIMEOUT_MS),
  }
}

function delivered(o: CreRoundOutcome): Extract<CreRoundOutcome, { kind: 'delivered' }> {
  if (o.kind !== 'delivered')
    throw new Error(
      `expected a delivered report, got ${o.kind}: ${JSON.stringify(o, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`,
    )
  return o
}

function accepted(o: CreRoundOutcome): { result: bigint; agreed: number } {
  const d = delivered(o)
  if (d.verdict.event !== 'InferenceAccepted')
    throw new Error(`expected acceptance, got ${JSON.stringify(d.verdict)}`)
  expect(d.processed).toBe(true)
  return d.verdict
}

async function isPending(requestId: string): Promise<boolean> {
  const oracle = new Contract(stack.project.pricingOracle, creOracleInterface, stack.provider)
  return (await oracle.getFunction('isPending')(requestId)) as boolean
}

/** Node `node`'s verdict line for adapter `adapter`. */
function verdictOf(o: CreRoundOutcome, node: number, adapter: number): string | undefined {
  if (o.kind !== 'delivered' && o.kind !== 'no-quorum') return undefined
  return o.nodes.find((r) => r.node === node)?.log.find((l) => l.startsWith(`adapter ${adapter}: `))
}

beforeAll(async () => {
  variant = writeUnapprovedVariant('risk-v1', 'cre-don test: retrained without approval')
  stack = await startLocalCreStack({
    adapters: [
      ...[1, 2, 3].map((i) => ({ name: `operator-${i}`, signerKey: operatorKey(i) })),
      {
        name: 'operator-4 (unapproved risk-v1)',
        signerKey: operatorKey(4),
        modelDir: variant.modelDir,
      },
    ],
    secretAdapters: (all) => all.slice(0, 3),
    models: ['risk-v1'],
    workflow: { adapterTimeoutMs: ADAPTER_TIMEOUT_MS },
  })
  op = stack.adapters as typeof op
  slow = await startFaultProxy(op[2].url, { kind: 'delay', ms: 3 * ADAPTER_TIMEOUT_MS })
}, SETUP_TIMEOUT_MS)

afterAll(async () => {
  await slow?.close()
  const failures = await stack?.stop()
  expect(failures ?? []).toEqual([])
  if (variant) rmSync(variant.modelDir, { recursive: true, force: true })
})

afterEach(() => {
  stack.don.setFaults({})
  stack.don.setTampering(undefined)
  useAdapters(op.slice(0, 3))
})

describe('the local CRE DON through the real KeystoneForwarder', () => {
  test('reads its DON from the forwarder: n = 4, f = 1, reports need f + 1 = 2 signatures', () => {
    expect(stack.don.quorum).toEqual({ n: 4, f: 1, requiredSignatures: 2, donId: 1 })
  })

  test('a round: four nodes observe, two DON keys sign, the forwarder delivers, the quote is priced', async () => {
    const { requestId, outcome } = await quote(100)
    const d = delivered(outcome)
    const verdict = accepted(outcome)
    honestResult = verdict.result
    expect(verdict.agreed).toBe(3)
    expect(d.consensus).toBe('agreed')
    expect(d.nodes).toHaveLength(4)
    expect(d.nodes.every((n) => n.observation.ok)).toBe(true)
    // Every node judged every adapter the same way.
    for (const node of d.nodes)
      expect(node.log).toEqual([0, 1, 2].map((a) => `adapter ${a}: result ${verdict.result}`))
    expect(d.signers).toHaveLength(2)
    for (const signer of d.signers) expect(stack.cre.signers.map(getAddress)).toContain(signer)
    expect(d.payload).toMatchObject({
      requestId,
      result: verdict.result,
      responded: 3n,
      agreed: 3n,
    })
    // The report write's gas (forwarder, two signatures, onReport, the quote callback).
    expect(d.gasUsed).toBeLessThan(250_000n)
    const q = await riskQuote(stack.project.pricing, stack.wallet(0), requestId)
    expect(q.premium).toBeGreaterThan(0n)
    expect(await isPending(requestId)).toBe(false)
  })

  test('a lying node moves nothing: the identical fields and the medians stay the honest ones', async () => {
    stack.don.setFaults({
      1: {
        kind: 'lie',
        fields: { result: 10n ** 30n, modelHash: `0x${'66'.repeat(32)}`, agreed: 3n },
      },
    })
    const { outcome } = await quote(100)
    expect(accepted(outcome)).toMatchObject({
      result: honestResult,
      agreed: 3,
      modelHash: stack.models[0]?.modelHash,
    })
    expect(delivered(outcome).nodes.find((n) => n.node === 1)?.log).toContain('[fault: lie]')
  })

  test('a silent node: the three others observe and two of them sign', async () => {
    stack.don.setFaults({ 3: { kind: 'missing' } })
    const { outcome } = await quote()
    accepted(outcome)
    const d = delivered(outcome)
    expect(d.nodes.map((n) => n.node)).toEqual([0, 1, 2])
    const silentSigner = getAddress(stack.cre.signers[3] as string)
    expect(d.signers).not.toContain(silentSigner)
  })

  test('two silent nodes: no consensus (fewer than 2f + 1), nothing is sent, the request stays pending; a re-run settles it', async () => {
    stack.don.setFaults({ 2: { kind: 'missing' }, 3: { kind: 'missing' } })
    const { requestId, outcome } = await quote()
    expect(outcome).toMatchObject({ kind: 'no-quorum', present: 2, required: 3 })
    expect(await isPending(requestId)).toBe(true)
    stack.don.setFaults({})
    accepted(await stack.don.retry(requestId))
    expect(await isPending(requestId)).toBe(false)
  })

  test('f + 1 nodes erroring: the no-result default is reported and the oracle rejects it; the dApp is told', async () => {
    stack.don.setFaults({
      0: { kind: 'error', message: 'node 0 down' },
      1: { kind: 'error', message: 'node 1 down' },
    })
    const { requestId, outcome } = await quote()
    const d = delivered(outcome)
    expect(d.consensus).toBe('default')
    expect(d.consensusNote).toMatch(/^2 nodes reported errors/)
    expect(d.payload).toMatchObject({ result: 0n, responded: 0n, agreed: 0n })
    expect(d.verdict).toEqual({ event: 'InferenceRejected', reason: 'InsufficientAgreement' })
    expect(await isPending(requestId)).toBe(false)
  })

  test("a report of another workflow: the forwarder routes it, the oracle refuses it, the request stays pending; the workflow's own report then settles it", async () => {
    stack.don.setTampering({ workflowName: 'someone-elses-workflow' })
    const { requestId, outcome } = await quote()
    expect(delivered(outcome).verdict).toEqual({
      event: 'ReportRejected',
      reason: 'UnauthorizedWorkflow',
    })
    expect(delivered(outcome).processed).toBe(true)
    expect(await isPending(requestId)).toBe(true)

    stack.don.setTampering({ workflowOwner: new Wallet(id('another owner')).address })
    expect(delivered(await stack.don.retry(requestId)).verdict).toEqual({
      event: 'ReportRejected',
      reason: 'UnauthorizedWorkflow',
    })
    stack.don.setTampering(undefined)
    accepted(await stack.don.retry(requestId))
  })

  test('the forwarder refuses one signature too few and a signer outside the DON; nothing reaches the oracle', async () => {
    stack.don.setTampering({ signatureCount: 1 })
    const { requestId, outcome } = await quote()
    expect(outcome).toMatchObject({ kind: 'reverted', reason: 'InvalidSignatureCount(2, 1)' })
    const foreign = new Wallet(id('not a DON signer'))
    stack.don.setTampering({ foreignSignerKey: foreign.privateKey })
    expect(await stack.don.retry(requestId)).toMatchObject({
      kind: 'reverted',
      reason: `InvalidSigner(${foreign.address})`,
    })
    stack.don.setTampering({ signatureCount: 3 })
    expect(await stack.don.retry(requestId)).toMatchObject({
      reason: 'InvalidSignatureCount(2, 3)',
    })
    expect(await isPending(requestId)).toBe(true)
    stack.don.setTampering(undefined)
    accepted(await stack.don.retry(requestId))
  })
})

describe('npm run cre -- simulate log: the workflow once for a request transaction, nothing written', () => {
  test('decodes the request log of the transaction and prints the payload the DON would report', async () => {
    const sent = await requestRiskQuote(
      stack.project.pricing,
      stack.project.pricingOracle,
      stack.wallet(STACK_ACCOUNTS.user),
      100,
    )
    const d = delivered(await stack.don.waitForOutcome(sent.requestId, ROUND_TIMEOUT_MS))
    const env = { CRE_RPC_URL: stack.chain.rpcUrl, ADAPTERS_JSON: adaptersSecret(op.slice(0, 3)) }
    const report = await simulateAgreed(
      'log',
      { tx: sent.txHash, threshold: 2, tolerance: 0n, nodes: 4 },
      env,
    )
    expect(report).toMatchObject({
      trigger: 'log',
      oracle: getAddress(stack.project.pricingOracle),
      request: { requestId: sent.requestId, model: 'risk-v1', threshold: 2 },
      report: {
        requestId: d.payload.requestId,
        client: getAddress(d.payload.client),
        modelId: d.payload.modelId,
        requestedInputHash: d.payload.requestedInputHash,
        result: d.payload.result.toString(),
        modelHash: d.payload.modelHash,
        responded: 3,
        agreed: 3,
      },
    })
    await expect(
      simulateCommand(
        'log',
        { tx: sent.txHash, logIndex: 1, threshold: 2, tolerance: 0n, nodes: 4 },
        env,
      ),
    ).rejects.toThrow(/has 1 InferenceRequested logs; --log-index 1 is out of range/)
  })
})

describe('bad adapters, judged by every node with the workflow code', () => {
  test('an adapter serving an unapproved model is dropped; two agree and the quote is priced', async () => {
    useAdapters([op[0], op[1], op[3]])
    const { outcome } = await quote(100)
    expect(accepted(outcome)).toMatchObject({ result: honestResult, agreed: 2 })
    for (const node of [0, 1, 2, 3])
      expect(verdictOf(outcome, node, 2)).toBe('adapter 2: different model hash')
  })

  test('an adapter whose answers another key signed is dropped', async () => {
    useAdapters([op[0], op[1], { url: op[2].url, signer: op[3].signer as string }])
    const { outcome } = await quote()
    expect(accepted(outcome).agreed).toBe(2)
    expect(verdictOf(outcome, 0, 2)).toBe(
      'adapter 2: signature does not recover to the configured signer',
    )
  })

  test('an adapter that is down is a failed answer', async () => {
    useAdapters([
      op[0],
      op[1],
      { url: `http://127.0.0.1:${await freePort()}/`, signer: op[2].signer as string },
    ])
    const { outcome } = await quote()
    expect(accepted(outcome).agreed).toBe(2)
    expect(verdictOf(outcome, 0, 2)).toBe('adapter 2: request failed (no response or timeout)')
  })

  test("an adapter slower than the workflow's adapter timeout is a failed answer", async () => {
    useAdapters([op[0], op[1], { url: slow.url, signer: op[2].signer as string }])
    const { outcome } = await quote()
    expect(accepted(outcome).agreed).toBe(2)
    expect(verdictOf(outcome, 0, 2)).toBe('adapter 2: request failed (no response or timeout)')
    expect(slow.requests.length).toBeGreaterThanOrEqual(4)
  })

  test('two bad adapters: the quorum is not met on any node, the default reaches the oracle, which rejects it', async () => {
    useAdapters([op[0], op[3], { url: slow.url, signer: op[2].signer as string }])
    const { requestId, outcome } = await quote()
    const d = delivered(outcome)
    expect(d.consensus).toBe('default')
    for (const node of d.nodes)
      expect(node.observation).toEqual({
        ok: false,
        error: expect.stringMatching(/^quorum not met: 1 of 3 adapters agree/),
      })
    expect(d.verdict).toEqual({ event: 'InferenceRejected', reason: 'InsufficientAgreement' })
    expect(await isPending(requestId)).toBe(false)
  })
})

describe('round latency (npm run cre -- rounds; the bench calls measureCreRounds)', () => {
  test('nearest-rank percentiles', () => {
    const ms = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6]
    expect(percentile(ms, 50)).toBe(5)
    expect(percentile(ms, 95)).toBe(10)
    expect(percentile(ms, 0)).toBe(1)
    expect(percentile([42], 95)).toBe(42)
    expect(percentile([], 50)).toBeNaN()
  })

  test('times request transaction to accepted result per round, with the report gas', async () => {
    const lines: string[] = []
    const figures = await measureCreRounds({
      rounds: 3,
      warmup: 1,
      stack,
      log: (l) => lines.push(l),
    })
    expect(figures).toMatchObject({ rounds: 3, allAccepted: true })
    expect(figures.ms).toHaveLength(3)
    for (const ms of figures.ms) expect(ms).toBeGreaterThan(0)
    expect(figures.p50Ms).toBe(percentile(figures.ms, 50))
    expect(figures.p95Ms).toBe(Math.max(...figures.ms))
    expect(figures.reportGas).toHaveLength(3)
    for (const gas of figures.reportGas) expect(gas).toBeLessThan(250_000n)
    expect(lines).toHaveLength(3)
    expect(lines[0]).toMatch(/^round 1: \d+ ms, accepted$/)
  })
})
