/**
 * The attacks the aggregation rule is tested against (issue 12): each produces a float update that
 * the attacker then encodes like anyone else, since the format itself cannot be faked past the
 * decoder.
 *
 * - Label flipping: train honestly on the partition with every label inverted (a data-poisoning
 *   attack that keeps the update's size and shape plausible); the update is clipped and noised like
 *   an honest one.
 * - Scaled sign flip: the attacker's honest (clipped) update times -scale, a model-poisoning
 *   attack pushing the model against the descent direction. A careful attacker keeps it just under
 *   the task's norm bound (`underNorm`), otherwise the bound alone rejects it.
 * - Sybils: one attacker behind two identities submits the same crafted update from both (here
 *   the negated honest update at the norm bound), to double its weight in the aggregate.
 */
import type { TabularDataset } from '../script/models/training/risk-data'
import { l2Norm } from './privacy'

/** The partition with every label inverted (0 <-> 1). */
export function flipLabels(data: TabularDataset): TabularDataset {
  return { ...data, y: Uint8Array.from(data.y, (label) => 1 - label) }
}

/** -scale * update, shortened to `underNorm` if that is given and exceeded. */
export function scaledSignFlip(
  update: ArrayLike<number>,
  scale: number,
  underNorm?: number,
): Float64Array {
  const flipped = Float64Array.from(update, (x) => -scale * x)
  const norm = l2Norm(flipped)
  if (underNorm === undefined || norm <= underNorm || norm === 0) return flipped
  return Float64Array.from(flipped, (x) => (x * underNorm) / norm)
}

/** The crafted update the Sybil identities all submit: the negated update at norm `norm`. */
export function craftSybilUpdate(update: ArrayLike<number>, norm: number): Float64Array {
  const n = l2Norm(update)
  if (n === 0) return new Float64Array(update.length)
  return Float64Array.from(update, (x) => (-x * norm) / n)
}
