/**
 * Non-IID partitions of the risk data: client k of K holds the policies whose garaging region's
 * risk index (`region_risk`, uniform on [0, 1]) falls in [k / K, (k + 1) / K). Each client sees one
 * slice of one feature and therefore a different loss rate (the true log-odds rise by 2.0 per unit
 * of region risk), the way insurers in different regions hold different books.
 */
import { RISK_FEATURES, type TabularDataset } from '../script/models/training/risk-data'

export const REGION_FEATURE = RISK_FEATURES.findIndex((f) => f.name === 'region_risk')

/** The rows `indices` of `ds`, in that order. */
export function subset(ds: TabularDataset, indices: readonly number[]): TabularDataset {
  const f = ds.features
  const x = new Float64Array(indices.length * f)
  const y = new Uint8Array(indices.length)
  indices.forEach((row, k) => {
    x.set(ds.x.subarray(row * f, (row + 1) * f), k * f)
    y[k] = ds.y[row] as number
  })
  return { x, y, n: indices.length, features: f }
}

/** Splits `ds` into `clients` partitions by region-risk slice (client k: [k/K, (k+1)/K)). */
export function partitionByRegion(ds: TabularDataset, clients: number): TabularDataset[] {
  if (!Number.isInteger(clients) || clients < 1) throw new RangeError(`clients must be >= 1`)
  const rows: number[][] = Array.from({ length: clients }, () => [])
  for (let i = 0; i < ds.n; i++) {
    const region = ds.x[i * ds.features + REGION_FEATURE] as number
    const k = Math.min(clients - 1, Math.floor(region * clients))
    ;(rows[k] as number[]).push(i)
  }
  return rows.map((r) => subset(ds, r))
}

/** Size and loss rate of each partition (for the docs and the simulation's output). */
export function partitionStats(
  parts: readonly TabularDataset[],
): { n: number; lossRate: number }[] {
  return parts.map((p) => ({ n: p.n, lossRate: p.y.reduce((a, b) => a + b, 0) / Math.max(1, p.n) }))
}
