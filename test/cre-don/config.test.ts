/** The environment of `npm run cre -- don` (script/cre/config.ts): validated at start, secrets never echoed. */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { CreCliConfigError, faultsFromEnv, loadCreDonConfig } from '../../script/cre/config'
import { tempDirFor } from '../support/temp-dir'

const KEY = `0x${'ab'.repeat(32)}`
const ADDRESS = `0x${'12'.repeat(20)}`
const dir = tempDirFor('cre-config-test-')

describe('loadCreDonConfig', () => {
  test('without CRE_RPC_URL: start anvil on 8545 with the local workflow config', () => {
    expect(loadCreDonConfig({})).toEqual({
      attach: undefined,
      anvilPort: 8545,
      workflow: { overrides: {}, oracleAddress: undefined },
      adaptersSecret: undefined,
      faults: {},
    })
  })

  test('attaching: every missing or malformed variable in one message, naming entries, never values', () => {
    const secretKey = `0x${'cd'.repeat(31)}`
    let message = ''
    try {
      loadCreDonConfig({
        CRE_RPC_URL: 'http://127.0.0.1:8545',
        CRE_DON_KEYS: `${KEY},${secretKey}`,
        CRE_ANVIL_PORT: 'x',
      })
    } catch (err) {
      expect(err).toBeInstanceOf(CreCliConfigError)
      message = (err as Error).message
    }
    expect(message).toContain('CRE_FORWARDER must be an address')
    expect(message).toContain('CRE_ORACLES (or CRE_WORKFLOW_CONFIG oracleAddress) is required')
    expect(message).toContain('CRE_WORKFLOW_OWNER must be an address')
    expect(message).toContain('CRE_DON_KEYS entry 1: expected 0x + 64 hex digits')
    expect(message).toContain('CRE_TRANSMITTER_KEYS is required')
    expect(message).toContain('CRE_ANVIL_PORT="x"')
    expect(message).not.toContain(secretKey)
  })

  test('attaching with everything set; the workflow config file supplies the oracle and the write gas', () => {
    const file = join(dir(), 'config.json')
    writeFileSync(
      file,
      JSON.stringify({
        chainSelectorName: 'ethereum-testnet-sepolia',
        isTestnet: true,
        oracleAddress: ADDRESS,
        gasLimit: '400000',
        logConfidence: 'SAFE',
      }),
    )
    const config = loadCreDonConfig({
      CRE_RPC_URL: 'http://127.0.0.1:8545',
      CRE_FORWARDER: ADDRESS,
      CRE_WORKFLOW_OWNER: ADDRESS,
      CRE_DON_KEYS: KEY,
      CRE_TRANSMITTER_KEYS: KEY,
      CRE_WORKFLOW_CONFIG: file,
      ADAPTERS_JSON: '[{"url":"http://127.0.0.1:1/"}]',
    })
    expect(config.attach).toMatchObject({
      oracles: [ADDRESS],
      workflowName: 'onnx-oracle-inference',
      donKeys: [KEY],
    })
    expect(config.workflow.overrides).toEqual({
      gasLimit: '400000',
      logConfidence: 'SAFE',
      adapterTimeoutMs: 4000,
    })
    expect(config.adaptersSecret).toBe('[{"url":"http://127.0.0.1:1/"}]')
  })

  test("a workflow config the workflow's schema refuses, or an ADAPTERS secret don-core refuses", () => {
    const file = join(dir(), 'bad.json')
    writeFileSync(file, JSON.stringify({ chainSelectorName: 'x', isTestnet: true, gasLimit: '1' }))
    expect(() => loadCreDonConfig({ CRE_WORKFLOW_CONFIG: file })).toThrow(
      /CRE_WORKFLOW_CONFIG: gasLimit: gasLimit must be from 100000/,
    )
    expect(() =>
      loadCreDonConfig({ ADAPTERS_JSON: '[{"url":"http://a/"},{"url":"http://A/"}]' }),
    ).toThrow(/ADAPTERS_JSON: secret ADAPTERS\[1\]\.url repeats ADAPTERS\[0\]\.url/)
    expect(() => loadCreDonConfig({ CRE_ADAPTERS_FILE: join(dir(), 'missing.json') })).toThrow(
      /CRE_ADAPTERS_FILE: cannot read/,
    )
  })
})

describe('faultsFromEnv', () => {
  test('per node: silent, erroring, lying (numbers as strings become integers)', () => {
    expect(
      faultsFromEnv({
        CRE_FAULTS: JSON.stringify({
          0: { kind: 'missing' },
          1: { kind: 'error', message: 'down' },
          2: { kind: 'lie', fields: { result: '99', modelHash: `0x${'AB'.repeat(32)}` } },
        }),
      }),
    ).toEqual({
      0: { kind: 'missing' },
      1: { kind: 'error', message: 'down' },
      2: { kind: 'lie', fields: { result: 99n, modelHash: `0x${'ab'.repeat(32)}` } },
    })
    expect(() => faultsFromEnv({ CRE_FAULTS: '{"x": {"kind": "missing"}}' })).toThrow(
      CreCliConfigError,
    )
    expect(() =>
      faultsFromEnv({ CRE_FAULTS: '{"0": {"kind": "lie", "fields": {"result": "-1"}}}' }),
    ).toThrow(/CRE_FAULTS: 0\.fields\.result/)
    expect(() => faultsFromEnv({ CRE_FAULTS: '{' })).toThrow('CRE_FAULTS is not valid JSON')
  })
})
