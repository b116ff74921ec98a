/**
 * A participant's side of a round: decode the round's base model, train it on the private
 * partition with the project's own trainer (script/models/training: the MLP trainer, Adam, the
 * mini-batch loop risk-v1 was trained with), take the difference, clip it and add Gaussian noise
 * (privacy.ts), encode it for the round (update-codec.ts). The bytes and their content hash are
 * what the participant commits to, reveals and serves.
 */
import { fitMlp } from '../script/models/training/mlp-trainer'
import type { MinibatchHyperparameters } from '../script/models/training/minibatch'
import type { Prng } from '../script/models/training/prng'
import type { TabularDataset } from '../script/models/training/risk-data'
import { fromFixed } from './fixed-point'
import { fixedToMlp, mlpToVector, type MlpLayout } from './layout'
import { privatiseUpdate, type DpParameters } from './privacy'
import { contentHash, encodeUpdate } from './update-codec'

/** What every client of a task knows: the model's shape, its standardisation, the round's base. */
export interface ClientTask {
  taskId: string
  layout: MlpLayout
  standardisation: { mean: Float64Array; std: Float64Array }
  local: MinibatchHyperparameters
  /** The local learning rate of round r is local.learningRate x decay^(r - 1). */
  learningRateDecay: number
  dp: DpParameters
}

/** The local training hyperparameters of `round` (the learning rate decays by round). */
export function localHyperparameters(task: ClientTask, round: number): MinibatchHyperparameters {
  return {
    ...task.local,
    learningRate: task.local.learningRate * task.learningRateDecay ** (round - 1),
  }
}

/** The raw (float) update of local training: trained weights minus the base weights. */
export function localUpdate(
  task: ClientTask,
  round: number,
  base: Int32Array,
  data: TabularDataset,
  rng: Prng,
): Float64Array {
  const model = fixedToMlp(task.layout, base, task.standardisation)
  fitMlp(model, data.x, data.y, data.n, localHyperparameters(task, round), rng)
  const trained = mlpToVector(model)
  return Float64Array.from(trained, (w, j) => w - fromFixed(base[j] as number))
}

export interface EncodedSubmission {
  participant: string
  bytes: Uint8Array
  /** keccak256 of the bytes: committed, then revealed. */
  hash: string
}

/** Encodes a float update for `participant` in `round`. */
export function encodeSubmission(
  task: ClientTask,
  round: number,
  participant: string,
  update: ArrayLike<number>,
): EncodedSubmission {
  const bytes = encodeUpdate(
    { taskId: task.taskId, round, participant, layout: task.layout },
    update,
  )
  return { participant, bytes, hash: contentHash(bytes) }
}

/** An honest participant's submission: train, clip, noise (from `normal`), encode. */
export function honestSubmission(
  task: ClientTask,
  round: number,
  participant: string,
  base: Int32Array,
  data: TabularDataset,
  rng: Prng,
  normal: () => number,
): EncodedSubmission & { norm: number; clipped: boolean } {
  const raw = localUpdate(task, round, base, data, rng)
  const { released, norm, clipped } = privatiseUpdate(raw, task.dp, normal)
  return { ...encodeSubmission(task, round, participant, released), norm, clipped }
}
