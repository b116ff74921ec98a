/**
 * `npm run demo`'s command line without running a story: the transports it offers, the default and
 * why (its help), the zk hand-over (a clear "not available" until script/zk/zk-demo.ts exists), and
 * the demo's own pass/fail check.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { storyHeld, type DemoReport, type ScenarioReport } from '../../script/demo/run-demo'
import { DEFAULT_DEMO_TRANSPORT } from '../../script/demo/transport'
import { DemoUnavailableError, loadZkDemo, zkDemoSucceeded } from '../../script/demo/zk'
import { runTsScript } from '../../script/local/tsx-process'

jest.setTimeout(60_000)

const scenario = (over: Partial<ScenarioReport>): ScenarioReport => ({
  name: 's',
  adapters: [],
  claimId: 1n,
  requestId: `0x${'11'.repeat(32)}`,
  fileClaimTx: `0x${'22'.repeat(32)}`,
  fulfilTx: undefined,
  accepted: true,
  severity: 3n,
  agreed: 3,
  rejectReason: undefined,
  claimStatus: 'Settled',
  payout: 10n,
  ...over,
})

const told = (): DemoReport => ({
  transport: 'cre',
  scenarios: [
    scenario({}),
    scenario({ agreed: 2 }),
    scenario({ accepted: false, payout: 0n, rejectReason: 'InsufficientAgreement' }),
  ],
  teardownFailures: [],
})

describe('the demo command line', () => {
  test('CRE is the default transport, and the help says why', async () => {
    expect(DEFAULT_DEMO_TRANSPORT).toBe('cre')
    const help = await runTsScript('script/demo/main.ts', ['--help'], { timeoutMs: 45_000 })
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('--transport <name>')
    expect(help.stdout).toMatch(/cre\s+\(default\)/)
    expect(help.stdout).toContain('Chainlink Functions is shut down on public')
  })

  test('an unknown transport is a usage error (exit 2), before anything starts', async () => {
    const run = await runTsScript('script/demo/main.ts', ['--transport', 'carrier-pigeon'], {
      timeoutMs: 45_000,
    })
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('expected one of cre, functions, zk')
    expect(run.stdout).not.toContain('== 1. Local network')
  })

  test('--transport zk without script/zk/zk-demo.ts: a clear "not available" error', async () => {
    const root = mkdtempSync(join(tmpdir(), 'demo-zk-'))
    try {
      await expect(loadZkDemo(root)).rejects.toThrow(DemoUnavailableError)
      await expect(loadZkDemo(root)).rejects.toThrow(
        /zk transport is not available in this checkout: script\/zk\/zk-demo\.ts \(runZkDemo\) is missing/,
      )
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })

  test('--transport zk with script/zk/zk-demo.ts: its runZkDemo is what runs', async () => {
    const roots = [mkdtempSync(join(tmpdir(), 'demo-zk-')), mkdtempSync(join(tmpdir(), 'demo-zk-'))]
    const writeModule = (root: string, text: string): void => {
      mkdirSync(join(root, 'script', 'zk'), { recursive: true })
      writeFileSync(join(root, 'script', 'zk', 'zk-demo.ts'), text)
    }
    try {
      // Plain CommonJS: Node loads it as is here (tsx compiles the real TypeScript module).
      writeModule(
        roots[0] as string,
        "exports.runZkDemo = async (o) => { o.log('zk story'); return { teardownFailures: [] } }\n",
      )
      const runZkDemo = await loadZkDemo(roots[0])
      const lines: string[] = []
      expect(zkDemoSucceeded(await runZkDemo({ log: (l) => lines.push(l) }))).toBe(true)
      expect(lines).toEqual(['zk story'])
      writeModule(roots[1] as string, 'exports.somethingElse = 1\n')
      await expect(loadZkDemo(roots[1])).rejects.toThrow(/does not export a function runZkDemo/)
    } finally {
      for (const root of roots) rmSync(root, { recursive: true, force: true })
    }
  })

  test("the zk demo's verdict: a report with teardown failures or ok: false fails", () => {
    expect(zkDemoSucceeded({ teardownFailures: [] })).toBe(true)
    expect(zkDemoSucceeded({ teardownFailures: ['anvil'] })).toBe(false)
    expect(zkDemoSucceeded({ ok: false })).toBe(false)
    expect(zkDemoSucceeded({ ok: true })).toBe(true)
    expect(zkDemoSucceeded(undefined)).toBe(true)
  })

  test('the story check fails when any promised outcome is missing', () => {
    expect(storyHeld(told())).toBe(true)
    const paidC = told()
    paidC.scenarios[2] = scenario({ accepted: false, payout: 1n })
    expect(storyHeld(paidC)).toBe(false)
    const bThree = told()
    bThree.scenarios[1] = scenario({ agreed: 3 })
    expect(storyHeld(bThree)).toBe(false)
    expect(storyHeld({ ...told(), teardownFailures: ['anvil'] })).toBe(false)
    expect(storyHeld({ ...told(), scenarios: told().scenarios.slice(0, 2) })).toBe(false)
  })
})
