/** The shapes of bench/results.json. */
import type { ComputeFloor } from '../compute-floor'
import type { FunctionsFigures } from './functions-wall-time'
import type { GasFigure } from './gas'
import type { SoakRun } from './image-soak'
import type { LoadResult } from '../../script/local/http-load'
import type { Machine } from './machine'
import type { Ratios } from './ratios'
import type { RoundsFigures } from './rounds'
import type { ZkBenchFigures } from './zk'

export interface Settings {
  quick: boolean
  warmupSeconds: number
  measureSeconds: number
  rounds: number
  /** Seconds of the image memory soak (bench/lib/image-soak.ts). */
  soakSeconds: number
  computeMsPerPoint: number
  functionsRepeats: number
  /** End-to-end rounds per transport (bench/lib/rounds.ts), counted after `e2eWarmup` ones. */
  e2eRounds: number
  e2eWarmup: number
}

export const CONNECTIONS = [1, 16, 64] as const

/** One measured cell: a target at a connection count, with its figures per round. */
export interface Cell {
  target: string
  connections: number
  rounds: LoadResult[]
  /** Median over rounds. */
  requestsPerSecond: number
  latencyP50Ms: number
  latencyP99Ms: number
  /** The same work without HTTP, measured right before the cell in each round (median), req/s. */
  inProcessPerSecond?: number
  /** Cache hits / (hits + misses) over the measured windows, for adapter targets. */
  cacheHitRate?: number
}

export interface ServerFigures {
  target: string
  description: string
  peakRssMiB: number
}

export interface Results {
  generatedAt: string
  mode: 'quick' | 'full'
  note: string
  machine: Machine
  loadAverageEnd1m: number
  settings: Settings
  computeFloor?: ComputeFloor
  servers: ServerFigures[]
  cells: Cell[]
  imageSoak?: SoakRun
  functions?: FunctionsFigures
  /** One request to its accepted result, per transport. */
  rounds?: RoundsFigures
  /** The zero-knowledge path (bench/lib/zk.ts). */
  zk?: ZkBenchFigures
  gas: GasFigure[]
  ratios: Ratios
  skipped: string[]
  wallSeconds: number
}
