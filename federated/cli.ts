/**
 * `npm run fl:simulate [-- --seeds 20 --first-seed 1 --rounds 8 --noise 0 --workers 2 --json f]`:
 * measures the Goals of issue 12 over many seeds. Per seed: risk-v1's recipe trained on the union of
 * the ten partitions (the centralised baseline), a run without attackers, and a run where clients
 * 1, 4 and 7 attack (label flipping; a scaled sign flip; two Sybil identities with one crafted
 * update). Prints one line per seed, the Goals with pass/fail, the aggregation times and the privacy
 * spent; exits 1 if a Goal fails. Seeds run in parallel worker threads.
 */
import { writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'

import { Command } from 'commander'

import type { Attack, SimulationResult } from './simulation'
import { centralisedAuc, runSimulation } from './simulation'
import { ONE } from './fixed-point'
import { DEFAULT_DP, DEFAULT_ROUNDS, riskTask } from './task'

/** The attack scenario of the Goals: 3 of 10 clients (4 of 11 identities). */
export const GOAL_ATTACKERS: Partial<Record<number, Attack>> = {
  1: 'labelFlip',
  4: 'signFlip',
  7: 'sybil',
}

export const GOALS = {
  /** Without attackers, final AUC at least this close to centralised training. */
  maxGapToCentralised: 0.01,
  /** With attackers, final AUC at most this far below the attack-free run. */
  maxDropUnderAttack: 0.01,
  /** Aggregating one round's updates, in milliseconds. */
  maxAggregationMs: 1000,
}

export interface SeedOutcome {
  seed: number
  centralAuc: number
  cleanAuc: number
  attackAuc: number
  /** Clean-run AUC after each round. */
  cleanAucByRound: number[]
  attackAucByRound: number[]
  attackersSlashed: { role: string; address: string; rounds: number[] }[]
  honestSlashed: { address: string; rounds: number[] }[]
  honestRejections: number
  /** Aggregation wall times of the clean run (10 updates) and the attack run (11). */
  cleanAggregationMs: number[]
  attackAggregationMs: number[]
  epsilonByRound: { rdp: number; exact: number }[]
  /** Every scored update: how far its harm and distance were from the round's references. */
  scores: ScoreRecord[]
}

export interface ScoreRecord {
  run: 'clean' | 'attack'
  round: number
  role: string
  status: string
  slashed: boolean
  /** Validation loss with the update alone applied minus the base model's, in nats. */
  harm: number
  /** (harm - median harm) / spread. */
  harmSpreads: number
  /** distance / median distance. */
  distanceRatio: number
}

function scoresOf(run: ScoreRecord['run'], result: SimulationResult): ScoreRecord[] {
  const role = new Map(result.identities.map((i) => [i.address, i.role]))
  return result.rounds.flatMap((r) => {
    const s = r.result.spread
    if (!s) return []
    return r.result.participants
      .filter((p) => ['accepted', 'harmful', 'distanceOutlier'].includes(p.status))
      .map((p) => {
        const harm = p.lossQ16 - r.result.baseLossQ16
        return {
          run,
          round: r.round,
          role: role.get(p.participant) ?? '?',
          status: p.status,
          slashed: p.slashed,
          harm: harm / ONE,
          harmSpreads: (harm - s.medianHarmQ16) / s.harmSpreadQ16,
          distanceRatio: p.distanceQ16 / Math.max(1, s.medianDistanceQ16),
        }
      })
  })
}

interface SeedJob {
  seed: number
  rounds: number
  noise: number
  clip: number
}

function slashRounds(result: SimulationResult, address: string): number[] {
  return result.rounds.filter((r) => r.slashed.includes(address)).map((r) => r.round)
}

/** The non-accepted submissions of `who` over every round of `run`. */
function rejectionsOf(run: SimulationResult, who: readonly { address: string }[]): string[] {
  const addresses = new Set(who.map((i) => i.address))
  return run.rounds.flatMap((r) =>
    r.result.participants
      .filter((p) => p.status !== 'accepted' && addresses.has(p.participant))
      .map((p) => `${r.round}:${p.participant}:${p.status}`),
  )
}

/** Runs the three trainings of one seed. */
export function runSeed(job: SeedJob): SeedOutcome {
  const dp = { clipNorm: job.clip, noiseMultiplier: job.noise }
  const data = riskTask(job.seed, { dp })
  const clean = runSimulation({ seed: job.seed, rounds: job.rounds, dp }, data)
  const attack = runSimulation(
    { seed: job.seed, rounds: job.rounds, dp, attackers: GOAL_ATTACKERS },
    data,
  )
  const honest = attack.identities.filter((i) => i.role === 'honest')
  return {
    seed: job.seed,
    centralAuc: centralisedAuc(data),
    cleanAuc: clean.finalAuc,
    attackAuc: attack.finalAuc,
    cleanAucByRound: clean.rounds.map((r) => r.auc),
    attackAucByRound: attack.rounds.map((r) => r.auc),
    attackersSlashed: attack.identities
      .filter((i) => i.role !== 'honest')
      .map((i) => ({ role: i.role, address: i.address, rounds: slashRounds(attack, i.address) })),
    honestSlashed: [
      ...honest.map((i) => ({ address: i.address, rounds: slashRounds(attack, i.address) })),
      ...clean.identities.map((i) => ({
        address: i.address,
        rounds: slashRounds(clean, i.address),
      })),
    ].filter((h) => h.rounds.length > 0),
    honestRejections: [...rejectionsOf(clean, clean.identities), ...rejectionsOf(attack, honest)]
      .length,
    cleanAggregationMs: clean.rounds.map((r) => r.aggregationMs),
    attackAggregationMs: attack.rounds.map((r) => r.aggregationMs),
    epsilonByRound: clean.rounds.map((r) => ({
      rdp: r.privacy.rdp.epsilon,
      exact: r.privacy.exact.epsilon,
    })),
    scores: [...scoresOf('clean', clean), ...scoresOf('attack', attack)],
  }
}

const f4 = (x: number): string => x.toFixed(4)
const quantile = (xs: readonly number[], q: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? NaN
const median = (xs: readonly number[]): number => quantile(xs, 0.5)

/** Per role: how many updates were scored, rejected, slashed; the largest and smallest harm. */
export function scoreTable(scores: readonly ScoreRecord[]): string[] {
  const roles = [...new Set(scores.map((s) => s.role))].sort()
  const lines = [
    '| role | scored updates | harmful (slashed) | distance outliers | harm min / median / max (nats) | harm - median, in spreads, max | distance / median, max |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ]
  for (const role of roles) {
    const mine = scores.filter((s) => s.role === role)
    const harms = mine.map((s) => s.harm).sort((a, b) => a - b)
    lines.push(
      `| ${role} | ${mine.length} | ${mine.filter((s) => s.status === 'harmful').length} | ` +
        `${mine.filter((s) => s.status === 'distanceOutlier').length} | ` +
        `${(harms[0] ?? NaN).toFixed(3)} / ${median(harms).toFixed(3)} / ${(harms[harms.length - 1] ?? NaN).toFixed(3)} | ` +
        `${Math.max(...mine.map((s) => s.harmSpreads)).toFixed(1)} | ${Math.max(...mine.map((s) => s.distanceRatio)).toFixed(2)} |`,
    )
  }
  return lines
}

/** The summary table and the Goals' verdicts. */
export function summarise(outcomes: SeedOutcome[]): { text: string; passed: boolean } {
  const gaps = outcomes.map((o) => o.centralAuc - o.cleanAuc)
  const drops = outcomes.map((o) => o.cleanAuc - o.attackAuc)
  const unslashed = outcomes.flatMap((o) =>
    o.attackersSlashed.filter((a) => a.rounds.length === 0).map((a) => `${o.seed}:${a.role}`),
  )
  const honestSlashed = outcomes.flatMap((o) =>
    o.honestSlashed.map((h) => `${o.seed}:${h.address}`),
  )
  const cleanMs = outcomes.flatMap((o) => o.cleanAggregationMs)
  const allMs = outcomes.flatMap((o) => [...o.cleanAggregationMs, ...o.attackAggregationMs])
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length
  const rows: [string, string, boolean][] = [
    [
      `AUC gap to centralised, no attackers (<= ${GOALS.maxGapToCentralised})`,
      `mean ${f4(mean(gaps))}, worst ${f4(Math.max(...gaps))}`,
      Math.max(...gaps) <= GOALS.maxGapToCentralised,
    ],
    [
      `AUC drop with 3 of 10 attackers (<= ${GOALS.maxDropUnderAttack})`,
      `mean ${f4(mean(drops))}, worst ${f4(Math.max(...drops))}`,
      Math.max(...drops) <= GOALS.maxDropUnderAttack,
    ],
    [
      'every attacker identity slashed at least once',
      unslashed.length === 0 ? 'all' : `not: ${unslashed.join(', ')}`,
      unslashed.length === 0,
    ],
    [
      'no honest client ever slashed',
      honestSlashed.length === 0 ? 'none slashed' : `slashed: ${honestSlashed.join(', ')}`,
      honestSlashed.length === 0,
    ],
    [
      `aggregating 10 updates (< ${GOALS.maxAggregationMs} ms; wall time, judged on the median)`,
      `median ${median(cleanMs).toFixed(0)} ms, p95 ${quantile(allMs, 0.95).toFixed(0)} ms, ` +
        `max ${Math.max(...allMs).toFixed(0)} ms (load average ${loadavg()[0]?.toFixed(1)} on ${cpus().length} cores)`,
      median(cleanMs) < GOALS.maxAggregationMs,
    ],
  ]
  const lines = [
    '| seed | centralised AUC | federated, no attackers | with attackers | gap | drop | attackers first slashed in round | honest rejections |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...outcomes.map(
      (o, i) =>
        `| ${o.seed} | ${f4(o.centralAuc)} | ${f4(o.cleanAuc)} | ${f4(o.attackAuc)} | ${f4(gaps[i] as number)} | ` +
        `${f4(drops[i] as number)} | ${o.attackersSlashed.map((a) => `${a.role} ${a.rounds[0] ?? '-'}`).join(', ')} | ${o.honestRejections} |`,
    ),
    '',
    '| Goal | measured | |',
    '| --- | --- | --- |',
    ...rows.map(([goal, value, ok]) => `| ${goal} | ${value} | ${ok ? 'met' : 'MISSED'} |`),
  ]
  lines.push('', ...scoreTable(outcomes.flatMap((o) => o.scores)))
  const eps = outcomes[0]?.epsilonByRound ?? []
  if (eps.length > 0) {
    lines.push(
      '',
      `Privacy spent by each client (delta 1e-5), after round: ${eps
        .map(
          (e, r) =>
            `${r + 1}: ${Number.isFinite(e.rdp) ? `RDP ${e.rdp.toFixed(1)} / exact ${e.exact.toFixed(1)}` : 'no noise, epsilon infinite'}`,
        )
        .join('; ')}`,
    )
  }
  return { text: lines.join('\n'), passed: rows.every(([, , ok]) => ok) }
}

async function runAll(jobs: SeedJob[], workers: number): Promise<SeedOutcome[]> {
  if (workers <= 1) return jobs.map(runSeed)
  const queue = [...jobs]
  const done: SeedOutcome[] = []
  const worker = async (): Promise<void> => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      const current = job
      done.push(
        await new Promise<SeedOutcome>((resolve, reject) => {
          const w = process.versions.bun
            ? new Worker(__filename, { workerData: current })
            : new Worker(`require('tsx/cjs'); require(${JSON.stringify(__filename)})`, {
                eval: true,
                workerData: current,
              })
          w.once('message', (o: SeedOutcome) => {
            process.stderr.write(`seed ${o.seed} done\n`)
            resolve(o)
          })
          w.once('error', reject)
        }),
      )
    }
  }
  await Promise.all(Array.from({ length: workers }, worker))
  return done.sort((a, b) => a.seed - b.seed)
}

async function main(): Promise<void> {
  const program = new Command()
    .name('fl:simulate')
    .description('Measure the federated-learning Goals over many seeds')
    .option('--seeds <n>', 'number of seeds', '20')
    .option('--first-seed <n>', 'first seed', '1')
    .option('--rounds <n>', 'rounds per run', String(DEFAULT_ROUNDS))
    .option('--noise <z>', 'DP noise multiplier', String(DEFAULT_DP.noiseMultiplier))
    .option('--clip <c>', 'DP clip norm', String(DEFAULT_DP.clipNorm))
    .option('--workers <n>', 'parallel worker threads', '2')
    .option('--json <file>', 'also write every outcome as JSON')
    .parse()
  const o = program.opts<Record<string, string>>()
  const first = Number(o.firstSeed)
  const jobs = Array.from({ length: Number(o.seeds) }, (_, i) => ({
    seed: first + i,
    rounds: Number(o.rounds),
    noise: Number(o.noise),
    clip: Number(o.clip),
  }))
  const outcomes = await runAll(jobs, Number(o.workers))
  const { text, passed } = summarise(outcomes)
  process.stdout.write(
    `${jobs.length} seeds from ${first}, ${o.rounds} rounds, clip ${o.clip}, noise multiplier ${o.noise}\n\n${text}\n`,
  )
  if (o.json) writeFileSync(o.json, `${JSON.stringify(outcomes, null, 2)}\n`)
  if (!passed) process.exitCode = 1
}

if (!isMainThread) {
  parentPort?.postMessage(runSeed(workerData as SeedJob))
} else if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(
      `fl:simulate failed: ${err instanceof Error ? err.message : String(err)}\n`,
    )
    process.exitCode = 1
  })
}
