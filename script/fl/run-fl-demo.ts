/**
 * The federated-learning demo (`npm run fl:demo`, docs/federated.md "Demo"): anvil, the model
 * registry with risk-v1 approved, Chainlink's KeystoneForwarder with a 4-node DON (f = 1), the
 * training contract (holding PROPOSER_ROLE), 3 aggregator adapters and a local IPFS-style gateway.
 * 10 clients hold non-IID partitions (by region) of the risk data; client 1 flips its labels,
 * client 4 sends a scaled sign-flipped update and client 7 runs two Sybil identities with one
 * crafted update. Each of 5 rounds: every identity trains, commits and reveals on-chain; the DON
 * asks the 3 adapters for the `fl-aggregate` job and settles the round through the forwarder.
 * Then the sponsor proposes the final model, an approver approves it, and an adapter serving the
 * registered ONNX file answers an inference.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import {
  AbiCoder,
  Contract,
  ContractFactory,
  formatEther,
  Interface,
  JsonRpcProvider,
  keccak256,
  NonceManager,
  parseEther,
  toUtf8Bytes,
  Wallet,
  type InterfaceAbi,
} from 'ethers'

import { FL_GRAPH_NAME } from '../../adapter/src/federated/fl-aggregation-job'
import { BUNDLED_MODEL_DIR } from '../../adapter/src/config'
import { decodeVector, encodeModel, ZERO_ADDRESS } from '../../federated/update-codec'
import { exportFederatedOnnx } from '../../federated/model-export'
import { fixedToMlp } from '../../federated/layout'
import { decodeRoundReport } from '../../federated/round-report'
import {
  aucOf,
  roundSubmissions,
  type Identity,
  type SimulationConfig,
} from '../../federated/simulation'
import { riskTask } from '../../federated/task'
import { privacySpecHash, taskSpecHash, taskSpecOf } from '../../federated/task-spec'
import { encodeValidationSet } from '../../federated/validation'
import { exactEpsilon } from '../../federated/privacy'
import { startAdapter, startAdapters, type LocalAdapter } from '../local/adapters'
import { rpcCall, startAnvil } from '../local/anvil'
import { anvilPrivateKey } from '../local/anvil-accounts'
import { forgeBuild, readArtifact } from '../local/forge-artifacts'
import { Teardown } from '../local/teardown'
import { sealManifest } from '../models/tools/seal-manifest'
import { startContentStore } from './content-store'
import { workflowNameBytes10 } from '../cre/report'
import { LocalFlDon, type RoundFacts } from './fl-don'

const SOURCES = [
  'contracts/ModelRegistry.sol',
  'node_modules/@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol',
  'contracts/federated/FederatedTraining.sol',
  'test/contracts/KeystoneToolchain.t.sol',
]
const ROUNDS = 5
const SEED = 2026
const STAKE = parseEther('1')
const POOL = parseEther('5')
const PERIOD = { registration: 60, commit: 120, reveal: 120, report: 3_600 }
const DON = { nodes: 4, f: 1, donId: 1, configVersion: 1, workflow: 'onnx-oracle-fl-aggregate' }
const ATTACKERS: SimulationConfig['attackers'] = { 1: 'labelFlip', 4: 'signFlip', 7: 'sybil' }
const derivedKey = (label: string): string => keccak256(toUtf8Bytes(`onnx-oracle/fl-demo/${label}`))

export interface FlDemoRound {
  round: number
  auc: number
  accepted: string[]
  rejected: { participant: string; status: string; slashed: boolean }[]
  rewards: Record<string, bigint>
  slashed: Record<string, bigint>
  reportGas: bigint
}

export interface FlDemoResult {
  rounds: FlDemoRound[]
  identities: (Identity & { label: string })[]
  finalModelHash: string
  provenanceHash: string
  registryStatus: number
  inference: { result: string; modelHash: string }
  balanceAfter: bigint
}

export interface FlDemoOptions {
  log: (line: string) => void
  signal?: AbortSignal
}

function deploy(
  artifact: { abi: InterfaceAbi; bytecode: string },
  signer: NonceManager,
  ...args: unknown[]
): Promise<Contract> {
  return new ContractFactory(artifact.abi, artifact.bytecode, signer)
    .deploy(...args)
    .then(async (c) => {
      await c.waitForDeployment()
      return c as unknown as Contract
    })
}

async function send(c: Contract, method: string, ...args: unknown[]): Promise<{ gasUsed: bigint }> {
  const tx = (await c.getFunction(method)(...args)) as {
    wait(): Promise<{ gasUsed: bigint; status: number | null } | null>
  }
  const receipt = await tx.wait()
  if (receipt === null || receipt.status !== 1) throw new Error(`${method} failed`)
  return receipt
}

const short = (a: string): string => `${a.slice(0, 6)}…${a.slice(-4)}`

export async function runFlDemo(options: FlDemoOptions): Promise<FlDemoResult> {
  const { log } = options
  const teardown = new Teardown()
  options.signal?.addEventListener('abort', () => void teardown.run())
  try {
    log('building contracts (cached after the first run)')
    await forgeBuild(SOURCES)
    const chain = await startAnvil()
    teardown.add('anvil', () => chain.stop())
    const provider = new JsonRpcProvider(chain.rpcUrl, undefined, { staticNetwork: true })
    provider.pollingInterval = 50
    const admin = new NonceManager(new Wallet(anvilPrivateKey(0), provider))
    const approver = new NonceManager(new Wallet(anvilPrivateKey(1), provider))
    const transmitter = new NonceManager(new Wallet(anvilPrivateKey(2), provider))
    const adminAddress = await admin.getAddress()

    // ---- off-chain: the task's data, the gateway, the aggregator adapters
    const data = riskTask(SEED)
    const { task } = data
    const store = await startContentStore()
    teardown.add('content store', () => store.stop())
    const adapterKeys = [0, 1, 2].map((i) => derivedKey(`adapter-${i}`))
    const adapters: LocalAdapter[] = await startAdapters(
      adapterKeys.map((key, i) => ({
        name: `aggregator-${i + 1}`,
        signerKey: key,
        env: { IPFS_GATEWAY: store.gateway, FETCH_ALLOWLIST: '127.0.0.1/32' },
      })),
    )
    for (const a of adapters) teardown.add(a.name, () => a.stop())
    log(
      `3 aggregator adapters: ${adapters.map((a) => `${a.url} (${short(a.signer ?? '')})`).join(', ')}`,
    )

    // ---- on-chain: registry with risk-v1, forwarder, training contract
    const out = (file: string, name: string): { abi: InterfaceAbi; bytecode: string } =>
      readArtifact(file, name)
    const impl = await deploy(out('ModelRegistry.sol', 'ModelRegistry'), admin)
    const registryIface = new Interface(out('ModelRegistry.sol', 'ModelRegistry').abi)
    const proxy = await deploy(
      out('ERC1967Proxy.sol', 'ERC1967Proxy'),
      admin,
      await impl.getAddress(),
      registryIface.encodeFunctionData('initialize', [adminAddress]),
    )
    const registry = new Contract(await proxy.getAddress(), registryIface, admin)
    const PROPOSER_ROLE = keccak256(toUtf8Bytes('PROPOSER_ROLE'))
    const APPROVER_ROLE = keccak256(toUtf8Bytes('APPROVER_ROLE'))
    await send(registry, 'grantRole', PROPOSER_ROLE, adminAddress)
    await send(registry, 'grantRole', APPROVER_ROLE, await approver.getAddress())
    const riskManifest = JSON.parse(
      readFileSync(join(BUNDLED_MODEL_DIR, 'risk-v1', 'manifest.json'), 'utf8'),
    ) as { file: { sha256: string; cid: string }; provenanceHash: string }
    const RISK_ID = `0x${Buffer.from('risk-v1').toString('hex').padEnd(64, '0')}`
    await send(registry, 'propose', {
      modelId: RISK_ID,
      modelHash: riskManifest.file.sha256,
      version: `0x${Buffer.from('1.0.0').toString('hex').padEnd(24, '0')}`,
      codeCommit: `0x${'0'.repeat(40)}`,
      provenanceHash: riskManifest.provenanceHash,
      datasetDigest: keccak256(toUtf8Bytes('risk-v1 dataset')),
      hyperparamsHash: keccak256(toUtf8Bytes('risk-v1 hyperparameters')),
      labelCount: 2,
      weightsCommitment: `0x${'0'.repeat(64)}`,
      weightsUri: `ipfs://${riskManifest.file.cid}`,
    })
    await send(registry.connect(approver) as Contract, 'approve', RISK_ID, riskManifest.file.sha256)
    const nodeKeys = Array.from({ length: DON.nodes }, (_, i) => derivedKey(`don-node-${i}`))
    const forwarder = await deploy(out('KeystoneForwarder.sol', 'KeystoneForwarder'), admin)
    await send(
      forwarder,
      'setConfig',
      DON.donId,
      DON.configVersion,
      DON.f,
      nodeKeys.map((k) => new Wallet(k).address),
    )
    const training = await deploy(
      out('FederatedTraining.sol', 'FederatedTraining'),
      admin,
      await registry.getAddress(),
      await forwarder.getAddress(),
      adminAddress,
      workflowNameBytes10(DON.workflow),
    )
    // Governance grants the task contract PROPOSER_ROLE (a timelock in production: docs/registry).
    await send(registry, 'grantRole', PROPOSER_ROLE, await training.getAddress())
    log(
      `registry ${short(await registry.getAddress())}, forwarder ${short(await forwarder.getAddress())}, training ${short(await training.getAddress())}`,
    )

    // ---- the task (its id is the contract's: keccak256(abi.encode(chainid, contract, nonce)))
    const trainingAddress = await training.getAddress()
    const taskId = keccak256(
      AbiCoder.defaultAbiCoder().encode(
        ['uint256', 'address', 'uint256'],
        [chain.chainId, trainingAddress, 1],
      ),
    )
    const chainData = { ...data, task: { ...task, taskId } }
    const spec = taskSpecOf(task)
    const privacy = { ...task.dp, delta: 1e-5 }
    const validationUri = store.put(encodeValidationSet(task.validation))
    let model = task.initialModel
    let modelBytes = encodeModel(taskId, 0, task.layout, model)
    let baseUri = store.put(modelBytes)
    const config = {
      baseModelId: RISK_ID,
      baseModelHash: riskManifest.file.sha256,
      initialModelHash: keccak256(modelBytes),
      finalModelId: `0x${Buffer.from('risk-fl').toString('hex').padEnd(64, '0')}`,
      finalVersion: `0x${Buffer.from('1.0.0-fl').toString('hex').padEnd(24, '0')}`,
      codeCommit: `0x${'0'.repeat(40)}`,
      rounds: ROUNDS,
      minParticipants: 5,
      maxParticipants: 12,
      labelCount: 2,
      stake: STAKE,
      registrationPeriod: PERIOD.registration,
      commitPeriod: PERIOD.commit,
      revealPeriod: PERIOD.reveal,
      reportPeriod: PERIOD.report,
      ruleHash: taskSpecHash(spec),
      privacyHash: privacySpecHash(privacy),
      validationHash: task.validationHash,
      validationCid: validationUri,
    }
    await send(training, 'createTask', config, { value: POOL })
    const stored = (await training.getFunction('getTask')(taskId)) as { status: bigint }
    if (stored.status !== 1n) throw new Error(`task ${taskId} is not running`)
    log(
      `task ${short(taskId)}: ${ROUNDS} rounds, stake ${formatEther(STAKE)} ETH, pool ${formatEther(POOL)} ETH, rule ${short(config.ruleHash)}, validation set ${validationUri.slice(0, 20)}…`,
    )

    // ---- participants: 10 clients, client 7 with a second (Sybil) identity
    const identities: (Identity & { label: string; wallet: NonceManager })[] = []
    for (let k = 0; k < 10; k++) {
      const role = ATTACKERS?.[k] ?? 'honest'
      const labels = role === 'sybil' ? [`c${k}`, `c${k}'`] : [`c${k}`]
      for (const label of labels) {
        const wallet = new Wallet(derivedKey(`client-${label}`), provider)
        await rpcCall(chain.rpcUrl, 'anvil_setBalance', [wallet.address, '0x56BC75E2D63100000'])
        identities.push({
          address: wallet.address.toLowerCase(),
          client: k,
          role,
          label,
          wallet: new NonceManager(wallet),
        })
      }
    }
    const labelOf = new Map(identities.map((i) => [i.address, i.label]))
    await Promise.all(
      identities.map((i) =>
        send(training.connect(i.wallet) as Contract, 'join', taskId, { value: STAKE }),
      ),
    )
    log(
      `${identities.length} identities joined: ${identities.map((i) => `${i.label}${i.role === 'honest' ? '' : `(${i.role})`}`).join(' ')}`,
    )
    const warp = async (seconds: number): Promise<void> => {
      await rpcCall(chain.rpcUrl, 'evm_increaseTime', [seconds])
      await rpcCall(chain.rpcUrl, 'evm_mine', [])
    }
    await warp(PERIOD.registration)

    const don = new LocalFlDon({
      nodeKeys,
      f: DON.f,
      donId: DON.donId,
      configVersion: DON.configVersion,
      workflowOwner: adminAddress,
      workflowName: DON.workflow,
      configDigest: keccak256(toUtf8Bytes('local FL DON config 1')),
      adaptersSecret: JSON.stringify(adapters.map((a) => ({ url: a.url, signer: a.signer }))),
      adapterThreshold: 2,
      forwarder: await forwarder.getAddress(),
      transmitter,
    })
    const simConfig: SimulationConfig = { seed: SEED, rounds: ROUNDS, attackers: ATTACKERS }
    const rounds: FlDemoRound[] = []
    const getParticipant = training.getFunction('getParticipant')
    for (let round = 1; round <= ROUNDS; round++) {
      options.signal?.throwIfAborted()
      // Participants still staked (a slashed one is out of the task) train or attack, publish,
      // commit, then reveal.
      const stakes = (await Promise.all(
        identities.map((i) => getParticipant(taskId, i.address)),
      )) as {
        stake: bigint
      }[]
      const active = identities.filter((_, j) => (stakes[j]?.stake ?? 0n) > 0n)
      const subs = roundSubmissions(simConfig, chainData, active, round, model)
      const uris = subs.map((s) => store.put(s.bytes))
      const salts = subs.map((s) =>
        keccak256(toUtf8Bytes(`salt/${s.participant}/${round}/${SEED}`)),
      )
      const walletOf = new Map(identities.map((i) => [i.address, i.wallet]))
      await Promise.all(
        subs.map(async (s, j) => {
          const c = training.connect(walletOf.get(s.participant) as NonceManager) as Contract
          const commitment = (await training.getFunction('commitmentOf')(
            taskId,
            round,
            s.participant,
            s.revealedHash,
            salts[j],
          )) as string
          await send(c, 'commit', taskId, commitment)
        }),
      )
      await warp(PERIOD.commit)
      await Promise.all(
        subs.map((s, j) =>
          send(
            training.connect(walletOf.get(s.participant) as NonceManager) as Contract,
            'reveal',
            taskId,
            s.revealedHash,
            salts[j],
            uris[j],
          ),
        ),
      )
      await warp(PERIOD.reveal)
      // The DON reads the round from the chain's events and settles it.
      const facts = await readRoundFacts(training, taskId, round, spec, config.ruleHash, {
        base: { uri: baseUri, hash: keccak256(modelBytes) },
        validation: { uri: validationUri, hash: task.validationHash },
      })
      const before = await Promise.all(identities.map((i) => getParticipant(taskId, i.address)))
      const settled = await don.settle(trainingAddress, facts)
      const after = await Promise.all(identities.map((i) => getParticipant(taskId, i.address)))
      const report = decodeRoundReport(settled.payload)
      const answer = (settled.observations[0] as { answers: { data: { model: string } }[] })
        .answers[0]
      modelBytes = Buffer.from((answer?.data.model ?? '0x').slice(2), 'hex')
      model = decodeVector(modelBytes, {
        kind: 'model',
        taskId,
        round,
        participant: ZERO_ADDRESS,
        layout: task.layout,
      })
      baseUri = store.put(modelBytes)
      const auc = aucOf(fixedToMlp(task.layout, model, task.standardisation), data.evaluation)
      const rewards: Record<string, bigint> = {}
      const slashed: Record<string, bigint> = {}
      identities.forEach((id, j) => {
        const b = before[j] as { stake: bigint; reward: bigint }
        const a = after[j] as { stake: bigint; reward: bigint }
        if (a.reward > b.reward) rewards[id.label] = a.reward - b.reward
        if (a.stake < b.stake) slashed[id.label] = b.stake - a.stake
      })
      const accepted = report.entries
        .filter((e) => e.status === 'accepted')
        .map((e) => labelOf.get(e.participant) ?? e.participant)
      const rejected = report.entries
        .filter((e) => e.status !== 'accepted')
        .map((e) => ({
          participant: labelOf.get(e.participant) ?? e.participant,
          status: e.status,
          slashed: e.slashed,
        }))
      rounds.push({ round, auc, accepted, rejected, rewards, slashed, reportGas: settled.gasUsed })
      const eps = exactEpsilon(task.dp, round, privacy.delta)
      log(
        `round ${round}: AUC ${auc.toFixed(4)} | accepted ${accepted.join(' ')} | rejected ${rejected.map((r) => `${r.participant}:${r.status}${r.slashed ? '(slashed)' : ''}`).join(' ') || '-'}`,
      )
      log(
        `  rewards ${Object.entries(rewards)
          .map(([k, v]) => `${k} ${Number(formatEther(v)).toFixed(4)}`)
          .join(', ')}; slashed ${
          Object.entries(slashed)
            .map(([k, v]) => `${k} ${formatEther(v)}`)
            .join(', ') || 'none'
        }; report ${settled.gasUsed} gas; epsilon ${Number.isFinite(eps.epsilon) ? eps.epsilon.toFixed(2) : 'inf (no noise)'}`,
      )
    }

    // ---- the final model: proposal by the task contract, approval by a second person
    const onnx = exportFederatedOnnx(task.layout, model, task.standardisation, FL_GRAPH_NAME)
    const weightsUri = store.put(onnx.bytes)
    await send(training, 'proposeFinalModel', taskId, weightsUri)
    await send(registry.connect(approver) as Contract, 'approve', config.finalModelId, onnx.sha256)
    const version = (await registry.getFunction('getVersion')(
      config.finalModelId,
      onnx.sha256,
    )) as {
      status: bigint
      provenanceHash: string
      proposer: string
    }
    const provenanceHash = (await training.getFunction('provenanceHashOf')(taskId)) as string
    log(
      `registered risk-fl 1.0.0-fl: model hash ${onnx.sha256}, status ${['None', 'Proposed', 'Approved'][Number(version.status)] ?? version.status}, proposer ${short(version.proposer)} (the task contract)`,
    )
    log(
      `  provenance ${provenanceHash}: task ${short(taskId)}, ${ROUNDS} rounds, rule ${short(config.ruleHash)}, privacy ${short(config.privacyHash)}, validation ${short(config.validationHash)}, update hashes chained per round (datasetDigest)`,
    )

    // ---- serve it: an adapter with the registered ONNX file answers an inference
    const modelDir = mkdtempSync(join(tmpdir(), 'fl-demo-models-'))
    teardown.add('model dir', async () => rmSync(modelDir, { recursive: true, force: true }))
    const folder = join(modelDir, 'risk-fl')
    mkdirSync(folder)
    writeFileSync(join(folder, 'model.onnx'), onnx.bytes)
    const draft = JSON.parse(
      readFileSync(join(BUNDLED_MODEL_DIR, 'risk-v1', 'manifest.json'), 'utf8'),
    ) as Record<string, unknown>
    draft.id = 'risk-fl'
    draft.version = '1.0.0-fl'
    draft.description = `Federated risk model of task ${taskId} (${ROUNDS} rounds, 10 clients, robust aggregation through the DON). Demo: synthetic data only.`
    writeFileSync(join(folder, 'manifest.json'), JSON.stringify(draft))
    const manifest = await sealManifest(folder)
    if (manifest.file.sha256 !== onnx.sha256) throw new Error('sealed file hash differs')
    const server = await startAdapter({ name: 'risk-fl server', modelDir })
    teardown.add(server.name, () => server.stop())
    const features = {
      driver_age: 23,
      years_licensed: 2,
      vehicle_age: 9,
      annual_mileage_km: 24_000,
      prior_claims_5y: 1,
      region_risk: 0.8,
      vehicle_power_kw: 150,
      garage_parked: 0,
      harsh_braking_per_100km: 6,
      deductible_eur: 200,
    }
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'fl-demo', data: { model: 'risk-fl', features } }),
    })
    const body = (await res.json()) as { result?: string; data?: { modelHash?: string } }
    if (res.status !== 200 || body.result === undefined)
      throw new Error(`inference failed: ${res.status} ${JSON.stringify(body)}`)
    log(
      `inference from risk-fl: P(loss) = ${(Number(body.result) / 10_000).toFixed(4)} for a 23-year-old driver, model hash ${body.data?.modelHash ?? '?'}`,
    )
    return {
      rounds,
      identities: identities.map(({ wallet: _w, ...rest }) => rest),
      finalModelHash: onnx.sha256,
      provenanceHash: version.provenanceHash,
      registryStatus: Number(version.status),
      inference: { result: body.result, modelHash: body.data?.modelHash ?? '' },
      balanceAfter: await provider.getBalance(trainingAddress),
    }
  } finally {
    await teardown.run()
  }
}

/** The DON's chain reader: the round's commits and reveals from the training contract's events. */
async function readRoundFacts(
  training: Contract,
  taskId: string,
  round: number,
  spec: RoundFacts['spec'],
  ruleHash: string,
  refs: Pick<RoundFacts, 'base' | 'validation'>,
): Promise<RoundFacts> {
  const committed = await training.queryFilter(
    training.filters.UpdateCommitted?.(taskId, round) ?? [],
  )
  const revealed = await training.queryFilter(
    training.filters.UpdateRevealed?.(taskId, round) ?? [],
  )
  const updates = revealed.map((log) => {
    const ev = training.interface.parseLog(log)
    if (ev === null) throw new Error('undecodable reveal')
    return {
      participant: (ev.args.participant as string).toLowerCase(),
      hash: ev.args.contentHash as string,
      uri: ev.args.uri as string,
    }
  })
  const revealers = new Set(updates.map((u) => u.participant))
  const notRevealed = committed
    .map((log) => (training.interface.parseLog(log)?.args.participant as string).toLowerCase())
    .filter((p) => !revealers.has(p))
  const stored = (await training.getFunction('getTask')(taskId)) as { modelHash: string }
  if (stored.modelHash !== refs.base.hash) {
    throw new Error(
      `the chain's model ${stored.modelHash} is not the published base ${refs.base.hash}`,
    )
  }
  return { taskId, round, ruleHash, spec, ...refs, updates, notRevealed }
}
