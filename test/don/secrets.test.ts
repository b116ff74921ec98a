import { Location } from '../../script/don/request-data'
import { HostedSecretsStore, hostedSecretsSchema } from '../../script/don/secrets'

describe('DON-hosted secrets of the local DON', () => {
  const store = new HostedSecretsStore(
    hostedSecretsSchema.parse([{ slotId: 0, version: '1700000000', secrets: { ADAPTERS: '[]' } }]),
  )

  test('a request without secrets gets none', () => {
    expect(store.resolve(undefined)).toEqual({ ok: true, secrets: undefined })
  })

  test('the slot and version of the reference select the secrets', () => {
    expect(
      store.resolve({ location: Location.DONHosted, slotId: 0, version: 1_700_000_000n }),
    ).toEqual({
      ok: true,
      secrets: { ADAPTERS: '[]' },
    })
  })

  test('an unknown slot or version fails like a node that cannot fetch secrets', () => {
    const res = store.resolve({ location: Location.DONHosted, slotId: 0, version: 1n })
    expect(res.ok).toBe(false)
    if (!res.ok) expect(res.error).toMatch(/not found for slot 0 version 1/)
  })

  test('remote secrets are refused with a clear error', () => {
    const res = store.resolve({ location: Location.Remote, encryptedUrls: '0x01' })
    expect(res.ok).toBe(false)
  })

  test('the config schema rejects malformed entries', () => {
    expect(() => hostedSecretsSchema.parse([{ slotId: 300, version: 1, secrets: {} }])).toThrow()
    expect(() =>
      hostedSecretsSchema.parse([{ slotId: 0, version: 1, secrets: { A: 1 } }]),
    ).toThrow()
  })
})
