import { parseEther } from 'ethers'

import { runDemo, type DemoReport } from '../../script/demo/run-demo'

// The whole demo in-process: anvil, four adapter processes, the local DON, the real Chainlink
// Functions contracts, the registry and ClaimsInsurance. About 40-75 s once forge's cache is warm;
// the first run on a machine also compiles the contracts, hence the larger bound.
const DEMO_TIMEOUT_MS = 240_000

describe('npm run demo, end to end', () => {
  let report: DemoReport
  const lines: string[] = []

  beforeAll(async () => {
    report = await runDemo({ log: (line) => lines.push(line) })
  }, DEMO_TIMEOUT_MS)

  test('scenario A: three honest adapters agree, the claim is settled and paid', () => {
    const a = report.scenarios[0]
    expect(a).toMatchObject({ accepted: true, agreed: 3, claimStatus: 'Settled' })
    // damage-v1's manifest table pays 10,000 bps for "severe": the whole 1 ETH of cover.
    expect(a?.severity).toBe(3n)
    expect(a?.payout).toBe(parseEther('1'))
    expect(a?.fulfilTx).toMatch(/^0x[0-9a-f]{64}$/)
  })

  test('scenario B: an adapter on an unapproved model is dropped; two agree and the claim is paid', () => {
    const [a, b] = report.scenarios
    expect(b).toMatchObject({ accepted: true, agreed: 2, claimStatus: 'Settled' })
    // Another severe photo (a photo backs one claim only), so the same assessment as scenario A.
    expect(b?.severity).toBe(a?.severity)
    expect(b?.payout).toBe(a?.payout)
    // Operator 4's answer is dropped: normally for its model hash (on a very busy machine it may time
    // out first); it never counts as a result.
    const op4 = lines.filter((l) => l.startsWith('  operator-4 (unapproved model): '))
    expect(op4.length).toBeGreaterThanOrEqual(1)
    expect(op4.some((l) => l.endsWith(': result 3') || / result \d+$/.test(l))).toBe(false)
  })

  test('scenario C: two of three adapters misbehave; the DON reports an error and nothing is paid', () => {
    const c = report.scenarios[2]
    expect(c).toMatchObject({
      accepted: false,
      rejectReason: 'OracleError',
      claimStatus: 'Rejected',
      payout: 0n,
    })
    expect(lines.some((l) => l.includes('quorum not met'))).toBe(true)
  })

  test('the narration shows the registry steps with provenance and the transaction hashes', () => {
    expect(lines.some((l) => /provenance hash 0x[0-9a-f]{64}/.test(l))).toBe(true)
    expect(lines.filter((l) => /\(tx 0x[0-9a-f]{64}\)/.test(l)).length).toBeGreaterThan(10)
  })

  test('everything is shut down cleanly', () => {
    expect(report.teardownFailures).toEqual([])
    expect(lines.at(-1)).toBe('everything stopped')
  })
})
