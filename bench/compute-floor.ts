/**
 * The compute floor, run as its own process by bench/run.ts (so the orchestrator's load generator
 * does not share its event loop): in-process ONNX Runtime throughput of each bundled model at
 * several batch sizes, and the image path's decode + resize + normalise + infer done in-process
 * without HTTP (at 1 and at 16 concurrent pipelines), for the adapter to be compared with.
 * Session options are the adapter's (`sessionOptions(1)`: sequential, one inter-op and one
 * intra-op thread, `basic` graph optimisation). Prints one JSON object on stdout.
 *
 * Usage: node --import tsx bench/compute-floor.ts <millisecondsPerMeasurement> <jpegWidth> <jpegHeight> [models]
 *        node --import tsx bench/compute-floor.ts image <milliseconds> <concurrency>
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { InferenceSession, Tensor } from 'onnxruntime-node'

import { imageToRow } from '../adapter/src/input/image-preprocess'
import { sessionOptions } from '../adapter/src/inference/model-loader'
import { imageInputHash } from '../protocol/input-hash'
import type { ImageInputs, Manifest } from '../protocol/manifest'
import { loadManifest, randomJpeg } from '../script/local/model-inputs'
import { BUNDLED_MODEL_DIR } from '../script/local/repo-root'

const BATCH_SIZES = [1, 4, 16, 64, 256, 1024]
/** The adapter's default FETCH_MAX_PIXELS. */
const MAX_PIXELS = 40_000_000

export interface BatchFigure {
  batch: number
  rowsPerSecond: number
}

export interface ModelFloor {
  model: string
  batches: BatchFigure[]
  batch1RowsPerSecond: number
  bestBatch: number
  bestRowsPerSecond: number
}

export interface ImageFloor {
  model: string
  jpeg: { width: number; height: number; bytes: number }
  concurrency1: { perSecond: number; p50Ms: number }
  concurrency16: { perSecond: number; p50Ms: number }
}

export interface ComputeFloor {
  models: ModelFloor[]
  image?: ImageFloor
}

async function openSession(manifest: Manifest): Promise<InferenceSession> {
  const bytes = readFileSync(join(BUNDLED_MODEL_DIR, manifest.id, manifest.file.path))
  return InferenceSession.create(bytes, sessionOptions(1))
}

function inputShape(manifest: Manifest, batch: number): number[] {
  const i = manifest.inputs
  return i.kind === 'tabular' ? [batch, i.features.length] : [batch, i.channels, i.height, i.width]
}

async function measureModel(manifest: Manifest, ms: number): Promise<ModelFloor> {
  const session = await openSession(manifest)
  const batches: BatchFigure[] = []
  for (const batch of BATCH_SIZES) {
    const shape = inputShape(manifest, batch)
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1)).map(() => Math.random())
    const feeds = { [manifest.inputs.tensor]: new Tensor('float32', data, shape) }
    await session.run(feeds) // warm-up
    let rows = 0
    const start = performance.now()
    while (performance.now() - start < ms) {
      await session.run(feeds)
      rows += batch
    }
    batches.push({
      batch,
      rowsPerSecond: Math.round(rows / ((performance.now() - start) / 1000)),
    })
  }
  await session.release()
  const best = batches.reduce((a, b) => (b.rowsPerSecond > a.rowsPerSecond ? b : a))
  return {
    model: manifest.id,
    batches,
    batch1RowsPerSecond: batches[0]?.rowsPerSecond ?? 0,
    bestBatch: best.batch,
    bestRowsPerSecond: best.rowsPerSecond,
  }
}

/**
 * The image path's work for one request, with the adapter's own functions: the input hash (sha256
 * of the bytes), decode + resize + normalise (adapter/src/input/image-preprocess.ts, so the same
 * sharp pipeline and libvips settings), infer. Without HTTP, JSON or base64.
 */
async function imagePipeline(
  session: InferenceSession,
  spec: ImageInputs,
  jpeg: Buffer,
): Promise<void> {
  imageInputHash(jpeg)
  const row = await imageToRow(jpeg, spec, MAX_PIXELS)
  await session.run({
    [spec.tensor]: new Tensor('float32', row, [1, 3, spec.height, spec.width]),
  })
}

/** The JPEGs of the image work: the same seeds as the adapter-image cells' bodies. */
export const BENCH_JPEG_SEEDS = [11, 12, 13, 14] as const

export interface ImageRun {
  perSecond: number
  p50Ms: number
}

/** Runs the image work at a given concurrency for a given time (after one warm-up). */
async function imageRunner(
  manifest: Manifest,
  width: number,
  height: number,
): Promise<{
  run: (concurrency: number, durationMs: number) => Promise<ImageRun>
  jpegBytes: number
  release: () => Promise<void>
}> {
  if (manifest.inputs.kind !== 'image') throw new Error(`${manifest.id} is not an image model`)
  const spec = manifest.inputs
  const session = await openSession(manifest)
  const jpegs = await Promise.all(BENCH_JPEG_SEEDS.map((s) => randomJpeg(width, height, s)))
  const run = async (concurrency: number, durationMs: number): Promise<ImageRun> => {
    const latencies: number[] = []
    const start = performance.now()
    let i = 0
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() - start < durationMs) {
          const t = performance.now()
          await imagePipeline(session, spec, jpegs[i++ % jpegs.length]!)
          latencies.push(performance.now() - t)
        }
      }),
    )
    const seconds = (performance.now() - start) / 1000
    latencies.sort((a, b) => a - b)
    return {
      perSecond: Math.round(latencies.length / seconds),
      p50Ms: Math.round((latencies[Math.floor(latencies.length / 2)] ?? 0) * 1000) / 1000,
    }
  }
  await run(4, 300) // warm-up
  return { run, jpegBytes: jpegs[0]!.length, release: () => session.release() }
}

async function measureImage(
  manifest: Manifest,
  ms: number,
  width: number,
  height: number,
): Promise<ImageFloor> {
  const runner = await imageRunner(manifest, width, height)
  const concurrency1 = await runner.run(1, ms)
  const concurrency16 = await runner.run(16, ms)
  await runner.release()
  return {
    model: manifest.id,
    jpeg: { width, height, bytes: runner.jpegBytes },
    concurrency1,
    concurrency16,
  }
}

/**
 * `compute-floor.ts image <ms> <concurrency>`: only the image work (damage-v1, 1024x768), at one
 * concurrency, printed as one `ImageRun` (the bench runs it right before an image cell).
 */
async function imageOnly(ms: number, concurrency: number): Promise<void> {
  const runner = await imageRunner(loadManifest('damage-v1'), 1024, 768)
  const out = await runner.run(concurrency, ms)
  await runner.release()
  process.stdout.write(`${JSON.stringify(out)}\n`)
}

async function main(): Promise<void> {
  if (process.argv[2] === 'image') {
    await imageOnly(Number(process.argv[3] ?? 1000), Number(process.argv[4] ?? 16))
    return
  }
  const ms = Number(process.argv[2] ?? 1000)
  const width = Number(process.argv[3] ?? 1024)
  const height = Number(process.argv[4] ?? 768)
  const ids = (process.argv[5] ?? 'risk-v1,damage-v1').split(',')
  const out: ComputeFloor = { models: [] }
  for (const id of ids) {
    const manifest = loadManifest(id)
    out.models.push(await measureModel(manifest, ms))
    if (manifest.inputs.kind === 'image')
      out.image = await measureImage(manifest, ms * 2, width, height)
  }
  process.stdout.write(`${JSON.stringify(out)}\n`)
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    process.exit(1)
  })
}
