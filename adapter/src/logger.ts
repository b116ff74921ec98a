/**
 * Structured JSON logs (pino). Request logs carry the job run id as `jobRunID`. Nothing sensitive
 * is ever passed to the logger: configuration is logged only through `describeConfig`.
 */
import { pino, type DestinationStream, type Logger } from 'pino'

export type { Logger }

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { name: 'onnx-oracle-adapter' },
    // Defence in depth: even if a header object were logged, keys would not leak.
    redact: ['req.headers.authorization', 'req.headers["x-api-key"]'],
  }
  return destination === undefined ? pino(options) : pino(options, destination)
}
