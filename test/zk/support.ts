/** Shared helpers of the zk tests: seeded random requests and the committed risk-v1 prover. */
import { join } from 'node:path'

import type { Manifest } from '../../protocol/manifest'
import { REPO_ROOT } from '../../zk/src/artifacts'

export { prng } from '../support/prng'

export const RISK_DIR = join(REPO_ROOT, 'adapter', 'models', 'risk-v1')
export const DAMAGE_DIR = join(REPO_ROOT, 'adapter', 'models', 'damage-v1')

/**
 * A random valid `features` object: integers for integer features; for number features, every
 * other row a full-precision double, else a value with two decimals (what forms send).
 */
export function randomFeatures(manifest: Manifest, rand: () => number): Record<string, number> {
  if (manifest.inputs.kind !== 'tabular') throw new Error(`${manifest.id} is not tabular`)
  const rounded = rand() < 0.5
  const out: Record<string, number> = {}
  for (const f of manifest.inputs.features) {
    const x = f.min + rand() * (f.max - f.min)
    let v = f.type === 'integer' ? Math.round(x) : rounded ? Math.round(x * 100) / 100 : x
    v = Math.min(f.max, Math.max(f.min, v))
    out[f.name] = v
  }
  return out
}

/** The features in manifest order. */
export function featureRow(manifest: Manifest, features: Record<string, number>): number[] {
  if (manifest.inputs.kind !== 'tabular') throw new Error(`${manifest.id} is not tabular`)
  return manifest.inputs.features.map((f) => features[f.name] as number)
}
