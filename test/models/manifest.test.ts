import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import canonicalize from 'canonicalize'
import { keccak256, toUtf8Bytes } from 'ethers'

import { sha256Hex } from '../../protocol/hashes'
import {
  checkModelBytes,
  hyperparametersHash,
  manifestJsonSchema,
  parseManifest,
  provenanceHash,
  type Manifest,
} from '../../protocol/manifest'
import { quantise } from './fixed-point'

const MODELS_DIR = join(__dirname, '..', '..', 'adapter', 'models')

/** A complete, valid tabular manifest whose hashes are computed here. */
function validManifest(): Manifest {
  const hyperparameters = { epochs: 10, learningRate: 0.1 }
  const provenance = {
    buildType: 'onnx-oracle/model-build/v1',
    builder: { id: 'test', version: '0.0.0' },
    dataset: {
      name: 'fixture',
      digest: { sha256: sha256Hex(Buffer.from('data')) },
      serialisation: 'bytes "data"',
      description: 'a fixture',
      seed: 1,
      trainSize: 4,
      heldOutSize: 0,
    },
    trainingCode: {
      path: 'script/models/training',
      digest: { sha256: sha256Hex(Buffer.from('code')) },
      gitTree: 'a'.repeat(40),
      entryPoint: 'script/models/training/recipes.ts',
    },
    hyperparameters,
    hyperparametersHash: hyperparametersHash(hyperparameters),
    metrics: { train: { accuracy: 1 }, heldOut: { accuracy: 0.5, perClass: { a: 1 } } },
    framework: {
      name: 'fixture',
      version: '1',
      onnxIrVersion: 8,
      onnxOpset: 13,
      dependencies: { 'onnx-proto': '8.0.1' },
    },
  }
  return {
    schemaVersion: 1,
    id: 'fixture-v1',
    version: '1.0.0',
    task: 'tabular-classification',
    license: 'MIT',
    description: 'fixture',
    file: {
      path: 'model.onnx',
      sha256: sha256Hex(Buffer.from('onnx')),
      cid: 'bafkreiaxnnnb7qz2focittuqq3ya25q7rcv3bqynnczfzao6pbl4wvxrwu',
    },
    inputs: {
      kind: 'tabular',
      tensor: 'features',
      features: [
        { name: 'x', type: 'number', unit: 'm', min: 0, max: 1, description: 'x' },
        { name: 'y', type: 'integer', unit: 'count', min: 0, max: 9, description: 'y' },
      ],
    },
    outputs: {
      tensor: 'probabilities',
      labels: ['no_loss', 'loss'],
      scale: 10000,
      rounding: 'half-even',
      result: { kind: 'probability', index: 1 },
    },
    provenance,
    provenanceHash: provenanceHash(provenance),
  }
}

/** Expects parseManifest to throw with every listed fragment in its message. */
function expectRejected(json: unknown, ...fragments: string[]): void {
  let message = ''
  try {
    parseManifest(json)
  } catch (err) {
    message = (err as Error).message
  }
  expect(message).not.toBe('')
  for (const fragment of fragments) expect(message).toContain(fragment)
}

describe('model manifest', () => {
  it('accepts a valid manifest and returns it unchanged', () => {
    const m = validManifest()
    expect(parseManifest(JSON.parse(JSON.stringify(m)))).toEqual(m)
  })

  it('hashes provenance as keccak256 of its RFC 8785 canonical JSON', () => {
    const prov = { b: [1, 2.5, 'x'], a: { d: 1e21, c: null } }
    const canonical = '{"a":{"c":null,"d":1e+21},"b":[1,2.5,"x"]}'
    expect(canonicalize(prov)).toBe(canonical)
    expect(provenanceHash(prov)).toBe(keccak256(toUtf8Bytes(canonical)))
    expect(provenanceHash({ x: 1, y: 2 })).toBe(provenanceHash({ y: 2, x: 1 }))
  })

  it('computes sha256 as 0x-prefixed lowercase hex', () => {
    expect(sha256Hex(Buffer.from('abc'))).toBe(
      '0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    )
  })

  it('rejects a missing field, naming it', () => {
    const m = validManifest() as Partial<Manifest>
    delete m.license
    expectRejected(m, 'manifest.license: missing')
    const n = validManifest()
    delete (n.outputs as Partial<Manifest['outputs']>).scale
    expectRejected(n, 'manifest.outputs.scale: missing')
  })

  it('rejects an unknown task, naming the field', () => {
    expectRejected(
      { ...validManifest(), task: 'text-generation' },
      'manifest.task: expected one of',
    )
  })

  it('rejects a non-positive scale and a malformed file hash', () => {
    const m = validManifest()
    expectRejected(
      { ...m, outputs: { ...m.outputs, scale: 0 } },
      'manifest.outputs.scale: expected a positive integer',
    )
    expectRejected(
      { ...m, file: { ...m.file, sha256: '0x1234' } },
      'manifest.file.sha256: expected 0x followed by 64 lowercase hex digits',
    )
  })

  it('rejects a provenance hash that does not match the provenance', () => {
    const m = validManifest()
    expectRejected({ ...m, provenanceHash: `0x${'0'.repeat(64)}` }, 'manifest.provenanceHash:')
    const tampered = {
      ...m,
      provenance: {
        ...m.provenance,
        metrics: { ...m.provenance.metrics, train: { accuracy: 0.9 } },
      },
    }
    expectRejected(tampered, 'manifest.provenanceHash: does not match')
  })

  it('rejects a hyperparameters hash that does not match', () => {
    const m = validManifest()
    const provenance = { ...m.provenance, hyperparameters: { epochs: 11, learningRate: 0.1 } }
    expectRejected(
      { ...m, provenance, provenanceHash: provenanceHash(provenance) },
      'manifest.provenance.hyperparametersHash: does not match',
    )
  })

  it('rejects unknown fields and cross-field contradictions', () => {
    const m = validManifest()
    expectRejected({ ...m, extra: true }, 'manifest.extra: unknown field')
    expectRejected({ ...m, task: 'image-classification' }, 'manifest.inputs.kind: expected "image"')
    expectRejected(
      { ...m, outputs: { ...m.outputs, result: { kind: 'probability', index: 2 } } },
      'manifest.outputs.result.index',
    )
    expectRejected(
      { ...m, outputs: { ...m.outputs, labels: ['loss', 'loss'] } },
      'manifest.outputs.labels[1]: duplicate label "loss"',
    )
    expectRejected(
      { ...m, outputs: { ...m.outputs, payoutRatioBps: [0] } },
      'manifest.outputs.payoutRatioBps: expected one entry per label',
    )
    const features = [m.inputs.kind === 'tabular' ? m.inputs.features[0] : undefined]
    expectRejected(
      {
        ...m,
        inputs: { kind: 'tabular', tensor: 'features', features: [features[0], features[0]] },
      },
      'manifest.inputs.features[1].name: duplicate feature name',
    )
  })

  it('checks model bytes against file.sha256', () => {
    const m = validManifest()
    expect(() => checkModelBytes(m, Buffer.from('onnx'))).not.toThrow()
    expect(() => checkModelBytes(m, Buffer.from('onnX'))).toThrow('manifest.file.sha256')
  })

  it('publishes exactly the JSON Schema generated from the zod schema', () => {
    const published: unknown = JSON.parse(
      readFileSync(join(MODELS_DIR, 'manifest.schema.json'), 'utf8'),
    )
    expect(published).toEqual(manifestJsonSchema())
  })
})

describe('fixed-point rounding used by the tests', () => {
  it('rounds exact ties to even and everything else to nearest', () => {
    expect([0.5, 1.5, 2.5, -1.5, -0.5, 0.49, 0.51].map((x) => quantise(x, 1))).toEqual([
      0, 2, 2, -2, 0, 0, 1,
    ])
    expect(quantise(Math.fround(0.8669329), 10000)).toBe(8669)
  })
})
