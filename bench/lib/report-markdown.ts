/** bench/results.md: the results as Markdown tables (ratios and goals first). */
import type { GasFigure } from './gas'
import type { Results } from './results-types'

const fmt = (v: number | null | undefined, digits = 0): string =>
  v === null || v === undefined
    ? 'n/a'
    : v.toLocaleString('en-US', { maximumFractionDigits: digits })

/** The gas-per-transport table: which committed snapshot entry each cell reads. */
const TRANSPORT_GAS: ReadonlyArray<{
  transport: string
  operation: string
  source: string
  name: string
}> = [
  {
    transport: 'Functions',
    operation: 'request: ClaimsInsurance.fileClaim',
    source: 'snapshots/ClaimsInsurance.json',
    name: 'Functions: fileClaim (request)',
  },
  {
    transport: 'Functions',
    operation: 'request: minimal client, 14,885-byte source kept as contract code',
    source: 'snapshots/RequestGas.json',
    name: 'Functions: request, 14885-byte source as contract code (minimal client)',
  },
  {
    transport: 'Functions',
    operation: 'report delivery: Coordinator.transmit (3 signatures, billing), accept + payout',
    source: 'snapshots/ClaimsInsurance.json',
    name: 'Functions: coordinator.transmit (3 signatures, accept + payout)',
  },
  {
    transport: 'Functions',
    operation: 'of which the oracle fulfilment, accept + payout',
    source: 'snapshots/ClaimsInsurance.json',
    name: 'Functions: fulfillRequest, accept + payout',
  },
  {
    transport: 'CRE',
    operation: 'request: ClaimsInsurance.fileClaim',
    source: 'snapshots/ClaimsInsurance.json',
    name: 'CRE: fileClaim (request)',
  },
  {
    transport: 'CRE',
    operation: 'request: minimal client',
    source: 'snapshots/RequestGas.json',
    name: 'CRE: request (minimal client)',
  },
  {
    transport: 'CRE',
    operation: 'report delivery: KeystoneForwarder.report (2 signatures), accept + payout',
    source: 'snapshots/ClaimsInsurance.json',
    name: 'CRE: forwarder.report (2 signatures, accept + payout)',
  },
  {
    transport: 'zk',
    operation: 'verifyProof of a risk-v1 proof',
    source: 'snapshots/ZkVerifier.json',
    name: 'risk-v1 verifyProof',
  },
  {
    transport: 'Registry',
    operation: 'ModelRegistry.propose',
    source: 'snapshots/ModelRegistry.json',
    name: 'propose',
  },
  {
    transport: 'Registry',
    operation: 'ModelRegistry.approve',
    source: 'snapshots/ModelRegistry.json',
    name: 'approve',
  },
]

/** Gas per transport from the committed snapshots (n/a where an entry is not committed). */
export function transportGasTable(gas: readonly GasFigure[]): string[] {
  const out = ['| transport | operation | gas |', '| --- | --- | ---: |']
  for (const row of TRANSPORT_GAS) {
    const g = gas.find((x) => x.source === row.source && x.name === row.name)
    out.push(`| ${row.transport} | ${row.operation} | ${fmt(g?.gas)} |`)
  }
  return out
}

const median = (values: readonly number[]): number | undefined => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted.length === 0 ? undefined : sorted[Math.floor((sorted.length - 1) / 2)]
}

/** The end-to-end rounds per transport. */
function roundsSection(r: Results): string[] {
  if (!r.rounds || r.rounds.runs.length === 0) return []
  const out = [
    '',
    '## End to end, per transport',
    '',
    `One RiskPricing quote on risk-v1 with three signing adapters, timed from just before the request transaction is sent until the transaction delivering \`InferenceAccepted\` is mined; ${r.rounds.warmup} warm-up round(s) not counted; every DON polls for requests every ${r.rounds.pollIntervalMs} ms; rounds ${r.rounds.interleaved ? 'interleaved across the transports' : 'one transport after the other'}; load average ${r.rounds.loadAverage.start} at the start and ${r.rounds.loadAverage.end} at the end of the rounds.`,
    '',
    '| transport | rounds | p50 ms | p95 ms | max ms | all accepted | delivery | delivery gas (median) | request gas (median) |',
    '| --- | ---: | ---: | ---: | ---: | --- | --- | ---: | ---: |',
  ]
  for (const x of r.rounds.runs) {
    out.push(
      `| ${x.transport} | ${x.rounds} | ${fmt(x.p50Ms)} | ${fmt(x.p95Ms)} | ${fmt(x.maxMs)} | ${x.allAccepted ? 'yes' : 'NO'} | ${x.delivery} | ${fmt(median(x.reportGas))} | ${fmt(median(x.requestGas))} |`,
    )
  }
  out.push('', ...r.rounds.runs.map((x) => `- ${x.transport}: ${x.description}.`))
  return out
}

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
  out.push(...roundsSection(r))
  if (r.gas.length > 0) {
    out.push(
      '',
      '## Gas per transport (forge snapshots as committed)',
      '',
      ...transportGasTable(r.gas),
    )
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
