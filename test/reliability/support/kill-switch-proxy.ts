/**
 * A TCP front for one adapter that kills it (SIGKILL) the moment a request reaches it, then hands
 * the connection to the dead port, so the caller sees the adapter die mid-request, exactly as a
 * crashed operator looks from the outside. Loopback only. After the kill it refuses (resets) every
 * connection.
 */
import { connect, createServer, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'

import type { RunningServer } from './adapter-client'

export interface KillSwitchProxy {
  url: string
  /** Whether the adapter was killed by a request reaching it. */
  killed(): boolean
  close(): Promise<void>
}

export async function startKillSwitchProxy(target: RunningServer): Promise<KillSwitchProxy> {
  let killed = false
  const sockets = new Set<Socket>()
  const server: Server = createServer((client) => {
    sockets.add(client)
    client.on('close', () => sockets.delete(client))
    client.on('error', () => client.destroy())
    client.once('data', (first) => {
      client.pause()
      const forward = () => {
        const upstream = connect(target.port, '127.0.0.1')
        upstream.on('error', () => client.destroy())
        upstream.on('connect', () => {
          upstream.write(first)
          client.pipe(upstream).pipe(client)
          client.resume()
        })
      }
      if (killed) return forward()
      killed = true
      target.child.once('exit', forward)
      target.child.kill('SIGKILL')
    })
  })
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    killed: () => killed,
    close: () => {
      for (const s of sockets) s.destroy()
      return new Promise((r) => server.close(() => r()))
    },
  }
}
