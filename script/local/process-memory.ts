/**
 * Memory of a (child) process, read from /proc/<pid>/status (Linux): resident now (VmRSS) and the
 * peak over its life so far (VmHWM). Servers under load run in their own processes so that these
 * figures hold no load generator.
 */
import { readFileSync } from 'node:fs'

/** Thrown when the figure cannot be read (no such process, or not Linux). */
export class ProcessMemoryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ProcessMemoryError'
  }
}

function procStatusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  let status: string
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8')
  } catch (cause) {
    throw new ProcessMemoryError(`cannot read /proc/${pid}/status`, { cause })
  }
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)
  if (!m?.[1]) throw new ProcessMemoryError(`no ${field} for pid ${pid}`)
  return Number(m[1])
}

const toMiB = (kb: number): number => Math.round((kb / 1024) * 10) / 10

/** Resident memory of a process now, in MiB (one decimal). */
export function rssMiB(pid: number): number {
  return toMiB(procStatusKb(pid, 'VmRSS'))
}

/** Peak resident memory of a process over its life so far (VmHWM), in MiB (one decimal). */
export function peakRssMiB(pid: number): number {
  return toMiB(procStatusKb(pid, 'VmHWM'))
}
