import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

import { Contract, JsonRpcProvider, Wallet, formatEther, id, parseEther, type Log } from 'ethers'

import { sha256Hex } from '../../protocol/hashes'
import { describeDonEvent } from '../don/event-log'
import { LocalDon, type RoundOutcome } from '../don/local-don'
import { HostedSecretsStore } from '../don/secrets'
import { adaptersSecret, startAdapters, type LocalAdapter } from '../local/adapters'
import { anvilPrivateKey } from '../local/anvil-accounts'
import { startAnvil } from '../local/anvil'
import { removeDeploymentFile, throwawayChainId } from '../local/deployment-file'
import { deployLocalFunctions } from '../local/functions-deployment'
import { startFileServer } from '../local/photo-server'
import { deployProject } from '../local/project-deployment'
import { REPO_ROOT } from '../local/repo-root'
import { Teardown } from '../local/teardown'
import { writeUnapprovedVariant } from '../local/unapproved-model'
import { CLAIM_STATUS, REJECT_REASONS, insuranceInterface, oracleInterface } from './abis'
import { registerModel } from './model-registration'

/** What one claim scenario ended with (the e2e test checks these). */
export interface ScenarioReport {
  name: string
  adapters: string[]
  claimId: bigint
  requestId: string
  fileClaimTx: string
  fulfilTx: string | undefined
  accepted: boolean
  severity: bigint | undefined
  agreed: number | undefined
  rejectReason: string | undefined
  claimStatus: string
  payout: bigint
}

export interface DemoReport {
  scenarios: ScenarioReport[]
  /** Teardown steps that failed (empty when everything stopped cleanly). */
  teardownFailures: string[]
}

export interface DemoOptions {
  /** Receives each line of the narration. */
  log: (line: string) => void
  /** Also print every DON node's observation. */
  verboseDon?: boolean
  /** Aborting stops the demo and tears everything down. */
  signal?: AbortSignal
}

/** The DON-hosted secrets slot the insurer uses; each adapter line-up is one version of it. */
const SECRETS_SLOT = 0
/** Adapters that must agree for ClaimsInsurance to accept an assessment. */
const AGREEMENT_THRESHOLD = 2
const DON_ROUND_TIMEOUT_MS = 60_000
const COVERAGE = parseEther('1')
const POLICY_TERM_SECONDS = 30 * 24 * 3600
const POOL_FUNDING = parseEther('10')
// Operator keys of the demo adapters: fixed, so the narration is reproducible. Test keys only.
const operatorKey = (i: number): string => id(`onnx-oracle demo operator ${i}`)

/** Accounts of the demo (anvil's public development keys; nothing of value). */
const ACCOUNTS = {
  insurer: 0, // deploys, owns the registry admin role, the insurance contract and the subscription
  holder: 1,
  proposer: 2,
  approver: 3,
} as const

/** Rejects as soon as `signal` aborts (Ctrl-C must not wait for a DON round). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise
  if (signal.aborted) return Promise.reject(new Error('demo aborted'))
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new Error('demo aborted'))
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort)
        resolve(v)
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(e instanceof Error ? e : new Error(String(e)))
      },
    )
  })
}

/**
 * What the source said about each adapter on one DON node (`adapter <i>: <verdict>` lines it logs),
 * with the adapters' names: which ones answered validly and which were dropped, and why.
 */
function adapterVerdicts(log: string, lineup: readonly LocalAdapter[]): string[] {
  const out: string[] = []
  for (const line of log.split('\n')) {
    const m = /^adapter (\d+): (.*)$/.exec(line.trim())
    if (m === null) continue
    const adapter = lineup[Number(m[1])]
    out.push(`  ${adapter?.name ?? `adapter ${m[1]}`}: ${m[2]}`)
  }
  return out
}

/** The folder CID the local photo server serves the claim photos under (it checks no content
 * addressing; the adapters check the photo's sha256). */
const DEMO_PHOTO_FOLDER_CID = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'

/**
 * The demo's damage photos, one per claim scenario (ClaimsInsurance lets a photo back one claim
 * only): bundled damage-v1 samples, the two "severe" ones for the paid scenarios A and B, then a
 * third for scenario C (rejected before any assessment counts).
 */
function damagePhotos(): [ClaimPhoto, ClaimPhoto, ClaimPhoto] {
  const dir = join(REPO_ROOT, 'adapter', 'models', 'damage-v1', 'samples')
  const pngs = readdirSync(dir)
    .filter((f) => f.endsWith('.png'))
    .sort()
  const severe = pngs.filter((f) => f.includes('severe'))
  const others = pngs.filter((f) => !f.includes('severe'))
  const [a, b, c] = [...severe, ...others]
  if (a === undefined || b === undefined || c === undefined) {
    throw new Error(`need three sample PNGs in ${dir}`)
  }
  const read = (name: string): ClaimPhoto => {
    const bytes = readFileSync(join(dir, name))
    return {
      name,
      bytes,
      url: `ipfs://${DEMO_PHOTO_FOLDER_CID}/claims/${name}`,
      sha256: sha256Hex(bytes),
    }
  }
  return [read(a), read(b), read(c)]
}

interface ClaimPhoto {
  name: string
  bytes: Buffer
  url: string
  sha256: string
}

/** The first log in `logs` that `contract` emitted as event `name`, parsed. */
function findEvent(
  logs: readonly Log[],
  contract: string,
  name: string,
): ReturnType<typeof insuranceInterface.parseLog> {
  const abi = insuranceInterface.getEvent(name) !== null ? insuranceInterface : oracleInterface
  for (const log of logs) {
    if (log.address.toLowerCase() !== contract.toLowerCase()) continue
    try {
      const parsed = abi.parseLog(log)
      if (parsed?.name === name) return parsed
    } catch {
      // not one of the demo's events
    }
  }
  return null
}

/**
 * Runs the whole demo: a local chain with the real Chainlink Functions contracts, three adapters
 * with distinct operator keys (plus one serving an unapproved model version), the local DON, the
 * registry and the ClaimsInsurance example; then three claims. Always tears everything down.
 */
export async function runDemo(options: DemoOptions): Promise<DemoReport> {
  const { log } = options
  const teardown = new Teardown()
  const scenarios: ScenarioReport[] = []
  let teardownFailures: string[]
  const aborted = (): void => {
    if (options.signal?.aborted) throw new Error('demo aborted')
  }
  try {
    log('== 1. Local network')
    const chain = await startAnvil({ chainId: throwawayChainId() })
    teardown.add('anvil', async () => {
      await chain.stop()
      removeDeploymentFile(chain.chainId)
    })
    log(`anvil at ${chain.rpcUrl} (chain id ${chain.chainId})`)
    aborted()

    // The photo server stands in for an IPFS gateway: adapters reach a loopback address only for
    // ipfs:// through their allow-listed IPFS_GATEWAY (docs/adapter.md, "Image URLs").
    const photos = await startFileServer()
    teardown.add('photo server', () => photos.stop())
    const claimPhotos = damagePhotos()
    for (const photo of claimPhotos) {
      photos.put(`ipfs/${DEMO_PHOTO_FOLDER_CID}/claims/${photo.name}`, photo.bytes, 'image/png')
    }

    // Adapters load their models while forge compiles and deploys.
    const variant = writeUnapprovedVariant('damage-v1', 'operator 4 retrained without approval')
    const adapterEnv = { FETCH_ALLOWLIST: '127.0.0.1/32', IPFS_GATEWAY: photos.url }
    const adaptersStarting = startAdapters([
      { name: 'operator-1', signerKey: operatorKey(1), env: adapterEnv },
      { name: 'operator-2', signerKey: operatorKey(2), env: adapterEnv },
      { name: 'operator-3', signerKey: operatorKey(3), env: adapterEnv },
      {
        name: 'operator-4 (unapproved model)',
        signerKey: operatorKey(4),
        modelDir: variant.modelDir,
        env: adapterEnv,
      },
    ])
    // Stop whatever starts even if the deployment below fails first.
    teardown.add('adapters', async () => {
      const started = await adaptersStarting.catch(() => [] as LocalAdapter[])
      await Promise.all(started.map((a) => a.stop()))
    })

    log(
      '== 2. Deploy Chainlink Functions (real Router v1.0.0 + Coordinator v1.3.0, 4-node DON) and the project',
    )
    log('(the first run compiles the contracts; later runs reuse cache/local-forge)')
    const functions = await deployLocalFunctions(chain.rpcUrl, chain.chainId)
    log(
      `router ${functions.router}, coordinator ${functions.coordinator}, subscription ${functions.subscriptionId}`,
    )
    const project = await deployProject(chain.rpcUrl, chain.chainId, {
      proposers: [new Wallet(anvilPrivateKey(ACCOUNTS.proposer)).address],
      approvers: [new Wallet(anvilPrivateKey(ACCOUNTS.approver)).address],
      secretsSlot: SECRETS_SLOT,
      secretsVersion: 1,
      agreementThreshold: AGREEMENT_THRESHOLD,
      tolerance: 0,
    })
    log(
      `ModelRegistry (proxy) ${project.registry}, ClaimsInsurance ${project.insurance} on its Functions oracle ${project.insuranceOracle}`,
    )
    aborted()

    const provider = new JsonRpcProvider(chain.rpcUrl, undefined, {
      staticNetwork: true,
      cacheTimeout: -1,
    })
    provider.pollingInterval = 100
    teardown.add('provider', async () => provider.destroy())
    const wallet = (i: number): Wallet => new Wallet(anvilPrivateKey(i), provider)
    const insurer = wallet(ACCOUNTS.insurer)
    const holder = wallet(ACCOUNTS.holder)
    const proposer = wallet(ACCOUNTS.proposer)
    const approver = wallet(ACCOUNTS.approver)

    log('== 3. Register and approve the demo models (proposer != approver)')
    for (const modelId of ['damage-v1', 'risk-v1']) {
      const r = await registerModel(project.registry, modelId, proposer, approver)
      log(`${modelId}: model hash ${r.modelHash}`)
      log(`  provenance hash ${r.provenanceHash}`)
      log(
        `  proposed by ${proposer.address} (tx ${r.proposeTx}), approved by ${approver.address} (tx ${r.approveTx})`,
      )
    }

    log('== 4. Adapters and the local DON')
    const adapters = await abortable(adaptersStarting, options.signal)
    const [op1, op2, op3, op4] = adapters as [
      LocalAdapter,
      LocalAdapter,
      LocalAdapter,
      LocalAdapter,
    ]
    for (const a of adapters) log(`${a.name}: ${a.url} signer ${a.signer}`)
    log(`unapproved damage-v1 variant served by operator-4: model hash ${variant.modelHash}`)
    const lineups: Record<1 | 2, LocalAdapter[]> = {
      1: [op1, op2, op3],
      2: [op1, op2, op4],
    }
    const secrets = new HostedSecretsStore(
      Object.entries(lineups).map(([version, list]) => ({
        slotId: SECRETS_SLOT,
        version: BigInt(version),
        secrets: { ADAPTERS: adaptersSecret(list) },
      })),
    )
    const don = new LocalDon({
      rpcUrl: chain.rpcUrl,
      coordinator: functions.coordinator,
      keyring: functions.donKeyring,
      secrets,
      onEvent: (e) => {
        if (options.verboseDon || e.type === 'started' || e.type === 'error')
          log(`[DON] ${describeDonEvent(e)}`)
      },
    })
    await don.start()
    teardown.add('DON', () => don.stop())
    aborted()

    const insurance = new Contract(project.insurance, insuranceInterface, insurer)
    const asHolder = new Contract(project.insurance, insuranceInterface, holder)
    const insuranceOracle = new Contract(project.insuranceOracle, oracleInterface, insurer)
    const send = async (c: Contract, method: string, args: unknown[], value?: bigint) => {
      const tx = (await c.getFunction(method)(
        ...args,
        ...(value === undefined ? [] : [{ value }]),
      )) as {
        hash: string
        wait(): Promise<{ logs: readonly Log[] } | null>
      }
      const receipt = await tx.wait()
      return { hash: tx.hash, logs: receipt?.logs ?? [] }
    }

    log('== 5. Insurance pool')
    const funded = await send(insurance, 'fundPool', [], POOL_FUNDING)
    log(
      `insurer ${insurer.address} funded the pool with ${formatEther(POOL_FUNDING)} ETH (tx ${funded.hash})`,
    )

    const runClaim = async (
      name: string,
      secretsVersion: 1 | 2,
      story: string,
      photo: ClaimPhoto,
    ): Promise<ScenarioReport> => {
      const { url: photoUrl, sha256: photoHash } = photo
      aborted()
      log(`== ${name}`)
      log(story)
      const lineup = lineups[secretsVersion]
      const set = await send(insuranceOracle, 'setDonHostedSecrets', [SECRETS_SLOT, secretsVersion])
      log(
        `adapters (DON-hosted secrets slot ${SECRETS_SLOT} v${secretsVersion}): ${lineup.map((a) => a.name).join(', ')} (tx ${set.hash})`,
      )
      const premium = (await insurance.getFunction('premiumFor')(COVERAGE)) as bigint
      const bought = await send(asHolder, 'buyPolicy', [COVERAGE, POLICY_TERM_SECONDS], premium)
      const policyId = findEvent(bought.logs, project.insurance, 'PolicyPurchased')?.args.getValue(
        'policyId',
      ) as bigint
      log(
        `holder ${holder.address} bought policy #${policyId}: coverage ${formatEther(COVERAGE)} ETH, premium ${formatEther(premium)} ETH (tx ${bought.hash})`,
      )
      const filed = await send(asHolder, 'fileClaim', [policyId, photoUrl, photoHash])
      const requested = findEvent(filed.logs, project.insurance, 'ClaimRequested')
      const claimId = requested?.args.getValue('claimId') as bigint
      const requestId = requested?.args.getValue('requestId') as string
      log(`claim #${claimId} filed with photo ${photoUrl} (sha256 ${photoHash}) (tx ${filed.hash})`)
      log(`Functions request ${requestId}: waiting for the DON...`)
      const outcome: RoundOutcome = await abortable(
        don.waitForOutcome(requestId, DON_ROUND_TIMEOUT_MS),
        options.signal,
      )
      return summarise(name, lineup, claimId, requestId, filed.hash, outcome)
    }

    const summarise = async (
      name: string,
      lineup: readonly LocalAdapter[],
      claimId: bigint,
      requestId: string,
      fileClaimTx: string,
      outcome: RoundOutcome,
    ): Promise<ScenarioReport> => {
      let fulfilTx: string | undefined
      let accepted = false
      let severity: bigint | undefined
      let agreed: number | undefined
      let rejectReason: string | undefined
      if (outcome.kind === 'transmitted') {
        fulfilTx = outcome.txHash
        const receipt = await provider.getTransactionReceipt(outcome.txHash)
        const ok = findEvent(receipt?.logs ?? [], project.insuranceOracle, 'InferenceAccepted')
        const rejected = findEvent(
          receipt?.logs ?? [],
          project.insuranceOracle,
          'InferenceRejected',
        )
        log(
          `DON report: ${outcome.observations.length} nodes observed, signed by ${outcome.signers.length}, transmitted by ${outcome.transmitter} (tx ${outcome.txHash})`,
        )
        // The first node whose source printed its per-adapter verdicts (a node may have failed).
        const judged = outcome.observations.find((o) => adapterVerdicts(o.log, lineup).length > 0)
        if (judged !== undefined) {
          log(`adapter answers, as DON node ${judged.node} judged them:`)
          for (const line of adapterVerdicts(judged.log, lineup)) log(line)
        }
        if (ok) {
          accepted = true
          severity = ok.args.getValue('result') as bigint
          agreed = Number(ok.args.getValue('agreed'))
          log(
            `InferenceAccepted: severity class ${severity}, ${agreed} of ${lineup.length} adapters agreed on the approved model`,
          )
        }
        if (rejected) {
          rejectReason = REJECT_REASONS[Number(rejected.args.getValue('reason'))] ?? 'unknown'
          const err = outcome.processed?.err
          log(
            `InferenceRejected: ${rejectReason}${err && err !== '0x' ? ` (DON error: "${Buffer.from(err.slice(2), 'hex').toString('utf8')}")` : ''}`,
          )
        }
      } else {
        rejectReason = outcome.kind
        log(`DON: ${describeDonEvent({ type: 'outcome', outcome })}`)
      }
      const claim = (await insurance.getFunction('getClaim')(claimId)) as {
        status: bigint
        payout: bigint
      }
      const claimStatus = CLAIM_STATUS[Number(claim.status)] ?? 'unknown'
      log(`claim #${claimId}: ${claimStatus}, payout ${formatEther(claim.payout)} ETH`)
      return {
        name,
        adapters: lineup.map((a) => a.name),
        claimId,
        requestId,
        fileClaimTx,
        fulfilTx,
        accepted,
        severity,
        agreed,
        rejectReason,
        claimStatus,
        payout: claim.payout,
      }
    }

    scenarios.push(
      await runClaim(
        '6. Scenario A: three honest adapters',
        1,
        'Three operators run the approved damage-v1 and assess the photo.',
        claimPhotos[0],
      ),
    )
    scenarios.push(
      await runClaim(
        '7. Scenario B: one adapter on an unapproved model',
        2,
        'Operator 3 is replaced by operator 4, who serves a damage-v1 version the registry never approved: the source drops its answer (model hash mismatch); two approved answers still agree.',
        claimPhotos[1],
      ),
    )
    log('operator-2 goes offline')
    await op2.stop()
    scenarios.push(
      await runClaim(
        '8. Scenario C: two of three adapters misbehave',
        2,
        'Operator 2 is down and operator 4 still serves the unapproved model: only one valid answer, below the threshold of 2. The DON reports the error and nothing is paid.',
        claimPhotos[2],
      ),
    )
    log('== 9. Summary')
    for (const s of scenarios) {
      log(
        `${s.name}: ${s.accepted ? `accepted, severity ${s.severity}, ${s.agreed} agreeing` : `rejected (${s.rejectReason})`}; claim ${s.claimStatus}, payout ${formatEther(s.payout)} ETH`,
      )
    }
  } finally {
    log('== Shutting down')
    const failures = await teardown.run()
    for (const f of failures) log(`teardown: ${f}`)
    log(failures.length === 0 ? 'everything stopped' : 'some parts did not stop cleanly')
    teardownFailures = failures
  }
  return { scenarios, teardownFailures }
}
