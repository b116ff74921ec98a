/**
 * fast-check arbitraries of malformed and hostile external-adapter request bodies, each invalid by
 * construction (every one must get a 4xx): broken JSON, wrong JSON types, wrong envelope, unknown
 * or hostile model ids, feature sets with exactly one defect (wrong type, NaN/Infinity strings,
 * huge numbers, out of range, non-integer, missing, unknown or prototype-pollution keys, deep
 * nesting, unicode), oversized arrays and bodies, and broken image specs (no URL that would leave
 * the machine: only bad schemes and literal private addresses).
 */
import fc from 'fast-check'

import type { Manifest } from '../../../protocol/manifest'

/** A valid feature set (each feature at the middle of its range, integers rounded). */
export function validFeatures(manifest: Manifest): Record<string, number> {
  if (manifest.inputs.kind !== 'tabular') throw new Error('tabular manifest expected')
  const out: Record<string, number> = {}
  for (const f of manifest.inputs.features) {
    const mid = (f.min + f.max) / 2
    out[f.name] = f.type === 'integer' ? Math.round(mid) : mid
  }
  return out
}

const POLLUTION_KEYS = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString']

const hostileString = fc.oneof(
  fc.constantFrom(
    'NaN',
    'Infinity',
    '-Infinity',
    '1e309',
    '0x10',
    '',
    ' ',
    '\u0000',
    '\ud800',
    '34',
    'null',
    '__proto__',
  ),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
)

/** Values no numeric feature accepts: wrong types, non-finite text, nested structures. */
const nonNumber = fc.oneof(
  hostileString,
  fc.constantFrom(null, true, false, [], {}, [1], { valueOf: 1 }),
  fc.array(fc.double(), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
)

function deepArray(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`
}

function deepObject(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`
}

/** Raw body texts: not JSON, or JSON that is not an EA envelope. */
const notAnEnvelope: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }).filter((s) => !s.trim().startsWith('{')),
  fc.constantFrom(
    '{',
    '{"id":',
    '{"data":{}',
    'null',
    'true',
    '[]',
    '"x"',
    '1e999',
    '{}',
    '{"id":"1"}',
  ),
  fc
    .jsonValue({ maxDepth: 3 })
    .map((v) => JSON.stringify(v))
    .filter((s) => !s.includes('"data"')),
  fc.integer({ min: 1000, max: 20_000 }).map((d) => `{"id":"1","data":${deepArray(d)}}`),
  fc.integer({ min: 1000, max: 20_000 }).map((d) => deepObject(d)),
)

/** Well-formed envelopes whose `data` is wrong before any model is consulted. */
const badEnvelope: fc.Arbitrary<string> = fc.oneof(
  nonNumber.map((data) => JSON.stringify({ id: '1', data })),
  fc
    .oneof(
      nonNumber.filter((v) => typeof v !== 'string' || v === ''),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 64 }).map((s) => `zz-${s}`),
      fc.constantFrom(
        ...POLLUTION_KEYS,
        '../risk-v1',
        'risk-v1\u0000',
        'RISK-V1',
        'risk-v1 ',
        'x'.repeat(5000),
      ),
    )
    .map((model) => JSON.stringify({ id: 'fuzz', data: { model } })),
  fc
    .constantFrom(...POLLUTION_KEYS)
    .map((k) => `{"id":"p","${k}":{"polluted":1},"data":{"model":"${k}","${k}":{"polluted":1}}}`),
  fc
    .constantFrom({}, { id: 1 }, { id: null, data: null }, { id: {}, data: [] })
    .map((v) => JSON.stringify(v)),
)

/** `risk-v1` (or whichever tabular manifest) requests whose features have exactly one defect. */
function badFeatures(manifest: Manifest): fc.Arbitrary<string> {
  if (manifest.inputs.kind !== 'tabular') throw new Error('tabular manifest expected')
  const features = manifest.inputs.features
  const base = validFeatures(manifest)
  const featureIndex = fc.integer({ min: 0, max: features.length - 1 })
  const body = (f: unknown, id: unknown = 'fuzz') =>
    JSON.stringify({ id, data: { model: manifest.id, features: f } })
  const withValue = (i: number, v: unknown) => ({ ...base, [features[i]!.name]: v })
  const outOfRange = featureIndex.chain((i) => {
    const f = features[i]!
    return fc
      .oneof(
        fc.double({ min: f.max, max: 1e308, noNaN: true }).filter((v) => v > f.max),
        fc.double({ min: -1e308, max: f.min, noNaN: true }).filter((v) => v < f.min),
        fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, -Number.MAX_SAFE_INTEGER - 2),
      )
      .map((v) => body(withValue(i, v)))
  })
  const nonInteger = fc
    .constantFrom(...features.map((f, i) => ({ f, i })).filter(({ f }) => f.type === 'integer'))
    .chain(({ f, i }) =>
      fc
        .double({ min: f.min, max: f.max, noNaN: true })
        .filter((v) => !Number.isInteger(v))
        .map((v) => body(withValue(i, v))),
    )
  const rawNumber = featureIndex.chain((i) =>
    fc
      .constantFrom(
        '1e999',
        '-1e999',
        '1e400',
        'NaN',
        'Infinity',
        '0x1F',
        '+1',
        '01',
        '.5',
        '1.',
        '--1',
      )
      .map((lit) => {
        const json = JSON.stringify({
          id: 'raw',
          data: { model: manifest.id, features: withValue(i, 0) },
        })
        return json.replace(`"${features[i]!.name}":0`, `"${features[i]!.name}":${lit}`)
      }),
  )
  const missing = featureIndex.map((i) => {
    const f: Record<string, number> = { ...base }
    delete f[features[i]!.name]
    return body(f)
  })
  const extraKey = fc
    .oneof(
      fc.constantFrom(...POLLUTION_KEYS),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
    )
    .filter((k) => !features.some((f) => f.name === k))
    .map((k) => {
      const json = JSON.stringify({ id: 'extra', data: { model: manifest.id, features: base } })
      return json.replace('"features":{', `"features":{${JSON.stringify(k)}:1,`)
    })
  const wrongShape = fc.oneof(
    nonNumber
      .filter((v) => typeof v !== 'object' || v === null || Array.isArray(v))
      .map((v) => body(v)),
    fc.integer({ min: 10_000, max: 200_000 }).map((n) => body(new Array<number>(n).fill(1))),
    fc
      .integer({ min: 1000, max: 10_000 })
      .map((d) => `{"id":"deep","data":{"model":"${manifest.id}","features":${deepObject(d)}}}`),
    fc.constant(JSON.stringify({ id: 'none', data: { model: manifest.id } })),
  )
  return fc.oneof(
    featureIndex.chain((i) => nonNumber.map((v) => body(withValue(i, v)))),
    outOfRange,
    nonInteger,
    rawNumber,
    missing,
    extraKey,
    wrongShape,
  )
}

/** Image-model requests with a broken image spec (never a URL that leaves the machine). */
function badImage(imageModelId: string): fc.Arbitrary<string> {
  const sha = `0x${'ab'.repeat(32)}`
  const body = (image: unknown) =>
    JSON.stringify({ id: 'img', data: { model: imageModelId, image } })
  return fc.oneof(
    nonNumber.map((image) => body(image)),
    fc
      .constantFrom(
        { base64: 'not base64!!', sha256: sha },
        { base64: 'aGVsbG8=', sha256: sha },
        { base64: 'aGVsbG8=', sha256: 'abc' },
        { base64: '', sha256: sha },
        { url: 'ftp://127.0.0.1/x.jpg', sha256: sha },
        { url: 'file:///etc/passwd', sha256: sha },
        { url: 'gopher://127.0.0.1:70/', sha256: sha },
        { url: 'data:image/png;base64,aGVsbG8=', sha256: sha },
        { url: 'javascript:alert(1)', sha256: sha },
        { url: 'http://169.254.169.254/latest/meta-data/', sha256: sha },
        { url: 'http://10.0.0.1/x.jpg', sha256: sha },
        { url: 'not a url', sha256: sha },
        { url: 'http://127.0.0.1:1/x.jpg', base64: 'aGVsbG8=', sha256: sha },
        { sha256: sha },
      )
      .map((image) => body(image)),
    fc
      .integer({ min: 1, max: 64 })
      .map((n) => body({ base64: 'A'.repeat(n * 4 + 1), sha256: sha })),
  )
}

/** Bodies larger than the adapter's body limit (413). */
function oversized(limitBytes: number): fc.Arbitrary<string> {
  return fc.integer({ min: 1, max: 4096 }).map((extra) =>
    JSON.stringify({
      id: 'big',
      data: { model: 'risk-v1', pad: 'x'.repeat(limitBytes + extra) },
    }),
  )
}

/** Every kind of hostile body, weighted so the large ones stay rare. */
export function hostileBody(
  tabular: Manifest,
  imageModelId: string,
  bodyLimitBytes: number,
): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: notAnEnvelope, weight: 20 },
    { arbitrary: badEnvelope, weight: 20 },
    { arbitrary: badFeatures(tabular), weight: 45 },
    { arbitrary: badImage(imageModelId), weight: 14 },
    { arbitrary: oversized(bodyLimitBytes), weight: 1 },
  )
}
