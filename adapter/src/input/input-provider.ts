/**
 * One input provider per model kind: it turns the request's model-specific part into the input
 * hash and the ONNX input row, so the inference service never branches on the kind.
 * - tabular (./tabular.ts): `data.features` validated against the manifest, hashed as JCS;
 * - image (./image-input.ts): `data.image` supplied or fetched, checked against its sha256
 *   (`verify`, while the image decodes), and decoded only when the result is not cached.
 */
import type { Logger } from 'pino'

import type { ManifestInputs } from '../../../protocol/manifest'
import type { InferenceRequest } from '../inference/request'
import type { AdapterMetrics } from '../metrics'
import type { FetchSettings } from './image-fetch'
import { ImageInputProvider } from './image-input'
import { TabularInputProvider } from './tabular'

export interface ModelInput {
  /** `0x` + 64 hex: the input hash of docs/protocol.md. */
  readonly inputHash: string
  /**
   * Checks that the input really has `inputHash` (an image's bytes against its claimed sha256);
   * throws an AdapterError if not. When present, it must pass before any answer is given, cached
   * or computed. The service calls it after `row()` has started, so it runs while the row is made.
   */
  verify?(): void
  /** The ONNX input row; called only on a result-cache miss (so an image is decoded only then). */
  row(): Float32Array | Promise<Float32Array>
}

export interface InputProvider {
  /**
   * Validates the request's input against the model and obtains it (features checked and hashed;
   * image bytes supplied or fetched and checked against their digest). Throws AdapterErrors.
   */
  prepare(request: InferenceRequest): ModelInput | Promise<ModelInput>
}

export interface InputSettings {
  /** Largest decoded image, in pixels. */
  maxPixels: number
  fetch: FetchSettings
}

/** The provider for a model's inputs, chosen once at load. */
export function inputProviderFor(
  inputs: ManifestInputs,
  settings: InputSettings,
  metrics: AdapterMetrics,
  logger: Logger,
): InputProvider {
  return inputs.kind === 'tabular'
    ? new TabularInputProvider(inputs)
    : new ImageInputProvider(inputs, settings, metrics, logger)
}
