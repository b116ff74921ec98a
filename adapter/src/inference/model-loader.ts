/**
 * Loads every model folder of MODEL_DIR: validates `manifest.json`, checks the ONNX file against
 * its sha256 and creates the ONNX Runtime session from exactly the bytes that were hashed. A model
 * that fails any check is refused (listed with the reason) and never served.
 *
 * Sessions use fixed options so that results do not depend on the machine's thread settings:
 * sequential execution, one inter-op thread, a fixed graph optimisation level; only the intra-op
 * thread count is configurable.
 */
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'

import { InferenceSession, Tensor } from 'onnxruntime-node'

import { AdapterError } from '../errors'
import {
  checkModelBytes,
  manifestHash,
  parseManifest,
  type Manifest,
} from '../../../protocol/manifest'
import { quantise } from './quantise'

export interface ServedModel {
  id: string
  manifest: Manifest
  /** `0x` + sha256 of model.onnx. */
  modelHash: string
  /** `0x` + sha256 of the JCS canonical JSON of manifest.json (signed with every answer). */
  manifestHash: string
  kind: 'tabular' | 'image'
  /** Float32 elements of one input row (features, or channels x height x width). */
  rowSize: number
  /** Dimensions of one input row, without the batch dimension. */
  rowDims: readonly number[]
  outputWidth: number
  /** 1 when the model's batch dimension is fixed at 1. */
  maxBatch: number
  session: InferenceSession
}

export interface RefusedModel {
  folder: string
  reason: string
}

export interface LoadedModels {
  models: Map<string, ServedModel>
  refused: RefusedModel[]
}

export const GRAPH_OPTIMIZATION_LEVEL = 'basic' as const

export function sessionOptions(intraOpNumThreads: number): InferenceSession.SessionOptions {
  return {
    executionMode: 'sequential',
    interOpNumThreads: 1,
    intraOpNumThreads,
    graphOptimizationLevel: GRAPH_OPTIMIZATION_LEVEL,
    logSeverityLevel: 3,
    // Idle intra-op threads sleep instead of spinning: on a shared host spinning threads steal
    // the event loop's core. Scheduling only, never results.
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  }
}

/**
 * Runs `rows` (each `rowSize` float32s) as one batch and returns the quantised outputs, one row of
 * `outputWidth` integers per input, or that row's error (a row's failure never fails its batch
 * mates, so batched and unbatched answers stay identical).
 */
export async function runQuantised(
  model: ServedModel,
  rows: Float32Array[],
): Promise<(number[] | AdapterError)[]> {
  const n = rows.length
  const data = new Float32Array(n * model.rowSize)
  for (let i = 0; i < n; i++) data.set(rows[i] as Float32Array, i * model.rowSize)
  const { inputs, outputs } = model.manifest
  const feeds = { [inputs.tensor]: new Tensor('float32', data, [n, ...model.rowDims]) }
  const res = await model.session.run(feeds, [outputs.tensor])
  const out = res[outputs.tensor]
  if (out === undefined || out.type !== 'float32' || out.data.length !== n * model.outputWidth) {
    throw new AdapterError(
      `model ${model.id} returned ${out === undefined ? 'no' : `${out.type}[${out.dims.join(',')}]`} ` +
        `output "${outputs.tensor}", expected float32[${n},${model.outputWidth}]`,
      500,
    )
  }
  const values = out.data as Float32Array
  const w = model.outputWidth
  const scale = outputs.scale
  const rowsOut = new Array<number[] | AdapterError>(n)
  for (let i = 0; i < n; i++) {
    const row = new Array<number>(w)
    try {
      for (let j = 0; j < w; j++) row[j] = quantise(values[i * w + j] as number, scale)
      rowsOut[i] = row
    } catch (err) {
      rowsOut[i] = err as AdapterError
    }
  }
  return rowsOut
}

/** A valid row to probe a model with: every feature at its minimum, or a zero image. */
function probeRow(model: ServedModel): Float32Array {
  const row = new Float32Array(model.rowSize)
  const inputs = model.manifest.inputs
  if (inputs.kind === 'tabular') inputs.features.forEach((f, i) => (row[i] = f.min))
  return row
}

async function loadOne(folder: string, intraOpThreads: number): Promise<ServedModel> {
  const json: unknown = JSON.parse(await readFile(join(folder, 'manifest.json'), 'utf8'))
  const manifest = parseManifest(json)
  const bytes = await readFile(join(folder, manifest.file.path))
  checkModelBytes(manifest, bytes)
  const session = await InferenceSession.create(bytes, sessionOptions(intraOpThreads))
  const inputs = manifest.inputs
  const rowDims =
    inputs.kind === 'tabular'
      ? [inputs.features.length]
      : [inputs.channels, inputs.height, inputs.width]
  const model: ServedModel = {
    id: manifest.id,
    manifest,
    modelHash: manifest.file.sha256,
    manifestHash: manifestHash(json),
    kind: inputs.kind,
    rowSize: rowDims.reduce((a, b) => a * b, 1),
    rowDims,
    outputWidth: manifest.outputs.labels.length,
    maxBatch: 1,
    session,
  }
  try {
    // The session must accept the manifest's shapes; a batch of two tells whether it batches.
    const probe = probeRow(model)
    const [one] = await runQuantised(model, [probe])
    if (one instanceof AdapterError) throw one
    try {
      const two = await runQuantised(model, [probe, probe])
      model.maxBatch = two.length === 2 ? Number.MAX_SAFE_INTEGER : 1
    } catch {
      model.maxBatch = 1
    }
  } catch (err) {
    await session.release()
    throw err
  }
  return model
}

/** Loads every sub-folder of `dir` that holds a manifest.json. */
export async function loadModels(dir: string, intraOpThreads: number): Promise<LoadedModels> {
  const models = new Map<string, ServedModel>()
  const refused: RefusedModel[] = []
  const entries = await readdir(dir, { withFileTypes: true })
  const folders = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
  for (const name of folders) {
    const folder = join(dir, name)
    const hasManifest = await readFile(join(folder, 'manifest.json')).then(
      () => true,
      () => false,
    )
    if (!hasManifest) continue
    try {
      const model = await loadOne(folder, intraOpThreads)
      if (models.has(model.id)) throw new Error(`model id "${model.id}" is served twice`)
      models.set(model.id, model)
    } catch (err) {
      refused.push({ folder: name, reason: err instanceof Error ? err.message : String(err) })
    }
  }
  return { models, refused }
}
