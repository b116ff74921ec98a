/**
 * The adapter process: validates the environment (warning about an exposed setup: another host
 * than loopback without API keys or signer), loads the models, listens on EA_HOST:EA_PORT with the
 * connection cap and timeouts of http/http-server.ts, and shuts
 * down gracefully on SIGTERM/SIGINT (stops accepting, answers new requests 503, lets in-flight
 * requests finish within SHUTDOWN_TIMEOUT_MS, then releases the ONNX sessions). `npm start` runs
 * this with the bundled models and no configuration.
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

import type { Logger } from 'pino'

import { createAdapter, type Adapter } from './app'
import { ConfigError, configWarnings, loadConfig, type Config } from './config'
import { createHttpServer, httpServerSettings } from './http/http-server'
import { createLogger } from './logger'

/** The validated environment, or exit 1 naming every bad variable. */
function configOrExit(): Config {
  try {
    return loadConfig(process.env)
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`onnx-oracle adapter: ${err.message}\n`)
      process.exit(1)
    }
    throw err
  }
}

function listen(adapter: Adapter, config: Config, logger: Logger): Server {
  const server = createHttpServer(adapter.listener, httpServerSettings(config))
  server.listen(config.EA_PORT, config.EA_HOST, () => {
    const { address, port } = server.address() as AddressInfo
    logger.info(
      {
        address,
        port,
        models: adapter.service.models.map((m) => m.id),
        signer: adapter.signerAddress,
      },
      'listening',
    )
  })
  return server
}

/** SIGTERM/SIGINT: drain, release, exit 0; a second signal or a stuck shutdown exits 1. */
function handleSignals(adapter: Adapter, server: Server, config: Config, logger: Logger): void {
  let stopping = false
  const shutdown = (signal: string): void => {
    if (stopping) {
      // A second signal means "now".
      process.exit(1)
    }
    stopping = true
    // Whatever happens below (a stuck upstream, a broken log pipe), the process ends.
    setTimeout(() => process.exit(1), config.SHUTDOWN_TIMEOUT_MS + 5000).unref()
    logger.info({ signal }, 'shutting down: draining in-flight requests')
    adapter.beginShutdown()
    server.close()
    server.closeIdleConnections()
    void adapter.drain(config.SHUTDOWN_TIMEOUT_MS).then(async (drained) => {
      if (!drained) logger.warn('shutdown timeout: closing remaining connections')
      server.closeAllConnections()
      await adapter.close()
      logger.info({ drained }, 'stopped')
      logger.flush()
      process.exit(0)
    })
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGINT', () => shutdown('SIGINT'))
}

async function main(): Promise<void> {
  const config = configOrExit()
  const logger = createLogger(config.LOG_LEVEL)
  for (const warning of configWarnings(config)) logger.warn(warning)
  const adapter = await createAdapter(config, { logger, defaultMetrics: true })
  if (!adapter.ready()) {
    logger.fatal({ modelDir: config.MODEL_DIR, refused: adapter.refused }, 'no model can be served')
    process.exit(1)
  }
  const server = listen(adapter, config, logger)
  handleSignals(adapter, server, config, logger)
}

main().catch((err: unknown) => {
  process.stderr.write(
    `onnx-oracle adapter failed to start: ${(err as Error).stack ?? String(err)}\n`,
  )
  process.exit(1)
})
