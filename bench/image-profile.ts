/**
 * `npm run bench:image-profile`: where the time of one image request goes, stage by stage, for the
 * bench's image (a 1024x768 JPEG of smoothed noise, 320 KB, sent as a 427 KB JSON body), measured
 * in one process with the stages interleaved (round after round, every stage once per round), so a
 * burst of other work on the shared machine hits every stage alike. Figures are medians over the
 * rounds of wall time and of CPU time (process.cpuUsage: every thread of the process, so a stage
 * that hands work to libvips' or ONNX Runtime's threads is charged for it).
 *
 * Stages of the request, in the order the adapter runs them: the HTTP body as text, JSON.parse,
 * base64, sha256, sharp decode + resize (adapter/src/input/image-preprocess.ts), normalisation, ONNX
 * Runtime; then variants that show what the decode's time is made of (a full-size decode, no
 * shrink-on-load, another kernel, a smooth photo-like JPEG of the same size, a tiny JPEG).
 * libvips' operation cache is compared by instruction counts instead (`--vips-cache on` below):
 * switching it off between interleaved stages would empty it, so it would never be measured in
 * its steady state.
 * Last, the adapter's sharp call split by thread (CPU ticks of each thread from
 * /proc/self/task/<tid>/stat over many calls).
 *
 * Usage: node --import tsx bench/image-profile.ts [--rounds N]
 *        node --import tsx bench/image-profile.ts --only STAGE --reps N [--vips-cache on]
 *   --only runs one stage N times and nothing else, for instruction counts: run it under
 *   `valgrind --tool=callgrind` with --reps 0 and --reps 40 and divide the difference by 40
 *   (`--vips-cache on` turns libvips' operation cache back on for the run).
 */
import { isAscii } from 'node:buffer'
import { readdirSync, readFileSync } from 'node:fs'

import { InferenceSession, Tensor } from 'onnxruntime-node'
import sharp from 'sharp'

import { decodeRgb, normaliseRgb } from '../adapter/src/input/image-preprocess'
import { sessionOptions } from '../adapter/src/inference/model-loader'
import { imageInputHash } from '../protocol/input-hash'
import type { ImageInputs } from '../protocol/manifest'
import { imageBody, loadManifest, randomJpeg } from '../script/local/model-inputs'
import { BUNDLED_MODEL_DIR } from '../script/local/repo-root'

const MAX_PIXELS = 40_000_000

interface Stage {
  name: string
  what: string
  run: () => unknown
}

async function buildStages(): Promise<{ stages: Stage[]; adapterSharp: () => Promise<unknown> }> {
  const manifest = loadManifest('damage-v1')
  if (manifest.inputs.kind !== 'image') throw new Error('damage-v1 is not an image model')
  const inputs: ImageInputs = manifest.inputs
  const jpeg = await randomJpeg(1024, 768, 11)
  const tiny = await randomJpeg(96, 72, 11)
  // Photo-like: the same noise smoothed (down to 128x96, back up with a cubic kernel), 1024x768.
  const smooth = await sharp(await sharp(jpeg).resize(128, 96).toBuffer())
    .resize(1024, 768, { kernel: 'cubic' })
    .jpeg({ quality: 85 })
    .toBuffer()
  const body = imageBody(manifest, jpeg, 'profile')
  const bodyBytes = Buffer.from(body)
  const base64 = jpeg.toString('base64')
  const rgb = await decodeRgb(jpeg, inputs, MAX_PIXELS)
  const session = await InferenceSession.create(
    readFileSync(`${BUNDLED_MODEL_DIR}/damage-v1/${manifest.file.path}`),
    sessionOptions(1),
  )
  const row = normaliseRgb(rgb, inputs)
  const shape = [1, 3, inputs.height, inputs.width]
  const resizeOpts = { fit: inputs.resize, kernel: inputs.kernel }
  const adapterSharp = (): Promise<unknown> => decodeRgb(jpeg, inputs, MAX_PIXELS)
  const stages: Stage[] = [
    {
      name: 'body-text',
      what: `HTTP body (${bodyBytes.length} B) to text, UTF-8`,
      run: () => bodyBytes.toString('utf8'),
    },
    { name: 'json-parse', what: 'JSON.parse of the body', run: () => JSON.parse(body) },
    {
      name: 'base64',
      what: `base64 to bytes (${jpeg.length} B)`,
      run: () => Buffer.from(base64, 'base64'),
    },
    {
      name: 'sha256',
      what: 'sha256 of the bytes (the input hash)',
      run: () => imageInputHash(jpeg),
    },
    {
      name: 'sharp',
      what: "sharp decode + resize to 64x64 RGB, the adapter's call",
      run: adapterSharp,
    },
    {
      name: 'normalise',
      what: 'bytes to the normalised float32 row (tables)',
      run: () => normaliseRgb(rgb, inputs),
    },
    {
      name: 'onnx',
      what: 'ONNX Runtime, damage-v1, batch 1',
      run: () => session.run({ [inputs.tensor]: new Tensor('float32', row, shape) }),
    },
    {
      name: 'body-text-ascii',
      what: 'variant: the body to text as Latin-1 after an ASCII check (same text for an ASCII body)',
      run: () => (isAscii(bodyBytes) ? bodyBytes.toString('latin1') : bodyBytes.toString('utf8')),
    },
    {
      name: 'sharp-full-decode',
      what: 'variant: full-size decode to raw RGB, no resize (what shrink-on-load avoids)',
      run: () => sharp(jpeg, { sequentialRead: true }).raw().toBuffer(),
    },
    {
      name: 'sharp-no-fast-shrink',
      what: 'variant: fastShrinkOnLoad false (libjpeg shrinks 1/4 instead of 1/8)',
      run: () =>
        sharp(jpeg, { sequentialRead: true })
          .resize(inputs.width, inputs.height, { ...resizeOpts, fastShrinkOnLoad: false })
          .raw()
          .toBuffer(),
    },
    {
      name: 'sharp-nearest',
      what: 'variant: nearest kernel instead of lanczos3',
      run: () =>
        sharp(jpeg, { sequentialRead: true })
          .resize(inputs.width, inputs.height, { ...resizeOpts, kernel: 'nearest' })
          .raw()
          .toBuffer(),
    },
    {
      name: 'sharp-smooth',
      what: `variant: the adapter's call on a smooth (photo-like) 1024x768 JPEG of ${smooth.length} B`,
      run: () => decodeRgb(smooth, inputs, MAX_PIXELS),
    },
    {
      name: 'sharp-tiny',
      what: "variant: the adapter's call on a 96x72 JPEG (the per-call cost of the pipeline)",
      run: () => decodeRgb(tiny, inputs, MAX_PIXELS),
    },
  ]
  return { stages, adapterSharp }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] ?? 0
}

/** CPU ticks of every thread of this process, by thread id, with the thread's name. */
function threadTicks(): Map<string, { name: string; ticks: number }> {
  const out = new Map<string, { name: string; ticks: number }>()
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      const name =
        String(tid) === String(process.pid)
          ? 'event loop'
          : readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim()
      out.set(tid, { name, ticks: Number(fields[11]) + Number(fields[12]) })
    } catch {
      // the thread ended meanwhile
    }
  }
  return out
}

/** The adapter's sharp call, `calls` times in a row, CPU ms per call by thread name. */
async function byThread(f: () => Promise<unknown>, calls: number): Promise<Record<string, number>> {
  const tickMs = 1000 / 100 // USER_HZ
  const before = threadTicks()
  for (let i = 0; i < calls; i++) await f()
  const after = threadTicks()
  const out: Record<string, number> = {}
  for (const [tid, a] of after) {
    const d = a.ticks - (before.get(tid)?.ticks ?? 0)
    const name = a.name === 'node' ? 'libuv pool (pipeline build)' : a.name
    out[name] = (out[name] ?? 0) + d
  }
  for (const k of Object.keys(out))
    out[k] = Math.round(((out[k] as number) * tickMs * 1000) / calls) / 1000
  return out
}

async function main(): Promise<void> {
  const arg = (flag: string): string | undefined => {
    const i = process.argv.indexOf(flag)
    return i >= 0 ? process.argv[i + 1] : undefined
  }
  const { stages, adapterSharp } = await buildStages()
  const only = arg('--only')
  if (only !== undefined) {
    const stage = stages.find((s) => s.name === only)
    if (!stage) throw new Error(`no stage ${only} (${stages.map((s) => s.name).join(', ')})`)
    const reps = Number(arg('--reps') ?? 20)
    if (arg('--vips-cache') === 'on') sharp.cache({ memory: 50, files: 20, items: 100 })
    for (let i = 0; i < reps; i++) await stage.run()
    return
  }
  const rounds = Number(arg('--rounds') ?? 300)
  const wall = new Map<string, number[]>(stages.map((s) => [s.name, []]))
  const cpu = new Map<string, number[]>(stages.map((s) => [s.name, []]))
  const warmup = 20
  for (let r = 0; r < rounds + warmup; r++) {
    for (const s of stages) {
      const c0 = process.cpuUsage()
      const t0 = performance.now()
      await s.run()
      const t = performance.now() - t0
      const c = process.cpuUsage(c0)
      if (r < warmup) continue
      wall.get(s.name)?.push(t)
      cpu.get(s.name)?.push((c.user + c.system) / 1000)
    }
  }
  const threads = await byThread(adapterSharp, Math.max(200, rounds))
  const rows = stages.map((s) => ({
    stage: s.name,
    what: s.what,
    wallMs: Math.round(median(wall.get(s.name) ?? []) * 1000) / 1000,
    cpuMs: Math.round(median(cpu.get(s.name) ?? []) * 1000) / 1000,
  }))
  process.stdout.write(
    `${JSON.stringify({ rounds, loadAverage: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3), stages: rows, sharpByThread: threads }, null, 2)}\n`,
  )
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    process.exit(1)
  })
}
