/**
 * The ONNX file of a federated model: risk-v1's graph (standardise, Dense, ReLU, Dense, Softmax)
 * holding the Q16 weights of a round's aggregate (exact in float32: |w| <= 16 with 16 fraction bits
 * needs 21 bits of mantissa) and the task's public standardisation. Every aggregator exports the
 * same bytes, so the sha256 of the file (what the model registry keys a version by) goes into the
 * round report and, after the last round, into the registry proposal.
 */
import { riskOnnx } from '../script/models/training/risk-model'
import { sha256Hex } from '../protocol/hashes'
import { fixedToMlp, type MlpLayout } from './layout'

/** The producer version written into every federated ONNX file (part of its bytes). */
export const FL_PRODUCER_VERSION = 'onnx-oracle federated 1'

export interface FederatedOnnx {
  bytes: Uint8Array
  /** `0x` + sha256 of the bytes. */
  sha256: string
}

/** The ONNX file of the model `values` (Q16) of a task named `graphName`. */
export function exportFederatedOnnx(
  layout: MlpLayout,
  values: Int32Array,
  standardisation: { mean: Float64Array; std: Float64Array },
  graphName: string,
): FederatedOnnx {
  const mlp = fixedToMlp(layout, values, standardisation)
  const bytes = riskOnnx(mlp, FL_PRODUCER_VERSION, {
    graphName,
    docString: `${graphName}: federated risk MLP (onnx-oracle, docs/federated.md)`,
  })
  return { bytes, sha256: sha256Hex(bytes) }
}
