/**
 * The load cells: every target at each of its connection counts, measured in rounds (a full run
 * interleaves targets within a round, so a burst of other work on the shared machine hits every
 * target alike); a cell's figures are the medians over its rounds.
 */
import { runLoad, type LoadResult } from '../../script/local/http-load'
import { readCacheCounters } from './adapter-metrics'
import { CONNECTIONS, type Cell, type Settings } from './results-types'
import { serverOf, type Target } from './targets'

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2
}

interface CellRun {
  result: LoadResult
  hits: number
  misses: number
}

/** One warm-up and one measured window of `t` at `connections`, with its cache hits and misses. */
async function measureCell(t: Target, connections: number, s: Settings): Promise<CellRun> {
  const server = serverOf(t)
  const warm = await runLoad({
    url: server.url,
    connections,
    durationSeconds: s.warmupSeconds,
    bodies: t.pool(connections, 64 * connections),
  })
  // Enough distinct bodies for three times the warm-up's pace (cold runs must never repeat one;
  // the cache hit rate read from /metrics shows whether they did).
  const pace = Math.max(warm.answersPerSecond, 2000)
  const expected = Math.ceil(pace * s.measureSeconds * 3) + 64 * connections
  const pool = t.pool(connections, expected)
  const before = t.adapter ? await readCacheCounters(server.url) : { hits: 0, misses: 0 }
  const result = await runLoad({
    url: server.url,
    connections,
    durationSeconds: s.measureSeconds,
    bodies: pool,
  })
  const after = t.adapter ? await readCacheCounters(server.url) : { hits: 0, misses: 0 }
  return { result, hits: after.hits - before.hits, misses: after.misses - before.misses }
}

/** Measures every cell of the started targets in `s.rounds` rounds; `log` narrates. */
export async function measureCells(
  targets: Target[],
  s: Settings,
  log: (msg: string) => void,
): Promise<Cell[]> {
  const perCell = new Map<
    string,
    { results: LoadResult[]; hits: number; misses: number; inProcess: number[] }
  >()
  for (let round = 0; round < s.rounds; round++) {
    for (const c of CONNECTIONS) {
      for (const t of targets) {
        if (!t.connections.includes(c)) continue
        const key = `${t.name}@${c}`
        const acc = perCell.get(key) ?? { results: [], hits: 0, misses: 0, inProcess: [] }
        if (t.inProcess?.connections === c) {
          log(`round ${round + 1}/${s.rounds}: ${t.name} in-process at ${c}`)
          acc.inProcess.push(await t.inProcess.measure(s.measureSeconds))
        }
        log(`round ${round + 1}/${s.rounds}: ${t.name} at ${c} connection(s)`)
        const m = await measureCell(t, c, s)
        acc.results.push(m.result)
        acc.hits += m.hits
        acc.misses += m.misses
        perCell.set(key, acc)
      }
    }
  }
  const cells: Cell[] = []
  for (const t of targets) {
    for (const c of t.connections) {
      const acc = perCell.get(`${t.name}@${c}`)
      if (!acc) continue
      const cell: Cell = {
        target: t.name,
        connections: c,
        rounds: acc.results,
        requestsPerSecond: Math.round(median(acc.results.map((r) => r.requestsPerSecond))),
        latencyP50Ms: median(acc.results.map((r) => r.latencyP50Ms)),
        latencyP99Ms: median(acc.results.map((r) => r.latencyP99Ms)),
      }
      if (acc.inProcess.length > 0) cell.inProcessPerSecond = Math.round(median(acc.inProcess))
      if (t.adapter && acc.hits + acc.misses > 0) {
        cell.cacheHitRate = Math.round((acc.hits / (acc.hits + acc.misses)) * 10_000) / 10_000
      }
      cells.push(cell)
    }
  }
  return cells
}
