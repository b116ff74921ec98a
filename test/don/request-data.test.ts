import { encodeOne } from 'cbor'

import { RequestDecodeError } from '../../script/don/errors'
import { Location, decodeRequestData } from '../../script/don/request-data'

/** A CBOR sequence the way FunctionsRequest.encodeCBOR writes it: key, value, key, value, ... */
function sequence(...items: unknown[]): string {
  return '0x' + Buffer.concat(items.map((i) => encodeOne(i))).toString('hex')
}

/** An inline JavaScript request of source `s` whose secrets are `secrets` at `location`. */
function inlineWithSecrets(location: number, secrets: Buffer): string {
  return sequence(
    'codeLocation',
    0,
    'language',
    0,
    'source',
    's',
    'secretsLocation',
    location,
    'secrets',
    secrets,
  )
}

describe('request CBOR as a DON node reads it', () => {
  test('source, args, bytesArgs and a DON-hosted secrets reference', () => {
    const secretsRef = Buffer.from(sequence('slotID', 0, 'version', 1_700_000_000).slice(2), 'hex')
    const data = sequence(
      'codeLocation',
      0,
      'language',
      0,
      'source',
      'return Functions.encodeUint256(1)',
      'args',
      ['damage-v1', '0xab'],
      'secretsLocation',
      2,
      'secrets',
      secretsRef,
      'bytesArgs',
      [Buffer.from('beef', 'hex')],
    )
    const req = decodeRequestData(data)
    expect(req.codeLocation).toBe(Location.Inline)
    expect(req.language).toBe(0)
    expect(req.source).toBe('return Functions.encodeUint256(1)')
    expect(req.args).toEqual(['damage-v1', '0xab'])
    expect(req.bytesArgs).toEqual(['0xbeef'])
    expect(req.secrets).toEqual({
      location: Location.DONHosted,
      slotId: 0,
      version: 1_700_000_000n,
    })
  })

  test('the keys may come in any order (consumers splice pre-encoded parts) and unknown keys are ignored', () => {
    const req = decodeRequestData(
      sequence('args', ['a'], 'future', 1, 'source', 'x', 'language', 0, 'codeLocation', 0),
    )
    expect(req.args).toEqual(['a'])
    expect(req.secrets).toBeUndefined()
    expect(req.bytesArgs).toEqual([])
  })

  test('256-bit integers written as CBOR bignums (writeUInt256) are read', () => {
    const bignumZero = Buffer.from('c2' + '5820' + '00'.repeat(32), 'hex') // tag 2, 32-byte string
    const data =
      '0x' +
      Buffer.concat([
        encodeOne('codeLocation'),
        bignumZero,
        encodeOne('language'),
        bignumZero,
        encodeOne('source'),
        encodeOne('s'),
      ]).toString('hex')
    expect(decodeRequestData(data).codeLocation).toBe(Location.Inline)
  })

  test('remote secrets are kept as the encrypted URLs', () => {
    const req = decodeRequestData(inlineWithSecrets(1, Buffer.from('0102', 'hex')))
    expect(req.secrets).toEqual({ location: Location.Remote, encryptedUrls: '0x0102' })
  })

  test.each([
    ['not hex', 'zz'],
    ['empty', '0x'],
    ['truncated CBOR', '0x6c636f64654c6f636174'],
    ['odd number of items', sequence('codeLocation', 0, 'source')],
    ['no source', sequence('codeLocation', 0, 'language', 0)],
    ['args not strings', sequence('codeLocation', 0, 'language', 0, 'source', 's', 'args', [1])],
    ['non-string key', sequence(1, 0, 'source', 's')],
    ['unknown secrets location', inlineWithSecrets(7, Buffer.from('00', 'hex'))],
  ])('rejects %s with a RequestDecodeError', (_name, data) => {
    expect(() => decodeRequestData(data)).toThrow(RequestDecodeError)
  })
})
