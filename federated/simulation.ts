/**
 * Runs federated rounds on a risk task end to end, off-chain: every identity trains (or attacks)
 * and encodes its update, the aggregator checks and aggregates them (aggregation.ts), and the
 * simulation records per round the held-out AUC, who was accepted and slashed, the privacy spent
 * and the time the aggregation took. `centralisedAuc` trains risk-v1's recipe on the union of the
 * partitions: the baseline of the Goals.
 */
import { performance } from 'node:perf_hooks'

import { rocAuc } from '../script/models/training/metrics'
import { mlpPredict, trainMlp, type Mlp } from '../script/models/training/mlp-trainer'
import { Prng } from '../script/models/training/prng'
import type { TabularDataset } from '../script/models/training/risk-data'
import { RISK_HYPERPARAMETERS } from '../script/models/training/risk-model'
import { aggregateRound, type RoundResult, type Submission } from './aggregation'
import { craftSybilUpdate, flipLabels, scaledSignFlip } from './attacks'
import { encodeSubmission, honestSubmission, localUpdate, type EncodedSubmission } from './client'
import { fromFixed, ONE } from './fixed-point'
import { fixedToMlp } from './layout'
import { clipToNorm, exactEpsilon, rdpEpsilon, type PrivacySpent } from './privacy'
import { roundReport, roundReportHash } from './round-report'
import {
  deriveSeed,
  identityAddress,
  riskTask,
  type RiskTaskData,
  type RiskTaskOptions,
} from './task'

export type Attack = 'labelFlip' | 'signFlip' | 'sybil'

export interface Identity {
  address: string
  /** The client (data partition) behind it; a Sybil attacker has two identities. */
  client: number
  role: 'honest' | Attack
}

export interface SimulationConfig extends RiskTaskOptions {
  seed: number
  rounds: number
  /** Client index -> attack; the other clients are honest. */
  attackers?: Partial<Record<number, Attack>>
  /** The sign flipper's factor (kept just under the task's norm bound). */
  signFlipScale?: number
  /** Privacy accounting target. */
  delta?: number
}

export interface RoundSummary {
  round: number
  /** AUC of the new model on the held-out evaluation set. */
  auc: number
  modelLossQ16: number
  accepted: string[]
  slashed: string[]
  reportHash: string
  aggregationMs: number
  /** Cumulative privacy spent by each honest client after this round. */
  privacy: { rdp: PrivacySpent; exact: PrivacySpent }
  result: RoundResult
}

export interface SimulationResult {
  seed: number
  identities: Identity[]
  rounds: RoundSummary[]
  finalAuc: number
  /** Addresses slashed in at least one round. */
  slashedEver: Set<string>
}

/** Area under the ROC curve of a float MLP on a data set (P(loss) as the score). */
export function aucOf(model: Mlp, ds: TabularDataset): number {
  const p = mlpPredict(model, ds.x, ds.n)
  return rocAuc(
    Array.from({ length: ds.n }, (_, i) => p[2 * i + 1] as number),
    ds.y,
  )
}

/** AUC on the evaluation set of risk-v1's recipe trained on the union of the partitions. */
export function centralisedAuc(data: RiskTaskData): number {
  const { union, evaluation } = data
  return aucOf(
    trainMlp(union.x, union.y, union.n, union.features, 2, RISK_HYPERPARAMETERS),
    evaluation,
  )
}

/** The identities of a run: one per client, two for a Sybil attacker. */
export function identitiesOf(
  clients: number,
  attackers: SimulationConfig['attackers'] = {},
): Identity[] {
  const out: Identity[] = []
  for (let k = 0; k < clients; k++) {
    const role = attackers[k] ?? 'honest'
    out.push({ address: identityAddress(`client-${k}`), client: k, role })
    if (role === 'sybil')
      out.push({ address: identityAddress(`client-${k}-sybil`), client: k, role })
  }
  return out
}

/** What every identity submits in `round` from the base model `model` (honest or attacking). */
export function roundSubmissions(
  config: SimulationConfig,
  data: RiskTaskData,
  identities: readonly Identity[],
  round: number,
  model: Int32Array,
): Submission[] {
  const { task, partitions } = data
  const signFlipScale = config.signFlipScale ?? 4
  // Attackers stay just under the norm bound so the bound alone does not catch them.
  const underNorm = (0.95 * task.rule.maxNormQ16) / ONE
  const submissions: Submission[] = []
  const sybilCraft = new Map<number, Float64Array>()
  for (const id of identities) {
    const part = partitions[id.client] as TabularDataset
    const rng = new Prng(deriveSeed(`fl/${config.seed}/round/${round}/client/${id.client}`))
    const noise = new Prng(deriveSeed(`fl/${config.seed}/round/${round}/noise/${id.address}`))
    const normal = (): number => noise.normal()
    const ownClipped = (): Float64Array =>
      clipToNorm(localUpdate(task, round, model, part, rng), task.dp.clipNorm).clipped
    let sub: EncodedSubmission
    if (id.role === 'honest') {
      sub = honestSubmission(task, round, id.address, model, part, rng, normal)
    } else if (id.role === 'labelFlip') {
      sub = honestSubmission(task, round, id.address, model, flipLabels(part), rng, normal)
    } else if (id.role === 'signFlip') {
      const flipped = scaledSignFlip(ownClipped(), signFlipScale, underNorm)
      sub = encodeSubmission(task, round, id.address, flipped)
    } else {
      let crafted = sybilCraft.get(id.client)
      if (!crafted) {
        crafted = craftSybilUpdate(ownClipped(), underNorm)
        sybilCraft.set(id.client, crafted)
      }
      sub = encodeSubmission(task, round, id.address, crafted)
    }
    submissions.push({ participant: sub.participant, revealedHash: sub.hash, bytes: sub.bytes })
  }
  return submissions
}

/** Runs the configured rounds; deterministic for a seed. */
export function runSimulation(
  config: SimulationConfig,
  data = riskTask(config.seed, config),
): SimulationResult {
  const { task, evaluation } = data
  const identities = identitiesOf(data.partitions.length, config.attackers)
  const delta = config.delta ?? 1e-5
  let model = task.initialModel
  const rounds: RoundSummary[] = []
  const slashedEver = new Set<string>()
  for (let round = 1; round <= config.rounds; round++) {
    const submissions = roundSubmissions(config, data, identities, round, model)
    const started = performance.now()
    const result = aggregateRound({
      taskId: task.taskId,
      round,
      layout: task.layout,
      base: model,
      submissions,
      validation: task.validation,
      rule: task.rule,
    })
    const aggregationMs = performance.now() - started
    model = result.model
    const accepted = result.participants
      .filter((p) => p.status === 'accepted')
      .map((p) => p.participant)
    const slashed = result.participants.filter((p) => p.slashed).map((p) => p.participant)
    for (const s of slashed) slashedEver.add(s)
    rounds.push({
      round,
      auc: aucOf(fixedToMlp(task.layout, model, task.standardisation), evaluation),
      modelLossQ16: result.modelLossQ16,
      accepted,
      slashed,
      reportHash: roundReportHash(roundReport(result)),
      aggregationMs,
      privacy: {
        rdp: rdpEpsilon(task.dp, round, delta),
        exact: exactEpsilon(task.dp, round, delta),
      },
      result,
    })
  }
  return {
    seed: config.seed,
    identities,
    rounds,
    finalAuc:
      rounds.length > 0
        ? (rounds[rounds.length - 1] as RoundSummary).auc
        : aucOf(fixedToMlp(task.layout, model, task.standardisation), evaluation),
    slashedEver,
  }
}

/** The float weights of a fixed-point model (for export and inspection). */
export function modelWeights(values: Int32Array): Float64Array {
  return Float64Array.from(values, fromFixed)
}
