/**
 * Turns a trained model into its manifest: file hash and CID of the ONNX bytes, the provenance
 * record (dataset, training code, hyperparameters and their hash, metrics, framework) and the
 * provenance hash. The result is validated by parseManifest before anything is written.
 */
import { sha256Hex } from '../../../protocol/hashes'
import {
  hyperparametersHash,
  parseManifest,
  provenanceHash,
  type Manifest,
  type Provenance,
} from '../../../protocol/manifest'
import type { TrainedModel } from '../training/model-definition'
import { ONNX_IR_VERSION, ONNX_OPSET } from '../training/onnx-writer'
import { unixfsCidV1 } from './cid'
import type { CodeDigest } from './code-digest'

export const MODEL_FILE = 'model.onnx'
export const BUILD_TYPE = 'onnx-oracle/model-build/v1'
export const BUILDER_ID = 'onnx-oracle/script/models/tools/build.ts'
/** Version of this builder; bump when the build's output format changes. */
export const BUILDER_VERSION = '1.0.0'
/** The training code's entry point (the recipes), relative to the training code folder. */
export const TRAINING_ENTRY_POINT = 'recipes.ts'
export const FRAMEWORK_NAME = 'onnx-oracle TypeScript trainer (float64 training, float32 export)'

export interface BuildContext {
  /** Repository-relative path of the training code, `script/models/training`. */
  codePath: string
  code: CodeDigest
  /** Exact versions of the libraries that shape the bytes (onnx-proto, protobufjs, ...). */
  dependencies: Record<string, string>
}

/** The manifest of `model` (validated). */
export async function assembleManifest(model: TrainedModel, ctx: BuildContext): Promise<Manifest> {
  const provenance: Provenance = {
    buildType: BUILD_TYPE,
    builder: { id: BUILDER_ID, version: BUILDER_VERSION },
    dataset: model.dataset,
    trainingCode: {
      path: ctx.codePath,
      digest: { sha256: ctx.code.sha256 },
      gitTree: ctx.code.gitTree,
      entryPoint: `${ctx.codePath}/${TRAINING_ENTRY_POINT}`,
    },
    hyperparameters: model.hyperparameters as Provenance['hyperparameters'],
    hyperparametersHash: hyperparametersHash(model.hyperparameters),
    metrics: model.metrics,
    framework: {
      name: FRAMEWORK_NAME,
      version: BUILDER_VERSION,
      onnxIrVersion: ONNX_IR_VERSION,
      onnxOpset: ONNX_OPSET,
      dependencies: ctx.dependencies,
    },
  }
  const manifest: Manifest = {
    schemaVersion: 1,
    id: model.id,
    version: model.version,
    task: model.task,
    license: model.license,
    description: model.description,
    file: { path: MODEL_FILE, sha256: sha256Hex(model.onnx), cid: await unixfsCidV1(model.onnx) },
    inputs: model.inputs,
    outputs: model.outputs,
    provenance,
    provenanceHash: provenanceHash(provenance),
  }
  // Round-trip through JSON so what is validated is exactly what manifest.json will hold.
  return parseManifest(JSON.parse(JSON.stringify(manifest)))
}

/** manifest.json text: two-space JSON with a final newline. */
export function manifestText(manifest: Manifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`
}
