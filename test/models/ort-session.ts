/** Helpers to run the committed models in the real ONNX Runtime (onnxruntime-node). */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { InferenceSession, Tensor } from 'onnxruntime-node'

import { parseManifest, type Manifest } from '../../protocol/manifest'
import { quantise } from './fixed-point'
import { readOnnx, type OnnxSummary } from './onnx-reader'

export const MODELS_DIR = join(__dirname, '..', '..', 'adapter', 'models')

/** A committed model: its folder, its parsed manifest and what its ONNX file declares. */
export interface CommittedModel {
  dir: string
  manifest: Manifest
  onnx: OnnxSummary
}

export function committedModel(id: string): CommittedModel {
  const dir = join(MODELS_DIR, id)
  return {
    dir,
    manifest: parseManifest(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'))),
    onnx: readOnnx(readFileSync(join(dir, 'model.onnx'))),
  }
}

/** A session with the adapter's determinism settings. */
export function openSession(id: string, intraOpNumThreads = 1): Promise<InferenceSession> {
  return InferenceSession.create(join(MODELS_DIR, id, 'model.onnx'), {
    executionMode: 'sequential',
    interOpNumThreads: 1,
    intraOpNumThreads,
    graphOptimizationLevel: 'all',
  })
}

/**
 * A session on model `id`, opened before the tests of the calling suite and released after them:
 * call in a `describe`; the returned function gives the session inside the tests.
 */
export function sessionForSuite(id: string): () => InferenceSession {
  let session: InferenceSession | undefined
  beforeAll(async () => {
    session = await openSession(id)
  })
  afterAll(async () => {
    await session?.release()
  })
  return () => {
    if (session === undefined) throw new Error(`no session on ${id}`)
    return session
  }
}

/** Runs one float32 input of shape [batch, ...dims] and returns the named output. */
export async function runFloat(
  session: InferenceSession,
  input: string,
  output: string,
  data: Float32Array,
  dims: number[],
): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const res = await session.run({ [input]: new Tensor('float32', data, dims) })
  const out = res[output]
  if (!out) throw new Error(`no output ${output}`)
  return { data: out.data as Float32Array, dims: out.dims }
}

/**
 * Runs `data` twice on `session` and once on a fresh 2-thread session of the same model: the two
 * runs give the same bits, and both thread counts quantise (at the manifest's scale) to the same
 * integers.
 */
export async function expectDeterministic(
  session: InferenceSession,
  model: { id: string; scale: number },
  tensors: { input: string; output: string },
  data: Float32Array,
  dims: number[],
): Promise<void> {
  const two = await openSession(model.id, 2)
  try {
    const a = await runFloat(session, tensors.input, tensors.output, data, dims)
    const b = await runFloat(session, tensors.input, tensors.output, data, dims)
    const c = await runFloat(two, tensors.input, tensors.output, data, dims)
    expect(Buffer.from(b.data.buffer)).toEqual(Buffer.from(a.data.buffer))
    const q = (d: Float32Array): number[] => Array.from(d, (x) => quantise(x, model.scale))
    expect(q(c.data)).toEqual(q(a.data))
  } finally {
    await two.release()
  }
}
