/**
 * The image adapter's memory soak (issue 14.2): a fresh adapter serving damage-v1 with the result
 * cache off (every request fetches nothing, hashes, decodes and infers), driven for `seconds` at 16
 * connections with a mix of inline images (JPEG and PNG, 0.1 to 1.6 megapixels, bodies up to
 * ~0.8 MB; each answered 200 once before the load), its resident memory read from /proc every
 * second.
 *
 * Figures: the peak (the highest sample, or the kernel's VmHWM if a spike fell between samples) and
 * the slope of RSS over the second half (least squares), in percent of that half's mean per five
 * minutes: the first half holds the working set's build-up, the second tells whether it keeps
 * growing. Heap and external memory from the adapter's /metrics at the start and at the end say
 * which part grew (V8's heap, buffers, or native memory: libvips, glibc arenas).
 */
import { loadavg } from 'node:os'

import sharp from 'sharp'

import type { Manifest } from '../../protocol/manifest'
import { startAdapter } from '../../script/local/adapters'
import { runLoad, type LoadResult } from '../../script/local/http-load'
import { imageBody, loadManifest, randomJpeg } from '../../script/local/model-inputs'
import { peakRssMiB, rssMiB } from '../../script/local/process-memory'
import { counterValue } from './adapter-metrics'

export const SOAK_CONNECTIONS = 16
export const SOAK_SAMPLE_MS = 1000
/** Seconds of a full soak (issue 14.2: ten minutes). */
export const FULL_SOAK_SECONDS = 600
/**
 * The shortest soak whose slope is judged against its goal: RSS builds up for about two minutes
 * (V8's heap and the allocator's arenas growing to the working set), so a shorter soak's second
 * half measures the build-up, not a leak.
 */
export const SLOPE_GOAL_MIN_SECONDS = 300

/** One RSS sample: seconds since the load started, resident MiB. */
export type RssSample = readonly [seconds: number, rssMiB: number]

export interface MemoryBreakdown {
  rssMiB: number
  heapUsedMiB: number
  heapTotalMiB: number
  externalMiB: number
}

export interface SoakRun {
  connections: number
  seconds: number
  /** Environment the adapter ran with on top of the bench's (e.g. MALLOC_ARENA_MAX). */
  env: Record<string, string>
  images: { kind: string; width: number; height: number; bytes: number }[]
  loadAverage1mStart: number
  loadAverage1mEnd: number
  rssStartMiB: number
  rssEndMiB: number
  rssPeakMiB: number
  /** Least-squares slope of RSS over the second half, % of that half's mean per 5 minutes. */
  rssSlopePctPer5Min: number
  /** Half-width of the slope's 95% confidence interval (`rssSlope`). */
  rssSlopeCi95PctPer5Min: number | null
  /** From /metrics, after the first second of load and at the end. */
  memoryStart?: MemoryBreakdown
  memoryEnd?: MemoryBreakdown
  load: LoadResult
  /** The RSS samples: seconds since the load started, and MiB, one array each. */
  sampleSeconds: number[]
  sampleRssMiB: number[]
}

/** Seconds per block when judging the slope's uncertainty (a few garbage-collection cycles). */
const SLOPE_BLOCK_SECONDS = 10

/** Least-squares fit of r = a + b t; `b` and its standard error. */
function fitLine(points: readonly RssSample[]): { slope: number; stderr: number; mean: number } {
  const n = points.length
  let st = 0
  let sr = 0
  for (const [t, r] of points) {
    st += t
    sr += r
  }
  const mt = st / n
  const mr = sr / n
  let num = 0
  let den = 0
  for (const [t, r] of points) {
    num += (t - mt) * (r - mr)
    den += (t - mt) * (t - mt)
  }
  const slope = den === 0 ? 0 : num / den
  let sse = 0
  for (const [t, r] of points) sse += (r - mr - slope * (t - mt)) ** 2
  const stderr = n > 2 && den > 0 ? Math.sqrt(sse / (n - 2) / den) : Number.POSITIVE_INFINITY
  return { slope, stderr, mean: mr }
}

export interface RssSlope {
  /** Least-squares slope over the second half, % of that half's mean RSS per 5 minutes. */
  pctPer5Min: number
  /**
   * Half-width of its 95% confidence interval, in the same unit, from a fit to 10-second block
   * means (RSS saws up and down with garbage collection, so single samples are not independent);
   * null with fewer than three blocks.
   */
  ci95PctPer5Min: number | null
}

/**
 * The slope of RSS from the middle of the run on (the first half holds the working set's build-up)
 * and its uncertainty; zeros with fewer than two samples in that half.
 */
export function rssSlope(samples: readonly RssSample[]): RssSlope {
  const end = samples[samples.length - 1]?.[0] ?? 0
  const half = samples.filter(([t]) => t >= end / 2)
  if (half.length < 2) return { pctPer5Min: 0, ci95PctPer5Min: null }
  const fit = fitLine(half)
  const toPct = (mibPerSecond: number): number =>
    fit.mean === 0 ? 0 : Math.round(((mibPerSecond * 300) / fit.mean) * 10_000) / 100
  const blocks = new Map<number, number[]>()
  for (const [t, r] of half) {
    const k = Math.floor(t / SLOPE_BLOCK_SECONDS)
    blocks.set(k, [...(blocks.get(k) ?? []), r])
  }
  const means: RssSample[] = [...blocks].map(([k, rs]) => [
    (k + 0.5) * SLOPE_BLOCK_SECONDS,
    rs.reduce((a, b) => a + b, 0) / rs.length,
  ])
  const blockFit = fitLine(means)
  return {
    pctPer5Min: toPct(fit.slope),
    ci95PctPer5Min: Number.isFinite(blockFit.stderr) ? toPct(1.96 * blockFit.stderr) : null,
  }
}

/** A PNG of smooth random pixels (seeded), width x height, `channels` 3 or 4. */
async function randomPng(
  width: number,
  height: number,
  channels: 3 | 4,
  seed: number,
): Promise<Buffer> {
  const jpeg = await randomJpeg(width, height, seed)
  const img = sharp(jpeg)
  return (channels === 4 ? img.ensureAlpha(0.5) : img).png({ compressionLevel: 6 }).toBuffer()
}

/** The soak's image mix: mostly the image cells' 1024x768 JPEG, plus other sizes and formats. */
async function soakImages(): Promise<
  { kind: string; width: number; height: number; bytes: Buffer }[]
> {
  const specs: { kind: 'jpeg' | 'png' | 'png-alpha'; width: number; height: number }[] = [
    { kind: 'jpeg', width: 1024, height: 768 },
    { kind: 'jpeg', width: 1024, height: 768 },
    { kind: 'jpeg', width: 1024, height: 768 },
    { kind: 'jpeg', width: 1024, height: 768 },
    { kind: 'jpeg', width: 1440, height: 1080 },
    { kind: 'jpeg', width: 1280, height: 720 },
    { kind: 'jpeg', width: 640, height: 480 },
    { kind: 'png', width: 400, height: 300 },
    { kind: 'png-alpha', width: 320, height: 320 },
  ]
  return Promise.all(
    specs.map(async (s, i) => ({
      ...s,
      bytes:
        s.kind === 'jpeg'
          ? await randomJpeg(s.width, s.height, 11 + i)
          : await randomPng(s.width, s.height, s.kind === 'png' ? 3 : 4, 11 + i),
    })),
  )
}

async function readMemory(url: string, rss: number): Promise<MemoryBreakdown | undefined> {
  try {
    const res = await fetch(new URL('/metrics', url), { signal: AbortSignal.timeout(5000) })
    const text = await res.text()
    const mib = (name: string): number => Math.round((counterValue(text, name) / 2 ** 20) * 10) / 10
    return {
      rssMiB: rss,
      heapUsedMiB: mib('nodejs_heap_size_used_bytes'),
      heapTotalMiB: mib('nodejs_heap_size_total_bytes'),
      externalMiB: mib('nodejs_external_memory_bytes'),
    }
  } catch {
    return undefined
  }
}

/** POSTs one soak body and requires a 200 answer (so the load's answers are all real work). */
async function expectAnswer(url: string, body: string): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    signal: AbortSignal.timeout(20_000),
  })
  const text = await res.text()
  if (res.status !== 200) throw new Error(`soak image refused: ${res.status} ${text.slice(0, 200)}`)
}

export interface SoakOptions {
  seconds: number
  /** More adapter environment (e.g. MALLOC_ARENA_MAX=2 to compare allocator settings). */
  env?: Record<string, string>
  log?: (msg: string) => void
}

/** Starts a fresh image adapter, soaks it, stops it, and returns the figures. */
export async function runImageSoak(opts: SoakOptions): Promise<SoakRun> {
  const damage: Manifest = loadManifest('damage-v1')
  const images = await soakImages()
  const bodies = images.map((img, i) => imageBody(damage, img.bytes, `soak-${i}`))
  const env = opts.env ?? {}
  const adapter = await startAdapter({
    name: 'adapter-image-soak',
    readyTimeoutMs: 120_000,
    env: { NODE_ENV: 'production', LOG_LEVEL: 'error', CACHE_MAX_ENTRIES: '0', ...env },
  })
  try {
    for (const body of bodies) await expectAnswer(adapter.url, body)
  } catch (err) {
    await adapter.stop()
    throw err
  }
  const samples: RssSample[] = []
  let memoryStart: MemoryBreakdown | undefined
  const loadAverage1mStart = Math.round((loadavg()[0] ?? 0) * 100) / 100
  let started = 0
  const sample = (): void => {
    try {
      samples.push([Math.round((performance.now() - started) / 100) / 10, rssMiB(adapter.pid)])
    } catch {
      // the adapter died: the load run reports the errors
    }
  }
  let timer: NodeJS.Timeout | undefined
  try {
    started = performance.now()
    sample()
    timer = setInterval(sample, SOAK_SAMPLE_MS)
    const firstSecond = setTimeout(() => {
      void readMemory(adapter.url, rssMiB(adapter.pid)).then((m) => (memoryStart = m))
    }, SOAK_SAMPLE_MS)
    let lastLog = 0
    const progress = setInterval(() => {
      const s = samples[samples.length - 1]
      if (s && opts.log && s[0] - lastLog >= 60) {
        lastLog = s[0]
        opts.log(`soak: ${Math.round(s[0])} s, RSS ${s[1]} MiB`)
      }
    }, SOAK_SAMPLE_MS)
    let load: LoadResult
    try {
      load = await runLoad({
        url: adapter.url,
        connections: SOAK_CONNECTIONS,
        durationSeconds: opts.seconds,
        bodies: { count: bodies.length * 4, make: (k) => bodies[k % bodies.length] as string },
      })
    } finally {
      clearTimeout(firstSecond)
      clearInterval(progress)
      clearInterval(timer)
      timer = undefined
    }
    sample()
    const rssEnd = rssMiB(adapter.pid)
    const memoryEnd = await readMemory(adapter.url, rssEnd)
    const rss = samples.map(([, r]) => r)
    const slope = rssSlope(samples)
    return {
      connections: SOAK_CONNECTIONS,
      seconds: opts.seconds,
      env,
      images: images.map(({ kind, width, height, bytes }) => ({
        kind,
        width,
        height,
        bytes: bytes.length,
      })),
      loadAverage1mStart,
      loadAverage1mEnd: Math.round((loadavg()[0] ?? 0) * 100) / 100,
      rssStartMiB: rss[0] ?? 0,
      rssEndMiB: rssEnd,
      rssPeakMiB: Math.max(peakRssMiB(adapter.pid), ...rss),
      rssSlopePctPer5Min: slope.pctPer5Min,
      rssSlopeCi95PctPer5Min: slope.ci95PctPer5Min,
      ...(memoryStart ? { memoryStart } : {}),
      ...(memoryEnd ? { memoryEnd } : {}),
      load,
      sampleSeconds: samples.map(([t]) => t),
      sampleRssMiB: rss,
    }
  } finally {
    if (timer) clearInterval(timer)
    await adapter.stop()
  }
}
