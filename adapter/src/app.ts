/**
 * Builds the adapter: loads the models, wires the inference service, and returns the Express app
 * plus the request listener the server uses. It never listens.
 *
 * Routes: `GET /health` (liveness), `GET /ready` (models loaded, not shutting down), `GET /metrics`
 * (Prometheus), `GET /models` (served manifests), `POST /` (inference), a JSON 404, and the
 * four-argument error handler last.
 *
 * `listener` hands `POST /` straight to the inference route and everything else to Express. The
 * route is the same handler Express mounts; dispatching it first skips Express's per-request setup
 * (prototype swaps of req/res, router walk), which cost more than the whole inference path.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'

import { ZeroHash } from 'ethers'
import express, { type Express, type NextFunction, type Request, type Response } from 'express'
import type { Logger } from 'pino'

import { DEFAULT_JOB_RUN_ID } from '../../protocol/job-run-id'
import { ResultCache } from './cache'
import { describeConfig, type Config } from './config'
import { NotFoundError } from './errors'
import { ApiKeyAuth } from './http/api-key-auth'
import { sendError } from './http/error-response'
import { InferenceRoute } from './http/inference-route'
import { sendJson } from './http/send-json'
import { InferenceService } from './inference/inference-service'
import { loadModels, type RefusedModel } from './inference/model-loader'
import { AddressPolicy } from './input/address-policy'
import { createLogger } from './logger'
import { createMetrics, type AdapterMetrics } from './metrics'
import { createSigner, type InferenceSigner } from './signing/signer'

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

function observeHttp(metrics: AdapterMetrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const start = performance.now()
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched'
      const child = metrics.httpChild(req.method, route, res.statusCode)
      child.count.inc()
      child.duration.observe((performance.now() - start) / 1000)
    })
    next()
  }
}

export async function createAdapter(
  config: Config,
  options: AdapterOptions = {},
): Promise<Adapter> {
  const logger = options.logger ?? createLogger(config.LOG_LEVEL)
  const metrics = createMetrics({ defaultMetrics: options.defaultMetrics ?? false })
  const loaded = await loadModels(config.MODEL_DIR, config.ORT_INTRA_OP_THREADS)
  for (const r of loaded.refused)
    logger.error({ folder: r.folder, reason: r.reason }, 'model refused')
  for (const m of loaded.models.values()) {
    logger.info(
      { model: m.id, version: m.manifest.version, modelHash: m.modelHash, maxBatch: m.maxBatch },
      'model loaded',
    )
  }

  const signer: InferenceSigner | undefined =
    config.SIGNER_PRIVATE_KEY === undefined
      ? undefined
      : createSigner(config.SIGNER_PRIVATE_KEY, config.SIGNER_THREADS)
  // The first signature loads the curve code in the worker (~1 s): pay it before serving.
  if (signer !== undefined) {
    await signer.sign({ modelHash: ZeroHash, inputHash: ZeroHash, result: 0n, jobRunId: 'warm-up' })
  }
  const service = new InferenceService(
    loaded,
    {
      batchMaxSize: config.BATCH_MAX_SIZE,
      maxPixels: config.FETCH_MAX_PIXELS,
      fetch: {
        maxBytes: config.FETCH_MAX_BYTES,
        timeoutMs: config.FETCH_TIMEOUT_MS,
        maxRedirects: config.FETCH_MAX_REDIRECTS,
        ipfsGateway: config.IPFS_GATEWAY,
        policy: new AddressPolicy(config.FETCH_ALLOWLIST),
      },
    },
    new ResultCache(config.CACHE_MAX_ENTRIES, config.CACHE_TTL_SECONDS),
    metrics,
    logger,
    signer,
  )
  const route = new InferenceRoute(
    service,
    new ApiKeyAuth(config.API_KEYS),
    { bodyLimit: config.BODY_LIMIT_BYTES, queueLimit: config.QUEUE_LIMIT },
    metrics,
    logger,
  )
  metrics.setQueueDepthSource(() => route.inFlight)

  let shuttingDown = false
  const ready = (): boolean => !shuttingDown && loaded.models.size > 0
  const modelsBody = JSON.stringify({
    models: service.models.map((m) => m.manifest),
    refused: loaded.refused,
  })

  const app = express()
  app.disable('x-powered-by')
  app.disable('etag')
  app.get('/health', (_req, res) => sendJson(res, 200, '{"status":"ok"}'))
  // The inference route counts its own requests: mounted before the HTTP metrics middleware, so a
  // POST / that comes through Express is counted once, as through the listener's fast path.
  app.post('/', route.handle)
  app.use(observeHttp(metrics))
  app.get('/ready', (_req, res) => {
    const body = {
      ready: ready(),
      models: service.models.map((m) => m.id),
      refused: loaded.refused.map((r) => r.folder),
    }
    sendJson(res, body.ready ? 200 : 503, JSON.stringify(body), body.ready ? undefined : 1)
  })
  app.get('/metrics', async (_req, res, next) => {
    try {
      const text = await metrics.registry.metrics()
      res.writeHead(200, { 'content-type': metrics.registry.contentType })
      res.end(text)
    } catch (err) {
      next(err)
    }
  })
  app.get('/models', (_req, res) => sendJson(res, 200, modelsBody))
  app.use((req: Request, _res: Response, next: NextFunction) => {
    next(new NotFoundError(`no route ${req.method} ${req.path}`))
  })
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    sendError(res, err, DEFAULT_JOB_RUN_ID, logger)
  })

  const listener: RequestListener = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'POST' && req.url === '/') route.handle(req, res)
    else app(req, res)
  }

  logger.info({ config: describeConfig(config) }, 'adapter configured')
  return {
    app,
    listener,
    service,
    metrics,
    logger,
    refused: loaded.refused,
    signerAddress: signer?.address,
    ready,
    beginShutdown(): void {
      shuttingDown = true
      route.beginShutdown()
    },
    drain: (timeoutMs) => route.drain(timeoutMs),
    async close(): Promise<void> {
      await signer?.close()
      await Promise.all(service.models.map((m) => m.session.release()))
    },
  }
}
