/**
 * Gas figures from the contracts' forge snapshots, as committed by the contracts part: the
 * `.gas-snapshot` file (`forge snapshot`: `Contract:test() (gas: N)`) and `snapshots/*.json`
 * (`vm.snapshotGas*`: `{ "name": "N" }`). The bench reads them; it does not re-run forge.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

export interface GasFigure {
  source: string
  name: string
  gas: number
}

export function readGasSnapshots(repoRoot: string): GasFigure[] {
  const out: GasFigure[] = []
  const legacy = join(repoRoot, '.gas-snapshot')
  if (existsSync(legacy)) {
    for (const line of readFileSync(legacy, 'utf8').split('\n')) {
      const m = /^(\S+?)\s+\((?:gas: (\d+)|runs: \d+, μ: (\d+), ~: \d+)\)/.exec(line.trim())
      if (m?.[1]) out.push({ source: '.gas-snapshot', name: m[1], gas: Number(m[2] ?? m[3]) })
    }
  }
  const dir = join(repoRoot, 'snapshots')
  if (existsSync(dir)) {
    for (const file of readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      const json: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'))
      if (json === null || typeof json !== 'object') continue
      for (const [name, value] of Object.entries(json)) {
        const gas = Number(value)
        if (Number.isFinite(gas)) out.push({ source: `snapshots/${file}`, name, gas })
      }
    }
  }
  return out
}
