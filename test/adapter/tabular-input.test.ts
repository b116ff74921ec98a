import { createHash } from 'node:crypto'

import canonicalize from 'canonicalize'
import fc from 'fast-check'

import { compileTabularValidator } from '../../adapter/src/input/tabular'
import type { TabularInputs } from '../../protocol/manifest'
import { bundledManifest } from './helpers'

const risk = bundledManifest('risk-v1')
if (risk.inputs.kind !== 'tabular') throw new Error('risk-v1 must be tabular')
const inputs: TabularInputs = risk.inputs
const validator = compileTabularValidator(inputs)

const featuresArb = fc.record(
  Object.fromEntries(
    inputs.features.map((f) => [
      f.name,
      f.type === 'integer'
        ? fc.integer({ min: Math.ceil(f.min), max: Math.floor(f.max) })
        : fc.double({ min: f.min, max: f.max, noNaN: true }),
    ]),
  ),
)

describe('tabular input (risk-v1 manifest)', () => {
  it('input hash is sha256 of the RFC 8785 canonical JSON, for any valid features', () => {
    fc.assert(
      fc.property(featuresArb, (features) => {
        const parsed = validator.parse(features)
        const canonical = canonicalize(features) as string
        expect(parsed.canonical).toBe(canonical)
        expect(parsed.inputHash).toBe(`0x${createHash('sha256').update(canonical).digest('hex')}`)
      }),
      { numRuns: 300 },
    )
  })

  it('lays values out in manifest order as float32, whatever the key order', () => {
    const features = Object.fromEntries(inputs.features.map((f, i) => [f.name, f.min + (i % 2)]))
    const reversed = Object.fromEntries(Object.entries(features).reverse())
    const a = validator.parse(features)
    const b = validator.parse(reversed)
    expect(Array.from(b.row)).toEqual(Array.from(a.row))
    expect(b.inputHash).toBe(a.inputHash)
    inputs.features.forEach((f, i) =>
      expect(a.row[i]).toBe(Math.fround(features[f.name] as number)),
    )
  })

  it('rejects each kind of bad features with a message naming the feature', () => {
    const ok = Object.fromEntries(inputs.features.map((f) => [f.name, f.min]))
    const [first, second] = inputs.features
    if (first === undefined || second === undefined) throw new Error('need two features')
    const missing: Record<string, number> = { ...ok }
    delete missing[first.name]
    expect(() => validator.parse(missing)).toThrow(`feature "${first.name}" is missing`)
    expect(() => validator.parse({ ...ok, extra_thing: 1 })).toThrow(
      'unknown feature "extra_thing"',
    )
    expect(() => validator.parse({ ...ok, [first.name]: first.min - 1 })).toThrow(
      `feature "${first.name}" must be between ${first.min} and ${first.max} (got ${first.min - 1})`,
    )
    expect(() => validator.parse({ ...ok, [second.name]: null })).toThrow(
      `feature "${second.name}" must be a number`,
    )
    expect(() => validator.parse([1, 2, 3])).toThrow('"features" must be an object of numbers')
    expect(() => validator.parse(undefined)).toThrow('"data.features" is required')
    const integer = inputs.features.find((f) => f.type === 'integer')
    if (integer !== undefined) {
      expect(() => validator.parse({ ...ok, [integer.name]: integer.min + 0.5 })).toThrow(
        `feature "${integer.name}" must be an integer`,
      )
    }
  })
})
