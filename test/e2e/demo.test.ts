import { runDemo, storyHeld, type DemoReport } from '../../script/demo/run-demo'

// The whole demo in-process on both DON transports at once (separate anvils, adapters and DONs;
// forge runs one at a time under its lock): Chainlink Functions (Router + Coordinator, the local
// Functions DON) and Chainlink CRE (KeystoneForwarder, the local CRE DON). About 50-80 s together
// once forge's cache is warm; the first run on a machine also compiles the contracts.
const DEMO_TIMEOUT_MS = 300_000
const TRANSPORTS = ['functions', 'cre'] as const

const runs = new Map<(typeof TRANSPORTS)[number], { report: DemoReport; lines: string[] }>()

beforeAll(async () => {
  await Promise.all(
    TRANSPORTS.map(async (transport) => {
      const lines: string[] = []
      const report = await runDemo({ transport, log: (line) => lines.push(line) })
      runs.set(transport, { report, lines })
    }),
  )
}, DEMO_TIMEOUT_MS)

function demo(transport: (typeof TRANSPORTS)[number]): { report: DemoReport; lines: string[] } {
  const run = runs.get(transport)
  if (run === undefined) throw new Error(`the ${transport} demo did not run`)
  return run
}

/** How scenario C's rejection reaches the oracle on each transport. */
const SCENARIO_C_REASON = {
  // The DON agrees on the source's error; the oracle rejects an errored fulfilment.
  functions: 'OracleError',
  // Every node's quorum check fails; the workflow reports its no-result default (agreed = 0).
  cre: 'InsufficientAgreement',
} as const

describe.each(TRANSPORTS)('npm run demo -- --transport %s, end to end', (transport) => {
  test('the story ends as told (the exit-code check of npm run demo)', () => {
    const { report } = demo(transport)
    expect(report.transport).toBe(transport)
    expect(storyHeld(report)).toBe(true)
  })

  test('scenario A: three honest adapters agree, the claim is settled and paid', () => {
    const a = demo(transport).report.scenarios[0]
    expect(a).toMatchObject({ accepted: true, agreed: 3, claimStatus: 'Settled' })
    expect(a?.payout).toBeGreaterThan(0n)
    expect(a?.fulfilTx).toMatch(/^0x[0-9a-f]{64}$/)
  })

  test('scenario B: an adapter on an unapproved model is dropped; two agree and the claim is paid', () => {
    const { report, lines } = demo(transport)
    const [a, b] = report.scenarios
    expect(b).toMatchObject({ accepted: true, agreed: 2, claimStatus: 'Settled' })
    // Another severe photo (one photo per claim), so the same assessment as scenario A.
    expect(b?.severity).toBe(a?.severity)
    expect(b?.payout).toBe(a?.payout)
    // Operator 4's answer is dropped: normally for its model hash (on a very busy machine it may time
    // out first); it never counts as a result.
    const op4 = lines.filter((l) => l.startsWith('  operator-4 (unapproved model): '))
    expect(op4.length).toBeGreaterThanOrEqual(1)
    expect(op4.some((l) => / result \d+$/.test(l))).toBe(false)
  })

  test('scenario C: two of three adapters misbehave; the oracle rejects and nothing is paid', () => {
    const { report, lines } = demo(transport)
    expect(report.scenarios[2]).toMatchObject({
      accepted: false,
      rejectReason: SCENARIO_C_REASON[transport],
      claimStatus: 'Rejected',
      payout: 0n,
    })
    expect(report.scenarios[2]?.fulfilTx).toMatch(/^0x[0-9a-f]{64}$/)
    expect(lines.some((l) => l.includes('quorum not met'))).toBe(true)
  })

  test('the narration shows the registry steps with provenance and the transaction hashes', () => {
    const { lines } = demo(transport)
    expect(lines.some((l) => /provenance hash 0x[0-9a-f]{64}/.test(l))).toBe(true)
    expect(lines.filter((l) => /\(tx 0x[0-9a-f]{64}/.test(l)).length).toBeGreaterThan(10)
  })

  test('everything is shut down cleanly', () => {
    const { report, lines } = demo(transport)
    expect(report.teardownFailures).toEqual([])
    expect(lines.at(-1)).toBe('everything stopped')
  })
})

describe('npm run demo, CRE-specific narration', () => {
  test('reports go through the KeystoneForwarder signed by f + 1 = 2 DON keys', () => {
    const { lines } = demo('cre')
    const reports = lines.filter((l) => l.startsWith('CRE report: '))
    expect(reports).toHaveLength(3)
    for (const line of reports) {
      expect(line).toMatch(
        /signed by 2 DON keys, sent by 0x[0-9a-fA-F]{40} through the KeystoneForwarder/,
      )
    }
    expect(reports[2]).toContain('the workflow reports its no-result default')
  })
})
