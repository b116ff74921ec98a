/** A file the build writes into a model folder besides model.onnx, manifest.json and the card. */
export interface ExtraFile {
  /** Path relative to the model folder, e.g. `samples/severe-0.png`. */
  path: string
  bytes: Uint8Array
}
