/** The machine the figures were measured on, printed and stored with the results. */
import { readFileSync } from 'node:fs'
import { cpus, loadavg, release, totalmem } from 'node:os'

export interface Machine {
  cpuModel: string
  cores: number
  memoryGiB: number
  node: string
  os: string
  loadAverage1m: number
}

export function describeMachine(): Machine {
  let cpuModel = cpus()[0]?.model ?? 'unknown'
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))
    if (m?.[1]) cpuModel = m[1].trim()
  } catch {
    // not Linux: keep os.cpus()'s model
  }
  return {
    cpuModel,
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${process.platform} ${release()}`,
    loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  }
}
