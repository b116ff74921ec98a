/**
 * The demo's story, phase by phase: a local chain and adapters, a transport's Chainlink contracts
 * and the project, the registry's two-person approval, the DON, the insurance pool, three claims,
 * the summary. The transport (./transport.ts: Functions or CRE) is the only part that differs; the
 * story, its numbers (./terms.ts) and its checks are the same on both.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

import { Contract, JsonRpcProvider, Wallet, formatEther, id, type Log } from 'ethers'

import { sha256Hex } from '../../protocol/hashes'
import type { LocalAdapter } from '../local/adapters'
import { anvilPrivateKey } from '../local/anvil-accounts'
import type { LocalChain } from '../local/anvil'
import { chainWallets, startAdaptersInBackground, startThrowawayAnvil } from '../local/stack-parts'
import { registerModel } from '../local/model-registration'
import { startFileServer } from '../local/photo-server'
import { deployProject, type ProjectDeployment } from '../local/project-deployment'
import { REPO_ROOT } from '../local/repo-root'
import { Teardown } from '../local/teardown'
import { writeUnapprovedVariant, type ModelVariant } from '../local/unapproved-model'
import { abortable } from './abortable'
import { CLAIM_STATUS, insuranceInterface } from './abis'
import { creTransport } from './cre-transport'
import { functionsTransport } from './functions-transport'
import { DEMO_TERMS } from './terms'
import type { ClaimOutcome, DemoTransport, LineupVersion, Lineups } from './transport'

/** What one claim scenario ended with (the e2e test checks these). */
export interface ScenarioReport {
  name: string
  adapters: string[]
  claimId: bigint
  requestId: string
  fileClaimTx: string
  /** The transaction that delivered the DON's answer (Coordinator transmit, forwarder report). */
  fulfilTx: string | undefined
  accepted: boolean
  severity: bigint | undefined
  agreed: number | undefined
  rejectReason: string | undefined
  claimStatus: string
  payout: bigint
}

export interface DemoReport {
  transport: 'functions' | 'cre'
  scenarios: ScenarioReport[]
  /** Teardown steps that failed (empty when everything stopped cleanly). */
  teardownFailures: string[]
}

export interface DemoOptions {
  /** Receives each line of the narration. */
  log: (line: string) => void
  /** The DON transport (default `cre`: see ./transport.ts). */
  transport?: 'functions' | 'cre'
  /** Also print every DON node's observation. */
  verboseDon?: boolean
  /** Aborting stops the demo and tears everything down. */
  signal?: AbortSignal
}

// Operator keys of the demo adapters: fixed, so the narration is reproducible. Test keys only.
const operatorKey = (i: number): string => id(`onnx-oracle demo operator ${i}`)

/** Accounts of the demo (anvil's public development keys; nothing of value). */
const ACCOUNTS = {
  insurer: 0, // deploys; owns the registry admin role, the insurance contract and its oracle
  holder: 1,
  proposer: 2,
  approver: 3,
} as const

/** The folder CID the local photo server serves the claim photos under (it checks no content
 * addressing; the adapters check the photo's sha256). */
const DEMO_PHOTO_FOLDER_CID = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'

/** One demo run: narration, what to tear down, Ctrl-C, the transport. */
interface DemoRun {
  log: (line: string) => void
  teardown: Teardown
  signal: AbortSignal | undefined
  transport: DemoTransport
  verbose: boolean
}

/** A claim's damage photo, as the photo server serves it. */
interface ClaimPhoto {
  name: string
  bytes: Buffer
  url: string
  sha256: string
}

/** Phase 1's result: the chain, the photos and the adapters (still loading their models). */
interface LocalNetwork {
  chain: LocalChain
  /** One photo per scenario (ClaimsInsurance may let a photo back one claim only). */
  photos: readonly ClaimPhoto[]
  variant: ModelVariant
  adaptersStarting: Promise<LocalAdapter[]>
}

/** Phases 2-4's result: everything the claims need. */
interface DemoWorld {
  project: ProjectDeployment
  provider: JsonRpcProvider
  insurer: Wallet
  holder: Wallet
  adapters: [LocalAdapter, LocalAdapter, LocalAdapter, LocalAdapter]
  lineups: Lineups
}

interface Scenario {
  name: string
  lineup: LineupVersion
  /** Which of the demo's photos the claim files. */
  photo: number
  story: string
  /** What happens before the claim (narrated). */
  before?: (world: DemoWorld, log: (line: string) => void) => Promise<void>
}

/** The story's three claims, the same on every transport. */
const SCENARIOS: readonly Scenario[] = [
  {
    name: '6. Scenario A: three honest adapters',
    lineup: 1,
    photo: 0,
    story: 'Three operators run the approved damage-v1 and assess the photo.',
  },
  {
    name: '7. Scenario B: one adapter on an unapproved model',
    lineup: 2,
    photo: 1,
    story:
      "Operator 3 is replaced by operator 4, who serves a damage-v1 version the registry never approved: the DON's checks drop its answer (model hash mismatch); two approved answers still agree.",
  },
  {
    name: '8. Scenario C: two of three adapters misbehave',
    lineup: 2,
    photo: 2,
    story:
      'Operator 2 is down and operator 4 still serves the unapproved model: only one valid answer, below the threshold of 2. No assessment is accepted and nothing is paid.',
    before: async (world, log) => {
      log('operator-2 goes offline')
      await world.adapters[1].stop()
    },
  },
]

function aborted(run: DemoRun): void {
  if (run.signal?.aborted) throw new Error('demo aborted')
}

/**
 * The demo's damage photos, one per scenario: bundled damage-v1 samples, the "severe" ones first
 * (scenarios A and B are paid for the same assessment), then the others.
 */
function damagePhotos(count: number): ClaimPhoto[] {
  const dir = join(REPO_ROOT, 'adapter', 'models', 'damage-v1', 'samples')
  const pngs = readdirSync(dir)
    .filter((f) => f.endsWith('.png'))
    .sort()
  const ordered = [
    ...pngs.filter((f) => f.includes('severe')),
    ...pngs.filter((f) => !f.includes('severe')),
  ]
  if (ordered.length < count) throw new Error(`need ${count} sample PNGs in ${dir}`)
  return ordered.slice(0, count).map((name) => {
    const bytes = readFileSync(join(dir, name))
    return {
      name,
      bytes,
      url: `ipfs://${DEMO_PHOTO_FOLDER_CID}/claims/${name}`,
      sha256: sha256Hex(bytes),
    }
  })
}

/** The first log in `logs` that `contract` emitted as ClaimsInsurance event `name`, parsed. */
function insuranceEvent(
  logs: readonly Log[],
  contract: string,
  name: string,
): ReturnType<typeof insuranceInterface.parseLog> {
  for (const log of logs) {
    if (log.address.toLowerCase() !== contract.toLowerCase()) continue
    const parsed = insuranceInterface.parseLog(log)
    if (parsed?.name === name) return parsed
  }
  return null
}

/** Sends `method(...args)` (with `value`, if any) and waits for it to be mined. */
async function send(
  contract: Contract,
  method: string,
  args: unknown[],
  value?: bigint,
): Promise<{ hash: string; logs: readonly Log[] }> {
  const tx = (await contract.getFunction(method)(
    ...args,
    ...(value === undefined ? [] : [{ value }]),
  )) as { hash: string; wait(): Promise<{ logs: readonly Log[] } | null> }
  const receipt = await tx.wait()
  return { hash: tx.hash, logs: receipt?.logs ?? [] }
}

/**
 * What the DON code said about each adapter (its `adapter <i>: <verdict>` lines), with the adapters'
 * names: which ones answered validly and which were dropped, and why.
 */
function adapterVerdicts(lines: readonly string[], lineup: readonly LocalAdapter[]): string[] {
  const out: string[] = []
  for (const line of lines) {
    const m = /^adapter (\d+): (.*)$/.exec(line.trim())
    if (m === null) continue
    const adapter = lineup[Number(m[1])]
    out.push(`  ${adapter?.name ?? `adapter ${m[1]}`}: ${m[2]}`)
  }
  return out
}

/** Phase 1: anvil, the photo "IPFS gateway", four adapters starting (they load while forge runs). */
async function startLocalNetwork(run: DemoRun): Promise<LocalNetwork> {
  run.log('== 1. Local network')
  const chain = await startThrowawayAnvil(run.teardown)
  run.log(`anvil at ${chain.rpcUrl} (chain id ${chain.chainId})`)
  aborted(run)

  // The photo server stands in for an IPFS gateway: adapters reach a loopback address only for
  // ipfs:// through their allow-listed IPFS_GATEWAY (docs/adapter.md, "Image URLs").
  const photos = await startFileServer()
  run.teardown.add('photo server', () => photos.stop())
  const claimPhotos = damagePhotos(SCENARIOS.length)
  for (const photo of claimPhotos) {
    photos.put(`ipfs/${DEMO_PHOTO_FOLDER_CID}/claims/${photo.name}`, photo.bytes, 'image/png')
  }

  const variant = writeUnapprovedVariant('damage-v1', 'operator 4 retrained without approval')
  const env = { FETCH_ALLOWLIST: '127.0.0.1/32', IPFS_GATEWAY: photos.url }
  // Teardown stops whatever starts even if the deployment fails first.
  const adaptersStarting = startAdaptersInBackground(run.teardown, [
    { name: 'operator-1', signerKey: operatorKey(1), env },
    { name: 'operator-2', signerKey: operatorKey(2), env },
    { name: 'operator-3', signerKey: operatorKey(3), env },
    {
      name: 'operator-4 (unapproved model)',
      signerKey: operatorKey(4),
      modelDir: variant.modelDir,
      env,
    },
  ])
  return {
    chain,
    photos: claimPhotos,
    variant,
    adaptersStarting,
  }
}

/** Phase 2: the transport's Chainlink contracts, then the registry and the dApps on its oracles. */
async function deployContracts(run: DemoRun, chain: LocalChain): Promise<ProjectDeployment> {
  run.log(`== 2. Deploy ${run.transport.title}`)
  run.log('(the first run compiles the contracts; later runs reuse cache/local-forge)')
  await run.transport.deploy(chain, run.log)
  aborted(run)
  const address = (i: number): string => new Wallet(anvilPrivateKey(i)).address
  const project = await deployProject(chain.rpcUrl, chain.chainId, {
    transport: run.transport.name,
    proposers: [address(ACCOUNTS.proposer)],
    approvers: [address(ACCOUNTS.approver)],
    secretsSlot: 0,
    secretsVersion: run.transport.initialSecretsVersion,
    agreementThreshold: DEMO_TERMS.agreementThreshold,
    tolerance: DEMO_TERMS.tolerance,
  })
  const oracleKind = run.transport.name === 'cre' ? 'CreInferenceOracle' : 'Functions oracle'
  run.log(
    `ModelRegistry (proxy) ${project.registry}, ClaimsInsurance ${project.insurance} on its ${oracleKind} ${project.insuranceOracle}`,
  )
  aborted(run)
  return project
}

/** Phase 3: the registry's two-person rule, with the provenance of each model. */
async function registerDemoModels(
  run: DemoRun,
  registry: string,
  proposer: Wallet,
  approver: Wallet,
): Promise<void> {
  run.log('== 3. Register and approve the demo models (proposer != approver)')
  for (const modelId of ['damage-v1', 'risk-v1']) {
    const r = await registerModel(registry, modelId, proposer, approver)
    run.log(`${modelId}: model hash ${r.modelHash}`)
    run.log(`  provenance hash ${r.provenanceHash}`)
    run.log(
      `  proposed by ${proposer.address} (tx ${r.proposeTx}), approved by ${approver.address} (tx ${r.approveTx})`,
    )
  }
  aborted(run)
}

/** Phase 4: the adapters are up; the transport's DON starts in front of the contracts. */
async function startDon(
  run: DemoRun,
  network: LocalNetwork,
  project: ProjectDeployment,
  provider: JsonRpcProvider,
): Promise<Pick<DemoWorld, 'adapters' | 'lineups'>> {
  run.log('== 4. Adapters and the local DON')
  const adapters = (await abortable(network.adaptersStarting, run.signal)) as DemoWorld['adapters']
  const [op1, op2, op3, op4] = adapters
  for (const a of adapters) run.log(`${a.name}: ${a.url} signer ${a.signer}`)
  run.log(
    `unapproved damage-v1 variant served by operator-4: model hash ${network.variant.modelHash}`,
  )
  const lineups: Lineups = { 1: [op1, op2, op3], 2: [op1, op2, op4] }
  await run.transport.startDon({
    chain: network.chain,
    project,
    provider,
    ownerKey: anvilPrivateKey(ACCOUNTS.insurer),
    lineups,
    log: run.log,
    verbose: run.verbose,
  })
  run.teardown.add('DON', () => run.transport.stop())
  aborted(run)
  return { adapters, lineups }
}

/** Phase 5: the insurer funds the pool the claims are paid from. */
async function fundPool(run: DemoRun, world: DemoWorld): Promise<void> {
  run.log('== 5. Insurance pool')
  const insurance = new Contract(world.project.insurance, insuranceInterface, world.insurer)
  const funded = await send(insurance, 'fundPool', [], DEMO_TERMS.poolFunding)
  run.log(
    `insurer ${world.insurer.address} funded the pool with ${formatEther(DEMO_TERMS.poolFunding)} ETH (tx ${funded.hash})`,
  )
}

/** Prints what the DON did and what the oracle decided. */
function narrateOutcome(run: DemoRun, outcome: ClaimOutcome, lineup: LocalAdapter[]): void {
  for (const line of outcome.narration) run.log(line)
  const verdicts = outcome.verdicts && adapterVerdicts(outcome.verdicts.lines, lineup)
  if (outcome.verdicts && verdicts && verdicts.length > 0) {
    run.log(`adapter answers, as DON node ${outcome.verdicts.node} judged them:`)
    for (const line of verdicts) run.log(line)
  }
  if (outcome.accepted) {
    run.log(
      `InferenceAccepted: severity class ${outcome.severity}, ${outcome.agreed} of ${lineup.length} adapters agreed on the approved model`,
    )
  } else if (outcome.rejectReason !== undefined) {
    run.log(
      `InferenceRejected: ${outcome.rejectReason}${outcome.rejectDetail ? ` (${outcome.rejectDetail})` : ''}`,
    )
  }
}

/** Phases 6-8: one claim: the line-up, a policy, the claim, the DON's round, the payout. */
async function runClaim(
  run: DemoRun,
  world: DemoWorld,
  network: LocalNetwork,
  scenario: Scenario,
): Promise<ScenarioReport> {
  aborted(run)
  run.log(`== ${scenario.name}`)
  run.log(scenario.story)
  await scenario.before?.(world, run.log)
  const lineup = world.lineups[scenario.lineup]
  run.log(await run.transport.useLineup(scenario.lineup))

  const insurance = new Contract(world.project.insurance, insuranceInterface, world.holder)
  const premium = (await insurance.getFunction('premiumFor')(DEMO_TERMS.coverage)) as bigint
  const bought = await send(
    insurance,
    'buyPolicy',
    [DEMO_TERMS.coverage, DEMO_TERMS.policyTermSeconds],
    premium,
  )
  const policyId = insuranceEvent(
    bought.logs,
    world.project.insurance,
    'PolicyPurchased',
  )?.args.getValue('policyId') as bigint
  run.log(
    `holder ${world.holder.address} bought policy #${policyId}: coverage ${formatEther(DEMO_TERMS.coverage)} ETH, premium ${formatEther(premium)} ETH (tx ${bought.hash})`,
  )
  const photo = network.photos[scenario.photo]
  if (photo === undefined) throw new Error(`${scenario.name}: no photo ${scenario.photo}`)
  const filed = await send(insurance, 'fileClaim', [policyId, photo.url, photo.sha256])
  const requested = insuranceEvent(filed.logs, world.project.insurance, 'ClaimRequested')
  const claimId = requested?.args.getValue('claimId') as bigint
  const requestId = requested?.args.getValue('requestId') as string
  run.log(
    `claim #${claimId} filed with photo ${photo.url} (sha256 ${photo.sha256}) (tx ${filed.hash})`,
  )
  run.log(`${run.transport.requestNoun} ${requestId}: waiting for the DON...`)
  const outcome = await run.transport.waitForClaim(requestId, run.signal)
  narrateOutcome(run, outcome, lineup)

  const claim = (await insurance.getFunction('getClaim')(claimId)) as {
    status: bigint
    payout: bigint
  }
  const claimStatus = CLAIM_STATUS[Number(claim.status)] ?? 'unknown'
  run.log(`claim #${claimId}: ${claimStatus}, payout ${formatEther(claim.payout)} ETH`)
  return {
    name: scenario.name,
    adapters: lineup.map((a) => a.name),
    claimId,
    requestId,
    fileClaimTx: filed.hash,
    fulfilTx: outcome.deliveryTx,
    accepted: outcome.accepted,
    severity: outcome.severity,
    agreed: outcome.agreed,
    rejectReason: outcome.rejectReason,
    claimStatus,
    payout: claim.payout,
  }
}

/** Phase 9. */
function summarise(run: DemoRun, scenarios: readonly ScenarioReport[]): void {
  run.log('== 9. Summary')
  for (const s of scenarios) {
    run.log(
      `${s.name}: ${s.accepted ? `accepted, severity ${s.severity}, ${s.agreed} agreeing` : `rejected (${s.rejectReason})`}; claim ${s.claimStatus}, payout ${formatEther(s.payout)} ETH`,
    )
  }
}

/** The demo's own check (its exit code): the outcomes the narration promised, a clean teardown. */
export function storyHeld(report: DemoReport): boolean {
  const [a, b, c] = report.scenarios
  return (
    a?.accepted === true &&
    a.payout > 0n &&
    b?.accepted === true &&
    b.agreed === 2 &&
    c?.accepted === false &&
    c.payout === 0n &&
    report.teardownFailures.length === 0
  )
}

/** The transport named `name`. */
export function demoTransport(name: 'functions' | 'cre'): DemoTransport {
  return name === 'cre' ? creTransport() : functionsTransport()
}

/**
 * Runs the whole demo on one transport: a local chain with the real Chainlink contracts of that
 * transport, three adapters with distinct operator keys (plus one serving an unapproved model
 * version), the local DON, the registry and the ClaimsInsurance example; then three claims. Always
 * tears everything down.
 */
export async function runDemo(options: DemoOptions): Promise<DemoReport> {
  const transport = demoTransport(options.transport ?? 'cre')
  const run: DemoRun = {
    log: options.log,
    teardown: new Teardown(),
    signal: options.signal,
    transport,
    verbose: options.verboseDon ?? false,
  }
  const scenarios: ScenarioReport[] = []
  let teardownFailures: string[]
  try {
    const network = await startLocalNetwork(run)
    const project = await deployContracts(run, network.chain)
    const { provider, wallet } = chainWallets(run.teardown, network.chain.rpcUrl, {
      pollingIntervalMs: 100,
    })
    await registerDemoModels(
      run,
      project.registry,
      wallet(ACCOUNTS.proposer),
      wallet(ACCOUNTS.approver),
    )
    const world: DemoWorld = {
      project,
      provider,
      insurer: wallet(ACCOUNTS.insurer),
      holder: wallet(ACCOUNTS.holder),
      ...(await startDon(run, network, project, provider)),
    }
    await fundPool(run, world)
    for (const scenario of SCENARIOS) scenarios.push(await runClaim(run, world, network, scenario))
    summarise(run, scenarios)
  } finally {
    run.log('== Shutting down')
    const failures = await run.teardown.run()
    for (const f of failures) run.log(`teardown: ${f}`)
    run.log(failures.length === 0 ? 'everything stopped' : 'some parts did not stop cleanly')
    teardownFailures = failures
  }
  return { transport: transport.name, scenarios, teardownFailures }
}
