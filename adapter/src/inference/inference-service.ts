/**
 * The inference path behind `POST /`, free of HTTP: validates the request against the model's
 * manifest, obtains the input row (features, or an image fetched, digest-checked and
 * preprocessed), answers from the result cache or a micro-batched ONNX run, applies the result
 * rule, signs, and serialises the success body. Static parts of each model's answer are
 * serialised once at load.
 */
import type { Logger } from 'pino'

import { imageInputHash } from '../../../protocol/input-hash'
import { ResultCache } from '../cache'
import {
  AdapterError,
  InputError,
  NotFoundError,
  PayloadTooLargeError,
  UnprocessableError,
} from '../errors'
import {
  ImageSpecSchema,
  RequestSchema,
  parseOrThrow,
  type AdapterRequest,
} from '../http/request-schema'
import { fetchImage, type FetchSettings } from '../input/image-fetch'
import { imageToRow } from '../input/image-preprocess'
import { compileTabularValidator, type TabularValidator } from '../input/tabular'
import type { AdapterMetrics } from '../metrics'
import type { InferenceSigner } from '../signing/signer'
import { MicroBatcher } from './batcher'
import { runQuantised, type LoadedModels, type ServedModel } from './model-loader'
import { applyResultRule } from './result-rule'

export interface ServiceSettings {
  batchMaxSize: number
  maxPixels: number
  fetch: FetchSettings
}

interface ModelRuntime {
  model: ServedModel
  validator: TabularValidator | undefined
  batcher: MicroBatcher<Float32Array, number[] | AdapterError>
  /** `"model":…,"modelVersion":…,"modelHash":…` */
  identityJson: string
  scaleJson: string
  labelJson: Map<string, string>
  hits: { inc(): void }
  misses: { inc(): void }
  computed: { inc(): void }
  cached: { inc(): void }
}

export interface Answer {
  body: string
  model: string
}

export class InferenceService {
  private readonly runtimes = new Map<string, ModelRuntime>()

  constructor(
    private readonly loaded: LoadedModels,
    private readonly settings: ServiceSettings,
    private readonly cache: ResultCache,
    private readonly metrics: AdapterMetrics,
    private readonly logger: Logger,
    private readonly signer: InferenceSigner | undefined,
  ) {
    for (const model of loaded.models.values()) this.runtimes.set(model.id, this.runtimeFor(model))
  }

  private runtimeFor(model: ServedModel): ModelRuntime {
    const m = model.manifest
    const batchSize = this.metrics.batchSize.labels(model.id)
    const runDuration = this.metrics.inferenceDuration.labels(model.id)
    const maxBatch = Math.min(model.maxBatch, this.settings.batchMaxSize)
    return {
      model,
      validator: m.inputs.kind === 'tabular' ? compileTabularValidator(m.inputs) : undefined,
      batcher: new MicroBatcher(maxBatch, async (rows) => {
        batchSize.observe(rows.length)
        const end = runDuration.startTimer()
        try {
          return await runQuantised(model, rows)
        } finally {
          end()
        }
      }),
      identityJson: `"model":${JSON.stringify(m.id)},"modelVersion":${JSON.stringify(m.version)},"modelHash":"${model.modelHash}"`,
      scaleJson: `"scale":${m.outputs.scale}`,
      labelJson: new Map(m.outputs.labels.map((l) => [l, `"label":${JSON.stringify(l)},`])),
      hits: this.metrics.cacheHits.labels(model.id),
      misses: this.metrics.cacheMisses.labels(model.id),
      computed: this.metrics.inferenceRequests.labels(model.id, 'computed'),
      cached: this.metrics.inferenceRequests.labels(model.id, 'cached'),
    }
  }

  get models(): ServedModel[] {
    return [...this.loaded.models.values()]
  }

  /** Answers one request body (already JSON-parsed) with the serialised EA success body. */
  async answer(jobRunID: string, body: unknown): Promise<Answer> {
    const request: AdapterRequest = parseOrThrow(RequestSchema, body)
    const rt = this.runtimes.get(request.data.model)
    if (rt === undefined) throw this.unknownModel(request.data.model)
    const { model } = rt

    let inputHash: string
    let outputs: number[] | undefined
    let key: string
    if (rt.validator !== undefined) {
      const input = rt.validator.parse(request.data.features)
      inputHash = input.inputHash
      key = ResultCache.key(model.modelHash, inputHash)
      outputs = this.cache.get(key)
      if (outputs === undefined) outputs = await this.compute(rt, key, input.row)
      else this.hit(rt)
    } else {
      if (request.data.image === undefined) {
        throw new InputError('"data.image" is required for this model')
      }
      const spec = parseOrThrow(ImageSpecSchema, request.data.image)
      inputHash = spec.sha256.toLowerCase()
      key = ResultCache.key(model.modelHash, inputHash)
      // The bytes are always obtained and checked, so a wrong digest or a bad URL is an error
      // whatever the cache holds; a hit skips decoding and inference.
      const bytes =
        spec.base64 !== undefined
          ? this.inlineImage(spec.base64, inputHash)
          : await this.remoteImage(spec.url as string, inputHash)
      outputs = this.cache.get(key)
      if (outputs === undefined) {
        if (model.manifest.inputs.kind !== 'image') throw new AdapterError('manifest mismatch', 500)
        const row = await imageToRow(bytes, model.manifest.inputs, this.settings.maxPixels)
        outputs = await this.compute(rt, key, row)
      } else this.hit(rt)
    }

    const { result, label } = applyResultRule(model.manifest.outputs, outputs)
    let signed = ''
    if (this.signer !== undefined) {
      const end = this.metrics.signDuration.startTimer()
      const signature = await this.signer.sign({
        modelHash: model.modelHash,
        inputHash,
        result: BigInt(result),
        jobRunId: jobRunID,
      })
      end()
      signed = `,"signer":"${this.signer.address}","signature":"${signature}"`
    }
    let outputsJson = ''
    for (let i = 0; i < outputs.length; i++) outputsJson += `${i === 0 ? '' : ','}"${outputs[i]}"`
    const text =
      `{"jobRunID":${JSON.stringify(jobRunID)},"statusCode":200,"result":"${result}",` +
      `"data":{"result":"${result}",${rt.identityJson},"inputHash":"${inputHash}",` +
      `${rt.labelJson.get(label) ?? ''}"outputs":[${outputsJson}],${rt.scaleJson}${signed}}}`
    return { body: text, model: model.id }
  }

  private hit(rt: ModelRuntime): void {
    rt.hits.inc()
    rt.cached.inc()
  }

  private async compute(rt: ModelRuntime, key: string, row: Float32Array): Promise<number[]> {
    if (this.cache.enabled) rt.misses.inc()
    rt.computed.inc()
    const out = await rt.batcher.submit(row)
    if (out instanceof AdapterError) throw out
    this.cache.set(key, out)
    return out
  }

  private unknownModel(id: string): NotFoundError {
    const refused = this.loaded.refused.find((r) => r.folder === id)
    const served = [...this.runtimes.keys()].join(', ')
    return new NotFoundError(
      refused !== undefined
        ? `model "${id}" is not served: it was refused at load (${refused.reason})`
        : `model "${id}" is not served (served: ${served || 'none'})`,
    )
  }

  private inlineImage(base64: string, expected: string): Buffer {
    // base64 length bounds the byte length before decoding.
    if (Math.floor((base64.length * 3) / 4) > this.settings.fetch.maxBytes + 2) {
      throw new PayloadTooLargeError(`image is larger than ${this.settings.fetch.maxBytes} bytes`)
    }
    const bytes = Buffer.from(base64, 'base64')
    if (bytes.length > this.settings.fetch.maxBytes) {
      throw new PayloadTooLargeError(`image is larger than ${this.settings.fetch.maxBytes} bytes`)
    }
    this.checkDigest(bytes, expected)
    return bytes
  }

  private async remoteImage(url: string, expected: string): Promise<Buffer> {
    let bytes: Buffer
    try {
      bytes = await fetchImage(url, this.settings.fetch)
      this.metrics.imageFetches.labels('ok').inc()
    } catch (err) {
      this.metrics.imageFetches.labels('error').inc()
      throw err
    }
    this.checkDigest(bytes, expected)
    return bytes
  }

  private checkDigest(bytes: Buffer, expected: string): void {
    const actual = imageInputHash(bytes)
    if (actual !== expected) {
      this.logger.debug({ expected, actual }, 'image digest mismatch')
      throw new UnprocessableError(`image sha256 is ${actual}, not the requested ${expected}`)
    }
  }
}
