/**
 * The adapter's HTTP server: Node's `http.Server` with the limits a public endpoint needs, all from
 * the one config schema: a connection cap (connections beyond it are refused at accept, before any
 * byte is read), a headers timeout (slowloris), a request timeout (a body trickled forever; Node
 * answers 408), and the keep-alive idle timeout. Node enforces the first two on a periodic sweep,
 * run here at least every second (its default is every 30 s).
 */
import { createServer, type RequestListener, type Server } from 'node:http'

import type { Config } from '../config'

export interface HttpServerSettings {
  maxConnections: number
  headersTimeoutMs: number
  requestTimeoutMs: number
  keepAliveTimeoutMs: number
}

export function httpServerSettings(config: Config): HttpServerSettings {
  return {
    maxConnections: config.MAX_CONNECTIONS,
    headersTimeoutMs: config.HTTP_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: config.HTTP_REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
  }
}

/** A server for `listener` under `settings`; it does not listen yet. */
export function createHttpServer(listener: RequestListener, settings: HttpServerSettings): Server {
  const server = createServer(
    {
      headersTimeout: settings.headersTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
      keepAliveTimeout: settings.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.min(
        1000,
        Math.max(25, Math.floor(settings.headersTimeoutMs / 4)),
      ),
    },
    listener,
  )
  server.maxConnections = settings.maxConnections
  return server
}
