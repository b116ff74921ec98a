/**
 * Evaluation metrics the build reports in the manifest and model card. Values are rounded to
 * `METRIC_DECIMALS` decimals so the manifest does not depend on the last bits of a float sum.
 */

export const METRIC_DECIMALS = 6

export function roundMetric(x: number): number {
  const f = 10 ** METRIC_DECIMALS
  return Math.round(x * f) / f
}

/** Index of the largest value (first one on ties). */
export function argmax(values: ArrayLike<number>): number {
  let best = 0
  for (let i = 1; i < values.length; i++)
    if ((values[i] as number) > (values[best] as number)) best = i
  return best
}

/** Share of predictions equal to the labels. */
export function accuracy(predicted: ArrayLike<number>, labels: ArrayLike<number>): number {
  let hit = 0
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) hit += 1
  return hit / labels.length
}

/** Accuracy within each true class (recall per class), keyed by label name. */
export function perClassAccuracy(
  predicted: ArrayLike<number>,
  labels: ArrayLike<number>,
  names: readonly string[],
): Record<string, number> {
  const out: Record<string, number> = {}
  names.forEach((name, c) => {
    let n = 0
    let hit = 0
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] !== c) continue
      n += 1
      if (predicted[i] === c) hit += 1
    }
    out[name] = n === 0 ? 0 : roundMetric(hit / n)
  })
  return out
}

/**
 * Area under the ROC curve of `scores` for binary `labels` (1 = positive): the Mann-Whitney
 * statistic with tied scores counted as one half.
 */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const idx = Array.from({ length: labels.length }, (_, i) => i)
  idx.sort((a, b) => (scores[a] as number) - (scores[b] as number))
  let rankSumPos = 0
  let nPos = 0
  let i = 0
  while (i < idx.length) {
    let j = i
    while (j + 1 < idx.length && scores[idx[j + 1] as number] === scores[idx[i] as number]) j++
    const midRank = (i + j) / 2 + 1 // ranks are 1-based
    for (let k = i; k <= j; k++) {
      if (labels[idx[k] as number] === 1) {
        rankSumPos += midRank
        nPos += 1
      }
    }
    i = j + 1
  }
  const nNeg = labels.length - nPos
  if (nPos === 0 || nNeg === 0) throw new Error('AUC needs both classes')
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg)
}

/** Mean negative log-likelihood of the true class. */
export function logLoss(
  probabilities: Float64Array,
  classes: number,
  labels: ArrayLike<number>,
): number {
  let sum = 0
  for (let i = 0; i < labels.length; i++) {
    const p = probabilities[i * classes + (labels[i] as number)] as number
    sum -= Math.log(Math.max(p, 1e-12))
  }
  return sum / labels.length
}
