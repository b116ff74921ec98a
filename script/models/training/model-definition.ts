/**
 * What a model recipe (risk-model.ts, damage-model.ts) hands to the build: the ONNX bytes and every
 * manifest field that depends on the model, model-specific model-card text, and the trained network
 * itself (float32-rounded weights) for tools that run it. The build (script/models/tools) adds the
 * hashes, the CID, the training-code digest and the provenance hash.
 *
 * The manifest fields are declared here as plain types rather than imported from the manifest
 * schema, so the training code (whose digest every manifest records) does not change when the
 * schema module moves. `tools/assemble-manifest.ts` assigns them to the schema's `Manifest` type, so
 * the compiler checks they still fit, and `parseManifest` validates the result before it is written.
 */

export type Task = 'image-classification' | 'tabular-classification' | 'tabular-regression'

export interface FeatureField {
  name: string
  type: 'number' | 'integer'
  unit: string
  min: number
  max: number
  description: string
}

export type InputsFields =
  | { kind: 'tabular'; tensor: string; features: FeatureField[] }
  | {
      kind: 'image'
      tensor: string
      width: number
      height: number
      channels: 3
      channelOrder: 'RGB'
      layout: 'NCHW'
      mean: [number, number, number]
      std: [number, number, number]
      pixelScale: number
      resize: 'fill' | 'cover' | 'contain'
      kernel:
        | 'nearest'
        | 'linear'
        | 'cubic'
        | 'mitchell'
        | 'lanczos2'
        | 'lanczos3'
        | 'mks2013'
        | 'mks2021'
    }

export interface OutputsFields {
  tensor: string
  labels: string[]
  scale: number
  rounding: 'half-even'
  result: { kind: 'argmax' } | { kind: 'probability'; index: number } | { kind: 'value' }
  payoutRatioBps?: number[]
}

export interface DatasetFields {
  name: string
  digest: { sha256: string }
  serialisation: string
  description: string
  seed?: number
  trainSize: number
  heldOutSize: number
}

export type MetricSet = Record<string, number | Record<string, number>>

export interface TrainedModel<Network = unknown> {
  id: string
  version: string
  task: Task
  license: string
  description: string
  onnx: Uint8Array
  inputs: InputsFields
  outputs: OutputsFields
  dataset: DatasetFields
  /** JSON values only (they are hashed as RFC 8785 canonical JSON). */
  hyperparameters: Record<string, string | number | boolean | number[]>
  metrics: { train: MetricSet; heldOut: MetricSet }
  /** Markdown sections specific to the model (data, architecture, intended use). */
  cardSections: { title: string; body: string }[]
  /** The network the ONNX file stores, with the float32-rounded weights. */
  network: Network
}
