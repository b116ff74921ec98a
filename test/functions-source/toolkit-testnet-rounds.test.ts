import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'

import {
  parseToolkitArgs,
  type ToolkitRoundFigures,
} from '../../script/functions/toolkit-testnet-rounds'
import { REPO_ROOT, repoPath } from '../../script/local/repo-root'
import { childBaseEnv, runTsScript } from '../../script/local/tsx-process'
import { expectRoundsArgDefaults } from '../support/rounds-args'

// ganache, the toolkit's contracts, three adapters and a forge build check: about a minute here.
jest.setTimeout(400_000)

/** What toolkitFiguresJson prints: the figures with gas as numbers and premiums as decimal strings. */
type ToolkitJson = Omit<ToolkitRoundFigures, 'reportGas' | 'requestGas' | 'premiums'> & {
  reportGas: number[]
  requestGas: number[]
  premiums: string[]
}

describe('toolkit testnet rounds arguments', () => {
  it('defaults to 20 rounds after 2 warm-up rounds and refuses unknown ones', () => {
    expectRoundsArgDefaults(parseToolkitArgs, 1)
    expect(() => parseToolkitArgs(['-1'])).toThrow(/unknown argument/)
    expect(() => parseToolkitArgs(['0'])).toThrow(/N must be an integer from 1/)
  })
})

describe("startLocalFunctionsTestnet: the project's source and RiskPricing end to end", () => {
  let figures: ToolkitJson
  let stderr: string

  beforeAll(async () => {
    // Its own process: the toolkit's ethers v5 runs several times slower inside jest's VM context,
    // and its listener needs PATH and TMPDIR set for the whole run.
    const run = await runTsScript(
      'script/functions/toolkit-testnet-rounds.ts',
      ['1', '--warmup', '0', '--json'],
      { timeoutMs: 360_000 },
    )
    stderr = run.stderr
    if (run.code !== 0) throw new Error(`toolkit rounds failed (${run.code}):\n${run.stderr}`)
    const last = run.stdout.trim().split('\n').at(-1) ?? ''
    figures = JSON.parse(last) as ToolkitJson
  })

  it('accepts the round and prices the quote (at least the base premium)', () => {
    expect(figures.allAccepted).toBe(true)
    expect(figures.rounds).toBe(1)
    expect(figures.premiums).toHaveLength(1)
    // basePremium 0.01 ether x (1 + p(loss)); an unpriced quote has premium 0.
    expect(BigInt(figures.premiums[0] ?? '0')).toBeGreaterThanOrEqual(10n ** 16n)
    expect(stderr).toMatch(/round 1: \d+ ms, accepted/)
  })

  it('times the round and records the request and callReport gas', () => {
    expect(figures.ms).toHaveLength(1)
    expect(figures.p50Ms).toBe(figures.ms[0])
    expect(figures.maxMs).toBe(figures.ms[0])
    expect(figures.requestGas[0]).toBeGreaterThan(100_000)
    expect(figures.reportGas[0]).toBeGreaterThan(100_000)
  })
})

describe('toolkit testnet rounds --serve (how the bench interleaves it with the local DON)', () => {
  it('answers one JSON sample per round number, refuses a bad line, and exits when stdin ends', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', repoPath('script/functions/toolkit-testnet-rounds.ts'), '--serve'],
      { cwd: REPO_ROOT, env: childBaseEnv(), stdio: ['pipe', 'pipe', 'pipe'] },
    )
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    try {
      const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
      const next = async (): Promise<Record<string, unknown>> => {
        const line = await lines.next()
        if (line.done === true) throw new Error('the child closed its stdout')
        return JSON.parse(line.value) as Record<string, unknown>
      }
      expect(await next()).toEqual({ ready: true })
      child.stdin.write('round one\n')
      expect(await next()).toEqual({ error: 'not a round number: round one' })
      child.stdin.write('7\n')
      const sample = await next()
      expect(sample.accepted).toBe(true)
      expect(typeof sample.ms).toBe('number')
      expect(BigInt(sample.premium as string)).toBeGreaterThanOrEqual(10n ** 16n)
      expect(BigInt(sample.reportGas as string)).toBeGreaterThan(100_000n)
      child.stdin.end()
      expect(await exited).toBe(0)
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  })
})
