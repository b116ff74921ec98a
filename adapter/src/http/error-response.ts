/**
 * The one renderer of errors, for `POST /` and every Express route alike: anything thrown becomes
 * an AdapterError (errors.ts), logged by severity (5xx other than 503 at `error` with the cause,
 * the rest at `debug`) and written as the external-adapter error body with the same HTTP status,
 * `Retry-After` when the error has one.
 */
import type { ServerResponse } from 'node:http'

import type { Logger } from 'pino'

import { UnavailableError, toAdapterError, type AdapterError } from '../errors'
import { sendJson } from './send-json'

/** Renders `err` for the request `jobRunID`; `close` ends the connection after the answer. */
export function sendError(
  res: ServerResponse,
  err: unknown,
  jobRunID: string,
  logger: Logger,
  close = false,
): AdapterError {
  const e = toAdapterError(err)
  if (e.statusCode >= 500 && !(e instanceof UnavailableError)) {
    logger.error({ jobRunID, err: e, cause: e.cause }, e.message)
  } else if (logger.isLevelEnabled('debug')) {
    logger.debug({ jobRunID, statusCode: e.statusCode, error: e.message }, 'refused')
  }
  sendJson(
    res,
    e.statusCode,
    JSON.stringify(e.toJSONResponse(jobRunID)),
    e.retryAfterSeconds,
    close,
  )
  return e
}
