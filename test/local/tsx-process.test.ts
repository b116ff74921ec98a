/**
 * The process kit's launchers (script/local/tsx-process.ts, adapters.ts, managed-process.ts) with
 * real child processes: what environment a child gets, readiness, early exits, stopping, and
 * scripts run to completion.
 */
import { startAdapter } from '../../script/local/adapters'
import { ProcessStartError } from '../../script/local/managed-process'
import {
  childBaseEnv,
  runTsScript,
  startTsServer,
  type TsServerSpec,
} from '../../script/local/tsx-process'

jest.setTimeout(60_000)

const ENV_SERVER = 'test/local/fixtures/env-server.ts'
const SCRIPT = 'test/local/fixtures/script.ts'

/** The env-server fixture as `name`, with `env` and more of the spec. */
function startEnvServer(
  name: string,
  env: Record<string, string> = {},
  more: Partial<TsServerSpec> = {},
) {
  return startTsServer({
    name,
    entry: ENV_SERVER,
    portVariable: 'FIXTURE_PORT',
    readyPath: '/ready',
    env,
    ...more,
  })
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('startTsServer', () => {
  const CALLER_ONLY = 'KIT_TEST_CALLER_ONLY'
  beforeAll(() => {
    process.env[CALLER_ONLY] = 'a value of the caller that no child may see'
  })
  afterAll(() => {
    delete process.env[CALLER_ONLY]
  })

  it('gives the child only the base environment, its own variables and the port', async () => {
    const server = await startEnvServer('env-server', { GIVEN: 'yes' })
    try {
      expect(server.url).toBe(`http://127.0.0.1:${server.port}/`)
      const env = (await (await fetch(new URL('/env', server.url))).json()) as Record<
        string,
        string
      >
      expect(env[CALLER_ONLY]).toBeUndefined()
      expect(env.GIVEN).toBe('yes')
      expect(env.FIXTURE_PORT).toBe(String(server.port))
      for (const [name, value] of Object.entries(childBaseEnv())) expect(env[name]).toBe(value)
      // node itself may add a few variables; nothing else of the caller's comes through
      const callerOnly = Object.keys(env).filter(
        (k) => process.env[k] !== undefined && !(k in childBaseEnv()) && k !== 'GIVEN',
      )
      expect(callerOnly).toEqual([])
    } finally {
      await server.stop()
    }
    expect(server.process.exited()).toBe(true)
    expect(alive(server.pid)).toBe(false)
  })

  it('waits until the ready path answers 200', async () => {
    const started = Date.now()
    const server = await startEnvServer('slow-server', { READY_AFTER_MS: '1500' })
    await server.stop()
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500)
  })

  it('fails fast with the output of a server that exits before it is ready', async () => {
    const started = Date.now()
    const failing = startEnvServer('failing-server', { EXIT_AT_START: 'the reason it gave up' })
    await expect(failing).rejects.toThrow(ProcessStartError)
    await expect(failing).rejects.toThrow(
      /failing-server exited before it was ready:[^]*the reason/,
    )
    expect(Date.now() - started).toBeLessThan(30_000)
  })

  it('gives up after the ready timeout and stops the server', async () => {
    const attempt = startEnvServer(
      'never-ready',
      { READY_AFTER_MS: '600000' },
      { readyTimeoutMs: 2_500 },
    )
    await expect(attempt).rejects.toThrow(/never-ready was not ready within 2500 ms/)
  })

  it('leaves no exit hook behind once its children have exited', async () => {
    const before = process.listenerCount('exit')
    const servers = await Promise.all([1, 2].map((i) => startEnvServer(`server-${i}`)))
    expect(process.listenerCount('exit')).toBe(before + 1)
    await Promise.all(servers.map((s) => s.stop()))
    expect(process.listenerCount('exit')).toBe(before)
  })

  it('kills the servers a process started when that process exits without stopping them', async () => {
    const run = await runTsScript(SCRIPT, ['orphan'], { timeoutMs: 30_000 })
    expect(run.code).toBe(0)
    const pid = Number(run.stdout.trim())
    expect(pid).toBeGreaterThan(0)
    for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100))
    expect(alive(pid)).toBe(false)
  })
})

describe('runTsScript', () => {
  it('returns the exit code and what the script printed, with the given environment', async () => {
    const run = await runTsScript(SCRIPT, ['print', 'hello'], {
      env: { KIT_FIXTURE: 'from the caller' },
      timeoutMs: 30_000,
    })
    expect(run).toEqual({ code: 0, signal: null, stdout: 'hello\n', stderr: 'from the caller\n' })
    const failed = await runTsScript(SCRIPT, ['fail'], { timeoutMs: 30_000 })
    expect(failed.code).toBe(5)
  })

  it('kills a script that outlives its timeout', async () => {
    const run = await runTsScript(SCRIPT, ['hang'], { timeoutMs: 3_000 })
    expect(run.code).toBeNull()
    expect(run.signal).toBe('SIGKILL')
  })
})

describe('startAdapter', () => {
  it('reports a configuration the adapter refuses, without echoing the sensitive value', async () => {
    const badKey = '0x' + 'zz'.repeat(32)
    const attempt = startAdapter({ name: 'misconfigured', signerKey: badKey })
    await expect(attempt).rejects.toThrow(/adapter misconfigured exited before it was ready/)
    await expect(attempt).rejects.toThrow(/SIGNER_PRIVATE_KEY/)
    await expect(attempt).rejects.not.toThrow(badKey)
  })
})
