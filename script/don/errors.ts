/** Thrown when a request's CBOR `data` cannot be read the way a DON node reads it. */
export class RequestDecodeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'RequestDecodeError'
  }
}

/** Thrown when the DON's configuration is invalid or does not match the Coordinator on chain. */
export class DonConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'DonConfigError'
  }
}

/** Thrown when too few DON nodes are present to observe or to sign a report. */
export class QuorumError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'QuorumError'
  }
}
