import { parseRoundsArgs, RoundsUsageError } from '../../script/don/rounds-command'
import { measureFunctionsRounds } from '../../script/don/round-latency'
import { percentile, roundFigures, type RoundFigures } from '../../script/local/round-figures'
import { expectRoundsArgDefaults } from '../support/rounds-args'

// Setting up the stack runs two forge scripts and starts three adapters: minutes on a busy machine.
jest.setTimeout(480_000)

describe('round figures', () => {
  it('takes nearest-rank percentiles whatever the order of the values', () => {
    const values = [50, 10, 40, 20, 30]
    expect(percentile(values, 50)).toBe(30)
    expect(percentile(values, 95)).toBe(50)
    expect(percentile(values, 0)).toBe(10)
    expect(percentile(values, 100)).toBe(50)
    expect(percentile([7], 95)).toBe(7)
    expect(percentile([], 50)).toBeNaN()
    // 20 values: p95 is the 19th smallest, p50 the 10th.
    const twenty = Array.from({ length: 20 }, (_, i) => 20 - i)
    expect(percentile(twenty, 95)).toBe(19)
    expect(percentile(twenty, 50)).toBe(10)
  })

  it('summarises rounds and never calls an empty run accepted', () => {
    const f = roundFigures([300, 100, 200], true, [5n, 6n, 7n])
    expect(f).toEqual({
      rounds: 3,
      ms: [300, 100, 200],
      p50Ms: 200,
      p95Ms: 300,
      maxMs: 300,
      allAccepted: true,
      reportGas: [5n, 6n, 7n],
    })
    expect(roundFigures([], true, []).allAccepted).toBe(false)
    expect(roundFigures([1, 2], false, []).allAccepted).toBe(false)
  })
})

describe('npm run don -- rounds arguments', () => {
  it('defaults to 20 rounds after 2 warm-up rounds', () => {
    expectRoundsArgDefaults(parseRoundsArgs, 5)
  })

  it('refuses what it does not understand', () => {
    expect(() => parseRoundsArgs(['0'])).toThrow(RoundsUsageError)
    expect(() => parseRoundsArgs(['--warmup'])).toThrow(/--warmup must be an integer/)
    expect(() => parseRoundsArgs(['--fast'])).toThrow(/unknown argument --fast/)
  })
})

describe('measureFunctionsRounds (anvil, real Router/Coordinator, local DON, 3 adapters)', () => {
  let figures: RoundFigures
  const lines: string[] = []

  beforeAll(async () => {
    figures = await measureFunctionsRounds({ rounds: 3, warmup: 1, log: (l) => lines.push(l) })
  })

  it('accepts every round through the Coordinator and RiskPricing', () => {
    expect(figures.allAccepted).toBe(true)
    expect(
      lines.filter((l) =>
        /^round \d+: \d+ ms, accepted \(request seen by the DON at \d+ ms, nodes done at \d+ ms\)$/.test(
          l,
        ),
      ),
    ).toHaveLength(3)
    expect(lines.filter((l) => /^warm-up 1: \d+ ms, accepted /.test(l))).toHaveLength(1)
  })

  it('reports consistent figures over the counted rounds only', () => {
    expect(figures.rounds).toBe(3)
    expect(figures.ms).toHaveLength(3)
    for (const ms of figures.ms) expect(ms).toBeGreaterThan(0)
    expect(figures.maxMs).toBe(Math.max(...figures.ms))
    expect(figures.ms).toContain(figures.p50Ms)
    expect(figures.p50Ms).toBeLessThanOrEqual(figures.p95Ms)
    expect(figures.p95Ms).toBeLessThanOrEqual(figures.maxMs)
  })

  it('records the gas of every transmit (3 signatures, billing, the quote callback)', () => {
    expect(figures.reportGas).toHaveLength(3)
    // A transmit that fulfils nothing costs far less than one that runs the oracle and the dApp.
    for (const gas of figures.reportGas) expect(gas).toBeGreaterThan(150_000n)
  })
})
