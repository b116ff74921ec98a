/**
 * `npm run cre -- don` as a user runs it: a process that starts anvil, deploys the forwarder, the
 * registry and the dApps on CRE oracles, serves them until SIGTERM, and stops cleanly. With no
 * ADAPTERS secret it says so, and a request gets the no-result report (rejected, never stuck).
 */
import { spawn, type ChildProcess } from 'node:child_process'

import { JsonRpcProvider, Wallet } from 'ethers'

import { requestRiskQuote } from '../../script/local/risk-quote-requests'
import { anvilPrivateKey } from '../../script/local/anvil-accounts'
import { freePort } from '../../script/local/free-port'
import { REPO_ROOT } from '../../script/local/repo-root'
import { childBaseEnv } from '../../script/local/tsx-process'

// Cold, the deploy compiles the contracts; warm, about 15 s.
const START_TIMEOUT_MS = 300_000
jest.setTimeout(60_000)

let child: ChildProcess | undefined
let output = ''
let exited: Promise<number | null>

/** Resolves once the process has printed a line matching `pattern`. */
function printed(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      clearInterval(poll)
      reject(new Error(`no ${pattern} within ${timeoutMs} ms; output:\n${output}`))
    }, timeoutMs)
    const poll = setInterval(() => {
      const m = pattern.exec(output)
      if (m !== null) {
        clearInterval(poll)
        clearTimeout(timer)
        resolve(m)
      }
    }, 50)
  })
}

let port: number

beforeAll(async () => {
  port = await freePort()
  child = spawn(process.execPath, ['--import', 'tsx', 'script/cre/cli.ts', 'don'], {
    cwd: REPO_ROOT,
    env: { ...childBaseEnv(), CRE_ANVIL_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  child.stdout?.on('data', (d: Buffer) => (output += d.toString('utf8')))
  child.stderr?.on('data', (d: Buffer) => (output += d.toString('utf8')))
  exited = new Promise((resolve) => child?.once('exit', (code) => resolve(code)))
  await printed(/RiskPricing {9}0x[0-9a-fA-F]{40} \(oracle 0x[0-9a-fA-F]{40}\)/, START_TIMEOUT_MS)
}, START_TIMEOUT_MS)

afterAll(async () => {
  if (child?.exitCode === null) child.kill('SIGKILL')
})

describe('npm run cre -- don', () => {
  test('deploys and serves both oracles with a 4-node DON reading its config from the forwarder', () => {
    expect(output).toContain(
      'warning: no ADAPTERS secret (ADAPTERS_JSON or CRE_ADAPTERS_FILE): every round will report "no result"',
    )
    expect(output).toMatch(
      /CRE DON started: n=4, f=1, 2 signatures per report, DON 1 v1, serving 0x[0-9a-fA-F]{40}, 0x[0-9a-fA-F]{40}/,
    )
    expect(output).toMatch(/models {14}damage-v1 0x[0-9a-f]{64}, risk-v1 0x[0-9a-f]{64}/)
  })

  test('a quote without adapters gets the no-result report, which the oracle rejects', async () => {
    const m = /RiskPricing {9}(0x[0-9a-fA-F]{40}) \(oracle (0x[0-9a-fA-F]{40})\)/.exec(output)
    expect(m).not.toBeNull()
    const provider = new JsonRpcProvider(`http://127.0.0.1:${port}`, undefined, {
      staticNetwork: true,
      pollingInterval: 50,
    })
    try {
      const sent = await requestRiskQuote(
        m?.[1] as string,
        m?.[2] as string,
        new Wallet(anvilPrivateKey(1), provider),
        1,
      )
      await printed(
        /report \(the no-result default\) signed by 2 nodes.*InferenceRejected\(InsufficientAgreement\)/,
        30_000,
      )
      expect(output).toContain(`request ${sent.requestId.slice(0, 10)}`)
      expect(output).toContain('secret ADAPTERS')
    } finally {
      provider.destroy()
    }
  })

  test('SIGTERM stops it cleanly (exit 0)', async () => {
    child?.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(output).toContain('SIGTERM: stopping the CRE DON')
  })
})
