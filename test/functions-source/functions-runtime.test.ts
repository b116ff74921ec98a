/**
 * The Functions edge of the core (functions-source/src/functions-runtime.ts), in Node: `args` as
 * the consumer sends them (six strings, errors naming args[i]), the ADAPTERS secret, the mapping of
 * `makeHttpRequest` outcomes, and the noble versions the sandbox imports.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import {
  ADAPTER_TIMEOUT_MS,
  NOBLE_SECP256K1,
  NOBLE_SHA256,
  NOBLE_SHA3,
  parseArgs,
  readAdapters,
  toAdapterReply,
} from '../../functions-source/src/functions-runtime'
import { MAX_ADAPTERS } from '../../don-core/inference-core'
import { REPO_ROOT } from '../../script/local/repo-root'

const MODEL_HASH = '0x' + 'ab'.repeat(32)
const INPUT_HASH = '0x' + 'cd'.repeat(32)

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

describe('parseArgs', () => {
  it('returns typed, lower-cased values', () => {
    expect(
      parseArgs(validArgs({ 1: MODEL_HASH.toUpperCase().replace('0X', '0x'), 5: '12' })),
    ).toEqual({
      modelId: 'risk-v1',
      modelHash: MODEL_HASH,
      inputHash: INPUT_HASH,
      input: { features: { a: 1 } },
      threshold: 2,
      tolerance: 12n,
    })
  })

  it.each([
    ['too few args', validArgs().slice(0, 5), /expected 6 args, got 5/],
    ['no args array', undefined, /expected 6 args, got 0/],
    ['an empty model id', validArgs({ 0: '' }), /^args\[0\] must be a model id/],
    ['a short model hash', validArgs({ 1: '0x1234' }), /^args\[1\]/],
    ['a non-hex input hash', validArgs({ 2: '0x' + 'zz'.repeat(32) }), /^args\[2\]/],
    ['input that is not JSON', validArgs({ 3: '{features' }), /args\[3\] is not valid JSON/],
    ['input naming the model', validArgs({ 3: '{"model":"x"}' }), /args\[0\] names the model/],
    ['a zero threshold', validArgs({ 4: '0' }), /^args\[4\] must be a threshold from 1 to 5/],
    ['a threshold of 6', validArgs({ 4: '6' }), /^args\[4\]/],
    ['a threshold with a leading zero', validArgs({ 4: '02' }), /^args\[4\]/],
    ['a negative tolerance', validArgs({ 5: '-1' }), /^args\[5\]/],
  ])('refuses %s', (_, args, message) => {
    expect(() => parseArgs(args)).toThrow(message)
  })
})

describe('readAdapters', () => {
  it('reads the ADAPTERS string of the secrets map', () => {
    const set = readAdapters({ ADAPTERS: JSON.stringify([{ url: 'http://a' }]) })
    expect(set.adapters).toEqual([{ url: 'http://a' }])
    expect(set.warnings).toHaveLength(1)
  })

  it.each([undefined, null, {}, { ADAPTERS: 5 }])('refuses secrets %p', (secrets) => {
    expect(() => readAdapters(secrets)).toThrow('secret ADAPTERS is missing')
  })
})

describe('toAdapterReply', () => {
  it('keeps the HTTP code of a failure, or says there was none', () => {
    expect(toAdapterReply({ error: true, code: '401' })).toEqual({ failed: '401' })
    expect(toAdapterReply({ error: true, message: 'AbortError' })).toEqual({
      failed: 'no response or timeout',
    })
    expect(toAdapterReply({ error: false, status: 200, data: { data: {} } })).toEqual({
      body: { data: {} },
    })
  })
})

describe('sandbox limits and pins', () => {
  it('pins the noble versions node_modules holds, so the unit tests run the same code', () => {
    expect([NOBLE_SECP256K1, NOBLE_SHA3, NOBLE_SHA256]).toEqual([
      `npm:@noble/curves@${installedVersion('@noble/curves')}/secp256k1`,
      `npm:@noble/hashes@${installedVersion('@noble/hashes')}/sha3`,
      `npm:@noble/hashes@${installedVersion('@noble/hashes')}/sha256`,
    ])
  })

  it('keeps the adapter timeout inside the 9 s request and 10 s execution limits', () => {
    expect(ADAPTER_TIMEOUT_MS).toBeLessThanOrEqual(5000)
    expect(MAX_ADAPTERS).toBe(5)
  })
})
