/*
 * The input hash and its parts against independent references: node's createHash for sha256 and
 * the `canonicalize` package (RFC 8785) for canonical JSON, including the adapter's compiled fast
 * path for validated features.
 */
import { createHash } from 'node:crypto'

import canonicalize from 'canonicalize'
import fc from 'fast-check'

import { CanonicalJsonError, canonicalJson } from '../../protocol/canonical-json'
import { sha256Hex } from '../../protocol/hashes'
import { featureCanonicaliser, imageInputHash, tabularInputHash } from '../../protocol/input-hash'

const reference = (data: Uint8Array | string): string =>
  `0x${createHash('sha256').update(data).digest('hex')}`

/** Finite doubles, with the values whose ECMAScript text is easy to get wrong. */
const number = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(0, -0, 1e21, 1e-7, 0.1 + 0.2, 5e-324, Number.MAX_SAFE_INTEGER, -1.5e300),
)

describe('sha256Hex', () => {
  it('hashes bytes and the UTF-8 bytes of strings like createHash', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.string({ unit: 'grapheme' }), (b, s) => {
        expect(sha256Hex(b)).toBe(reference(b))
        expect(sha256Hex(s)).toBe(reference(Buffer.from(s, 'utf8')))
      }),
    )
  })

  it('is 0x + 64 lowercase hex', () => {
    expect(sha256Hex('abc')).toBe(
      '0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    )
  })
})

describe('canonicalJson', () => {
  it('equals the canonicalize package on nested JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(canonicalJson(v)).toBe(canonicalize(v))
      }),
    )
  })

  it('refuses a value with no JSON form', () => {
    expect(() => canonicalJson(undefined)).toThrow(CanonicalJsonError)
  })
})

describe('tabular input hash', () => {
  it('is the sha256 of the RFC 8785 text of the features', () => {
    const features = { b: 2, a: 1.5, c: -0, é: 1e21 }
    expect(canonicalJson(features)).toBe('{"a":1.5,"b":2,"c":0,"é":1e+21}')
    expect(tabularInputHash(features)).toBe(reference('{"a":1.5,"b":2,"c":0,"é":1e+21}'))
  })

  it('the compiled canonicaliser equals canonicalJson for any flat object of numbers', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ unit: 'binary' }), number, { minKeys: 1 }), (obj) => {
        const canonicalise = featureCanonicaliser(Object.keys(obj))
        expect(canonicalise(obj)).toBe(canonicalJson(obj))
      }),
      { numRuns: 500 },
    )
  })

  it('does not depend on key order', () => {
    const canonicalise = featureCanonicaliser(['z', 'a', 'm'])
    expect(canonicalise({ a: 1, m: 2, z: 3 })).toBe(canonicalise({ z: 3, m: 2, a: 1 }))
    expect(canonicalise({ a: 1, m: 2, z: 3 })).toBe('{"a":1,"m":2,"z":3}')
  })
})

describe('image input hash', () => {
  it('is the sha256 of the bytes', () => {
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3])
    expect(imageInputHash(bytes)).toBe(reference(bytes))
  })
})
