/**
 * The adapter's HTTP surface. Routes, in order: `GET /health` (liveness, before any middleware),
 * `POST /` (inference; the route counts its own metrics, so it sits before the HTTP metrics
 * middleware), the metrics middleware, `GET /ready`, `GET /metrics` (Prometheus), `GET /models`
 * (served manifests), a JSON 404, and the four-argument error handler last (the one error renderer).
 *
 * `createListener` hands `POST /` straight to the inference route and everything else to Express.
 * The route is the same handler Express mounts; dispatching it first skips Express's per-request
 * setup (prototype swaps of req/res, router walk), which cost more than the whole inference path.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'

import express, { type Express, type NextFunction, type Request, type Response } from 'express'
import type { Logger } from 'pino'

import { DEFAULT_JOB_RUN_ID } from '../../../protocol/job-run-id'
import { NotFoundError } from '../errors'
import type { RefusedModel, ServedModel } from '../inference/model-loader'
import type { AdapterMetrics } from '../metrics'
import { sendError } from './error-response'
import type { InferenceRoute } from './inference-route'
import { sendJson } from './send-json'

export interface RoutesDeps {
  route: InferenceRoute
  models: readonly ServedModel[]
  refused: readonly RefusedModel[]
  metrics: AdapterMetrics
  logger: Logger
  /** Models loaded and not shutting down. */
  ready(): boolean
}

/** Counts every request Express answers (except /health and POST /) by method, route and status. */
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

export function createExpressApp(deps: RoutesDeps): Express {
  const { route, metrics, logger, ready } = deps
  const modelsBody = JSON.stringify({
    models: deps.models.map((m) => m.manifest),
    refused: deps.refused,
  })
  const app = express()
  app.disable('x-powered-by')
  app.disable('etag')
  app.get('/health', (_req, res) => sendJson(res, 200, '{"status":"ok"}'))
  app.post('/', route.handle)
  app.use(observeHttp(metrics))
  app.get('/ready', (_req, res) => {
    const body = {
      ready: ready(),
      models: deps.models.map((m) => m.id),
      refused: deps.refused.map((r) => r.folder),
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
  return app
}

/** The server's request listener: `POST /` to the inference route, the rest to Express. */
export function createListener(route: InferenceRoute, app: Express): RequestListener {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'POST' && req.url === '/') route.handle(req, res)
    else app(req, res)
  }
}
