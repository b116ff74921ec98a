import {
  CONFIG_VARS,
  ConfigError,
  configWarnings,
  describeConfig,
  isLoopbackHost,
  loadConfig,
} from '../../adapter/src/config'

describe('configuration', () => {
  it('has a zero-configuration default: loopback port 8080, bundled models, no auth, no signer', () => {
    const config = loadConfig({})
    expect(config.EA_PORT).toBe(8080)
    expect(config.EA_HOST).toBe('127.0.0.1')
    expect(configWarnings(config)).toEqual([])
    expect(config.MODEL_DIR).toMatch(/adapter\/models$/)
    expect(config.API_KEYS).toEqual([])
    expect(config.SIGNER_PRIVATE_KEY).toBeUndefined()
    expect(config.BATCH_MAX_SIZE).toBeGreaterThan(1)
  })

  it('declares every variable once with a description, a default and sensitivity', () => {
    for (const [name, spec] of Object.entries(CONFIG_VARS)) {
      expect(spec.description.length).toBeGreaterThan(10)
      expect(typeof spec.default).toBe('string')
      expect(typeof spec.sensitive).toBe('boolean')
      expect(name).toMatch(/^[A-Z][A-Z0-9_]+$/)
    }
    expect(CONFIG_VARS.API_KEYS.sensitive).toBe(true)
    expect(CONFIG_VARS.SIGNER_PRIVATE_KEY.sensitive).toBe(true)
  })

  it('parses lists and keys', () => {
    const key = '59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'
    const config = loadConfig({
      API_KEYS: ' a , b,,c ',
      SIGNER_PRIVATE_KEY: key,
      FETCH_ALLOWLIST: '127.0.0.1/32, ::1',
      IPFS_GATEWAY: 'http://127.0.0.1:5001/',
    })
    expect(config.API_KEYS).toEqual(['a', 'b', 'c'])
    expect(config.SIGNER_PRIVATE_KEY).toBe(`0x${key}`)
    expect(config.FETCH_ALLOWLIST).toEqual(['127.0.0.1/32', '::1'])
    expect(config.IPFS_GATEWAY).toBe('http://127.0.0.1:5001')
  })

  it('fails at boot with one message naming every bad variable, never echoing secrets', () => {
    let err: unknown
    try {
      loadConfig({
        EA_PORT: '70000',
        BATCH_MAX_SIZE: 'many',
        SIGNER_PRIVATE_KEY: 'my-secret-key',
        FETCH_ALLOWLIST: '10.0.0.0/99',
        LOG_LEVEL: 'loud',
      })
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ConfigError)
    const message = (err as Error).message
    expect(message).toMatch(/EA_PORT="70000": expected at most 65535/)
    expect(message).toMatch(/BATCH_MAX_SIZE="many": expected a number/)
    expect(message).toMatch(/SIGNER_PRIVATE_KEY=\(value hidden\): expected 64 hex digits/)
    expect(message).toMatch(/FETCH_ALLOWLIST=.*CIDR/)
    expect(message).toMatch(/LOG_LEVEL="loud"/)
    expect(message).not.toContain('my-secret-key')
  })

  it('describes the configuration for logs with sensitive values censored', () => {
    const described = describeConfig(loadConfig({ API_KEYS: 'topsecret' }))
    expect(described.API_KEYS).toBe('[set]')
    expect(described.SIGNER_PRIVATE_KEY).toBe('[unset]')
    expect(JSON.stringify(described)).not.toContain('topsecret')
  })

  it('bounds the HTTP layer by default: connection cap, headers, request and keep-alive timeouts', () => {
    const config = loadConfig({})
    expect(config.MAX_CONNECTIONS).toBe(256)
    expect(config.HTTP_HEADERS_TIMEOUT_MS).toBe(10_000)
    expect(config.HTTP_REQUEST_TIMEOUT_MS).toBe(30_000)
    expect(config.HTTP_KEEP_ALIVE_TIMEOUT_MS).toBe(65_000)
    expect(() =>
      loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '20000', HTTP_REQUEST_TIMEOUT_MS: '10000' }),
    ).toThrow(/HTTP_HEADERS_TIMEOUT_MS=20000: expected at most HTTP_REQUEST_TIMEOUT_MS \(10000\)/)
    expect(() => loadConfig({ MAX_CONNECTIONS: '0' })).toThrow(/MAX_CONNECTIONS="0"/)
  })

  it('refuses an IPFS gateway with a query, fragment or credentials', () => {
    for (const gw of [
      'https://gw.example/?x=1',
      'https://gw.example/#a',
      'https://u:p@gw.example',
    ]) {
      expect(() => loadConfig({ IPFS_GATEWAY: gw })).toThrow(/IPFS_GATEWAY/)
    }
    expect(loadConfig({ IPFS_GATEWAY: 'https://gw.example/base/' }).IPFS_GATEWAY).toBe(
      'https://gw.example/base',
    )
  })

  it('warns when serving other hosts without API keys or signer, not on loopback', () => {
    expect(isLoopbackHost('127.0.0.1')).toBe(true)
    expect(isLoopbackHost('127.1.2.3')).toBe(true)
    expect(isLoopbackHost('::1')).toBe(true)
    expect(isLoopbackHost('localhost')).toBe(true)
    expect(isLoopbackHost('0.0.0.0')).toBe(false)
    expect(isLoopbackHost('::')).toBe(false)
    expect(isLoopbackHost('10.1.2.3')).toBe(false)
    const open = configWarnings(loadConfig({ EA_HOST: '0.0.0.0' }))
    expect(open).toHaveLength(2)
    expect(open[0]).toMatch(/API_KEYS is empty/)
    expect(open[1]).toMatch(/SIGNER_PRIVATE_KEY is empty/)
    const key = '59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'
    const closed = loadConfig({ EA_HOST: '0.0.0.0', API_KEYS: 'k', SIGNER_PRIVATE_KEY: key })
    expect(configWarnings(closed)).toEqual([])
    expect(configWarnings(loadConfig({ EA_HOST: '::1' }))).toEqual([])
  })
})
