/**
 * The training loop both trainers share: epochs of seeded shuffles, mini-batches whose summed
 * per-example gradients feed one Adam step each. The model-specific part (forward and backward pass
 * of one example) is the `accumulate` callback.
 */
import { Adam, type AdamHyperparameters } from './adam'
import type { Prng } from './prng'

export interface MinibatchHyperparameters extends AdamHyperparameters {
  epochs: number
  batchSize: number
  /** L2 coefficient on the weight tensors (never on biases). */
  l2: number
}

/** A parameter tensor and whether L2 decay applies to it (weights yes, biases no). */
export interface Parameter {
  values: Float64Array
  decayed: boolean
}

/**
 * Trains `params` in place on examples `0 .. count - 1` with a fresh Adam state. Each epoch draws a
 * new order with `rng.shuffle`; for each batch the gradients are zeroed, `accumulate(i, grads)` adds
 * example i's loss gradient (one buffer per parameter, same order), and Adam takes one step.
 */
export function trainMinibatches(
  params: readonly Parameter[],
  count: number,
  hp: MinibatchHyperparameters,
  rng: Prng,
  accumulate: (example: number, grads: readonly Float64Array[]) => void,
): void {
  const values = params.map((p) => p.values)
  const adam = new Adam(
    values,
    params.map((p) => (p.decayed ? hp.l2 : 0)),
    hp,
  )
  const grads = values.map((p) => new Float64Array(p.length))
  const order = Array.from({ length: count }, (_, i) => i)
  for (let epoch = 0; epoch < hp.epochs; epoch++) {
    rng.shuffle(order)
    for (let start = 0; start < count; start += hp.batchSize) {
      const batch = order.slice(start, start + hp.batchSize)
      grads.forEach((g) => g.fill(0))
      for (const i of batch) accumulate(i, grads)
      adam.step(grads, batch.length)
    }
  }
}
