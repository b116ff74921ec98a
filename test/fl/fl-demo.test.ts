/**
 * `npm run fl:demo` end to end, as a user runs it (a child process: the demo seals the served
 * model's manifest with an ESM-only IPFS importer, which jest cannot load in-process): anvil, the
 * registry, the training contract, Chainlink's KeystoneForwarder with the local 4-node DON, 3
 * aggregator adapters, 10 clients (3 attacking), 5 rounds, the final model registered and served.
 * About 15 s warm; the first run on a machine also compiles the contracts.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'

const ROOT = join(__dirname, '..', '..')
const TIMEOUT_MS = 280_000

function runDemo(): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'script/fl/main.ts'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')))
    child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')))
    child.once('exit', (code) => resolve({ code, out }))
  })
}

describe('npm run fl:demo', () => {
  let code: number | null
  let lines: string[]

  beforeAll(async () => {
    const run = await runDemo()
    code = run.code
    lines = run.out.split('\n')
    if (code !== 0) process.stderr.write(run.out)
  }, TIMEOUT_MS)

  const roundLines = (): string[] => lines.filter((l) => / round \d: AUC /.test(l))

  test('exits 0 with every attacker slashed and no honest client slashed', () => {
    expect(code).toBe(0)
    expect(lines.some((l) => l.startsWith('OK: attackers slashed 4/4, honest slashed 0'))).toBe(
      true,
    )
  })

  test('prints five rounds with AUC, accepted set, rewards and slashes', () => {
    const rounds = roundLines()
    expect(rounds).toHaveLength(5)
    for (const l of rounds) {
      const auc = Number(/AUC (\d\.\d+)/.exec(l)?.[1])
      expect(auc).toBeGreaterThan(0.7)
      expect(l).toMatch(/accepted (c\d ?)+/)
      // An attacker is never accepted.
      expect(l).not.toMatch(/accepted[^|]*\bc(1|4|7)\b/)
    }
    expect(rounds[0]).toMatch(/c1:harmful\(slashed\)/)
    expect(rounds[0]).toMatch(/c4:harmful\(slashed\)/)
    expect(rounds[0]).toMatch(/c7:duplicateUpdate\(slashed\)/)
    expect(rounds[0]).toMatch(/c7':duplicateUpdate\(slashed\)/)
  })

  test('reports each round through the DON within 300,000 gas', () => {
    const gas = lines
      .map((l) => /report (\d+) gas/.exec(l)?.[1])
      .filter((g): g is string => g !== undefined)
      .map(Number)
    expect(gas).toHaveLength(5)
    for (const g of gas) expect(g).toBeLessThanOrEqual(300_000)
  })

  test('registers the final model with its provenance and serves an inference from it', () => {
    const registered = lines.find((l) => l.includes('registered risk-fl'))
    const hash = /model hash (0x[0-9a-f]{64})/.exec(registered ?? '')?.[1]
    expect(registered).toMatch(/status Approved/)
    expect(lines.some((l) => /provenance 0x[0-9a-f]{64}: task 0x/.test(l))).toBe(true)
    const inference = lines.find((l) => l.includes('inference from risk-fl'))
    expect(inference).toMatch(/P\(loss\) = 0\.\d{4}/)
    expect(inference).toContain(`model hash ${hash}`)
  })
})
