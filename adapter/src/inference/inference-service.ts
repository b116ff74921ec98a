/**
 * The inference path behind `POST /`, free of HTTP: takes a request whose envelope the route has
 * validated, has the model's input provider validate and obtain the input (features, or an image
 * fetched, digest-checked and preprocessed), answers from the result cache or a micro-batched ONNX
 * run, applies the result rule, signs, and serialises the success body. Static parts of each
 * model's answer are serialised once at load.
 */
import type { Logger } from 'pino'

import { ResultCache } from '../cache'
import { AdapterError, NotFoundError } from '../errors'
import {
  inputProviderFor,
  type InputProvider,
  type InputSettings,
  type ModelInput,
} from '../input/input-provider'
import type { AdapterMetrics } from '../metrics'
import type { InferenceSigner } from '../signing/signer'
import { MicroBatcher } from './batcher'
import { runQuantised, type LoadedModels, type ServedModel } from './model-loader'
import type { InferenceRequest } from './request'
import { applyResultRule } from './result-rule'

export interface ServiceSettings extends InputSettings {
  batchMaxSize: number
}

interface ModelRuntime {
  model: ServedModel
  input: InputProvider
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
      input: inputProviderFor(m.inputs, this.settings, this.metrics, this.logger),
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

  /** Answers one request with the serialised EA success body. */
  async answer(request: InferenceRequest): Promise<Answer> {
    const rt = this.runtimes.get(request.model)
    if (rt === undefined) throw this.unknownModel(request.model)
    const { model } = rt
    // A tabular input is ready at once: awaited only when it is a promise (an image), so the
    // tabular hot path takes no extra microtask turns.
    const prepared = rt.input.prepare(request)
    const input = prepared instanceof Promise ? await prepared : prepared
    const { inputHash } = input
    const key = ResultCache.key(model.modelHash, inputHash)
    let outputs = this.cache.get(key)
    if (outputs === undefined) outputs = await this.compute(rt, key, input)
    else {
      input.verify?.()
      rt.hits.inc()
      rt.cached.inc()
    }

    const { result, label } = applyResultRule(model.manifest.outputs, outputs)
    let signed = ''
    if (this.signer !== undefined) {
      const end = this.metrics.signDuration.startTimer()
      const signature = await this.signer.sign({
        modelHash: model.modelHash,
        inputHash,
        result: BigInt(result),
        jobRunId: request.jobRunID,
      })
      end()
      signed = `,"signer":"${this.signer.address}","signature":"${signature}"`
    }
    let outputsJson = ''
    for (let i = 0; i < outputs.length; i++) outputsJson += `${i === 0 ? '' : ','}"${outputs[i]}"`
    const text =
      `{"jobRunID":${JSON.stringify(request.jobRunID)},"statusCode":200,"result":"${result}",` +
      `"data":{"result":"${result}",${rt.identityJson},"inputHash":"${inputHash}",` +
      `${rt.labelJson.get(label) ?? ''}"outputs":[${outputsJson}],${rt.scaleJson}${signed}}}`
    return { body: text, model: model.id }
  }

  private async compute(rt: ModelRuntime, key: string, input: ModelInput): Promise<number[]> {
    // The row first (an image starts decoding on another thread), then the input's own check on
    // this one; a failed check wins over whatever the row gives.
    const pending = input.row()
    try {
      input.verify?.()
    } catch (err) {
      if (pending instanceof Promise) pending.catch(() => {})
      throw err
    }
    // Awaited only when it is a promise (an image): the tabular row takes no extra microtask turn.
    const row = pending instanceof Promise ? await pending : pending
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
}
