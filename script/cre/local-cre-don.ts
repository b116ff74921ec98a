/**
 * A local Chainlink CRE DON on anvil: n simulated nodes that run the onnx-oracle workflow's
 * node-mode code (cre-workflow/onnx-inference/node-round.ts, the very module the workflow runs in
 * `runtime.runInNodeMode`) against real adapter processes, combine their observations by the
 * workflow's consensus-by-fields spec (./consensus.ts), and deliver the 320-byte payload in a report
 * signed by f+1 node keys through Chainlink's real KeystoneForwarder (1.2.0), which checks every
 * signature before it calls the CreInferenceOracle. Nothing on-chain is bypassed.
 *
 * What stands in for the parts of CRE that cannot run here (docs/local-don.md): the log trigger is a
 * poll of `InferenceRequested` logs; the Vault DON is a key-value store of secrets (`setSecret`);
 * OCR is one round per request with a local config digest; the workflow id is a hash of the owner,
 * the name and the config. Fault injection per node (a silent node, one that errors, one that lies)
 * and for the whole DON (too few signatures, a foreign signer, a report of another workflow).
 */
import {
  Contract,
  Wallet,
  getAddress,
  getBytes,
  type Log,
  type LogDescription,
  type TransactionReceipt,
} from 'ethers'

import {
  bytesToHex as coreBytesToHex,
  encodeCrePayload,
  EncodingError,
} from '../../don-core/inference-core'
import type { WorkflowConfig } from '../../cre-workflow/onnx-inference/config'
import {
  REQUEST_FIELD_AGGREGATION,
  noResultObservation,
  requestFromEvent,
  requestObservation,
  type RequestObservation,
} from '../../cre-workflow/onnx-inference/node-round'
import {
  INFERENCE_REQUESTED_TOPIC,
  decodeInferenceRequested,
  type InferenceRequestedEvent,
} from '../../cre-workflow/onnx-inference/request-event'
import { oracleEvents, rejectReasonName } from '../local/oracle-events'
import { LocalDonBase } from '../local/local-don-base'
import { describeError } from '../local/round-loop'
import { replayRevertReason } from '../local/revert-reason'
import { creOracleInterface, forwarderInterface } from './abi'
import { runCreNode } from './node-runner'
import { aggregateByFields, type ConsensusOutcome, type NodeObservation } from './consensus'
import {
  DEFAULT_REPORT_ID,
  encodeRawReport,
  executionIdFor,
  localConfigDigest,
  localWorkflowId,
  reportContext,
  signReport,
  workflowNameBytes10,
} from './report'

/** The secret the workflow reads with `runtime.getSecret` (cre-workflow/secrets.yaml). */
export const ADAPTERS_SECRET = 'ADAPTERS'

/** Thrown for a DON that cannot start: no forwarder config, a missing key, a foreign oracle. */
export class CreDonConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'CreDonConfigError'
  }
}

/**
 * Deliberate misbehaviour of one node:
 * - `missing`: silent (offline): it neither observes nor signs;
 * - `error`: its node-mode code fails with this message (an error observation);
 * - `lie`: it runs its round, then reports these fields instead of what it observed (a node that
 *   failed its round lies on top of the no-result observation).
 */
export type CreNodeFault =
  | { kind: 'missing' }
  | { kind: 'error'; message: string }
  | { kind: 'lie'; fields: Partial<RequestObservation> }

/**
 * Deliberate misbehaviour of the whole DON, to show the forwarder and the oracle refusing it: sign
 * with another number of nodes, add a signature from a key that is not a DON signer, or put another
 * workflow owner or name into the report's metadata.
 */
export interface CreReportTampering {
  signatureCount?: number
  foreignSignerKey?: string
  workflowOwner?: string
  workflowName?: string
}

export interface LocalCreDonOptions {
  rpcUrl: string
  /** Chainlink's KeystoneForwarder: the DON's config (signers, f) is read from its ConfigSet events. */
  forwarder: string
  /** The workflow this DON runs, as the report metadata names it (CRE: the deployer and workflow.yaml's name). */
  workflow: { owner: string; name: string }
  /**
   * One workflow config per oracle served (the workflow's own schema, cre-workflow/onnx-inference/config.ts):
   * the oracle whose requests trigger it and receives its reports, the report write's gas, the log
   * confidence, the adapter timeout.
   */
  configs: WorkflowConfig[]
  /** Signing keys the nodes may hold; each configured signer of the forwarder must have its key here. */
  keyring: string[]
  /** Keys the nodes transmit from (the forwarder accepts any sender); node i uses key i mod length. */
  transmitterKeys: string[]
  /** The Vault DON's secrets (`ADAPTERS`); changeable with `setSecret`. */
  secrets?: Record<string, string>
  /** Fault per node index; changeable with `setFaults`. */
  faults?: Record<number, CreNodeFault>
  /** Which forwarder config to sign for; default: the last one set. */
  donId?: number
  configVersion?: number
  pollIntervalMs?: number
  /** First block to scan for requests; default: the block after the current one at `start()`. */
  fromBlock?: number
  /** The nodes' clock, unix seconds (tests pin it); default: the wall clock. */
  nowSeconds?: () => bigint
  onEvent?: (event: CreDonEvent) => void
}

/** One node's part in a round. */
export interface CreNodeRecord {
  node: number
  observation: NodeObservation<RequestObservation>
  /** What the node-mode code logged (per-adapter verdicts, warnings). */
  log: string[]
}

/** The oracle's verdict on a delivered report, from its events. */
export type OracleVerdict =
  | { event: 'InferenceAccepted'; result: bigint; agreed: number; modelHash: string }
  | { event: 'InferenceRejected'; reason: string }
  | { event: 'ReportRejected'; reason: string }
  | { event: 'none' }

/** What the DON did with one request. */
export type CreRoundOutcome =
  | {
      kind: 'delivered'
      requestId: string
      oracle: string
      executionId: string
      txHash: string
      transmitter: string
      signers: string[]
      nodes: CreNodeRecord[]
      /** `agreed`: consensus on every field; `default`: the no-result default (see docs/cre.md). */
      consensus: 'agreed' | 'default'
      consensusNote: string
      payload: RequestObservation
      /** The forwarder's `ReportProcessed.result`: `onReport` returned without reverting. */
      processed: boolean
      verdict: OracleVerdict
      /** The oracle's client callback failed and was recorded for `redeliver`. */
      deliveryFailed: boolean
      gasUsed: bigint
    }
  | {
      kind: 'reverted'
      requestId: string
      oracle: string
      executionId: string
      txHash: string
      reason: string
      nodes: CreNodeRecord[]
    }
  | {
      kind: 'no-quorum'
      requestId: string
      oracle: string
      present: number
      required: number
      nodes: CreNodeRecord[]
    }
  | { kind: 'execution-failed'; requestId: string; oracle: string; reason: string }

export type CreDonEvent =
  | {
      type: 'started'
      n: number
      f: number
      donId: number
      configVersion: number
      oracles: string[]
      fromBlock: number
    }
  | {
      type: 'request'
      requestId: string
      oracle: string
      modelName: string
      client: string
      threshold: number
      attempt: number
    }
  | { type: 'node'; requestId: string; node: number; record: CreNodeRecord | 'missing' }
  | { type: 'consensus'; requestId: string; outcome: ConsensusOutcome<RequestObservation> }
  | { type: 'outcome'; outcome: CreRoundOutcome }
  | { type: 'error'; message: string }

interface ForwarderConfig {
  donId: number
  configVersion: number
  f: number
  signers: string[]
}

interface SeenRequest {
  requestId: string
  log: Log
  config: WorkflowConfig
  attempts: number
}

const DEFAULT_POLL_INTERVAL_MS = 100
const RECEIPT_POLL_MS = 20
const RECEIPT_TIMEOUT_MS = 30_000
const BLOCK_TAGS = { LATEST: 'latest', SAFE: 'safe', FINALIZED: 'finalized' } as const

/** Refuses options a DON cannot start with (before anything is created). */
function checkedOptions(options: LocalCreDonOptions): LocalCreDonOptions {
  if (options.configs.length === 0) throw new CreDonConfigError('no workflow config (no oracle)')
  if (options.transmitterKeys.length === 0)
    throw new CreDonConfigError('no transmitter key: the DON cannot send reports')
  return options
}

/** The trigger's log in the form the workflow's decoder takes (the SDK's EVMLog fields). */
function requestLogOf(log: Log): Parameters<typeof decodeInferenceRequested>[0] {
  return {
    address: getBytes(log.address),
    topics: log.topics.map((t) => getBytes(t)),
    data: getBytes(log.data),
    removed: log.removed,
  }
}

/**
 * The local CRE DON. `start()` reads the forwarder's DON config and each oracle's workflow, then
 * polls for `InferenceRequested` logs; each request is one workflow execution: every present node
 * observes, consensus by fields, a report signed by f+1 nodes, `forwarder.report` from the round
 * leader's transmitter with the workflow's gas limit. One round at a time.
 */
export class LocalCreDon extends LocalDonBase<
  CreRoundOutcome,
  CreDonEvent,
  CreNodeFault,
  CreReportTampering
> {
  private readonly configs: Map<string, WorkflowConfig>
  private secrets: Record<string, string>
  private config: ForwarderConfig | undefined
  private signerKeys: string[] = []
  private readonly workflowIds = new Map<string, string>()
  private nextBlock = new Map<string, number>()
  private sequence = 0n
  private readonly requests = new Map<string, SeenRequest>()

  constructor(private readonly options: LocalCreDonOptions) {
    super(checkedOptions(options), {
      providerPollingMs: 50,
      name: 'CRE DON',
      keep: 'first',
      defaultPollIntervalMs: DEFAULT_POLL_INTERVAL_MS,
    })
    this.configs = new Map(options.configs.map((c) => [c.oracleAddress.toLowerCase(), c]))
    this.secrets = { ...options.secrets }
  }

  /** n and f of the forwarder config, and the signatures a report needs (f + 1). */
  get quorum(): { n: number; f: number; requiredSignatures: number; donId: number } {
    const c = this.requireConfig()
    return { n: c.signers.length, f: c.f, requiredSignatures: c.f + 1, donId: c.donId }
  }

  /** Sets a Vault DON secret the workflow reads (`cre secrets update`); the next round sees it. */
  setSecret(id: string, value: string): void {
    this.secrets = { ...this.secrets, [id]: value }
  }

  /** Reads the forwarder's config and each oracle's forwarder and workflow; starts polling. */
  async start(): Promise<void> {
    if (this.rounds.running) return
    this.config = await this.readForwarderConfig()
    this.signerKeys = signerKeysFromKeyring(this.config.signers, this.options.keyring)
    for (const config of this.configs.values()) await this.checkOracle(config)
    const from = this.options.fromBlock ?? (await this.provider.getBlockNumber()) + 1
    for (const oracle of this.configs.keys()) this.nextBlock.set(oracle, from)
    const c = this.config
    this.emit({
      type: 'started',
      n: c.signers.length,
      f: c.f,
      donId: c.donId,
      configVersion: c.configVersion,
      oracles: [...this.configs.values()].map((x) => x.oracleAddress),
      fromBlock: from,
    })
    this.rounds.start()
  }

  /**
   * Runs the workflow again for a request the DON has seen (a new workflow execution, so a new
   * execution id), with the current faults, tampering and secrets; after the round in progress.
   */
  async retry(requestId: string): Promise<CreRoundOutcome> {
    const seen = this.requests.get(requestId.toLowerCase())
    if (seen === undefined) throw new Error(`the CRE DON has not seen request ${requestId}`)
    return this.rounds.serialize(async () => {
      seen.attempts += 1
      const outcome = await this.execute(seen)
      this.rounds.record(outcome)
      return outcome
    })
  }

  /** The highest block each log confidence allows (the log trigger's `confidence`). */
  private async blockFor(confidence: WorkflowConfig['logConfidence']): Promise<number> {
    if (confidence === 'LATEST') return this.provider.getBlockNumber()
    const block = await this.provider.getBlock(BLOCK_TAGS[confidence])
    return block?.number ?? -1
  }

  protected async poll(): Promise<void> {
    const found: SeenRequest[] = []
    for (const [oracle, config] of this.configs) {
      const from = this.nextBlock.get(oracle) ?? 0
      const to = await this.blockFor(config.logConfidence)
      if (to < from) continue
      const logs = await this.provider.getLogs({
        address: config.oracleAddress,
        topics: [INFERENCE_REQUESTED_TOPIC],
        fromBlock: from,
        toBlock: to,
      })
      this.nextBlock.set(oracle, to + 1)
      for (const log of logs) {
        const requestId = (log.topics[1] ?? log.transactionHash).toLowerCase()
        if (this.requests.has(requestId)) continue
        const seen = { requestId, log, config, attempts: 0 }
        this.requests.set(requestId, seen)
        found.push(seen)
      }
    }
    found.sort((a, b) => a.log.blockNumber - b.log.blockNumber || a.log.index - b.log.index)
    for (const seen of found) {
      if (!this.rounds.running) return
      try {
        this.rounds.record(await this.execute(seen))
      } catch (err) {
        // One failed round (an RPC error) must not stop the DON; `retry` can run it again.
        this.emit({ type: 'error', message: `request ${seen.requestId}: ${describeError(err)}` })
      }
    }
  }

  /** One workflow execution for one request log. */
  private async execute(seen: SeenRequest): Promise<CreRoundOutcome> {
    const { config } = seen
    const oracle = config.oracleAddress
    let event: InferenceRequestedEvent
    try {
      event = decodeInferenceRequested(requestLogOf(seen.log), oracle)
    } catch (err) {
      // The workflow fails the execution: without a request id there is nothing to answer.
      return {
        kind: 'execution-failed',
        requestId: seen.requestId,
        oracle,
        reason: `trigger: ${describeError(err)}`,
      }
    }
    const { n, f } = this.quorum
    this.emit({
      type: 'request',
      requestId: event.requestId,
      oracle,
      modelName: event.modelName,
      client: event.client,
      threshold: event.threshold,
      attempt: seen.attempts,
    })

    const present = [...Array(n).keys()].filter((i) => this.faults[i]?.kind !== 'missing')
    for (let i = 0; i < n; i++) {
      if (!present.includes(i))
        this.emit({ type: 'node', requestId: event.requestId, node: i, record: 'missing' })
    }
    const secret = this.secrets[ADAPTERS_SECRET]
    const nodes = await Promise.all(present.map((i) => this.observe(i, event, config, secret)))
    for (const record of nodes)
      this.emit({ type: 'node', requestId: event.requestId, node: record.node, record })

    const consensus = aggregateByFields(
      REQUEST_FIELD_AGGREGATION,
      nodes.map((r) => r.observation),
      f,
      noResultObservation(event, this.now()),
    )
    this.emit({ type: 'consensus', requestId: event.requestId, outcome: consensus })
    if (consensus.kind === 'insufficient') {
      return {
        kind: 'no-quorum',
        requestId: event.requestId,
        oracle,
        present: present.length,
        required: consensus.required,
        nodes,
      }
    }
    const failed = (reason: string): CreRoundOutcome => ({
      kind: 'execution-failed',
      requestId: event.requestId,
      oracle,
      reason,
    })
    if (consensus.kind === 'failed') return failed(consensus.reason)
    const payload = consensus.value
    // The workflow's own checks on the consensus value (onInferenceRequested, requestObservationSchema).
    const problem = checkConsensusValue(payload, event)
    if (problem !== undefined) return failed(problem)
    let payloadBytes: Uint8Array
    try {
      payloadBytes = encodeCrePayload({
        ...payload,
        responded: Number(payload.responded),
        agreed: Number(payload.agreed),
      })
    } catch (err) {
      if (!(err instanceof EncodingError)) throw err
      return failed(err.message)
    }
    return this.deliver(seen, event, nodes, present, consensus, payload, payloadBytes)
  }

  /** Signs the report with f+1 present nodes and sends it through the forwarder. */
  private async deliver(
    seen: SeenRequest,
    event: InferenceRequestedEvent,
    nodes: CreNodeRecord[],
    present: number[],
    consensus: Extract<ConsensusOutcome<RequestObservation>, { kind: 'agreed' | 'default' }>,
    payload: RequestObservation,
    payloadBytes: Uint8Array,
  ): Promise<CreRoundOutcome> {
    const c = this.requireConfig()
    const oracle = seen.config.oracleAddress
    const executionId = executionIdFor(
      this.workflowIdFor(seen.config),
      `${seen.log.transactionHash}:${seen.log.index}`,
      seen.attempts,
    )
    const rawReport = encodeRawReport(
      {
        executionId,
        timestamp: Number(this.now()),
        donId: c.donId,
        configVersion: c.configVersion,
        workflowCid: this.workflowIdFor(seen.config),
        workflowName: workflowNameBytes10(
          this.tampering?.workflowName ?? this.options.workflow.name,
        ),
        workflowOwner: this.tampering?.workflowOwner ?? this.options.workflow.owner,
        reportId: DEFAULT_REPORT_ID,
      },
      coreBytesToHex(payloadBytes),
    )
    this.sequence += 1n
    const context = reportContext(
      localConfigDigest(c.donId, c.configVersion, c.f, c.signers),
      this.sequence,
    )
    const signingKeys = this.chooseSigners(present)
    const signatures = signReport(rawReport, context, signingKeys)
    const leader = present[Number(this.sequence % BigInt(present.length))] ?? 0
    const transmitterKey =
      this.options.transmitterKeys[leader % this.options.transmitterKeys.length] ?? ''
    const transmitter = new Wallet(transmitterKey, this.provider)
    const data = forwarderInterface.encodeFunctionData('report', [
      oracle,
      rawReport,
      context,
      signatures,
    ])
    // The workflow's gas limit, never an estimate (CRE's EVM write sends the configured gasLimit).
    const tx = await transmitter.sendTransaction({
      to: this.options.forwarder,
      data,
      gasLimit: BigInt(seen.config.gasLimit),
    })
    const receipt = await this.waitForReceipt(tx.hash)
    if (receipt.status !== 1) {
      return {
        kind: 'reverted',
        requestId: event.requestId,
        oracle,
        executionId,
        txHash: tx.hash,
        reason: await this.revertReason(transmitter.address, data, receipt),
        nodes,
      }
    }
    const processed = receipt.logs.some((log) => {
      if (log.address.toLowerCase() !== this.options.forwarder.toLowerCase()) return false
      const parsed = forwarderInterface.parseLog(log)
      return parsed?.name === 'ReportProcessed' && parsed.args.getValue('result') === true
    })
    const events = oracleEvents(receipt.logs, oracle)
    return {
      kind: 'delivered',
      requestId: event.requestId,
      oracle,
      executionId,
      txHash: tx.hash,
      transmitter: transmitter.address,
      signers: signingKeys.map((k) => new Wallet(k).address),
      nodes,
      consensus: consensus.kind,
      consensusNote:
        consensus.kind === 'default'
          ? consensus.reason
          : consensus.defaulted.length > 0
            ? `fields from the default: ${consensus.defaulted.join(', ')}`
            : '',
      payload,
      processed,
      verdict: verdictOf(events),
      deliveryFailed: events.some((e) => e.name === 'DeliveryFailed'),
      gasUsed: receipt.gasUsed,
    }
  }

  /** One node's observation: the workflow's node-mode round with Node.js fetch, or its fault. */
  private async observe(
    node: number,
    event: InferenceRequestedEvent,
    config: WorkflowConfig,
    secret: string | undefined,
  ): Promise<CreNodeRecord> {
    const fault = this.faults[node]
    if (fault?.kind === 'error') {
      return { node, observation: { ok: false, error: fault.message }, log: ['[fault: error]'] }
    }
    const run = await runCreNode({
      request: () => requestFromEvent(event),
      adaptersSecret: secret,
      timeoutMs: config.adapterTimeoutMs,
      nowSeconds: () => this.now(),
    })
    let observation: NodeObservation<RequestObservation> = run.observation.ok
      ? { ok: true, value: requestObservation(event, run.observation.value) }
      : run.observation
    if (fault?.kind === 'lie') {
      const base = observation.ok ? observation.value : noResultObservation(event, this.now())
      run.log.push('[fault: lie]')
      observation = { ok: true, value: { ...base, ...fault.fields } }
    }
    return { node, observation, log: run.log }
  }

  private chooseSigners(present: number[]): string[] {
    const { n, requiredSignatures } = this.quorum
    const count = this.tampering?.signatureCount ?? requiredSignatures
    // Present nodes sign first; a tampered count beyond them borrows the silent nodes' keys.
    const order = [...present, ...[...Array(n).keys()].filter((i) => !present.includes(i))]
    const keys = order.slice(0, Math.min(count, n)).map((i) => this.signerKeys[i] ?? '')
    if (this.tampering?.foreignSignerKey !== undefined && keys.length > 0) {
      keys[keys.length - 1] = this.tampering.foreignSignerKey
    }
    return keys
  }

  private now(): bigint {
    return this.options.nowSeconds?.() ?? BigInt(Math.floor(Date.now() / 1000))
  }

  private workflowIdFor(config: WorkflowConfig): string {
    const key = config.oracleAddress.toLowerCase()
    let id = this.workflowIds.get(key)
    if (id === undefined) {
      id = localWorkflowId(this.options.workflow.owner, this.options.workflow.name, config)
      this.workflowIds.set(key, id)
    }
    return id
  }

  /** Polls for the receipt (anvil mines at once; no block subscription to wait for). */
  private async waitForReceipt(hash: string): Promise<TransactionReceipt> {
    const deadline = Date.now() + RECEIPT_TIMEOUT_MS
    for (;;) {
      const receipt = await this.provider.getTransactionReceipt(hash)
      if (receipt !== null) return receipt
      if (Date.now() > deadline)
        throw new Error(`no receipt for ${hash} within ${RECEIPT_TIMEOUT_MS} ms`)
      await new Promise((resolve) => setTimeout(resolve, RECEIPT_POLL_MS))
    }
  }

  /** Replays a reverted report call on the state before its block to learn the forwarder's reason. */
  private async revertReason(
    from: string,
    data: string,
    receipt: TransactionReceipt,
  ): Promise<string> {
    return replayRevertReason(
      this.provider,
      {
        to: this.options.forwarder,
        from,
        data,
        blockTag: receipt.blockNumber - 1,
      },
      forwarderInterface,
      'reverted (the replay succeeded: out of gas, or state changed in between)',
    )
  }

  private async readForwarderConfig(): Promise<ForwarderConfig> {
    const topic = forwarderInterface.getEvent('ConfigSet')?.topicHash ?? ''
    const logs = await this.provider.getLogs({
      address: this.options.forwarder,
      topics: [topic],
      fromBlock: 0,
      toBlock: 'latest',
    })
    const configs = logs
      .map((log) => forwarderInterface.parseLog(log))
      .filter((p): p is LogDescription => p !== null)
      .map((p) => ({
        donId: Number(p.args.getValue('donId')),
        configVersion: Number(p.args.getValue('configVersion')),
        f: Number(p.args.getValue('f')),
        signers: (p.args.getValue('signers') as string[]).map((a) => getAddress(a)),
      }))
      .filter(
        (c) =>
          (this.options.donId === undefined || c.donId === this.options.donId) &&
          (this.options.configVersion === undefined ||
            c.configVersion === this.options.configVersion),
      )
    const last = configs.at(-1)
    if (last === undefined || last.f === 0) {
      throw new CreDonConfigError(
        `the forwarder ${this.options.forwarder} has no DON config${this.options.donId === undefined ? '' : ` for DON ${this.options.donId}`} (setConfig was never called, or it was cleared)`,
      )
    }
    return last
  }

  /** The oracle must take reports from this forwarder and this workflow, or every report is refused. */
  private async checkOracle(config: WorkflowConfig): Promise<void> {
    const oracle = new Contract(config.oracleAddress, creOracleInterface, this.provider)
    let forwarder: string
    let owner: string
    let name: string
    try {
      forwarder = (await oracle.getFunction('forwarder')()) as string
      ;[owner, name] = (await oracle.getFunction('workflow')()) as [string, string]
    } catch (err) {
      throw new CreDonConfigError(`${config.oracleAddress} is not a CreInferenceOracle`, {
        cause: err,
      })
    }
    if (getAddress(forwarder) !== getAddress(this.options.forwarder)) {
      throw new CreDonConfigError(
        `oracle ${config.oracleAddress} takes reports from forwarder ${forwarder}, not ${this.options.forwarder}`,
      )
    }
    if (
      getAddress(owner) !== getAddress(this.options.workflow.owner) ||
      name.toLowerCase() !== workflowNameBytes10(this.options.workflow.name)
    ) {
      throw new CreDonConfigError(
        `oracle ${config.oracleAddress} accepts workflow (${owner}, ${name}), not (${this.options.workflow.owner}, "${this.options.workflow.name}" = ${workflowNameBytes10(this.options.workflow.name)})`,
      )
    }
  }

  private requireConfig(): ForwarderConfig {
    if (this.config === undefined) throw new CreDonConfigError('the CRE DON is not started')
    return this.config
  }
}

/** The signing key of each configured signer, in the forwarder's order; a missing key is an error. */
export function signerKeysFromKeyring(
  signers: readonly string[],
  keyring: readonly string[],
): string[] {
  const byAddress = new Map(keyring.map((k) => [new Wallet(k).address, k]))
  return signers.map((signer, i) => {
    const key = byAddress.get(getAddress(signer))
    if (key === undefined)
      throw new CreDonConfigError(`node ${i}: no key in the keyring for signer ${signer}`)
    return key
  })
}

/**
 * What the workflow refuses after consensus (onInferenceRequested and its observation schema):
 * request words that differ from the event's, or agreed above responded.
 */
export function checkConsensusValue(
  value: RequestObservation,
  event: InferenceRequestedEvent,
): string | undefined {
  if (
    value.requestId !== event.requestId ||
    value.client !== event.client ||
    value.modelId !== event.modelId ||
    value.requestedInputHash !== event.inputHash
  ) {
    return `consensus changed the request words of ${event.requestId}`
  }
  if (value.agreed > value.responded) return 'consensus: agreed exceeds responded'
  return undefined
}

function verdictOf(events: readonly LogDescription[]): OracleVerdict {
  for (const e of events) {
    if (e.name === 'InferenceAccepted') {
      return {
        event: 'InferenceAccepted',
        result: e.args.getValue('result') as bigint,
        agreed: Number(e.args.getValue('agreed')),
        modelHash: e.args.getValue('modelHash') as string,
      }
    }
    if (e.name === 'InferenceRejected' || e.name === 'ReportRejected') {
      return { event: e.name, reason: rejectReasonName(e.args.getValue('reason') as bigint) }
    }
  }
  return { event: 'none' }
}

/** For logs: a short hex. */
export function shortHex(hex: string): string {
  return hex.length > 18 ? `${hex.slice(0, 10)}…${hex.slice(-6)}` : hex
}
