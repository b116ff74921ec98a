/**
 * Typed errors of the external adapter. Every error a request can meet is one of these: each knows
 * its HTTP status and renders the Chainlink external-adapter error body, so the route handler never
 * flattens an error into a string and never loses its cause.
 */

/** The body a Chainlink node expects from an external adapter that failed. */
export interface EAErrorResponse {
  jobRunID: string
  status: 'errored'
  statusCode: number
  error: { name: string; message: string }
}

export interface AdapterErrorOptions {
  cause?: unknown
  /** Seconds after which a client may retry (sent as `Retry-After`). */
  retryAfterSeconds?: number
}

/** Base class: an error with an HTTP status that renders as the EA error body. */
export class AdapterError extends Error {
  readonly status = 'errored' as const
  readonly statusCode: number
  readonly retryAfterSeconds: number | undefined

  constructor(message: string, statusCode = 500, options: AdapterErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.statusCode = statusCode
    this.retryAfterSeconds = options.retryAfterSeconds
  }

  toJSONResponse(jobRunID: string): EAErrorResponse {
    return {
      jobRunID,
      status: this.status,
      statusCode: this.statusCode,
      error: { name: this.name, message: this.message },
    }
  }
}

/** 400: the request body or one of its fields is invalid. */
export class InputError extends AdapterError {
  constructor(message: string, options?: AdapterErrorOptions) {
    super(message, 400, options)
  }
}

/** 401: a required API key is missing or wrong. */
export class AuthError extends AdapterError {
  constructor(message = 'missing or invalid API key', options?: AdapterErrorOptions) {
    super(message, 401, options)
  }
}

/** 403: the request asks for something this adapter refuses (e.g. a blocked address). */
export class ForbiddenError extends AdapterError {
  constructor(message: string, options?: AdapterErrorOptions) {
    super(message, 403, options)
  }
}

/** 404: the named model or route does not exist. */
export class NotFoundError extends AdapterError {
  constructor(message: string, options?: AdapterErrorOptions) {
    super(message, 404, options)
  }
}

/** 413: a body or fetched payload is larger than allowed. */
export class PayloadTooLargeError extends AdapterError {
  constructor(message: string, options?: AdapterErrorOptions) {
    super(message, 413, options)
  }
}

/** 415: a fetched or supplied payload has a content type the adapter does not accept. */
export class UnsupportedMediaTypeError extends AdapterError {
  constructor(message: string, options?: AdapterErrorOptions) {
    super(message, 415, options)
  }
}

/** 422: well-formed, but its content cannot be processed (digest mismatch, undecodable image). */
export class UnprocessableError extends AdapterError {
  constructor(message: string, options?: AdapterErrorOptions) {
    super(message, 422, options)
  }
}

/** 429: the adapter's queue is full; retry later. */
export class OverloadError extends AdapterError {
  constructor(message = 'adapter overloaded, retry later', options?: AdapterErrorOptions) {
    super(message, 429, { retryAfterSeconds: 1, ...options })
  }
}

/** 502: an upstream (image host, IPFS gateway) failed. */
export class UpstreamError extends AdapterError {
  constructor(message: string, options?: AdapterErrorOptions) {
    super(message, 502, options)
  }
}

/** 503: the adapter is not ready or is shutting down. */
export class UnavailableError extends AdapterError {
  constructor(message: string, options?: AdapterErrorOptions) {
    super(message, 503, { retryAfterSeconds: 1, ...options })
  }
}

/** 504: an upstream did not answer in time. */
export class TimeoutError extends AdapterError {
  constructor(message: string, options?: AdapterErrorOptions) {
    super(message, 504, options)
  }
}

/**
 * Wraps anything thrown into an AdapterError, keeping the original as the cause. A client error of
 * the HTTP stack (Express's router, e.g. a malformed URI) carries a 4xx `status`: that status and
 * its message are kept; anything else is an internal error (500) whose message reveals nothing.
 */
export function toAdapterError(err: unknown): AdapterError {
  if (err instanceof AdapterError) return err
  const status = (err as { status?: unknown } | null | undefined)?.status
  if (err instanceof Error && typeof status === 'number' && status >= 400 && status < 500) {
    return new AdapterError(err.message, status, { cause: err })
  }
  return new AdapterError('internal error', 500, { cause: err })
}
