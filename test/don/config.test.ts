import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { loadDonConfig } from '../../script/don/config'
import { DonConfigError } from '../../script/don/errors'

const KEY = '0x' + '11'.repeat(32)

describe('npm run don configuration', () => {
  test('no configuration: start anvil on 8545 with the local deployment keys', () => {
    const c = loadDonConfig({})
    expect(c).toEqual({
      attach: undefined,
      anvilPort: 8545,
      keys: undefined,
      hostedSecrets: [],
      faults: {},
    })
  })

  test('attaching to a deployment needs its Coordinator', () => {
    expect(() => loadDonConfig({ DON_RPC_URL: 'http://127.0.0.1:8545' })).toThrow(DonConfigError)
    const c = loadDonConfig({
      DON_RPC_URL: 'http://127.0.0.1:8545',
      DON_COORDINATOR: '0x' + 'ab'.repeat(20),
      DON_KEYS: `${KEY}, ${KEY}`,
    })
    expect(c.attach?.coordinator).toBe('0x' + 'ab'.repeat(20))
    expect(c.keys).toEqual([KEY, KEY])
  })

  test('a malformed key is named by position, never echoed', () => {
    let message = ''
    try {
      loadDonConfig({ DON_KEYS: `${KEY},0xdeadbeefsecret` })
    } catch (err) {
      expect(err).toBeInstanceOf(DonConfigError)
      message = (err as Error).message
    }
    expect(message).toMatch(/DON_KEYS entry 1/)
    expect(message).not.toMatch(/deadbeef/)
  })

  test('hosted secrets come from a file; their values never appear in errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'don-config-'))
    const good = join(dir, 'good.json')
    writeFileSync(good, JSON.stringify([{ slotId: 0, version: 2, secrets: { ADAPTERS: '[]' } }]))
    expect(loadDonConfig({ DON_HOSTED_SECRETS_FILE: good }).hostedSecrets).toEqual([
      { slotId: 0, version: 2n, secrets: { ADAPTERS: '[]' } },
    ])
    const bad = join(dir, 'bad.json')
    writeFileSync(bad, JSON.stringify([{ slotId: 0, version: 2, secrets: { API_KEY: 12345678 } }]))
    expect(() => loadDonConfig({ DON_HOSTED_SECRETS_FILE: bad })).toThrow(DonConfigError)
    try {
      loadDonConfig({ DON_HOSTED_SECRETS_FILE: bad })
    } catch (err) {
      expect((err as Error).message).not.toMatch(/12345678/)
    }
    expect(() => loadDonConfig({ DON_HOSTED_SECRETS_FILE: join(dir, 'missing.json') })).toThrow(
      DonConfigError,
    )
  })

  test('faults per node index, validated', () => {
    const c = loadDonConfig({
      DON_FAULTS: '{"1": {"kind": "missing"}, "2": {"kind": "error", "message": "down"}}',
    })
    expect(c.faults).toEqual({ 1: { kind: 'missing' }, 2: { kind: 'error', message: 'down' } })
    expect(() => loadDonConfig({ DON_FAULTS: '{"1": {"kind": "explode"}}' })).toThrow(
      DonConfigError,
    )
    expect(() => loadDonConfig({ DON_FAULTS: 'not json' })).toThrow(DonConfigError)
  })

  test.each(['0', '70000', 'abc'])('DON_ANVIL_PORT=%s is rejected', (port) => {
    expect(() => loadDonConfig({ DON_ANVIL_PORT: port })).toThrow(DonConfigError)
  })
})
