/**
 * The compute floor, run as its own process by bench/run.ts (so the orchestrator's load generator
 * does not share its event loop): in-process ONNX Runtime throughput of each bundled model at
 * several batch sizes, and the image path's decode + resize + normalise + infer done in-process
 * without HTTP (at 1 and at 16 concurrent pipelines), for the adapter to be compared with.
 * Session options are the adapter's (sequential, one inter-op and one intra-op thread, `basic`
 * graph optimisation). Prints one JSON object on stdout.
 *
 * Usage: node --import tsx bench/compute-floor.ts <millisecondsPerMeasurement> <jpegWidth> <jpegHeight>
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { InferenceSession, Tensor } from 'onnxruntime-node'
import sharp from 'sharp'

import type { ImageInputs, Manifest } from '../protocol/manifest'
import { loadManifest, randomJpeg } from '../script/local/model-inputs'
import { BUNDLED_MODEL_DIR } from '../script/local/repo-root'

const BATCH_SIZES = [1, 4, 16, 64, 256, 1024]

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
  return InferenceSession.create(bytes, {
    executionMode: 'sequential',
    interOpNumThreads: 1,
    intraOpNumThreads: 1,
    graphOptimizationLevel: 'basic',
  })
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

/** The image path's work for one request: hash, decode + resize, normalise, infer. */
async function imagePipeline(
  session: InferenceSession,
  spec: ImageInputs,
  jpeg: Buffer,
): Promise<void> {
  createHash('sha256').update(jpeg).digest()
  const raw = await sharp(jpeg)
    .removeAlpha()
    .resize(spec.width, spec.height, { fit: spec.resize, kernel: spec.kernel })
    .raw()
    .toBuffer()
  const plane = spec.width * spec.height
  const data = new Float32Array(3 * plane)
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) {
      data[c * plane + p] = ((raw[p * 3 + c] ?? 0) / spec.pixelScale - spec.mean[c]!) / spec.std[c]!
    }
  }
  await session.run({
    [spec.tensor]: new Tensor('float32', data, [1, 3, spec.height, spec.width]),
  })
}

async function measureImage(
  manifest: Manifest,
  ms: number,
  width: number,
  height: number,
): Promise<ImageFloor> {
  if (manifest.inputs.kind !== 'image') throw new Error(`${manifest.id} is not an image model`)
  const spec = manifest.inputs
  const session = await openSession(manifest)
  const jpegs = await Promise.all([1, 2, 3, 4].map((s) => randomJpeg(width, height, s)))
  const run = async (concurrency: number, durationMs: number) => {
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
  const concurrency1 = await run(1, ms)
  const concurrency16 = await run(16, ms)
  await session.release()
  return {
    model: manifest.id,
    jpeg: { width, height, bytes: jpegs[0]!.length },
    concurrency1,
    concurrency16,
  }
}

async function main(): Promise<void> {
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
