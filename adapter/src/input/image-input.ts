/**
 * The input provider of image models: `data.image` is `{ url | base64, sha256 }`. The bytes are
 * always obtained (decoded from base64, or fetched) and checked against `sha256` (`verify`) before
 * any answer, so a wrong digest or a bad URL is an error whatever the result cache holds; the
 * input hash is that digest. Decoding and preprocessing happen only when the row is asked for (a
 * cache miss); the service asks for the row first and verifies while libvips decodes on another
 * thread, and a digest mismatch wins over whatever the decode gives.
 */
import type { Logger } from 'pino'

import { imageInputHash } from '../../../protocol/input-hash'
import type { ImageInputs } from '../../../protocol/manifest'
import { InputError, PayloadTooLargeError, UnprocessableError } from '../errors'
import type { InferenceRequest } from '../inference/request'
import type { AdapterMetrics } from '../metrics'
import { parseOrThrow } from '../validation'
import { fetchImage } from './image-fetch'
import { imageToRow } from './image-preprocess'
import { ImageSpecSchema } from './image-spec'
import type { InputProvider, InputSettings, ModelInput } from './input-provider'

export class ImageInputProvider implements InputProvider {
  private readonly fetchedOk: { inc(): void }
  private readonly fetchFailed: { inc(): void }

  constructor(
    private readonly inputs: ImageInputs,
    private readonly settings: InputSettings,
    metrics: AdapterMetrics,
    private readonly logger: Logger,
  ) {
    this.fetchedOk = metrics.imageFetches.labels('ok')
    this.fetchFailed = metrics.imageFetches.labels('error')
  }

  async prepare(request: InferenceRequest): Promise<ModelInput> {
    if (request.image === undefined) throw new InputError('"data.image" is required for this model')
    const spec = parseOrThrow(ImageSpecSchema, request.image)
    const inputHash = spec.sha256.toLowerCase()
    const bytes =
      spec.base64 !== undefined ? this.inline(spec.base64) : await this.remote(spec.url as string)
    return {
      inputHash,
      verify: () => this.checkDigest(bytes, inputHash),
      row: () => imageToRow(bytes, this.inputs, this.settings.maxPixels),
    }
  }

  private inline(base64: string): Buffer {
    const { maxBytes } = this.settings.fetch
    // base64 length bounds the byte length before decoding.
    if (Math.floor((base64.length * 3) / 4) > maxBytes + 2) {
      throw new PayloadTooLargeError(`image is larger than ${maxBytes} bytes`)
    }
    const bytes = Buffer.from(base64, 'base64')
    if (bytes.length > maxBytes)
      throw new PayloadTooLargeError(`image is larger than ${maxBytes} bytes`)
    return bytes
  }

  private async remote(url: string): Promise<Buffer> {
    let bytes: Buffer
    try {
      bytes = await fetchImage(url, this.settings.fetch)
      this.fetchedOk.inc()
    } catch (err) {
      this.fetchFailed.inc()
      throw err
    }
    return bytes
  }

  private checkDigest(bytes: Buffer, expected: string): void {
    const actual = imageInputHash(bytes)
    if (actual !== expected) {
      // The digest of what was fetched is logged, never answered: it would tell a requester the
      // hash of content only the adapter can reach.
      this.logger.debug({ expected, actual }, 'image digest mismatch')
      throw new UnprocessableError('image bytes do not match the requested sha256')
    }
  }
}
