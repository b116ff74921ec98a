/**
 * Builds the adapter, phase by phase, and returns the Express app plus the request listener the
 * server uses. It never listens (server.ts does).
 *
 * 1. models: load and check every model folder of MODEL_DIR (refused ones are logged, never served);
 * 2. signer: when SIGNER_PRIVATE_KEY is set, start the signing threads and warm them up;
 * 3. service: the inference path (input providers, result cache, micro-batching, signing);
 * 4. routes: the inference route (`POST /`) and the Express app around it (http/routes.ts);
 * 5. lifecycle: readiness, shutdown, drain, release (lifecycle.ts).
 * If a phase fails, what the earlier ones acquired is released before the error propagates.
 */
import type { RequestListener } from 'node:http'

import type { Express } from 'express'
import type { Logger } from 'pino'

import { ResultCache } from './cache'
import { describeConfig, type Config } from './config'
import { FlAggregationJob } from './federated/fl-aggregation-job'
import { ApiKeyAuth } from './http/api-key-auth'
import { InferenceRoute } from './http/inference-route'
import { createExpressApp, createListener } from './http/routes'
import { InferenceService, type ServiceSettings } from './inference/inference-service'
import { loadModels, type LoadedModels, type RefusedModel } from './inference/model-loader'
import { AddressPolicy } from './input/address-policy'
import { InputStore } from './input/input-store'
import { AdapterLifecycle, releaseAll } from './lifecycle'
import { createLogger } from './logger'
import { createMetrics, type AdapterMetrics } from './metrics'
import { startSigner, type InferenceSigner } from './signing/signer'

export interface Adapter {
  app: Express
  listener: RequestListener
  service: InferenceService
  metrics: AdapterMetrics
  logger: Logger
  refused: RefusedModel[]
  /** The signer's address, when SIGNER_PRIVATE_KEY is set. */
  signerAddress: string | undefined
  ready(): boolean
  /** New inference requests get 503; `/ready` turns 503. */
  beginShutdown(): void
  /** Resolves true when in-flight requests have finished, false after `timeoutMs`. */
  drain(timeoutMs: number): Promise<boolean>
  /** Releases ONNX sessions and signer threads. */
  close(): Promise<void>
}

export interface AdapterOptions {
  logger?: Logger
  /** Node process metrics (CPU, memory, event loop) in /metrics; on in the server. */
  defaultMetrics?: boolean
}

/** Phase 1: every model folder loaded and checked; each outcome logged. */
async function loadServedModels(config: Config, logger: Logger): Promise<LoadedModels> {
  const loaded = await loadModels(config.MODEL_DIR, config.ORT_INTRA_OP_THREADS)
  for (const r of loaded.refused) {
    logger.error({ folder: r.folder, reason: r.reason }, 'model refused')
  }
  for (const m of loaded.models.values()) {
    logger.info(
      { model: m.id, version: m.manifest.version, modelHash: m.modelHash, maxBatch: m.maxBatch },
      'model loaded',
    )
  }
  return loaded
}

/** Phase 2: the operator's signer, warmed up, or none (unsigned answers). */
function operatorSigner(
  config: Config,
  metrics: AdapterMetrics,
): Promise<InferenceSigner | undefined> {
  if (config.SIGNER_PRIVATE_KEY === undefined) return Promise.resolve(undefined)
  return startSigner(config.SIGNER_PRIVATE_KEY, {
    threads: config.SIGNER_THREADS,
    maxBatch: config.SIGNER_BATCH_MAX_SIZE,
    onBatch: (size) => metrics.signBatchSize.observe(size),
  })
}

/** Phase 3's settings: batching, image limits and the fetch policy. */
function serviceSettings(config: Config): ServiceSettings {
  return {
    batchMaxSize: config.BATCH_MAX_SIZE,
    maxPixels: config.FETCH_MAX_PIXELS,
    fetch: {
      maxBytes: config.FETCH_MAX_BYTES,
      timeoutMs: config.FETCH_TIMEOUT_MS,
      maxRedirects: config.FETCH_MAX_REDIRECTS,
      ipfsGateway: config.IPFS_GATEWAY,
      // The allow-list is the gateway's alone: any other image URL must be a public address.
      gatewayPolicy: new AddressPolicy(config.FETCH_ALLOWLIST),
      hostPolicy: new AddressPolicy([]),
    },
    inputStore:
      config.INPUT_STORE_URL === undefined
        ? undefined
        : new InputStore({
            url: config.INPUT_STORE_URL,
            apiKey: config.INPUT_STORE_API_KEY,
            timeoutMs: config.FETCH_TIMEOUT_MS,
            // A stored input is no larger than an inline request may be.
            maxBytes: config.BODY_LIMIT_BYTES,
          }),
  }
}

/** Phase 4: the inference route, with its admission settings. */
function inferenceRoute(
  config: Config,
  service: InferenceService,
  metrics: AdapterMetrics,
  logger: Logger,
  signer: InferenceSigner | undefined,
): InferenceRoute {
  const route = new InferenceRoute(
    service,
    new ApiKeyAuth(config.API_KEYS),
    { bodyLimit: config.BODY_LIMIT_BYTES, queueLimit: config.QUEUE_LIMIT },
    metrics,
    logger,
    new FlAggregationJob(serviceSettings(config).fetch, signer),
  )
  metrics.setQueueDepthSource(() => route.inFlight)
  return route
}

/** Phases 3 to 5: service, routes and lifecycle over the loaded models and the signer. */
function assemble(
  config: Config,
  loaded: LoadedModels,
  signer: InferenceSigner | undefined,
  metrics: AdapterMetrics,
  logger: Logger,
): Adapter {
  const cache = new ResultCache(config.CACHE_MAX_ENTRIES, config.CACHE_TTL_SECONDS)
  const service = new InferenceService(
    loaded,
    serviceSettings(config),
    cache,
    metrics,
    logger,
    signer,
  )
  const route = inferenceRoute(config, service, metrics, logger, signer)
  const lifecycle = new AdapterLifecycle(loaded, route, signer)
  const app = createExpressApp({
    route,
    models: service.models,
    refused: loaded.refused,
    metrics,
    logger,
    ready: lifecycle.ready,
  })
  return {
    app,
    listener: createListener(route, app),
    service,
    metrics,
    logger,
    refused: loaded.refused,
    signerAddress: signer?.address,
    ready: lifecycle.ready,
    beginShutdown: () => lifecycle.beginShutdown(),
    drain: (timeoutMs) => lifecycle.drain(timeoutMs),
    close: () => lifecycle.close(),
  }
}

export async function createAdapter(
  config: Config,
  options: AdapterOptions = {},
): Promise<Adapter> {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL)
  const metrics = createMetrics({ defaultMetrics: options.defaultMetrics ?? false })
  const loaded = await loadServedModels(config, logger)
  let signer: InferenceSigner | undefined
  try {
    signer = await operatorSigner(config, metrics)
    const adapter = assemble(config, loaded, signer, metrics, logger)
    logger.info({ config: describeConfig(config) }, 'adapter configured')
    return adapter
  } catch (err) {
    await releaseAll(loaded, signer)
    throw err
  }
}
