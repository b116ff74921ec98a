import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

import { parse as parseToml } from 'smol-toml'

import { run } from '../../script/jobs/cli'
import {
  fillTemplate,
  JOB_SPEC_DEFAULTS,
  JobSpecError,
  onchainJobId,
  renderJob,
  validateBridgeJson,
  validateJobToml,
  type JobSpecOptions,
} from '../../script/jobs/job-spec'
import { tempDirFor } from '../support/temp-dir'

const OPERATOR = '0x5FbDB2315678afecb367f032d93F642f64180aa3'
const JOB_ID = '0eec7e1d-d0d2-476c-a1a8-72dfb6633f02'

function options(overrides: Partial<JobSpecOptions> = {}): JobSpecOptions {
  return {
    ...JOB_SPEC_DEFAULTS,
    operator: OPERATOR.toLowerCase(),
    model: 'damage-v1',
    evmChainId: '11155111',
    externalJobId: JOB_ID,
    ...overrides,
  }
}

describe('renderJob', () => {
  it('fills every field and yields TOML a node would parse', () => {
    const job = renderJob(options())
    const doc = parseToml(job.jobToml) as Record<string, unknown>
    expect(doc).toMatchObject({
      type: 'directrequest',
      schemaVersion: 1,
      name: 'onnx-oracle damage-v1',
      externalJobID: JOB_ID,
      contractAddress: OPERATOR,
      evmChainID: '11155111',
      minContractPaymentLinkJuels: '100000000000000000',
      minIncomingConfirmations: 1,
    })
    expect(job.jobToml).not.toMatch(/\{\{/)
    expect(JSON.parse(job.bridgeJson)).toEqual({
      name: 'onnx-oracle',
      url: 'http://localhost:8080',
      confirmations: 0,
      minimumContractPayment: '0',
    })
  })

  it('builds the pipeline the protocol needs, in order', () => {
    const { pipeline, order } = validateJobToml(renderJob(options()).jobToml)
    expect(order[0]).toBe('decode_log')
    expect(order.at(-1)).toBe('submit_tx')
    expect(pipeline.tasks.get('adapter_data')?.params.right).toBe('{"model": "damage-v1"}')
    expect(pipeline.tasks.get('fetch')?.params).toMatchObject({
      name: 'onnx-oracle',
      timeout: '30s',
    })
    expect(pipeline.tasks.get('encode_data')?.params.abi).toBe(
      '(bytes32 requestId, uint256 result, bytes32 modelHash, bytes32 inputHash)',
    )
    expect(pipeline.tasks.get('submit_tx')?.params).toMatchObject({
      to: OPERATOR,
      gasLimit: '600000',
    })
  })

  it('gives a random external job id when none is asked for', () => {
    const a = renderJob(options({ externalJobId: undefined }))
    const b = renderJob(options({ externalJobId: undefined }))
    expect(a.externalJobId).not.toBe(b.externalJobId)
    expect(a.onchainJobId).toBe(onchainJobId(a.externalJobId))
  })

  it.each<[Partial<JobSpecOptions>, string]>([
    [{ operator: '0x1234' }, 'operator'],
    [{ model: 'Damage"v1' }, 'model'],
    [{ model: 'a'.repeat(32) }, 'model'],
    [{ evmChainId: '0' }, 'evmChainId'],
    [{ bridgeName: 'Bad Name' }, 'bridgeName'],
    [{ bridgeUrl: 'ftp://adapter' }, 'bridgeUrl'],
    [{ externalJobId: 'not-a-uuid' }, 'externalJobId'],
    [{ gasLimit: 300_000 }, 'gasLimit'],
    [{ bridgeTimeout: 'soon' }, 'bridgeTimeout'],
    [{ minPaymentJuels: '0.1' }, 'minPaymentJuels'],
    [{ apiKey: 'short' }, 'apiKey'],
    [{ apiKey: 'sixteen-chars-ok"quote' }, 'apiKey'],
  ])('rejects %j', (override, field) => {
    expect(() => renderJob(options(override))).toThrow(JobSpecError)
    try {
      renderJob(options(override))
    } catch (e) {
      expect((e as JobSpecError).field).toBe(field)
    }
  })
})

describe('onchainJobId', () => {
  it('is the ASCII of the dash-less UUID, as Chainlink nodes match specId', () => {
    expect(onchainJobId(JOB_ID)).toBe(
      '0x' + Buffer.from('0eec7e1dd0d2476ca1a872dfb6633f02', 'ascii').toString('hex'),
    )
  })
})

describe('validateJobToml', () => {
  const good = renderJob(options()).jobToml

  it('rejects TOML that does not parse, with the line', () => {
    expect(() => validateJobToml(good.replace('schemaVersion = 1', 'schemaVersion = = 1'))).toThrow(
      /TOML does not parse \(line \d+\)/,
    )
  })

  it('rejects a cyclic task graph', () => {
    const cyclic = good.replace(
      'encode_data -> encode_tx -> submit_tx',
      'encode_data -> encode_tx -> submit_tx -> decode_log',
    )
    expect(() => validateJobToml(cyclic)).toThrow(/cycle/)
  })

  it('rejects a reference to a task that does not exist', () => {
    expect(() => validateJobToml(good.replace('$(parse_result)', '$(parse_resutl)'))).toThrow(
      /\$\(parse_resutl\) names no task/,
    )
  })

  it('rejects a transaction to a contract other than the Operator', () => {
    const other = good.replace(
      `type="ethtx" to="${OPERATOR}"`,
      'type="ethtx" to="0x0000000000000000000000000000000000000001"',
    )
    expect(() => validateJobToml(other)).toThrow(/sends to another contract/)
  })

  it('rejects a task type the tools do not know', () => {
    expect(() => validateJobToml(good.replace('type="cborparse"', 'type="http"'))).toThrow(
      /unsupported type http/,
    )
  })

  it('rejects a job of another type', () => {
    expect(() => validateJobToml(good.replace('"directrequest"', '"cron"'))).toThrow(/type/)
  })
})

describe('fillTemplate', () => {
  it('fails on a placeholder without value and on an unused value', () => {
    expect(() => fillTemplate('{{A}} {{B}}', { A: '1' })).toThrow(/B: no value/)
    expect(() => fillTemplate('{{A}}', { A: '1', C: '2' })).toThrow(/C: value for a placeholder/)
    expect(fillTemplate('{{A}}-{{A}}', { A: 'x' })).toBe('x-x')
  })
})

describe('validateBridgeJson', () => {
  it('rejects a bridge without a usable URL', () => {
    expect(() =>
      validateBridgeJson(
        '{"name":"x","url":"adapter","confirmations":0,"minimumContractPayment":"0"}',
      ),
    ).toThrow(/bridge.url/)
  })
})

describe('job-spec CLI', () => {
  const dir = tempDirFor('job-spec-', 'test')

  it('writes both files and prints the on-chain job id', () => {
    const out: string[] = []
    const code = run(
      [
        '--operator',
        OPERATOR,
        '--model',
        'risk-v1',
        '--evm-chain-id',
        '31337',
        '--external-job-id',
        JOB_ID,
        '--bridge-url',
        'http://adapter:8080',
        '--gas-limit',
        '700000',
        '--out',
        dir(),
      ],
      (t) => out.push(t),
      (t) => out.push(t),
    )
    expect(code).toBe(0)
    const job = validateJobToml(readFileSync(join(dir(), 'risk-v1.job.toml'), 'utf8'))
    expect(job.pipeline.tasks.get('submit_tx')?.params.gasLimit).toBe('700000')
    expect(
      validateBridgeJson(readFileSync(join(dir(), 'onnx-oracle.bridge.json'), 'utf8')).url,
    ).toBe('http://adapter:8080')
    expect(out.join('')).toContain(onchainJobId(JOB_ID))
  })

  it('puts the API key from the environment into a private job file only', () => {
    const out: string[] = []
    const key = 'k3y-from-env-0123456789'
    const argv = ['--operator', OPERATOR, '--model', 'risk-v1', '--evm-chain-id', '1']
    const code = run(
      [...argv, '--api-key-env', 'ADAPTER_KEY', '--out', dir()],
      (t) => out.push(t),
      (t) => out.push(t),
      { ADAPTER_KEY: key },
    )
    expect(code).toBe(0)
    const file = join(dir(), 'risk-v1.job.toml')
    const job = validateJobToml(readFileSync(file, 'utf8'))
    expect(job.pipeline.tasks.get('fetch')?.params.headers).toBe(
      `["Authorization", "Bearer ${key}"]`,
    )
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(out.join('')).not.toContain(key)

    const err: string[] = []
    const refused = run(
      [...argv, '--api-key-env', 'ADAPTER_KEY'],
      (t) => err.push(t),
      (t) => err.push(t),
      { ADAPTER_KEY: key },
    )
    expect(refused).toBe(2)
    expect(err.join('')).toContain('an API key needs --out')
    expect(err.join('')).not.toContain(key)
    expect(
      run(
        [...argv, '--api-key-env', 'UNSET_VAR', '--out', dir()],
        () => undefined,
        () => undefined,
        {},
      ),
    ).toBe(2)
  })

  it('exits 2 with a message on invalid options', () => {
    const err: string[] = []
    const code = run(
      ['--operator', '0xnope', '--model', 'risk-v1', '--evm-chain-id', '1'],
      () => undefined,
      (t) => err.push(t),
    )
    expect(code).toBe(2)
    expect(err.join('')).toContain('operator: not an address')
  })

  it('exits 2 when a required option is missing', () => {
    const err: string[] = []
    expect(
      run(
        ['--model', 'risk-v1'],
        () => undefined,
        (t) => err.push(t),
      ),
    ).toBe(2)
    expect(err.join('')).toMatch(/--operator/)
  })
})
