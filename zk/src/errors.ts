/**
 * Typed errors of the zero-knowledge path. Each carries the HTTP status an adapter route would
 * answer with (so the prover can be served later without re-mapping) and keeps its cause.
 */

export class ZkError extends Error {
  readonly statusCode: number

  constructor(message: string, statusCode = 500, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.statusCode = statusCode
  }
}

/** 422: the model cannot be turned into a circuit (an operator, shape or result rule we lack). */
export class UnsupportedModelError extends ZkError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 422, options)
  }
}

/** 400: the features, salt or proof handed to the prover or verifier are invalid. */
export class ZkInputError extends ZkError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 400, options)
  }
}

/** 500: a committed artifact (format, circuit, keys, verifier) is missing, corrupt or stale. */
export class ArtifactError extends ZkError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 500, options)
  }
}
