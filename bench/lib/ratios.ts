/**
 * The comparisons of issues 4 and 8, each a ratio of figures measured in the same run, with its
 * goal and whether this run met it. Tabular model, 64 connections, cache cold, unless said.
 */
import type { ZkBenchFigures } from './zk'
import type { ComputeFloor } from '../compute-floor'
import { SLOPE_GOAL_MIN_SECONDS, type SoakRun } from './image-soak'
import type { Cell } from './results-types'
import type { RoundTransport, RoundsFigures } from './rounds'

export interface Ratio {
  value: number | null
  /** e.g. ">= 1.0"; absent when the ratio is reported without a goal. */
  goal?: string
  met?: boolean
  definition: string
}

export type Ratios = Record<string, Ratio>

function rps(cells: Cell[], target: string, connections: number): number | undefined {
  return cells.find((c) => c.target === target && c.connections === connections)?.requestsPerSecond
}

function ratio(a: number | undefined, b: number | undefined): number | null {
  if (a === undefined || b === undefined || b === 0) return null
  return Math.round((a / b) * 1000) / 1000
}

function withGoal(
  value: number | null,
  definition: string,
  goal?: { text: string; test: (v: number) => boolean },
): Ratio {
  if (!goal) return { value, definition }
  return { value, goal: goal.text, met: value !== null && goal.test(value), definition }
}

const atLeast = (x: number) => ({ text: `>= ${x}`, test: (v: number) => v >= x })
const below = (x: number) => ({ text: `< ${x}`, test: (v: number) => v < x })
const atMost = (x: number) => ({ text: `<= ${x}`, test: (v: number) => v <= x })

export function computeRatios(
  cells: Cell[],
  floor: ComputeFloor | undefined,
  soak: SoakRun | undefined,
): Ratios {
  const adapter64 = rps(cells, 'adapter-tabular', 64)
  const imageP50 = cells.find((c) => c.target === 'adapter-image' && c.connections === 1)
  const image16 = cells.find((c) => c.target === 'adapter-image' && c.connections === 16)
  return {
    adapter_vs_ea_framework: withGoal(
      ratio(adapter64, rps(cells, 'ea-framework-constant', 64)),
      'adapter tabular req/s over the EA framework answering a constant (64 connections)',
      atLeast(1.0),
    ),
    adapter_vs_express_constant: withGoal(
      ratio(adapter64, rps(cells, 'express-constant', 64)),
      'adapter tabular req/s over plain Express answering a constant (64 connections)',
      atLeast(0.9),
    ),
    adapter_vs_node_http: withGoal(
      ratio(adapter64, rps(cells, 'node-http-constant', 64)),
      'adapter tabular req/s over bare node:http answering a constant, the HTTP floor (no goal: the load generator shares the cores)',
    ),
    batching_gain: withGoal(
      ratio(adapter64, rps(cells, 'adapter-tabular-nobatch', 64)),
      'micro-batching on over off, 64 connections',
      atLeast(1.1),
    ),
    batching_gain_c1: withGoal(
      ratio(rps(cells, 'adapter-tabular', 1), rps(cells, 'adapter-tabular-nobatch', 1)),
      'micro-batching on over off, 1 connection',
      atLeast(0.95),
    ),
    signing_cost: withGoal(
      ratio(rps(cells, 'adapter-tabular-signed', 64), adapter64),
      'throughput with signing on over off (64 connections)',
      atLeast(0.8),
    ),
    signed_adapter_vs_ea_framework: withGoal(
      ratio(rps(cells, 'adapter-tabular-signed', 64), rps(cells, 'ea-framework-constant', 64)),
      'adapter tabular req/s with signing on (EIP-712, Merkle batches) over the EA framework answering a constant (64 connections)',
      atLeast(1.0),
    ),
    cache_warm_gain: withGoal(
      ratio(rps(cells, 'adapter-tabular-warm', 64), adapter64),
      'cache warm over cache cold (64 connections)',
    ),
    adapter_vs_compute_floor: withGoal(
      ratio(adapter64, floor?.models.find((m) => m.model === 'risk-v1')?.bestRowsPerSecond),
      'adapter tabular req/s over in-process ONNX Runtime rows/s at its best batch',
    ),
    image_p50_c1_ms: withGoal(
      imageP50 ? imageP50.latencyP50Ms : null,
      'image request (1024x768 JPEG, decode + resize + infer) p50 latency at 1 connection, ms',
      atMost(5),
    ),
    image_http_vs_inprocess_c16: withGoal(
      ratio(image16?.requestsPerSecond, image16?.inProcessPerSecond),
      "image req/s at 16 connections over the same work in-process (sha256, decode, resize, normalise, infer with the adapter's functions; 16 concurrent; measured right before the cell in each round)",
      atLeast(0.8),
    ),
    image_rss_peak_mib: withGoal(
      soak ? soak.rssPeakMiB : null,
      'peak RSS of a fresh image adapter over the memory soak (16 connections, images of several sizes, every request decoded), MiB',
      below(512),
    ),
    image_rss_slope_pct_per_5min: withGoal(
      soak ? soak.rssSlopePctPer5Min : null,
      "least-squares slope of the image adapter's RSS over the soak's second half, % of that half's mean per 5 minutes" +
        (soak && soak.seconds < SLOPE_GOAL_MIN_SECONDS
          ? ` (no goal: a ${soak.seconds}-s soak's second half is still the working set building up; the goal applies from ${SLOPE_GOAL_MIN_SECONDS} s)`
          : ''),
      soak && soak.seconds < SLOPE_GOAL_MIN_SECONDS ? undefined : below(2),
    ),
  }
}

/** Issue 11's goal for one CRE round, request to accepted result, on this machine (ms). */
const CRE_ROUND_GOAL_MS = 1500

/**
 * The end-to-end figures of bench/lib/rounds.ts (issue 14 part 3): p50 and p95 of one round per
 * transport, and the local Functions DON against Chainlink's toolkit testnet. Every key is present
 * in every run; a transport that was not measured, or had a round not accepted, gives `null`.
 */
export function computeRoundRatios(rounds: RoundsFigures | undefined): Ratios {
  const run = (t: RoundTransport) => {
    const r = rounds?.runs.find((x) => x.transport === t)
    return r?.allAccepted ? r : undefined
  }
  const fn = run('functions')
  const tk = run('toolkit')
  const cre = run('cre')
  const out: Ratios = {}
  const what: Record<RoundTransport, string> = {
    functions: 'local Functions DON (real Router and Coordinator, 3 signatures checked)',
    toolkit: "Chainlink's toolkit testnet (startLocalFunctionsTestnet, no signature checks)",
    cre: 'local CRE DON (real KeystoneForwarder, 2 signatures checked)',
  }
  for (const [t, r] of [
    ['functions', fn],
    ['toolkit', tk],
    ['cre', cre],
  ] as const) {
    const goal = t === 'cre' ? below(CRE_ROUND_GOAL_MS) : undefined
    out[`e2e_round_p50_ms_${t}`] = withGoal(
      r ? r.p50Ms : null,
      `one RiskPricing quote, request sent to InferenceAccepted mined, p50 ms: ${what[t]}`,
      goal,
    )
    out[`e2e_round_p95_ms_${t}`] = withGoal(r ? r.p95Ms : null, `the same, p95 ms: ${what[t]}`)
  }
  out.e2e_round_functions_vs_toolkit = withGoal(
    ratio(fn?.p50Ms, tk?.p50Ms),
    "round p50 of the local Functions DON over the toolkit testnet's (same source, adapters and consumer; below 1 = the local DON is faster)",
  )
  return out
}

/** Issue 16's goals for the risk-v1 proof path. */
export function computeZkRatios(zk: ZkBenchFigures | undefined): Ratios {
  return {
    zk_prove_p50_ms: withGoal(
      zk ? zk.provingMsP50 : null,
      'risk-v1 Groth16 proof (snarkjs, witness + prove), p50 of the warm proofs of one run, ms',
      atMost(1000),
    ),
    zk_verify_gas: withGoal(
      zk ? zk.verifyProofGas : null,
      'gas of verifyProof for a risk-v1 proof on anvil',
      atMost(250_000),
    ),
    zk_proof_bytes: withGoal(
      zk ? zk.proofBytes : null,
      'size of a risk-v1 proof (Groth16 on BN254: two G1 points and one G2 point), bytes',
      atMost(256),
    ),
    zk_fulfil_gas: withGoal(
      zk ? zk.fulfilGas : null,
      "gas of the zk oracle's fulfil on anvil: proof checked, commitments compared, the quote priced",
    ),
  }
}
