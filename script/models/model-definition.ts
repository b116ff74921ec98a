/**
 * What a model recipe (risk-model.ts, damage-model.ts) hands to the build: the ONNX bytes and every
 * manifest field that depends on the model, plus model-specific model-card text. The build adds the
 * hashes, the CID, the training-code digest and the provenance hash.
 */
import type { Manifest, Provenance } from '../../protocol/manifest'

export interface ExtraFile {
  /** Path relative to the model folder, e.g. `samples/severe-0.png`. */
  path: string
  bytes: Uint8Array
}

export interface TrainedModel {
  id: string
  version: string
  task: Manifest['task']
  license: string
  description: string
  onnx: Uint8Array
  inputs: Manifest['inputs']
  outputs: Manifest['outputs']
  dataset: Provenance['dataset']
  hyperparameters: Record<string, unknown>
  metrics: Provenance['metrics']
  /** Markdown sections specific to the model (data, architecture, intended use). */
  cardSections: { title: string; body: string }[]
  /** Files written next to model.onnx, e.g. sample inputs (not part of the manifest). */
  extraFiles: ExtraFile[]
}
