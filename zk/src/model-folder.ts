/**
 * A model folder (`adapter/models/<id>/`: manifest.json and the ONNX file) read the way the
 * adapter reads it (same manifest parser, same file-hash check), lowered and quantised as its zk
 * format (`zk/circuits/<id>/format.json`) says.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { checkModelBytes, parseManifest, type Manifest } from '../../protocol/manifest'
import { artifactPaths } from './artifacts'
import { ArtifactError, UnsupportedModelError } from './errors'
import { formatText, readFormat, type FixedPoint, type WeightMode } from './format'
import { lowerModel, type Network } from './network'
import { readOnnxGraph } from './onnx-graph'
import { quantiseModel, type QuantisedModel } from './quantised-model'

export interface ModelFolder {
  dir: string
  manifest: Manifest
  network: Network
}

/** Reads and lowers the folder's model; throws UnsupportedModelError when it cannot be a circuit. */
export function loadModelFolder(dir: string): ModelFolder {
  let manifest: Manifest
  try {
    manifest = parseManifest(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')))
  } catch (err) {
    throw new UnsupportedModelError(`${dir}: no valid manifest.json (${(err as Error).message})`, {
      cause: err,
    })
  }
  const bytes = readFileSync(join(dir, manifest.file.path))
  checkModelBytes(manifest, bytes)
  const network = lowerModel(readOnnxGraph(bytes), manifest)
  return { dir, manifest, network }
}

/** Quantises the folder's model with the given fixed-point parameters. */
export function quantiseFolder(
  folder: ModelFolder,
  fixedPoint: FixedPoint,
  weights: WeightMode = 'constant',
): QuantisedModel {
  return quantiseModel(folder.network, folder.manifest, fixedPoint, weights)
}

/**
 * The folder's quantised model as its committed format describes it. Throws ArtifactError when the
 * format no longer matches the model (regenerate with `npm run zk -- generate`).
 */
export function loadQuantised(
  dir: string,
  root?: string,
): { folder: ModelFolder; model: QuantisedModel } {
  const folder = loadModelFolder(dir)
  const formatPath = artifactPaths(dir, folder.manifest.id, root).format
  const recorded = readFormat(formatPath)
  const model = quantiseFolder(folder, recorded.circuit.fixedPoint, recorded.weights)
  if (formatText(model.format) !== formatText(recorded)) {
    throw new ArtifactError(
      `${formatPath} is stale: the model now quantises to another format ` +
        `(weights commitment ${model.format.weightsCommitment}, recorded ` +
        `${recorded.weightsCommitment}); run \`npm run zk -- generate ${dir}\``,
    )
  }
  return { folder, model }
}
