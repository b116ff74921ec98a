/** bench/results.md: the results as Markdown tables (ratios and goals first). */
import type { Results } from './results-types'

const fmt = (v: number | null | undefined, digits = 0): string =>
  v === null || v === undefined
    ? 'n/a'
    : v.toLocaleString('en-US', { maximumFractionDigits: digits })

export function renderMarkdown(r: Results): string {
  const m = r.machine
  const out: string[] = [
    `# Benchmark results (${r.mode} run)`,
    '',
    `Generated ${r.generatedAt} by \`npm run bench${r.mode === 'quick' ? ' -- --quick' : ''}\` in ${r.wallSeconds} s. ${r.note}`,
    '',
    `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.os}; load average ${m.loadAverage1m} at the start, ${r.loadAverageEnd1m} at the end.`,
    `Each load cell: ${r.settings.warmupSeconds} s warm-up, then ${r.settings.measureSeconds} s measured, ${r.settings.rounds} round(s), median over rounds.`,
    '',
    '## Ratios (same run)',
    '',
    '| ratio | value | goal | met | definition |',
    '| --- | ---: | --- | --- | --- |',
  ]
  for (const [key, ratio] of Object.entries(r.ratios)) {
    const met = ratio.goal === undefined ? '' : ratio.met ? 'yes' : 'NO'
    out.push(
      `| \`${key}\` | ${fmt(ratio.value, 3)} | ${ratio.goal ?? ''} | ${met} | ${ratio.definition} |`,
    )
  }
  out.push(
    '',
    '## Load (autocannon)',
    '',
    '| target | connections | 2xx req/s | p50 ms | p99 ms | non-2xx | errors | cache hit rate |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  )
  for (const c of r.cells) {
    const non2xx = c.rounds.reduce((a, x) => a + x.non2xx, 0)
    const errors = c.rounds.reduce((a, x) => a + x.errors, 0)
    const hit = c.cacheHitRate === undefined ? '' : `${fmt(c.cacheHitRate * 100, 1)}%`
    out.push(
      `| ${c.target} | ${c.connections} | ${fmt(c.requestsPerSecond)} | ${fmt(c.latencyP50Ms, 2)} | ${fmt(c.latencyP99Ms, 2)} | ${non2xx} | ${errors} | ${hit} |`,
    )
  }
  out.push('', '## Servers', '', '| target | peak RSS MiB | what it is |', '| --- | ---: | --- |')
  for (const s of r.servers)
    out.push(`| ${s.target} | ${fmt(s.peakRssMiB, 1)} | ${s.description} |`)
  if (r.imageSoak) {
    const x = r.imageSoak
    const mem = (m: typeof x.memoryEnd): string =>
      m
        ? `V8 heap ${fmt(m.heapUsedMiB, 1)} MiB used of ${fmt(m.heapTotalMiB, 1)}, external ${fmt(m.externalMiB, 1)} MiB`
        : 'n/a'
    out.push(
      '',
      '## Image memory soak',
      '',
      `A fresh adapter, ${x.seconds} s at ${x.connections} connections, ${x.images.length} images (${x.images.map((i) => `${i.kind} ${i.width}x${i.height}`).join(', ')}), cache off: ${fmt(x.load.requestsPerSecond)} req/s, p50 ${fmt(x.load.latencyP50Ms, 2)} ms, p99 ${fmt(x.load.latencyP99Ms, 2)} ms, answers ${JSON.stringify(x.load.statusCounts)}, errors ${x.load.errors}. RSS ${fmt(x.rssStartMiB, 1)} MiB at the start, peak ${fmt(x.rssPeakMiB, 1)} MiB, ${fmt(x.rssEndMiB, 1)} MiB at the end; slope over the second half ${fmt(x.rssSlopePctPer5Min, 2)}% per 5 minutes. After the first second: ${mem(x.memoryStart)}; at the end: ${mem(x.memoryEnd)}. Load average ${x.loadAverage1mStart} at the soak's start, ${x.loadAverage1mEnd} at its end.`,
    )
  }
  if (r.computeFloor) {
    out.push(
      '',
      '## Compute floor (in-process ONNX Runtime, no HTTP)',
      '',
      '| model | batch 1 rows/s | best batch | best rows/s | all batches |',
      '| --- | ---: | ---: | ---: | --- |',
    )
    for (const f of r.computeFloor.models) {
      const all = f.batches.map((b) => `${b.batch}: ${fmt(b.rowsPerSecond)}`).join(', ')
      out.push(
        `| ${f.model} | ${fmt(f.batch1RowsPerSecond)} | ${f.bestBatch} | ${fmt(f.bestRowsPerSecond)} | ${all} |`,
      )
    }
    const img = r.computeFloor.image
    if (img) {
      out.push(
        '',
        `Image work in-process (sha256 + sharp decode/resize of a ${img.jpeg.width}x${img.jpeg.height} JPEG of ${fmt(img.jpeg.bytes)} bytes + normalise + infer): ${fmt(img.concurrency1.perSecond)}/s at 1 pipeline (p50 ${img.concurrency1.p50Ms} ms), ${fmt(img.concurrency16.perSecond)}/s at 16 concurrent pipelines.`,
      )
    }
  }
  if (r.functions) {
    out.push(
      '',
      '## Functions source through simulateScript',
      '',
      '| adapters | runs | wall time median ms | min ms | max ms | result agreed |',
      '| ---: | ---: | ---: | ---: | ---: | --- |',
    )
    for (const f of r.functions.runs) {
      out.push(
        `| ${f.adapters} | ${f.wallMs.length} | ${fmt(f.medianMs)} | ${fmt(Math.min(...f.wallMs))} | ${fmt(Math.max(...f.wallMs))} | ${f.agreed} |`,
      )
    }
  }
  out.push('', '## Gas (forge snapshots as committed)', '')
  if (r.gas.length === 0) out.push('No gas snapshot committed at the time of this run.')
  else {
    out.push('| snapshot | name | gas |', '| --- | --- | ---: |')
    for (const g of r.gas) out.push(`| ${g.source} | ${g.name} | ${fmt(g.gas)} |`)
  }
  if (r.skipped.length > 0) {
    out.push('', '## Not measured in this run', '', ...r.skipped.map((s) => `- ${s}`))
  }
  return `${out.join('\n')}\n`
}
