/**
 * The local federated-learning DON: the round's aggregation settled like an inference, through
 * Chainlink's real KeystoneForwarder on anvil.
 *
 * - Chain reader: the round's facts come from the training contract alone (the task's config from
 *   `TaskCreated`, the open round and current model from `getTask`, the round's commits and reveals
 *   from `UpdateCommitted`/`UpdateRevealed`), so every node builds the same job.
 * - Node mode (each of N nodes): the same `fl-aggregate` job to every aggregator adapter (ADAPTERS
 *   parsed and checked by don-core: no repeated URL or signer); an answer counts only if it is a
 *   200 whose report hashes to its `reportHash`, whose operator signature (don-core's EIP-712
 *   digest and recovery) is the adapter's configured signer over (spec hash, input hash, report
 *   hash, job run id), whose spec hash is the task's on-chain `ruleHash`, whose input hash is the
 *   one the node computed from the chain, and whose report names the task, round and base model.
 *   Byte-identical reports from a strict majority of the adapters (don-core's quorum rule) make the
 *   node's observation; otherwise the node observes nothing.
 * - DON mode: a payload observed identically by at least 2f + 1 nodes is reported: the raw report
 *   (KeystoneForwarder 1.2.0 layout) signed by f + 1 node keys, transmitted through the forwarder
 *   to the training contract, whose `onReport` checks the workflow and the round again.
 */
import { secp256k1 } from '@noble/curves/secp256k1'
import { sha256 } from '@noble/hashes/sha256'
import { keccak_256 } from '@noble/hashes/sha3'
import { Contract, keccak256, solidityPacked, type Signer } from 'ethers'

import {
  answerDigest,
  checkQuorumRule,
  cryptoFromNoble,
  hexToBytes,
  inferenceLeaf,
  jobRunIdFor,
  MAX_PROOF_LENGTH,
  parseAdapters,
  recoverSigner,
  type AdapterEntry,
} from '../../don-core/inference-core'
import { flJobInputHash } from '../../federated/job-input'
import { decodeRoundReport } from '../../federated/round-report'
import type { TaskSpec } from '../../federated/task-spec'
import {
  DEFAULT_REPORT_ID,
  encodeRawReport,
  reportContext,
  signReport,
  workflowNameBytes10,
  type ReportHeader,
} from '../cre/report'

const CRYPTO = cryptoFromNoble({ secp256k1, keccak_256, sha256 })
/** The job run id prefix of aggregation jobs. */
export const FL_JOB_RUN_ID_PREFIX = 'fl-'
const ADAPTER_TIMEOUT_MS = 20_000

/** One revealed update as the chain states it. */
export interface RevealedUpdate {
  participant: string
  hash: string
  uri: string
}

/** Everything a node needs for a round, read from the chain (plus the published spec). */
export interface RoundFacts {
  taskId: string
  round: number
  /** The task's `ruleHash` on-chain: the spec's hash every answer must name. */
  ruleHash: string
  spec: TaskSpec
  base: { uri: string; hash: string }
  validation: { uri: string; hash: string }
  updates: RevealedUpdate[]
  notRevealed: string[]
}

/** A node's observation: the report payload a quorum of adapters agreed on, or why none. */
export type Observation =
  { payload: string; agreed: number; answers: unknown[] } | { reason: string }

/** The request body every adapter gets for a round. */
export function roundJob(facts: RoundFacts, jobRunId: string): unknown {
  return {
    id: jobRunId,
    data: {
      job: 'fl-aggregate',
      taskId: facts.taskId,
      round: facts.round,
      spec: facts.spec,
      base: facts.base,
      validation: facts.validation,
      updates: facts.updates,
      notRevealed: facts.notRevealed,
    },
  }
}

interface AnswerData {
  report?: unknown
  reportHash?: unknown
  specHash?: unknown
  inputHash?: unknown
  manifestHash?: unknown
  proof?: unknown
  signature?: unknown
}

/** Why an adapter's reply does not count, or undefined when it does. */
function judge(
  facts: RoundFacts,
  adapter: AdapterEntry,
  jobRunId: string,
  inputHash: string,
  status: number,
  body: unknown,
): string | undefined {
  if (status !== 200) return `status ${status}`
  const d = (body as { data?: AnswerData } | null)?.data
  if (d === undefined || typeof d.report !== 'string' || typeof d.reportHash !== 'string') {
    return 'no report'
  }
  if (keccak256(d.report) !== d.reportHash) return 'report does not hash to reportHash'
  if (d.specHash !== facts.ruleHash) return `spec hash ${String(d.specHash)} is not the task's`
  if (d.inputHash !== inputHash) return `input hash ${String(d.inputHash)} is not the chain's`
  if (adapter.signer !== undefined) {
    // The leaf is recomputed from the chain's facts, never read from the answer; the answer's
    // Merkle proof folds it to the root its operator signed (docs/protocol.md, version 2).
    if (d.manifestHash !== facts.ruleHash) return 'manifest hash is not the task spec hash'
    const proof = d.proof
    if (
      !Array.isArray(proof) ||
      proof.length > MAX_PROOF_LENGTH ||
      !proof.every((node) => typeof node === 'string' && /^0x[0-9a-f]{64}$/.test(node))
    ) {
      return 'no well-formed Merkle proof'
    }
    const leaf = inferenceLeaf(CRYPTO, {
      modelHash: facts.ruleHash,
      manifestHash: facts.ruleHash,
      inputHash,
      result: BigInt(d.reportHash),
      jobRunId,
    })
    const digest = answerDigest(
      CRYPTO,
      leaf,
      proof.map((node) => hexToBytes(node as string)),
    )
    const who = recoverSigner(CRYPTO, digest, d.signature)
    if (who !== adapter.signer) return `signature from ${who ?? 'nobody'}, not ${adapter.signer}`
  }
  try {
    const r = decodeRoundReport(d.report)
    if (
      r.taskId !== facts.taskId ||
      r.round !== facts.round ||
      r.baseModelHash !== facts.base.hash
    ) {
      return 'report names another task, round or base model'
    }
  } catch (err) {
    return `report does not decode: ${(err as Error).message}`
  }
  return undefined
}

/**
 * Node mode: asks every adapter, judges each answer, and observes the report a strict majority
 * (`threshold`) agreed on byte for byte.
 */
export async function observeRound(
  facts: RoundFacts,
  adaptersSecret: string,
  threshold: number,
): Promise<Observation> {
  const { adapters } = parseAdapters(adaptersSecret)
  checkQuorumRule(threshold, adapters.length)
  const inputHash = flJobInputHash(facts, facts.ruleHash)
  const jobRunId = jobRunIdFor(FL_JOB_RUN_ID_PREFIX, inputHash)
  const body = JSON.stringify(roundJob(facts, jobRunId))
  const replies = await Promise.all(
    adapters.map(async (adapter) => {
      try {
        const res = await fetch(adapter.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(adapter.apiKey === undefined ? {} : { 'x-api-key': adapter.apiKey }),
          },
          body,
          signal: AbortSignal.timeout(ADAPTER_TIMEOUT_MS),
        })
        const parsed: unknown = await res.json()
        const why = judge(facts, adapter, jobRunId, inputHash, res.status, parsed)
        if (why !== undefined) return { report: undefined, why: `${adapter.url}: ${why}`, parsed }
        return { report: (parsed as { data: { report: string } }).data.report, why: '', parsed }
      } catch (err) {
        return { report: undefined, why: `${adapter.url}: ${(err as Error).message}`, parsed: null }
      }
    }),
  )
  const groups = new Map<string, unknown[]>()
  const reasons: string[] = []
  for (const r of replies) {
    if (r.report === undefined) reasons.push(r.why)
    else groups.set(r.report, [...(groups.get(r.report) ?? []), r.parsed])
  }
  for (const [payload, answers] of groups) {
    if (answers.length >= threshold) return { payload, agreed: answers.length, answers }
  }
  return {
    reason: `no report from ${threshold} of ${adapters.length} adapters (${reasons.join('; ') || 'answers differ'})`,
  }
}

/** DON mode: the payload at least `needed` nodes observed identically, or undefined. */
export function donConsensus(
  observations: readonly Observation[],
  needed: number,
): string | undefined {
  const counts = new Map<string, number>()
  for (const o of observations) {
    if ('payload' in o) counts.set(o.payload, (counts.get(o.payload) ?? 0) + 1)
  }
  for (const [payload, n] of counts) if (n >= needed) return payload
  return undefined
}

const FORWARDER_ABI = [
  'function report(address receiver, bytes rawReport, bytes reportContext, bytes[] signatures)',
]

export interface LocalFlDonConfig {
  /** Node report-signing keys (the forwarder's configured signers). */
  nodeKeys: string[]
  f: number
  donId: number
  configVersion: number
  workflowOwner: string
  workflowName: string
  configDigest: string
  adaptersSecret: string
  /** Adapters that must agree (strict majority of the adapters). */
  adapterThreshold: number
  forwarder: string
  transmitter: Signer
}

export interface RoundSettlement {
  payload: string
  observations: Observation[]
  txHash: string
  gasUsed: bigint
}

/** A local DON of `nodeKeys.length` nodes that settles rounds through the forwarder. */
export class LocalFlDon {
  private sequence = 0n

  constructor(private readonly config: LocalFlDonConfig) {
    if (config.nodeKeys.length < 3 * config.f + 1) {
      throw new RangeError(`${config.nodeKeys.length} nodes cannot tolerate f = ${config.f}`)
    }
  }

  /** Runs node mode on every node, DON consensus, then reports through the forwarder. */
  async settle(receiver: string, facts: RoundFacts): Promise<RoundSettlement> {
    const { config } = this
    const observations = await Promise.all(
      config.nodeKeys.map(() =>
        observeRound(facts, config.adaptersSecret, config.adapterThreshold),
      ),
    )
    const payload = donConsensus(observations, 2 * config.f + 1)
    if (payload === undefined) {
      const why = observations.map((o) => ('reason' in o ? o.reason : 'observed')).join(' | ')
      throw new Error(`no DON consensus on round ${facts.round}: ${why}`)
    }
    this.sequence += 1n
    const header: ReportHeader = {
      executionId: keccak256(
        solidityPacked(['bytes32', 'uint32', 'uint64'], [facts.taskId, facts.round, this.sequence]),
      ),
      timestamp: Math.floor(Date.now() / 1000),
      donId: config.donId,
      configVersion: config.configVersion,
      workflowCid: keccak256(Buffer.from('onnx-oracle fl-aggregate workflow', 'utf8')),
      workflowName: workflowNameBytes10(config.workflowName),
      workflowOwner: config.workflowOwner,
      reportId: DEFAULT_REPORT_ID,
    }
    const raw = encodeRawReport(header, payload)
    const context = reportContext(config.configDigest, this.sequence)
    const signatures = signReport(raw, context, config.nodeKeys.slice(0, config.f + 1))
    const forwarder = new Contract(config.forwarder, FORWARDER_ABI, config.transmitter)
    const tx = await (
      forwarder.getFunction('report') as (...a: unknown[]) => Promise<{
        hash: string
        wait(): Promise<{ gasUsed: bigint; status: number | null } | null>
      }>
    )(receiver, raw, context, signatures, { gasLimit: 2_000_000 })
    const receipt = await tx.wait()
    if (receipt === null || receipt.status !== 1)
      throw new Error(`report transaction ${tx.hash} failed`)
    return { payload, observations, txHash: tx.hash, gasUsed: receipt.gasUsed }
  }
}
