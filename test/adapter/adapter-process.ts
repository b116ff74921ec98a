/**
 * Runs the real adapter server (`node --import tsx adapter/src/server.ts`) as a child process on an
 * ephemeral loopback port, reading the port from its "listening" log line.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { resolve } from 'node:path'

const REPO_ROOT = resolve(__dirname, '..', '..')

export interface AdapterProcess {
  child: ChildProcess
  url: string
  stop(): Promise<void>
}

export function startAdapterProcess(
  env: Record<string, string>,
  readyTimeoutMs = 90_000,
): Promise<AdapterProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'adapter/src/server.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, EA_PORT: '0', EA_HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const stop = (): Promise<void> =>
    new Promise<void>((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done()
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000)
      child.once('exit', () => {
        clearTimeout(killer)
        done()
      })
      child.kill('SIGTERM')
    })
  return new Promise<AdapterProcess>((ok, fail) => {
    let out = ''
    let err = ''
    const timer = setTimeout(() => {
      void stop()
      fail(new Error(`adapter did not listen within ${readyTimeoutMs} ms:\n${out}\n${err}`))
    }, readyTimeoutMs)
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()))
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      const line = out.split('\n').find((l) => l.includes('"msg":"listening"'))
      if (line !== undefined) {
        clearTimeout(timer)
        const { port } = JSON.parse(line) as { port: number }
        ok({ child, url: `http://127.0.0.1:${port}/`, stop })
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      fail(new Error(`adapter exited with ${code}:\n${out}\n${err}`))
    })
  })
}
