/**
 * One round's robust aggregation: pure, deterministic, integer arithmetic only, so independent
 * aggregators (adapters run by different node operators) compute byte-identical results from the
 * same revealed updates. The steps, in order:
 *
 * 1. Canonical order: submissions sorted by participant, then content hash (arrival order is
 *    irrelevant).
 * 2. Protocol checks, each a reject reason: a participant submitting twice (`duplicateParticipant`);
 *    bytes that do not hash to the revealed hash, or are not an update of this task, round,
 *    participant and model shape, or carry out-of-range values (update-codec.ts); two identities
 *    submitting the same values (`duplicateUpdate`: Sybils or copies; honest clients never collide,
 *    their data and noise differ); an L2 norm above the task's bound (`normBound`: clipping plus a
 *    noise allowance no honest update exceeds) or below its floor (`tooSmall`: no contribution).
 * 3. Robust reference: the coordinate-wise median of the remaining candidates (Yin et al. 2018),
 *    robust while fewer than half of them are malicious.
 * 4. Scores per candidate: its distance to the median (L2, Q16) and the validation loss of the base
 *    model with that update alone applied (Q16, integer forward pass; validation.ts); its harm is
 *    that loss minus the base model's.
 * 5. Harm and distance tests, against the candidates' own spread (median and median absolute
 *    deviation, both robust while fewer than half the candidates are malicious). The harm is
 *    *excessive* when it exceeds the median harm by more than `harmK` x max(MAD,
 *    `harmSpreadFloorQ16`). `harmful`: excessive harm that is also either large in itself (at least
 *    `harmMinQ16`) or positive and coming from an update farther than `distanceSlash` x the median
 *    distance: two independent signs that the update makes the model worse on the public data.
 *    Otherwise `distanceOutlier`: farther than `distanceOutlier` x the median distance. Both need at
 *    least 3 candidates; with fewer, every candidate is accepted.
 * 6. Slashing: every protocol violation of step 2 except `tooSmall`, and `harmful`. Distance alone
 *    never slashes and neither does relative harm alone: non-IID honest clients can be far from the
 *    median, or hurt the public loss more than the others when applied alone, without being
 *    malicious. The thresholds sit above what honest clients showed on the calibration seeds
 *    (docs/federated.md).
 * 7. Aggregate: the mean of the accepted updates (FedAvg over the survivors: it keeps the honest
 *    clients' information and averages their DP noise down, which the median would not), times the
 *    server learning rate, added to the base model; every weight clamped to +-16.
 * 8. Reward weights: an accepted update gets 10000 x min(1, median accepted distance / its
 *    distance) basis points; anything else 0.
 */
import { keccak256 } from 'ethers'

import { divRoundHalfEven, floorDiv, isqrt, MAX_ABS_VALUE } from './fixed-point'
import { parameterCount, type MlpLayout } from './layout'
import { UpdateRejectedError, type SubmissionStatus } from './reasons'
import { contentHash, decodeRevealedUpdate, encodeModel, valuesHash } from './update-codec'
import { validationLossQ16, type ValidationSet } from './validation'

/** A positive rational, so the rule itself stays in integers. */
export interface Ratio {
  numerator: number
  denominator: number
}

export interface AggregationRule {
  /** Updates longer than this (L2, Q16) are rejected and slashed. */
  maxNormQ16: number
  /** Updates shorter than this (L2, Q16) are rejected, not slashed. */
  minNormQ16: number
  /** Reject (not slash) when the distance to the median exceeds this multiple of the median's. */
  distanceOutlier: Ratio
  /** `harmful` needs harm > median harm + this x spread... */
  harmK: Ratio
  /** ...where the spread is the MAD of the harms, at least this (Q16)... */
  harmSpreadFloorQ16: number
  /** ...and either harm >= this (Q16): the update alone raises the validation loss this much... */
  harmMinQ16: number
  /** ...or harm > 0 from an update farther than this multiple of the median distance. */
  distanceSlash: Ratio
  /** Multiplies the mean accepted update before it is added to the model. */
  serverLearningRate: Ratio
}

export interface Submission {
  /** 0x + 40 lowercase hex. */
  participant: string
  /** The content hash the participant revealed on-chain. */
  revealedHash: string
  /** The bytes fetched from where the participant said. */
  bytes: Uint8Array
}

export interface RoundInput {
  taskId: string
  /** 1-based: round r turns model version r - 1 into version r. */
  round: number
  layout: MlpLayout
  /** The model the round starts from (version round - 1), Q16. */
  base: Int32Array
  submissions: readonly Submission[]
  validation: ValidationSet
  rule: AggregationRule
}

export interface ParticipantResult {
  participant: string
  /** The revealed content hash. */
  updateHash: string
  status: SubmissionStatus
  slashed: boolean
  /** Why, in words (empty when accepted). */
  detail: string
  weightBps: number
  /** L2 norm of the update, Q16 (0 when it could not be decoded). */
  normQ16: number
  /** Distance to the coordinate-wise median, Q16 (0 when not scored). */
  distanceQ16: number
  /** Validation loss with this update alone applied, Q16 (0 when not scored). */
  lossQ16: number
}

export interface RoundResult {
  taskId: string
  round: number
  /** keccak256 of the encoded base model (version round - 1). */
  baseModelHash: string
  /** keccak256 of the encoded new model (version round). */
  aggregateHash: string
  /** The new model, Q16, and its encoding (update-codec.ts, kind model). */
  model: Int32Array
  modelBytes: Uint8Array
  baseLossQ16: number
  modelLossQ16: number
  /** The round's reference statistics of step 5 (absent with fewer than 3 candidates), Q16. */
  spread?: { medianHarmQ16: number; harmSpreadQ16: number; medianDistanceQ16: number }
  /** One entry per submission, in canonical order. */
  participants: ParticipantResult[]
}

/** Statuses that cost the participant its stake (see the rule above). */
const SLASHED_ON_SIGHT: ReadonlySet<SubmissionStatus> = new Set<SubmissionStatus>([
  'malformed',
  'wrongBinding',
  'wrongShape',
  'wrongSize',
  'nonFinite',
  'outOfRange',
  'hashMismatch',
  'duplicateParticipant',
  'duplicateUpdate',
  'normBound',
  'harmful',
])

const MIN_CANDIDATES_FOR_OUTLIERS = 3
const FULL_WEIGHT_BPS = 10_000n

/** Lower median of integers (the middle value; of an even count, the lower of the two). */
export function lowerMedian(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of nothing')
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[(sorted.length - 1) >> 1] as number
}

/** Coordinate-wise median; of an even count, the floored mean of the two middle values. */
export function coordinateMedian(vectors: readonly Int32Array[], size: number): Int32Array {
  const out = new Int32Array(size)
  const column = new Array<number>(vectors.length)
  const mid = vectors.length >> 1
  for (let j = 0; j < size; j++) {
    for (let k = 0; k < vectors.length; k++) column[k] = (vectors[k] as Int32Array)[j] as number
    column.sort((a, b) => a - b)
    out[j] =
      vectors.length % 2 === 1
        ? (column[mid] as number)
        : floorDiv((column[mid - 1] as number) + (column[mid] as number), 2)
  }
  return out
}

function squaredDistance(a: Int32Array, b: Int32Array): bigint {
  let s = 0n
  for (let j = 0; j < a.length; j++) {
    const d = BigInt((a[j] as number) - (b[j] as number))
    s += d * d
  }
  return s
}

function clamp(v: number): number {
  return Math.max(-MAX_ABS_VALUE, Math.min(MAX_ABS_VALUE, v))
}

/** base + update (Q16), every weight clamped to +-16. */
export function applyUpdate(base: Int32Array, update: Int32Array): Int32Array {
  return Int32Array.from(base, (w, j) => clamp(w + (update[j] as number)))
}

/** ceil-free ratio test: x > ratio * y, for non-negative bigints. */
function exceeds(x: bigint, ratio: Ratio, y: bigint): boolean {
  return x * BigInt(ratio.denominator) > BigInt(ratio.numerator) * y
}

interface Candidate {
  index: number
  values: Int32Array
  distance: bigint
  harm: number
}

/** Runs one round of the rule; see the file header. Throws only on a malformed RoundInput. */
export function aggregateRound(input: RoundInput): RoundResult {
  const { taskId, round, layout, base, rule, validation } = input
  const size = parameterCount(layout)
  if (base.length !== size)
    throw new RangeError(`base model has ${base.length} values, not ${size}`)
  if (!Number.isInteger(round) || round < 1)
    throw new RangeError(`rounds are 1-based, got ${round}`)
  for (const s of input.submissions) {
    // Participants and revealed hashes come from the chain: a malformed one is a caller bug.
    if (!/^0x[0-9a-fA-F]{40}$/.test(s.participant)) {
      throw new RangeError(`participant ${s.participant} is not an address`)
    }
    if (!/^0x[0-9a-fA-F]{64}$/.test(s.revealedHash)) {
      throw new RangeError(`revealed hash ${s.revealedHash} is not 32 bytes of hex`)
    }
  }

  // 1. Canonical order.
  const subs = [...input.submissions]
    .map((s) => ({
      ...s,
      participant: s.participant.toLowerCase(),
      hash: s.revealedHash.toLowerCase(),
    }))
    .sort((a, b) =>
      a.participant !== b.participant
        ? a.participant < b.participant
          ? -1
          : 1
        : a.hash < b.hash
          ? -1
          : a.hash > b.hash
            ? 1
            : 0,
    )
  const results: ParticipantResult[] = subs.map((s) => ({
    participant: s.participant,
    updateHash: s.hash,
    status: 'accepted',
    slashed: false,
    detail: '',
    weightBps: 0,
    normQ16: 0,
    distanceQ16: 0,
    lossQ16: 0,
  }))
  const reject = (i: number, status: SubmissionStatus, detail: string): void => {
    const r = results[i] as ParticipantResult
    r.status = status
    r.detail = detail
    r.slashed = SLASHED_ON_SIGHT.has(status)
  }

  // 2. Protocol checks.
  const perParticipant = new Map<string, number>()
  for (const s of subs)
    perParticipant.set(s.participant, (perParticipant.get(s.participant) ?? 0) + 1)
  const decoded: (Int32Array | undefined)[] = subs.map((s, i) => {
    const times = perParticipant.get(s.participant) as number
    if (times > 1) {
      reject(i, 'duplicateParticipant', `${s.participant} submitted ${times} updates this round`)
      return undefined
    }
    try {
      return decodeRevealedUpdate(s.bytes, s.hash, {
        taskId,
        round,
        participant: s.participant,
        layout,
      })
    } catch (err) {
      if (!(err instanceof UpdateRejectedError)) throw err
      reject(i, err.reason, err.message)
      return undefined
    }
  })
  const byValues = new Map<string, number[]>()
  decoded.forEach((v, i) => {
    if (!v) return
    const key = valuesHash((subs[i] as { bytes: Uint8Array }).bytes)
    byValues.set(key, [...(byValues.get(key) ?? []), i])
  })
  for (const group of byValues.values()) {
    if (group.length < 2) continue
    const who = group.map((i) => (subs[i] as { participant: string }).participant).join(', ')
    for (const i of group) {
      reject(
        i,
        'duplicateUpdate',
        `identical update values from ${group.length} identities: ${who}`,
      )
      decoded[i] = undefined
    }
  }
  const maxNormSq = BigInt(rule.maxNormQ16) ** 2n
  const minNormSq = BigInt(rule.minNormQ16) ** 2n
  const zero = new Int32Array(size)
  decoded.forEach((v, i) => {
    if (!v) return
    const normSq = squaredDistance(v, zero)
    const r = results[i] as ParticipantResult
    r.normQ16 = Number(isqrt(normSq))
    if (normSq > maxNormSq) {
      reject(i, 'normBound', `norm ${r.normQ16} (Q16) above the bound ${rule.maxNormQ16}`)
      decoded[i] = undefined
    } else if (normSq < minNormSq) {
      reject(i, 'tooSmall', `norm ${r.normQ16} (Q16) below the floor ${rule.minNormQ16}`)
      decoded[i] = undefined
    }
  })

  // 3. Robust reference and 4. scores.
  const baseLossQ16 = validationLossQ16(layout, base, validation)
  const candidates: Candidate[] = []
  decoded.forEach((v, i) => {
    if (v) candidates.push({ index: i, values: v, distance: 0n, harm: 0 })
  })
  if (candidates.length > 0) {
    const median = coordinateMedian(
      candidates.map((c) => c.values),
      size,
    )
    for (const c of candidates) {
      const r = results[c.index] as ParticipantResult
      c.distance = isqrt(squaredDistance(c.values, median))
      r.distanceQ16 = Number(c.distance)
      r.lossQ16 = validationLossQ16(layout, applyUpdate(base, c.values), validation)
      c.harm = r.lossQ16 - baseLossQ16
    }
  }

  // 5. Harm and distance tests, 6. slashing.
  let stats: RoundResult['spread']
  if (candidates.length >= MIN_CANDIDATES_FOR_OUTLIERS) {
    const medianDistance = BigInt(lowerMedian(candidates.map((c) => Number(c.distance))))
    const medianHarm = lowerMedian(candidates.map((c) => c.harm))
    const mad = lowerMedian(candidates.map((c) => Math.abs(c.harm - medianHarm)))
    const spread = BigInt(Math.max(mad, rule.harmSpreadFloorQ16))
    stats = {
      medianHarmQ16: medianHarm,
      harmSpreadQ16: Number(spread),
      medianDistanceQ16: Number(medianDistance),
    }
    for (const c of candidates) {
      const excess = BigInt(c.harm - medianHarm)
      const excessive = excess > 0n && exceeds(excess, rule.harmK, spread)
      const veryFar = exceeds(c.distance, rule.distanceSlash, medianDistance)
      if (excessive && (c.harm >= rule.harmMinQ16 || (c.harm > 0 && veryFar))) {
        reject(
          c.index,
          'harmful',
          `alone it raises the validation loss by ${c.harm} (Q16), the median update by ` +
            `${medianHarm} (spread ${spread}); distance ${c.distance} against a median of ` +
            `${medianDistance}`,
        )
      } else if (exceeds(c.distance, rule.distanceOutlier, medianDistance)) {
        reject(
          c.index,
          'distanceOutlier',
          `distance ${c.distance} (Q16) against a median of ${medianDistance}`,
        )
      }
    }
  }

  // 7. Aggregate the accepted updates.
  const accepted = candidates.filter(
    (c) => (results[c.index] as ParticipantResult).status === 'accepted',
  )
  let model = base
  if (accepted.length > 0) {
    const { numerator, denominator } = rule.serverLearningRate
    const step = new Int32Array(size)
    for (let j = 0; j < size; j++) {
      let sum = 0
      for (const c of accepted) sum += c.values[j] as number
      step[j] = divRoundHalfEven(numerator * sum, denominator * accepted.length)
    }
    model = applyUpdate(base, step)
  }

  // 8. Reward weights.
  if (accepted.length > 0) {
    const ref = BigInt(lowerMedian(accepted.map((c) => Number(c.distance))))
    for (const c of accepted) {
      const w = c.distance <= ref ? FULL_WEIGHT_BPS : (FULL_WEIGHT_BPS * ref) / c.distance
      ;(results[c.index] as ParticipantResult).weightBps = Number(w)
    }
  }

  const baseBytes = encodeModel(taskId, round - 1, layout, base)
  const modelBytes = encodeModel(taskId, round, layout, model)
  return {
    taskId,
    round,
    baseModelHash: contentHash(baseBytes),
    aggregateHash: keccak256(modelBytes),
    model,
    modelBytes,
    baseLossQ16,
    modelLossQ16: validationLossQ16(layout, model, validation),
    ...(stats ? { spread: stats } : {}),
    participants: results,
  }
}
