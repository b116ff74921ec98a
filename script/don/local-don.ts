import {
  Contract,
  SigningKey,
  Wallet,
  getAddress,
  hexlify,
  isError,
  type Log,
  type TransactionReceipt,
} from 'ethers'

import { aggregateObservations, canAggregate, type NodeObservation } from './aggregation'
import { coordinatorInterface, fulfillResultName, routerInterface } from './coordinator-abi'
import { DonConfigError, RequestDecodeError } from './errors'
import { TOOLKIT_LIMITS, type FunctionsLimits } from '../local/functions-simulator'
import { MAX_REQUEST_DATA_BYTES, executeOnNode, type NodeFault } from './node-execution'
import { buildReportContext, encodeReport, signReport, type Commitment } from './report'
import { CODE_LANGUAGE_JAVASCRIPT, Location, decodeRequestData } from './request-data'
import { HostedSecretsStore } from './secrets'
import { LocalDonBase } from '../local/local-don-base'
import { describeError } from '../local/round-loop'
import { replayRevertReason } from '../local/revert-reason'

/** One node of the local DON: the key it signs reports with and the key it transmits from. */
export interface DonNodeKeys {
  signerKey: string
  transmitterKey: string
}

/**
 * Deliberate misbehaviour of the whole DON, for tests that prove the Coordinator refuses it:
 * sign with a different number of nodes than required, add a signature from a key that is not a
 * configured signer, or transmit from an address that is not a configured transmitter.
 */
export interface ReportTampering {
  signatureCount?: number
  foreignSignerKey?: string
  transmitterKey?: string
}

export interface LocalDonOptions {
  rpcUrl: string
  /** FunctionsCoordinator v1_3_0 address. */
  coordinator: string
  /**
   * Private keys the DON's nodes may hold. At start, each on-chain signer and transmitter of the
   * Coordinator's OCR config is matched to its key here; a missing key is a configuration error.
   */
  keyring: string[]
  secrets?: HostedSecretsStore
  /** Fault per node index (see `NodeFault`); changeable at run time with `setFaults`. */
  faults?: Record<number, NodeFault>
  limits?: Partial<FunctionsLimits>
  /** Gas limit of `transmit` (never estimated: see docs/local-don.md). */
  transmitGasLimit?: bigint
  pollIntervalMs?: number
  /** First block to scan for requests; default: the block after the current one at `start()`. */
  fromBlock?: number
  /** Highest request data version this DON reads (Coordinator config `maxSupportedRequestDataVersion`). */
  maxSupportedRequestDataVersion?: number
  onEvent?: (event: DonEvent) => void
}

/** One node's part in a round: its observation and what the source printed (console.log). */
export interface NodeRound {
  node: number
  observation: NodeObservation
  log: string
}

/** What the Functions Router reported about a transmitted response. */
export interface RouterOutcome {
  /** From the Router's `RequestProcessed`, if it was emitted. */
  processed?: {
    resultCode: number
    resultName: string
    response: string
    err: string
    callbackReturnData: string
  }
  /** From the Router's `RequestNotProcessed`, if it was emitted instead. */
  notProcessed?: { resultCode: number; resultName: string }
}

/** What the DON did with one request. */
export type RoundOutcome =
  | ({
      kind: 'transmitted'
      requestId: string
      txHash: string
      transmitter: string
      signers: string[]
      observations: NodeRound[]
      result: string
      error: string
    } & RouterOutcome)
  | { kind: 'rejected'; requestId: string; txHash: string; reason: string }
  | { kind: 'no-quorum'; requestId: string; present: number; required: number }

export type DonEvent =
  | { type: 'started'; n: number; f: number; requiredSignatures: number; fromBlock: number }
  | { type: 'request'; requestId: string; requestingContract: string; args: string[] }
  | { type: 'node'; requestId: string; node: number; observation: NodeObservation | 'missing' }
  | { type: 'outcome'; outcome: RoundOutcome }
  | { type: 'error'; message: string }

interface OnchainConfig {
  configDigest: string
  signers: string[]
  transmitters: string[]
  f: number
}

interface OracleRequestEvent {
  requestId: string
  requestingContract: string
  data: string
  dataVersion: number
  commitment: Commitment
}

const DEFAULT_TRANSMIT_GAS_LIMIT = 3_000_000n
const DEFAULT_POLL_INTERVAL_MS = 200
const RECEIPT_TIMEOUT_MS = 30_000
/** `extraHash` of the report context: the local DON has no OCR transcript to hash. */
const EXTRA_HASH = `0x${'00'.repeat(32)}`

/**
 * A local Chainlink Functions DON of n simulated nodes in front of the real FunctionsCoordinator.
 * It watches `OracleRequest` events, decodes each request's CBOR as a node does, runs the source on
 * every node with the toolkit's `simulateScript`, aggregates like the Functions reporting plugin,
 * signs the OCR report with exactly the required number of node keys and transmits it from the
 * leader's transmitter. The Coordinator checks every signature: nothing is bypassed.
 */
export class LocalDon extends LocalDonBase<RoundOutcome, DonEvent, NodeFault, ReportTampering> {
  private readonly coordinator: Contract
  private readonly limits: FunctionsLimits
  private readonly secrets: HostedSecretsStore
  private config: OnchainConfig | undefined
  private nodes: DonNodeKeys[] = []
  private nextBlock = 0
  private epoch = 0
  private readonly requests = new Map<string, OracleRequestEvent>()

  constructor(private readonly options: LocalDonOptions) {
    super(options, {
      providerPollingMs: 100,
      name: 'DON',
      keep: 'last',
      defaultPollIntervalMs: DEFAULT_POLL_INTERVAL_MS,
    })
    this.coordinator = new Contract(options.coordinator, coordinatorInterface, this.provider)
    this.limits = { ...TOOLKIT_LIMITS, ...options.limits }
    this.secrets = options.secrets ?? new HostedSecretsStore()
  }

  /** n and f of the on-chain OCR config, and the signatures a report needs ((n+f)/2+1). */
  get quorum(): { n: number; f: number; requiredSignatures: number } {
    const c = this.requireConfig()
    const n = c.signers.length
    return { n, f: c.f, requiredSignatures: Math.floor((n + c.f) / 2) + 1 }
  }

  /** Reads the Coordinator's OCR config, checks the node keys against it, and starts watching. */
  async start(): Promise<void> {
    if (this.rounds.running) return
    this.config = await this.readOnchainConfig()
    this.nodes = nodesFromKeyring(this.config, this.options.keyring)
    this.nextBlock = this.options.fromBlock ?? (await this.provider.getBlockNumber()) + 1
    const q = this.quorum
    this.emit({
      type: 'started',
      n: q.n,
      f: q.f,
      requiredSignatures: q.requiredSignatures,
      fromBlock: this.nextBlock,
    })
    this.rounds.start()
  }

  /**
   * Runs another round for a request the DON has seen (as OCR does until a request is fulfilled or
   * times out), with the current faults and tampering. Waits for the watcher's round in progress.
   */
  async retry(requestId: string): Promise<RoundOutcome> {
    const request = this.requests.get(requestId.toLowerCase())
    if (request === undefined) throw new Error(`the DON has not seen request ${requestId}`)
    return this.rounds.serialize(async () => {
      const outcome = await this.handleRequest(request)
      this.rounds.record(outcome)
      return outcome
    })
  }

  protected async poll(): Promise<void> {
    const latest = await this.provider.getBlockNumber()
    if (latest < this.nextBlock) return
    const topic = coordinatorInterface.getEvent('OracleRequest')?.topicHash
    const logs = await this.provider.getLogs({
      address: this.options.coordinator,
      topics: topic ? [topic] : [],
      fromBlock: this.nextBlock,
      toBlock: latest,
    })
    for (const log of logs) {
      if (!this.rounds.running) return
      const request = parseOracleRequest(log)
      const key = request.requestId.toLowerCase()
      if (this.requests.has(key)) continue
      this.requests.set(key, request)
      try {
        this.rounds.record(await this.handleRequest(request))
      } catch (err) {
        // One failed round (e.g. an RPC error) must not stop the DON; `retry` can run it again.
        this.emit({ type: 'error', message: `request ${request.requestId}: ${describeError(err)}` })
      }
    }
    this.nextBlock = latest + 1
  }

  /** One OCR round for one request: observe on every present node, aggregate, sign, transmit. */
  async handleRequest(request: OracleRequestEvent): Promise<RoundOutcome> {
    const config = this.requireConfig()
    const { n, f, requiredSignatures } = this.quorum
    const present = [...Array(n).keys()].filter((i) => this.faults[i]?.kind !== 'missing')

    const observations = await this.observe(request, present)
    if (!canAggregate(n, f, observations.length) || present.length < requiredSignatures) {
      return {
        kind: 'no-quorum',
        requestId: request.requestId,
        present: present.length,
        required: Math.max(2 * f + 1, requiredSignatures),
      }
    }
    const aggregate = aggregateObservations(observations.map((o) => o.observation))
    const report = encodeReport([
      {
        requestId: request.requestId,
        result: aggregate.result,
        error: aggregate.error,
        commitment: request.commitment,
      },
    ])
    this.epoch += 1
    const context = buildReportContext(config.configDigest, this.epoch, 1, EXTRA_HASH)

    const signingNodes = this.chooseSigners(present, n, requiredSignatures)
    const signingKeys = signingNodes.map((k) => new SigningKey(k))
    const sigs = signReport(report, context, signingKeys)
    const leader = present[this.epoch % present.length] ?? 0
    const transmitterKey = this.tampering?.transmitterKey ?? this.nodeKeys(leader).transmitterKey
    const transmitter = new Wallet(transmitterKey, this.provider)

    const data = coordinatorInterface.encodeFunctionData('transmit', [
      context,
      report,
      sigs.rs,
      sigs.ss,
      sigs.rawVs,
    ])
    const { txHash, receipt } = await this.transmit(transmitter, data)
    if (receipt === undefined || receipt.status !== 1) {
      const reason = await this.revertReason(transmitter.address, data, receipt)
      return { kind: 'rejected', requestId: request.requestId, txHash, reason }
    }
    return {
      kind: 'transmitted',
      requestId: request.requestId,
      txHash,
      transmitter: transmitter.address,
      signers: signingKeys.map((k) => new Wallet(k).address),
      observations,
      result: hexlify(aggregate.result),
      error: hexlify(aggregate.error),
      ...routerOutcome(receipt),
    }
  }

  private chooseSigners(present: number[], n: number, required: number): string[] {
    const count = this.tampering?.signatureCount ?? required
    // Present nodes sign first; a tampered count beyond them borrows the absent nodes' keys.
    const order = [...present, ...[...Array(n).keys()].filter((i) => !present.includes(i))]
    const keys = order.slice(0, Math.min(count, n)).map((i) => this.nodeKeys(i).signerKey)
    if (this.tampering?.foreignSignerKey !== undefined && keys.length > 0) {
      keys[keys.length - 1] = this.tampering.foreignSignerKey
    }
    return keys
  }

  private async observe(request: OracleRequestEvent, present: number[]): Promise<NodeRound[]> {
    let decoded: ReturnType<typeof decodeRequestData> | undefined
    let requestError: string | undefined
    const maxVersion = this.options.maxSupportedRequestDataVersion ?? 1
    const dataBytes = (request.data.length - 2) / 2
    if (request.dataVersion > maxVersion) {
      requestError = `unsupported request data version ${request.dataVersion}`
    } else if (dataBytes > MAX_REQUEST_DATA_BYTES) {
      requestError = `request of ${dataBytes} bytes exceeds the ${MAX_REQUEST_DATA_BYTES}-byte limit`
    } else {
      try {
        decoded = decodeRequestData(request.data)
        if (
          decoded.codeLocation !== Location.Inline ||
          decoded.language !== CODE_LANGUAGE_JAVASCRIPT
        ) {
          requestError = 'only inline JavaScript sources are supported'
        }
      } catch (err) {
        if (!(err instanceof RequestDecodeError)) throw err
        requestError = `CBOR parsing error: ${err.message}`
      }
    }
    this.emit({
      type: 'request',
      requestId: request.requestId,
      requestingContract: request.requestingContract,
      args: decoded?.args ?? [],
    })
    for (let i = 0; i < this.quorum.n; i += 1) {
      if (!present.includes(i))
        this.emit({ type: 'node', requestId: request.requestId, node: i, observation: 'missing' })
    }

    const secrets = decoded ? this.secrets.resolve(decoded.secrets) : undefined
    const runs = present.map(async (node) => {
      let observation: NodeObservation
      let log = ''
      if (requestError !== undefined || decoded === undefined) {
        observation = { ok: false, error: Buffer.from(requestError ?? 'invalid request', 'utf8') }
      } else if (secrets !== undefined && !secrets.ok) {
        observation = { ok: false, error: Buffer.from(secrets.error, 'utf8') }
      } else {
        const fault = this.faults[node]
        const execution = await executeOnNode(
          {
            source: decoded.source,
            args: decoded.args,
            bytesArgs: decoded.bytesArgs,
            secrets: secrets?.ok ? secrets.secrets : undefined,
            limits: this.limits,
          },
          fault?.kind === 'missing' ? undefined : fault,
        )
        observation = execution.observation
        log = execution.terminalOutput
      }
      this.emit({ type: 'node', requestId: request.requestId, node, observation })
      return { node, observation, log }
    })
    return Promise.all(runs)
  }

  /** Sends `transmit(context, report, rs, ss, rawVs)` (its calldata, `data`) from `transmitter`. */
  private async transmit(
    transmitter: Wallet,
    data: string,
  ): Promise<{ txHash: string; receipt: TransactionReceipt | undefined }> {
    // An explicit gas limit, never an estimate: with too little gas the Router emits
    // RequestNotProcessed instead of reverting, so an estimate can "succeed" and fulfil nothing.
    const tx = await transmitter.sendTransaction({
      to: this.options.coordinator,
      data,
      gasLimit: this.options.transmitGasLimit ?? DEFAULT_TRANSMIT_GAS_LIMIT,
    })
    try {
      const receipt = await tx.wait(1, RECEIPT_TIMEOUT_MS)
      return { txHash: tx.hash, receipt: receipt ?? undefined }
    } catch (err) {
      if (isError(err, 'CALL_EXCEPTION')) {
        const receipt = await this.provider.getTransactionReceipt(tx.hash)
        return { txHash: tx.hash, receipt: receipt ?? undefined }
      }
      throw err
    }
  }

  /** Replays a reverted transmit as a call on the state before its block to learn why. */
  private async revertReason(
    from: string,
    data: string,
    receipt: TransactionReceipt | undefined,
  ): Promise<string> {
    return replayRevertReason(
      this.provider,
      {
        to: this.options.coordinator,
        from,
        data,
        gasLimit: this.options.transmitGasLimit ?? DEFAULT_TRANSMIT_GAS_LIMIT,
        blockTag: receipt ? receipt.blockNumber - 1 : 'latest',
      },
      coordinatorInterface,
      'reverted (the replay succeeded: state changed in between)',
    )
  }

  private nodeKeys(index: number): DonNodeKeys {
    const keys = this.nodes[index]
    if (keys === undefined) throw new DonConfigError(`no keys for DON node ${index}`)
    return keys
  }

  private requireConfig(): OnchainConfig {
    if (this.config === undefined) throw new DonConfigError('the DON is not started')
    return this.config
  }

  private async readOnchainConfig(): Promise<OnchainConfig> {
    const details = (await this.coordinator.getFunction('latestConfigDetails')()) as [
      bigint,
      bigint,
      string,
    ]
    const blockNumber = Number(details[1])
    if (blockNumber === 0)
      throw new DonConfigError('the Coordinator has no OCR config (setConfig was never called)')
    const topic = coordinatorInterface.getEvent('ConfigSet')?.topicHash
    const logs = await this.provider.getLogs({
      address: this.options.coordinator,
      topics: topic ? [topic] : [],
      fromBlock: blockNumber,
      toBlock: blockNumber,
    })
    const last = logs.at(-1)
    if (last === undefined) throw new DonConfigError(`no ConfigSet event in block ${blockNumber}`)
    const parsed = coordinatorInterface.parseLog(last)
    if (parsed === null) throw new DonConfigError('could not parse ConfigSet')
    return {
      configDigest: parsed.args.getValue('configDigest') as string,
      signers: (parsed.args.getValue('signers') as string[]).map((a) => getAddress(a)),
      transmitters: (parsed.args.getValue('transmitters') as string[]).map((a) => getAddress(a)),
      f: Number(parsed.args.getValue('f')),
    }
  }
}

/** Finds, for each node of the on-chain config, its signer and transmitter key in the keyring. */
export function nodesFromKeyring(
  config: { signers: string[]; transmitters: string[] },
  keyring: string[],
): DonNodeKeys[] {
  const byAddress = new Map(keyring.map((k) => [new Wallet(k).address, k]))
  return config.signers.map((signer, i) => {
    const transmitter = config.transmitters[i] ?? ''
    const signerKey = byAddress.get(getAddress(signer))
    const transmitterKey = byAddress.get(getAddress(transmitter))
    if (signerKey === undefined || transmitterKey === undefined) {
      throw new DonConfigError(
        `node ${i}: no key in the keyring for ${signerKey === undefined ? `signer ${signer}` : `transmitter ${transmitter}`}`,
      )
    }
    return { signerKey, transmitterKey }
  })
}

function parseOracleRequest(log: Log): OracleRequestEvent {
  const parsed = coordinatorInterface.parseLog(log)
  if (parsed === null || parsed.name !== 'OracleRequest')
    throw new Error(`not an OracleRequest log: ${log.transactionHash}`)
  const c = parsed.args.getValue('commitment') as Commitment
  return {
    requestId: parsed.args.getValue('requestId') as string,
    requestingContract: parsed.args.getValue('requestingContract') as string,
    data: parsed.args.getValue('data') as string,
    dataVersion: Number(parsed.args.getValue('dataVersion')),
    commitment: {
      requestId: c.requestId,
      coordinator: c.coordinator,
      estimatedTotalCostJuels: c.estimatedTotalCostJuels,
      client: c.client,
      subscriptionId: c.subscriptionId,
      callbackGasLimit: c.callbackGasLimit,
      adminFee: c.adminFee,
      donFee: c.donFee,
      gasOverheadBeforeCallback: c.gasOverheadBeforeCallback,
      gasOverheadAfterCallback: c.gasOverheadAfterCallback,
      timeoutTimestamp: c.timeoutTimestamp,
    },
  }
}

function routerOutcome(receipt: TransactionReceipt): RouterOutcome {
  for (const log of receipt.logs) {
    const parsed = (() => {
      try {
        return routerInterface.parseLog(log)
      } catch {
        return null
      }
    })()
    if (parsed?.name === 'RequestProcessed') {
      const code = Number(parsed.args.getValue('resultCode'))
      return {
        processed: {
          resultCode: code,
          resultName: fulfillResultName(code),
          response: parsed.args.getValue('response') as string,
          err: parsed.args.getValue('err') as string,
          callbackReturnData: parsed.args.getValue('callbackReturnData') as string,
        },
      }
    }
    if (parsed?.name === 'RequestNotProcessed') {
      const code = Number(parsed.args.getValue('resultCode'))
      return { notProcessed: { resultCode: code, resultName: fulfillResultName(code) } }
    }
  }
  return {}
}
