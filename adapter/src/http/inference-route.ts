/**
 * `POST /`: the external-adapter endpoint. It works on Node's own request and response objects, so
 * the server can dispatch it before Express's router (see routes.ts) and Express can mount the same
 * handler. Every outcome is either the EA success body or an AdapterError rendered by the one error
 * renderer (error-response.ts) with the request's job run id; either way the route counts the
 * request in the HTTP metrics itself, once, whichever dispatch brought it.
 *
 * Order of checks: the API key, from the headers alone (401 before any byte of the body is read or
 * parsed; the unread body is discarded up to the drain cap), then the body (size cap, JSON), the
 * job run id, shutdown (503), queue limit (429), the envelope (request-schema.ts), then the
 * inference service with the typed request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

import type { Logger } from 'pino'

import { DEFAULT_JOB_RUN_ID, jobRunIdOf } from '../../../protocol/job-run-id'
import {
  AuthError,
  InputError,
  OverloadError,
  PayloadTooLargeError,
  UnavailableError,
} from '../errors'
import type { AdapterJob } from '../federated/fl-aggregation-job'
import type { InferenceService } from '../inference/inference-service'
import type { AdapterMetrics, HttpChild } from '../metrics'
import type { ApiKeyAuth } from './api-key-auth'
import { declaresMoreThan, defaultDrainLimit, discardBody, readBody } from './body-reader'
import { sendError } from './error-response'
import { parseInferenceRequest } from './request-schema'
import { sendJson } from './send-json'

export interface RouteSettings {
  bodyLimit: number
  queueLimit: number
}

export class InferenceRoute {
  /** Requests past the admission checks and not yet answered. */
  inFlight = 0
  private shuttingDown = false
  private drained: (() => void)[] = []
  private readonly ok: HttpChild

  constructor(
    private readonly service: InferenceService,
    private readonly auth: ApiKeyAuth,
    private readonly settings: RouteSettings,
    private readonly metrics: AdapterMetrics,
    private readonly logger: Logger,
    /** Other job types on `POST /` (`data.job`), e.g. the federated aggregation. */
    private readonly job?: AdapterJob,
  ) {
    this.ok = metrics.httpChild('POST', '/', 200)
  }

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    void this.run(req, res)
  }

  /** From now on, new requests get 503 and responses close their connection. */
  beginShutdown(): void {
    this.shuttingDown = true
  }

  /** Resolves true once no request is in flight, or false after `timeoutMs`. */
  drain(timeoutMs: number): Promise<boolean> {
    if (this.inFlight === 0) return Promise.resolve(true)
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs)
      this.drained.push(() => {
        clearTimeout(timer)
        resolve(true)
      })
    })
  }

  private async run(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const start = performance.now()
    let jobRunID = DEFAULT_JOB_RUN_ID
    let admitted = false
    let closeAfter = false
    try {
      if (!this.auth.allows(req.headers)) {
        const drainLimit = defaultDrainLimit(this.settings.bodyLimit)
        closeAfter = declaresMoreThan(req, drainLimit)
        if (!closeAfter) discardBody(req, drainLimit)
        throw new AuthError()
      }
      const text = await readBody(req, this.settings.bodyLimit)
      let body: unknown
      try {
        body = JSON.parse(text)
      } catch (err) {
        throw new InputError('request body is not valid JSON', { cause: err })
      }
      jobRunID = jobRunIdOf(body)
      if (this.shuttingDown) throw new UnavailableError('adapter is shutting down, retry later')
      if (this.inFlight >= this.settings.queueLimit) {
        this.metrics.overloadRejections.inc()
        throw new OverloadError(
          `adapter overloaded (${this.inFlight} requests in progress), retry later`,
        )
      }
      this.inFlight++
      admitted = true
      const answer =
        this.job !== undefined && this.job.handles(body)
          ? await this.job.answer(body, jobRunID)
          : await this.service.answer(parseInferenceRequest(body, jobRunID))
      sendJson(res, 200, answer.body, undefined, this.shuttingDown)
      this.ok.count.inc()
      this.ok.duration.observe((performance.now() - start) / 1000)
      if (this.logger.isLevelEnabled('debug')) {
        this.logger.debug({ jobRunID, model: answer.model, statusCode: 200 }, 'answered')
      }
    } catch (err) {
      // An unread oversized body would otherwise be parsed as the next request on the connection.
      const close = closeAfter || this.shuttingDown || err instanceof PayloadTooLargeError
      const e = sendError(res, err, jobRunID, this.logger, close)
      const child = this.metrics.httpChild('POST', '/', e.statusCode)
      child.count.inc()
      child.duration.observe((performance.now() - start) / 1000)
    } finally {
      if (admitted) {
        this.inFlight--
        if (this.inFlight === 0 && this.drained.length > 0) {
          const waiters = this.drained
          this.drained = []
          for (const w of waiters) w()
        }
      }
    }
  }
}
