/**
 * An inference request as it flows inward from the HTTP edge: the external-adapter envelope
 * `{ id?, data: { model, features?, image?, inputRef? } }`, already validated by the route
 * (http/request-schema.ts). The model-specific part is validated by the model's input provider
 * (input/), which knows the manifest.
 */
export interface InferenceRequest {
  /** The job run id to echo and to sign (protocol/job-run-id.ts). */
  jobRunID: string
  /** `data.model`: the id of the model asked for. */
  model: string
  /** `data.features` as sent (tabular models). */
  features?: unknown
  /** `data.image` as sent (image models). */
  image?: unknown
  /** `data.inputRef` as sent: where the input store keeps the features (tabular models). */
  inputRef?: unknown
}
