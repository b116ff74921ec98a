/** Helpers to run the committed models in the real ONNX Runtime (onnxruntime-node). */
import { join } from 'node:path'

import { InferenceSession, Tensor } from 'onnxruntime-node'

export const MODELS_DIR = join(__dirname, '..', '..', 'adapter', 'models')

/** A session with the adapter's determinism settings. */
export function openSession(id: string, intraOpNumThreads = 1): Promise<InferenceSession> {
  return InferenceSession.create(join(MODELS_DIR, id, 'model.onnx'), {
    executionMode: 'sequential',
    interOpNumThreads: 1,
    intraOpNumThreads,
    graphOptimizationLevel: 'all',
  })
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
