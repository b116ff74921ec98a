/**
 * Independent aggregators must produce byte-identical reports and models: the same round, written
 * to a file, is aggregated here, in child node processes with different libuv thread-pool sizes, in
 * concurrent worker threads, and under bun (JavaScriptCore, another JS engine); every output must be
 * the same bytes.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { aggregateRound } from '../../federated/aggregation'
import { encodeRoundReport, roundReport, roundReportHash } from '../../federated/round-report'
import { identitiesOf, roundSubmissions, type SimulationConfig } from '../../federated/simulation'
import { riskTask } from '../../federated/task'
import { firstRoundInput } from '../support/fl-round'
import { toRoundFile, type AggregationOutput } from './support/round-file'

const REPO_ROOT = join(__dirname, '..', '..')
const SCRIPT = join(REPO_ROOT, 'test', 'federated', 'support', 'aggregate-file.ts')
const BUN = join(REPO_ROOT, 'node_modules', '@oven', 'bun-linux-x64', 'bin', 'bun')
const TIMEOUT_MS = 120_000
const CONFIG: SimulationConfig = {
  seed: 11,
  rounds: 1,
  attackers: { 2: 'labelFlip', 5: 'signFlip', 8: 'sybil' },
}

function outputs(
  command: string,
  args: string[],
  env: Record<string, string> = {},
): AggregationOutput[] {
  const res = spawnSync(command, args, {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: TIMEOUT_MS,
    killSignal: 'SIGKILL',
    env: { ...process.env, ...env },
  })
  if (res.error) throw res.error
  expect(res.stderr).toBe('')
  expect(res.status).toBe(0)
  return res.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as AggregationOutput)
}

describe('aggregation determinism', () => {
  let dir: string
  let file: string
  let expected: AggregationOutput
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'onnx-oracle-fl-'))
    file = join(dir, 'round.json')
    const data = riskTask(CONFIG.seed)
    const { task } = data
    const identities = identitiesOf(10, CONFIG.attackers)
    const input = firstRoundInput(
      task,
      roundSubmissions(CONFIG, data, identities, 1, task.initialModel),
    )
    writeFileSync(file, JSON.stringify(toRoundFile(input)))
    const result = aggregateRound(input)
    const report = roundReport(result)
    expected = {
      report: encodeRoundReport(report),
      reportHash: roundReportHash(report),
      model: Buffer.from(result.modelBytes).toString('hex'),
      aggregateHash: result.aggregateHash,
    }
    // The round exercises the rule: something was accepted and something slashed.
    expect(result.participants.some((p) => p.status === 'accepted')).toBe(true)
    expect(result.participants.some((p) => p.slashed)).toBe(true)
  }, TIMEOUT_MS)
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true })
  })

  it(
    'gives the same report and model bytes in child node processes with 1 and 8 libuv threads',
    () => {
      for (const threads of ['1', '8']) {
        const out = outputs(process.execPath, ['--import', 'tsx', SCRIPT, file], {
          UV_THREADPOOL_SIZE: threads,
        })
        expect(out).toEqual([expected])
      }
    },
    TIMEOUT_MS,
  )

  it(
    'gives the same bytes in three worker threads aggregating at once',
    () => {
      const out = outputs(process.execPath, ['--import', 'tsx', SCRIPT, file, '--workers', '3'])
      expect(out).toEqual([expected, expected, expected])
    },
    TIMEOUT_MS,
  )

  it(
    'gives the same bytes under bun (JavaScriptCore), in the main thread and two workers',
    () => {
      expect(existsSync(BUN)).toBe(true)
      expect(outputs(BUN, [SCRIPT, file])).toEqual([expected])
      expect(outputs(BUN, [SCRIPT, file, '--workers', '2'])).toEqual([expected, expected])
    },
    TIMEOUT_MS,
  )
})
