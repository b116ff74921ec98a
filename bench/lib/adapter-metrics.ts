/** Reads counters from the adapter's Prometheus `/metrics` (e.g. cache hits during one run). */

/** Sum of every sample of the counter `name` (any labels; a prefix before the name is allowed). */
export function counterValue(metricsText: string, name: string): number {
  let sum = 0
  for (const line of metricsText.split('\n')) {
    if (line.startsWith('#')) continue
    const m = /^([A-Za-z_:][A-Za-z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line)
    if (m?.[1] && (m[1] === name || m[1].endsWith(`_${name}`)) && m[3]) sum += Number(m[3])
  }
  return sum
}

export interface CacheCounters {
  hits: number
  misses: number
}

/** The adapter's cache hit and miss counters now (zeros if /metrics does not answer). */
export async function readCacheCounters(adapterUrl: string): Promise<CacheCounters> {
  try {
    const res = await fetch(new URL('/metrics', adapterUrl), { signal: AbortSignal.timeout(5000) })
    const text = await res.text()
    return {
      hits: counterValue(text, 'cache_hits_total'),
      misses: counterValue(text, 'cache_misses_total'),
    }
  } catch {
    return { hits: 0, misses: 0 }
  }
}
