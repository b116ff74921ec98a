/**
 * The round's result as the compact bytes a DON report carries and the training contract decodes
 * (contracts/federated/FlRoundReport.sol): ABI-encoded, one 32-byte word per participant.
 *
 * ```
 * abi.encode(bytes32 taskId, uint32 round, bytes32 baseModelHash, bytes32 aggregateHash,
 *            bytes32 modelFileHash, uint32 modelLossQ16, uint256[] entries)
 * entry = participant << 96 | status << 88 | slashed << 80 | weightBps << 64
 *       | lossQ16 << 32 | distanceQ16          (loss and distance saturate at 2^32 - 1)
 * ```
 *
 * `modelFileHash` is the sha256 of the new model's ONNX export (model-export.ts; zero when the
 * caller has none, e.g. the off-chain simulation). Entries are in the aggregator's canonical order
 * (participant address, then update hash), with the committers that did not reveal
 * (`notRevealed`, slashed) merged in by address; status is `STATUS_CODES` (reasons.ts). For 11
 * participants the report is 19 words (608 bytes): the six fields, the array's offset and length,
 * one word per entry. The report hash (keccak256 of these bytes) is what independent aggregators
 * must agree on.
 */
import { AbiCoder, keccak256 } from 'ethers'

import type { RoundResult } from './aggregation'
import { STATUS_CODES, type SubmissionStatus } from './reasons'

const TYPES = ['bytes32', 'uint32', 'bytes32', 'bytes32', 'bytes32', 'uint32', 'uint256[]'] as const
const ZERO_HASH = `0x${'0'.repeat(64)}`
const U32_MAX = 0xffffffffn

export interface ReportEntry {
  participant: string
  status: SubmissionStatus
  slashed: boolean
  weightBps: number
  lossQ16: number
  distanceQ16: number
}

export interface RoundReport {
  taskId: string
  round: number
  baseModelHash: string
  aggregateHash: string
  /** sha256 of the new model's ONNX export (zero: none). */
  modelFileHash: string
  modelLossQ16: number
  entries: ReportEntry[]
}

/** What the chain adds to a round's result: the ONNX hash and who committed but did not reveal. */
export interface ReportExtras {
  modelFileHash?: string
  /** Committers without a reveal (0x + 40 hex); each gets a slashed `notRevealed` entry. */
  notRevealed?: readonly string[]
}

const saturate = (v: number): bigint => (BigInt(v) > U32_MAX ? U32_MAX : BigInt(v))

/** The report of a round's result. */
export function roundReport(result: RoundResult, extras: ReportExtras = {}): RoundReport {
  const entries: ReportEntry[] = result.participants.map((p) => ({
    participant: p.participant,
    status: p.status,
    slashed: p.slashed,
    weightBps: p.weightBps,
    lossQ16: p.lossQ16,
    distanceQ16: p.distanceQ16,
  }))
  for (const a of extras.notRevealed ?? []) {
    entries.push({
      participant: a.toLowerCase(),
      status: 'notRevealed',
      slashed: true,
      weightBps: 0,
      lossQ16: 0,
      distanceQ16: 0,
    })
  }
  // Stable: equal addresses (a duplicate participant) keep the rule's canonical order.
  entries.sort((x, y) =>
    x.participant < y.participant ? -1 : x.participant > y.participant ? 1 : 0,
  )
  return {
    taskId: result.taskId,
    round: result.round,
    baseModelHash: result.baseModelHash,
    aggregateHash: result.aggregateHash,
    modelFileHash: extras.modelFileHash ?? ZERO_HASH,
    modelLossQ16: result.modelLossQ16,
    entries,
  }
}

/** ABI bytes (0x hex) of the report. */
export function encodeRoundReport(report: RoundReport): string {
  const entries = report.entries.map(
    (e) =>
      (BigInt(e.participant) << 96n) |
      (BigInt(STATUS_CODES[e.status]) << 88n) |
      ((e.slashed ? 1n : 0n) << 80n) |
      (BigInt(e.weightBps) << 64n) |
      (saturate(e.lossQ16) << 32n) |
      saturate(e.distanceQ16),
  )
  return AbiCoder.defaultAbiCoder().encode(TYPES, [
    report.taskId,
    report.round,
    report.baseModelHash,
    report.aggregateHash,
    report.modelFileHash,
    saturate(report.modelLossQ16),
    entries,
  ])
}

/** keccak256 of the encoded report. */
export function roundReportHash(report: RoundReport): string {
  return keccak256(encodeRoundReport(report))
}

const STATUS_BY_CODE = new Map<number, SubmissionStatus>(
  Object.entries(STATUS_CODES).map(([k, v]) => [v, k as SubmissionStatus]),
)

/** Decodes report bytes (what a contract would read), for checks and tools. */
export function decodeRoundReport(hex: string): RoundReport {
  const [taskId, round, baseModelHash, aggregateHash, modelFileHash, modelLoss, entries] =
    AbiCoder.defaultAbiCoder().decode(TYPES, hex)
  const mask32 = (v: bigint, shift: bigint): number => Number((v >> shift) & U32_MAX)
  return {
    taskId: taskId as string,
    round: Number(round),
    baseModelHash: baseModelHash as string,
    aggregateHash: aggregateHash as string,
    modelFileHash: modelFileHash as string,
    modelLossQ16: Number(modelLoss),
    entries: (entries as bigint[]).map((w) => {
      const code = Number((w >> 88n) & 0xffn)
      const status = STATUS_BY_CODE.get(code)
      if (status === undefined) throw new RangeError(`unknown status code ${code}`)
      return {
        participant: `0x${(w >> 96n).toString(16).padStart(40, '0')}`,
        status,
        slashed: ((w >> 80n) & 0xffn) === 1n,
        weightBps: Number((w >> 64n) & 0xffffn),
        lossQ16: mask32(w, 32n),
        distanceQ16: mask32(w, 0n),
      }
    }),
  }
}
