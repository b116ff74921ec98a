/**
 * Unit tests of the Functions sources' pure parts, evaluated in Node (fast, no Deno): the shared
 * core is identical in every source, the result encoding matches the shared vectors, the EIP-712
 * digest and signature recovery agree with ethers, and every drop and refusal rule holds.
 * The end-to-end behaviour runs through simulateScript in the *-inference.test.ts files.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { secp256k1 } from '@noble/curves/secp256k1'
import { keccak_256 } from '@noble/hashes/sha3'
import { sha256 } from '@noble/hashes/sha256'
import canonicalize from 'canonicalize'
import { TypedDataEncoder, Wallet, hexlify } from 'ethers'

import { decodeInferenceResult, InferenceResultLayoutError } from '../../protocol/inference-result'
import { FUNCTIONS_SOURCES } from '../../script/local/functions-simulator'
import { REPO_ROOT } from '../../script/local/repo-root'
import { RESULT_LAYOUT_VECTORS, vectorFields } from '../vectors/result-layout'
import { loadSourceFunctions, sharedCore, type SourceCrypto } from './source-core'

const VECTORS = RESULT_LAYOUT_VECTORS

const crypto: SourceCrypto = { secp256k1, keccak256: keccak_256, sha256 }
const tabular = loadSourceFunctions(FUNCTIONS_SOURCES.tabular)
const image = loadSourceFunctions(FUNCTIONS_SOURCES.image)

const MODEL_HASH = '0x' + 'ab'.repeat(32)
const INPUT_HASH = '0x' + 'cd'.repeat(32)
const EIP712_DOMAIN = { name: 'onnx-oracle', version: '1' }
const EIP712_TYPES = {
  Inference: [
    { name: 'modelHash', type: 'bytes32' },
    { name: 'inputHash', type: 'bytes32' },
    { name: 'result', type: 'uint256' },
    { name: 'jobRunId', type: 'string' },
  ],
}
const OPERATOR = new Wallet('0x' + '11'.repeat(32))

function validArgs(overrides: Partial<Record<number, string>> = {}): string[] {
  const args = ['risk-v1', MODEL_HASH, INPUT_HASH, JSON.stringify({ features: { a: 1 } }), '2', '0']
  for (const [index, value] of Object.entries(overrides)) args[Number(index)] = value as string
  return args
}

function installedVersion(name: string): string {
  const pkg = JSON.parse(
    readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8'),
  ) as { version: string }
  return pkg.version
}

describe('source files', () => {
  it('share one identical core', () => {
    const tabularText = readFileSync(FUNCTIONS_SOURCES.tabular, 'utf8')
    const imageText = readFileSync(FUNCTIONS_SOURCES.image, 'utf8')
    expect(sharedCore(imageText)).toBe(sharedCore(tabularText))
    expect(sharedCore(tabularText).length).toBeGreaterThan(5000)
  })

  it('document args, secrets and the returned bytes in their header', () => {
    for (const path of Object.values(FUNCTIONS_SOURCES)) {
      const header = readFileSync(path, 'utf8').split('// ---- job-specific')[0] ?? ''
      for (const needle of ['[0] model id', '[5] tolerance', 'ADAPTERS', '192 bytes', 'jobRunId']) {
        expect(header).toContain(needle)
      }
    }
  })

  it('pin the noble versions that node_modules holds, so these unit tests run the same code', () => {
    expect(tabular.constants.NOBLE_IMPORTS).toEqual([
      `npm:@noble/curves@${installedVersion('@noble/curves')}/secp256k1`,
      `npm:@noble/hashes@${installedVersion('@noble/hashes')}/sha3`,
      `npm:@noble/hashes@${installedVersion('@noble/hashes')}/sha256`,
    ])
  })

  it('keep the adapter timeout inside the 9 s request and 10 s execution limits', () => {
    expect(tabular.constants.ADAPTER_TIMEOUT_MS).toBeLessThanOrEqual(5000)
    expect(tabular.constants.MAX_ADAPTERS).toBe(5)
  })
})

describe('encodeResult', () => {
  it.each(VECTORS.map((v) => [v.name, v] as const))('matches the shared vector: %s', (_, v) => {
    const encoded = tabular.encodeResult(vectorFields(v))
    expect(hexlify(encoded)).toBe(v.encoded)
    const decoded = decodeInferenceResult(v.encoded)
    expect(decoded.result).toBe(BigInt(v.result))
    expect(decoded.modelHash).toBe(v.modelHash)
    expect(decoded.inputHash).toBe(v.inputHash)
    expect(decoded.responded).toBe(v.responded)
    expect(decoded.agreed).toBe(v.agreed)
    expect(decoded.observedAt).toBe(BigInt(v.observedAt))
  })

  it('is covered by at least the vectors the contracts engineer wrote', () => {
    expect(VECTORS.length).toBeGreaterThanOrEqual(3)
  })
})

describe('decodeInferenceResult', () => {
  const good = VECTORS[0]?.encoded ?? ''

  it('rejects another length', () => {
    expect(() => decodeInferenceResult(good.slice(0, -2))).toThrow(InferenceResultLayoutError)
    expect(() => decodeInferenceResult(good + '00')).toThrow(InferenceResultLayoutError)
  })

  it('rejects counts that do not fit uint8 or agreed above responded', () => {
    const word = (n: number) => n.toString(16).padStart(64, '0')
    const body = good.slice(2)
    const withCounts = (responded: number, agreed: number) =>
      '0x' + body.slice(0, 192) + word(responded) + word(agreed) + body.slice(320)
    expect(() => decodeInferenceResult(withCounts(256, 1))).toThrow(/out of range/)
    expect(() => decodeInferenceResult(withCounts(2, 3))).toThrow(/out of range/)
    expect(decodeInferenceResult(withCounts(3, 3)).agreed).toBe(3)
  })
})

describe('EIP-712 operator signature', () => {
  const values = [0n, 7250n, (1n << 256n) - 1n]

  it.each(values)('digest equals ethers TypedDataEncoder for result %s', (result) => {
    const jobRunId = tabular.jobRunIdFor(INPUT_HASH)
    const digest = tabular.inferenceDigest(crypto, MODEL_HASH, INPUT_HASH, result, jobRunId)
    const expected = TypedDataEncoder.hash(EIP712_DOMAIN, EIP712_TYPES, {
      modelHash: MODEL_HASH,
      inputHash: INPUT_HASH,
      result,
      jobRunId,
    })
    expect(hexlify(digest)).toBe(expected)
  })

  it('recovers the signer of an ethers signTypedData signature, and only that', async () => {
    const jobRunId = tabular.jobRunIdFor(INPUT_HASH)
    const signature = await OPERATOR.signTypedData(EIP712_DOMAIN, EIP712_TYPES, {
      modelHash: MODEL_HASH,
      inputHash: INPUT_HASH,
      result: 7250n,
      jobRunId,
    })
    const digest = tabular.inferenceDigest(crypto, MODEL_HASH, INPUT_HASH, 7250n, jobRunId)
    expect(tabular.recoverSigner(crypto, digest, signature)).toBe(OPERATOR.address.toLowerCase())
    const otherDigest = tabular.inferenceDigest(crypto, MODEL_HASH, INPUT_HASH, 7251n, jobRunId)
    expect(tabular.recoverSigner(crypto, otherDigest, signature)).not.toBe(
      OPERATOR.address.toLowerCase(),
    )
    expect(tabular.recoverSigner(crypto, digest, signature.slice(0, -2) + '1d')).toBeUndefined()
    expect(tabular.recoverSigner(crypto, digest, '0x1234')).toBeUndefined()
    expect(tabular.recoverSigner(crypto, digest, 42)).toBeUndefined()
  })

  it('derives the job run id from the input hash only', () => {
    expect(tabular.jobRunIdFor(INPUT_HASH)).toBe('fn-' + 'cd'.repeat(8))
    expect(image.jobRunIdFor(INPUT_HASH)).toBe(tabular.jobRunIdFor(INPUT_HASH))
  })
})

describe('judgeAnswer', () => {
  const request = tabular.parseRequest(validArgs())
  const jobRunId = tabular.jobRunIdFor(INPUT_HASH)
  const answer = (data: Record<string, unknown>) => ({
    error: false,
    status: 200,
    data: { jobRunID: jobRunId, statusCode: 200, result: data.result, data },
  })
  const honest = { result: '7250', modelHash: MODEL_HASH, inputHash: INPUT_HASH }

  it('accepts an unsigned answer when no signer is configured', () => {
    expect(
      tabular.judgeAnswer(crypto, request, { url: 'http://a' }, jobRunId, answer(honest)),
    ).toEqual({ result: 7250n })
  })

  it.each([
    ['a failed request', { error: true, code: '500' }, /request failed \(500\)/],
    ['a timeout', { error: true, message: 'AbortError' }, /no response or timeout/],
    ['a body without data', { error: false, data: { result: '1' } }, /no data object/],
    ['a different model hash', answer({ ...honest, modelHash: INPUT_HASH }), /model hash/],
    ['a different input hash', answer({ ...honest, inputHash: MODEL_HASH }), /input hash/],
    ['a fractional result', answer({ ...honest, result: '72.5' }), /unsigned integer/],
    ['a negative result', answer({ ...honest, result: '-1' }), /unsigned integer/],
    ['a numeric result', answer({ ...honest, result: 7250 }), /unsigned integer/],
    ['a result past uint256', answer({ ...honest, result: (1n << 256n).toString() }), /uint256/],
  ])('drops %s', (_, response, reason) => {
    const verdict = tabular.judgeAnswer(crypto, request, { url: 'http://a' }, jobRunId, response)
    expect(verdict.result).toBeUndefined()
    expect(verdict.reason).toMatch(reason)
  })

  it('with a signer configured, accepts only answers that key signed', async () => {
    const signature = await OPERATOR.signTypedData(EIP712_DOMAIN, EIP712_TYPES, {
      modelHash: MODEL_HASH,
      inputHash: INPUT_HASH,
      result: 7250n,
      jobRunId,
    })
    const signer = OPERATOR.address.toLowerCase()
    const other = new Wallet('0x' + '22'.repeat(32)).address.toLowerCase()
    const judge = (adapterSigner: string, data: Record<string, unknown>) =>
      tabular.judgeAnswer(
        crypto,
        request,
        { url: 'http://a', signer: adapterSigner },
        jobRunId,
        answer(data),
      )
    expect(judge(signer, { ...honest, signature })).toEqual({ result: 7250n })
    expect(judge(other, { ...honest, signature }).reason).toMatch(/signature/)
    expect(judge(signer, { ...honest, result: '9999', signature }).reason).toMatch(/signature/)
    expect(judge(signer, honest).reason).toMatch(/signature/)
  })
})

describe('aggregate', () => {
  it('takes the median of an odd count and counts the exact matches', () => {
    expect(tabular.aggregate([7250n, 1n, 7250n], 0n)).toEqual({ median: 7250n, agreed: 2 })
  })

  it('takes the lower median of an even count', () => {
    expect(tabular.aggregate([40n, 10n, 30n, 20n], 0n)).toEqual({ median: 20n, agreed: 1 })
  })

  it('counts answers within the tolerance on both sides', () => {
    expect(tabular.aggregate([95n, 100n, 105n, 106n, 200n], 5n)).toEqual({
      median: 105n,
      agreed: 3,
    })
  })

  it('orders results past 2^53 exactly', () => {
    const big = 1n << 200n
    expect(tabular.aggregate([big + 1n, big, big + 2n], 0n)).toEqual({
      median: big + 1n,
      agreed: 1,
    })
  })
})

describe('parseRequest', () => {
  it('returns typed, lower-cased values', () => {
    const parsed = tabular.parseRequest(
      validArgs({ 1: MODEL_HASH.toUpperCase().replace('0X', '0x') }),
    )
    expect(parsed).toEqual({
      modelId: 'risk-v1',
      modelHash: MODEL_HASH,
      inputHash: INPUT_HASH,
      input: { features: { a: 1 } },
      threshold: 2,
      tolerance: 0n,
    })
  })

  it.each([
    ['too few args', validArgs().slice(0, 5), /expected 6 args, got 5/],
    ['an empty model id', validArgs({ 0: '' }), /args\[0\]/],
    ['a 32-character model id', validArgs({ 0: 'm'.repeat(32) }), /args\[0\]/],
    ['a short model hash', validArgs({ 1: '0x1234' }), /args\[1\]/],
    ['a non-hex input hash', validArgs({ 2: '0x' + 'zz'.repeat(32) }), /args\[2\]/],
    ['input that is not JSON', validArgs({ 3: '{features' }), /args\[3\] is not valid JSON/],
    ['input that is an array', validArgs({ 3: '[]' }), /args\[3\] must be a JSON object/],
    ['input naming the model', validArgs({ 3: '{"model":"x"}' }), /must not contain "model"/],
    ['a zero threshold', validArgs({ 4: '0' }), /args\[4\]/],
    ['a threshold of 6', validArgs({ 4: '6' }), /args\[4\]/],
    ['a negative tolerance', validArgs({ 5: '-1' }), /args\[5\]/],
    ['a fractional tolerance', validArgs({ 5: '0.5' }), /args\[5\]/],
  ])('refuses %s', (_, args, message) => {
    expect(() => tabular.parseRequest(args)).toThrow(message)
  })
})

describe('parseAdapters', () => {
  const secretsFor = (list: unknown) => ({ ADAPTERS: JSON.stringify(list) })

  it('accepts 1 to 5 adapters with optional key and signer', () => {
    const signer = OPERATOR.address
    expect(
      tabular.parseAdapters(
        secretsFor([{ url: 'https://a.example' }, { url: 'http://b', apiKey: 'k', signer }]),
      ),
    ).toEqual([
      { url: 'https://a.example', apiKey: undefined, signer: undefined },
      { url: 'http://b', apiKey: 'k', signer: signer.toLowerCase() },
    ])
  })

  it.each([
    ['no secrets', undefined, /ADAPTERS is missing/],
    ['no ADAPTERS', {}, /ADAPTERS is missing/],
    ['invalid JSON', { ADAPTERS: '[{' }, /not valid JSON/],
    ['an empty list', secretsFor([]), /1 to 5 adapters/],
    ['six adapters', secretsFor(Array(6).fill({ url: 'http://a' })), /1 to 5 adapters/],
    ['a non-http URL', secretsFor([{ url: 'ftp://a' }]), /ADAPTERS\[0\]\.url/],
    ['a numeric API key', secretsFor([{ url: 'http://a', apiKey: 5 }]), /ADAPTERS\[0\]\.apiKey/],
    ['a bad signer', secretsFor([{ url: 'http://a', signer: '0x12' }]), /ADAPTERS\[0\]\.signer/],
  ])('refuses %s', (_, secrets, message) => {
    expect(() => tabular.parseAdapters(secrets)).toThrow(message)
  })

  it('never quotes a secret value in its errors (they go on-chain)', () => {
    const secret = 'sk-very-secret-key'
    const bad = secretsFor([{ url: `ftp://${secret}`, apiKey: secret }])
    expect(() => tabular.parseAdapters(bad)).toThrow(/url must be an http/)
    try {
      tabular.parseAdapters(bad)
    } catch (error) {
      expect((error as Error).message).not.toContain(secret)
    }
  })
})

describe('tabular input check', () => {
  const features = {
    driver_age: 34,
    annual_mileage_km: 12000,
    ratio: 0.1,
    huge: 1e21,
    tiny: 5e-7,
    negative_zero: -0,
    ünïcode: 'ß',
    nested: { b: [1, 'two', null, true], a: false },
  }
  const canonicalHash =
    '0x' +
    createHash('sha256')
      .update(canonicalize(features) ?? '')
      .digest('hex')

  it('accepts the input hash that RFC 8785 (canonicalize) gives', () => {
    expect(() => tabular.checkJobInput({ features }, canonicalHash, crypto)).not.toThrow()
  })

  it('refuses an input hash of other features', () => {
    expect(() =>
      tabular.checkJobInput({ features: { ...features, driver_age: 35 } }, canonicalHash, crypto),
    ).toThrow(/args\[2\] is not the sha256 of the canonical features/)
  })

  it('refuses input without a features object, or with more', () => {
    expect(() => tabular.checkJobInput({ features: [1] }, canonicalHash, crypto)).toThrow(
      /features/,
    )
    expect(() => tabular.checkJobInput({ features, x: 1 }, canonicalHash, crypto)).toThrow(/only/)
  })
})

describe('image input check', () => {
  it('accepts one image by URL or base64 whose sha256 is args[2]', () => {
    expect(() =>
      image.checkJobInput(
        { image: { url: 'https://x/a.png', sha256: INPUT_HASH } },
        INPUT_HASH,
        crypto,
      ),
    ).not.toThrow()
    expect(() =>
      image.checkJobInput(
        { image: { base64: 'AAAA', sha256: INPUT_HASH.toUpperCase().replace('0X', '0x') } },
        INPUT_HASH,
        crypto,
      ),
    ).not.toThrow()
  })

  it.each([
    ['no image', {}, /"image"/],
    [
      'both url and base64',
      { image: { url: 'https://x', base64: 'AA', sha256: INPUT_HASH } },
      /exactly one/,
    ],
    ['neither url nor base64', { image: { sha256: INPUT_HASH } }, /exactly one/],
    ['another sha256', { image: { url: 'https://x', sha256: MODEL_HASH } }, /must equal args\[2\]/],
    ['no sha256', { image: { url: 'https://x' } }, /must equal args\[2\]/],
    [
      'extra fields',
      { image: { url: 'https://x', sha256: INPUT_HASH }, features: {} },
      /only "image"/,
    ],
  ])('refuses %s', (_, input, message) => {
    expect(() => image.checkJobInput(input, INPUT_HASH, crypto)).toThrow(message)
  })
})
