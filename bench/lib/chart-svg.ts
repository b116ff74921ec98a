/**
 * bench/throughput.svg: two panels, requests/s and p99 latency against connections (1, 16, 64),
 * one line per target. Plain SVG written here (no chart dependency); categorical x axis.
 */
import { CONNECTIONS, type Cell, type Results } from './results-types'

const COLORS = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
]
const W = 460
const H = 300
const PAD = { left: 64, right: 16, top: 36, bottom: 44 }

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

function niceMax(v: number): number {
  if (v <= 0) return 1
  const p = 10 ** Math.floor(Math.log10(v))
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p
  return 10 * p
}

function panel(
  x0: number,
  title: string,
  unit: string,
  series: { name: string; color: string; points: [number, number][] }[],
  log = false,
): string {
  const values = series.flatMap((s) => s.points.map((p) => p[1]))
  const pw = W - PAD.left - PAD.right
  const ph = H - PAD.top - PAD.bottom
  const xAt = (i: number) => x0 + PAD.left + (pw * (i + 0.5)) / CONNECTIONS.length
  // Linear from 0, or log10 from 1 (values below 1 drawn at 1) to the next power of ten.
  const max = log
    ? 10 ** Math.max(1, Math.ceil(Math.log10(Math.max(1, ...values))))
    : niceMax(Math.max(0, ...values))
  const yAt = log
    ? (v: number) => PAD.top + ph - (ph * Math.log10(Math.max(1, v))) / Math.log10(max)
    : (v: number) => PAD.top + ph - (ph * v) / max
  const ticks = log
    ? Array.from({ length: Math.log10(max) + 1 }, (_, k) => 10 ** k)
    : [0, 1, 2, 3, 4].map((k) => (max * k) / 4)
  const out: string[] = [
    `<text x="${x0 + W / 2}" y="20" text-anchor="middle" font-weight="bold">${esc(title)}</text>`,
  ]
  for (const v of ticks) {
    const y = yAt(v)
    out.push(
      `<line x1="${x0 + PAD.left}" x2="${x0 + W - PAD.right}" y1="${y}" y2="${y}" stroke="#ddd"/>`,
      `<text x="${x0 + PAD.left - 6}" y="${y + 4}" text-anchor="end">${v >= 1000 ? `${v / 1000}k` : v}</text>`,
    )
  }
  CONNECTIONS.forEach((c, i) => {
    out.push(`<text x="${xAt(i)}" y="${H - PAD.bottom + 16}" text-anchor="middle">${c}</text>`)
  })
  out.push(
    `<text x="${x0 + PAD.left + pw / 2}" y="${H - 8}" text-anchor="middle">connections</text>`,
    `<text x="${x0 + 14}" y="${PAD.top + ph / 2}" text-anchor="middle" transform="rotate(-90 ${x0 + 14} ${PAD.top + ph / 2})">${esc(unit)}</text>`,
  )
  for (const s of series) {
    const pts = s.points.map(
      ([c, v]) => `${xAt(CONNECTIONS.indexOf(c as 1)).toFixed(1)},${yAt(v).toFixed(1)}`,
    )
    out.push(
      `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts.join(' ')}"/>`,
    )
    for (const p of pts) {
      const [x, y] = p.split(',')
      out.push(`<circle cx="${x}" cy="${y}" r="3" fill="${s.color}"/>`)
    }
  }
  return out.join('\n')
}

export function renderThroughputSvg(results: Results): string {
  const byTarget = new Map<string, Cell[]>()
  for (const c of results.cells) byTarget.set(c.target, [...(byTarget.get(c.target) ?? []), c])
  const series = [...byTarget.entries()]
    .filter(([, cs]) => cs.length >= 2)
    .map(([name, cs], i) => ({
      name,
      color: COLORS[i % COLORS.length] ?? '#000',
      cells: [...cs].sort((a, b) => a.connections - b.connections),
    }))
  const legendRows = Math.ceil(series.length / 3)
  const height = H + 16 + legendRows * 18
  const legend = series
    .map((s, i) => {
      const x = 20 + (i % 3) * 300
      const y = H + 16 + Math.floor(i / 3) * 18
      return `<rect x="${x}" y="${y - 9}" width="12" height="3" fill="${s.color}"/><text x="${x + 18}" y="${y - 4}">${esc(s.name)}</text>`
    })
    .join('\n')
  const rps = series.map((s) => ({
    name: s.name,
    color: s.color,
    points: s.cells.map((c) => [c.connections, c.requestsPerSecond] as [number, number]),
  }))
  const p99 = series.map((s) => ({
    name: s.name,
    color: s.color,
    points: s.cells.map((c) => [c.connections, c.latencyP99Ms] as [number, number]),
  }))
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${height}" viewBox="0 0 ${2 * W} ${height}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="white"/>
${panel(0, 'Throughput (2xx requests/s)', 'requests/s', rps)}
${panel(W, 'p99 latency (log scale)', 'ms', p99, true)}
${legend}
<text x="${2 * W - 8}" y="${height - 4}" text-anchor="end" fill="#666">${esc(`${results.mode} run, ${results.generatedAt.slice(0, 16)}Z, ${results.machine.cores} cores, ${results.machine.node}`)}</text>
</svg>
`
}
