/**
 * The request builder of the CLI: the args it builds are exactly what the sources accept (checked
 * with the sources' own parseArgs and input checks), with hashes computed as the adapters do.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { secp256k1 } from '@noble/curves/secp256k1'
import { keccak_256 } from '@noble/hashes/sha3'
import { sha256 } from '@noble/hashes/sha256'
import canonicalize from 'canonicalize'

import {
  bundledModelHash,
  checkThreshold,
  imageArgs,
  parseAdaptersJson,
  RequestArgsError,
  tabularArgs,
} from '../../script/functions/request-args'
import { REPO_ROOT } from '../../script/local/repo-root'
import { checkImageInput, checkTabularInput, cryptoFromNoble } from '../../don-core/inference-core'
import { ARG_LABELS, parseArgs } from '../../functions-source/src/functions-runtime'

const crypto = cryptoFromNoble({ secp256k1, keccak_256, sha256 })
const manifestHash = (id: string) =>
  (
    JSON.parse(readFileSync(join(REPO_ROOT, 'adapter', 'models', id, 'manifest.json'), 'utf8')) as {
      file: { sha256: string }
    }
  ).file.sha256

describe('tabularArgs', () => {
  const features = { driver_age: 34, annual_mileage_km: 12000.5 }

  it('builds args the tabular source accepts, with the bundled model hash', () => {
    const args = tabularArgs({ model: 'risk-v1', threshold: 2, tolerance: 5n, features })
    const request = parseArgs(args)
    expect(request.modelHash).toBe(manifestHash('risk-v1'))
    expect(request.inputHash).toBe(
      '0x' +
        createHash('sha256')
          .update(canonicalize(features) ?? '')
          .digest('hex'),
    )
    expect(request.threshold).toBe(2)
    expect(request.tolerance).toBe(5n)
    expect(() => checkTabularInput(request, crypto, ARG_LABELS)).not.toThrow()
  })

  it.each([
    ['a threshold of 0', { threshold: 0 }, /--threshold/],
    ['a negative tolerance', { tolerance: -1n }, /--tolerance/],
    ['a bad model hash', { modelHash: '0x12' }, /--model-hash/],
    ['an unknown model without hash', { model: 'nope-v9' }, /no bundled model "nope-v9"/],
    ['features that are an array', { features: [1, 2] }, /--features must be a JSON object/],
  ])('refuses %s', (_, override, message) => {
    const options = { model: 'risk-v1', threshold: 2, tolerance: 0n, features, ...override }
    expect(() => tabularArgs(options)).toThrow(RequestArgsError)
    expect(() => tabularArgs(options)).toThrow(message)
  })
})

describe('imageArgs', () => {
  it('builds args the image source accepts', () => {
    const imageSha256 = '0x' + 'AB'.repeat(32)
    const args = imageArgs({
      model: 'damage-v1',
      threshold: 3,
      tolerance: 0n,
      imageUrl: 'https://example.com/claim.png',
      imageSha256,
    })
    const request = parseArgs(args)
    expect(request.modelHash).toBe(bundledModelHash('damage-v1'))
    expect(request.inputHash).toBe(imageSha256.toLowerCase())
    expect(request.input).toEqual({
      image: { url: 'https://example.com/claim.png', sha256: imageSha256.toLowerCase() },
    })
    expect(() => checkImageInput(request, ARG_LABELS)).not.toThrow()
  })

  it('refuses an image hash that is not 32 bytes of hex', () => {
    expect(() =>
      imageArgs({
        model: 'damage-v1',
        threshold: 1,
        tolerance: 0n,
        imageUrl: 'x',
        imageSha256: '0x1',
      }),
    ).toThrow(/image sha256/)
  })
})

describe("parseAdaptersJson and checkThreshold (the sources' own rules, refused early)", () => {
  it('accepts 1 to 5 http(s) adapters and refuses the rest', () => {
    expect(parseAdaptersJson('[{"url":"https://a"}]')).toEqual([{ url: 'https://a' }])
    expect(() => parseAdaptersJson('{')).toThrow(/not valid JSON/)
    expect(() =>
      parseAdaptersJson(
        JSON.stringify(Array.from({ length: 6 }, (_, i) => ({ url: `http://a${i}` }))),
      ),
    ).toThrow(/1 to 5/)
    expect(() => parseAdaptersJson('[{"url":"file:///etc/passwd"}]')).toThrow(/ADAPTERS\[0\]\.url/)
    expect(() => parseAdaptersJson('[{"url":"http://a/"},{"url":"http://a"}]')).toThrow(
      RequestArgsError,
    )
    expect(() => parseAdaptersJson('[{"url":"http://a/"},{"url":"http://a"}]')).toThrow(
      'ADAPTERS[1].url repeats ADAPTERS[0].url',
    )
  })

  it('refuses a threshold that is not a strict majority of the adapters', () => {
    expect(() => checkThreshold(2, 3)).not.toThrow()
    expect(() => checkThreshold(2, 4)).toThrow(RequestArgsError)
    expect(() => checkThreshold(2, 4)).toThrow(/--threshold: threshold 2 is not a strict majority/)
  })
})
