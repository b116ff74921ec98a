/**
 * The model manifest: the contract between a model folder (`adapter/models/<id>/`), the adapter that
 * serves it and the on-chain registry that approves it. One zod schema (`ManifestSchema`) is the
 * source of truth; `adapter/models/manifest.schema.json` is generated from it
 * (`manifestJsonSchema()`) and a test keeps the two equal.
 *
 * Hashes, all `0x` + 64 lowercase hex:
 * - `file.sha256`: sha256 of the `model.onnx` bytes (the model hash of docs/protocol.md).
 * - `provenance.hyperparametersHash`: keccak256 of the UTF-8 bytes of the RFC 8785 (JCS) canonical
 *   JSON of `provenance.hyperparameters`.
 * - `provenanceHash`: keccak256 of the UTF-8 bytes of the RFC 8785 (JCS) canonical JSON of the whole
 *   `provenance` object exactly as it appears in manifest.json (keys sorted by UTF-16 code units, no
 *   whitespace, ECMAScript number formatting). This is the value the registry records.
 *
 * - the manifest hash: sha256 of the UTF-8 bytes of the RFC 8785 (JCS) canonical JSON of the whole
 *   manifest.json (`manifestHash`). It fixes everything that decides an answer besides the model
 *   file (inputs, preprocessing, labels, scale, result rule) and, through `file.sha256`, the model
 *   file too; the operator's signature covers it (docs/protocol.md, "Operator signature").
 *
 * `parseManifest` checks the shape, the cross-field rules and both keccak hashes (pure computation);
 * the file hash needs the bytes: `checkModelBytes`.
 */
import { keccak256, toUtf8Bytes } from 'ethers'
import { z } from 'zod'

import { canonicalJson } from './canonical-json'
import { sha256Hex } from './hashes'

const HEX32 = /^0x[0-9a-f]{64}$/
const GIT_OBJECT_ID = /^[0-9a-f]{40}$/
// semver.org's recommended regular expression.
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/
// At most 31 ASCII characters so the id fits an on-chain bytes32 short string (docs/protocol.md).
const MODEL_ID = /^[a-z0-9][a-z0-9._-]{0,30}$/
// CIDv1 in the default multibase of `ipfs add --cid-version=1`: base32 lower case, prefix `b`.
const CID_V1_BASE32 = /^b[a-z2-7]{20,}$/

const positiveInt = z.int().positive({ error: 'expected a positive integer' })
const nonNegativeInt = z.int().nonnegative({ error: 'expected a non-negative integer' })
const hex32 = z.string().regex(HEX32, { error: 'expected 0x followed by 64 lowercase hex digits' })
const nonEmpty = z.string().min(1, { error: 'expected a non-empty string' })
const tensorName = nonEmpty.max(128, { error: 'expected at most 128 characters' })

export const TASKS = [
  'image-classification',
  'tabular-classification',
  'tabular-regression',
] as const
export const TaskSchema = z.enum(TASKS, {
  error: `expected one of ${TASKS.join(', ')}`,
})

export const ModelFileSchema = z.strictObject({
  /** Path of the ONNX file relative to the manifest, e.g. `model.onnx`. */
  path: z
    .string()
    .regex(/^[A-Za-z0-9._-]+\.onnx$/, { error: 'expected a file name ending in .onnx' }),
  /** sha256 of the file bytes: the model hash. */
  sha256: hex32,
  /** CIDv1 as `ipfs add --cid-version=1` computes it (UnixFS, raw leaves, 256 KiB chunks). */
  cid: z.string().regex(CID_V1_BASE32, { error: 'expected a base32 CIDv1 (b...)' }),
})

export const FeatureSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, { error: 'expected snake_case' }),
    type: z.enum(['number', 'integer'], { error: 'expected number or integer' }),
    unit: nonEmpty,
    min: z.number(),
    max: z.number(),
    description: nonEmpty,
  })
  .check((ctx) => {
    if (ctx.value.min > ctx.value.max) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value.max,
        path: ['max'],
        message: 'expected max >= min',
      })
    }
  })

export const TabularInputsSchema = z
  .strictObject({
    kind: z.literal('tabular'),
    /** ONNX input name; a float32 tensor [batch, features.length], columns in `features` order. */
    tensor: tensorName,
    features: z.array(FeatureSchema).min(1, { error: 'expected at least one feature' }),
  })
  .check((ctx) => {
    const seen = new Set<string>()
    ctx.value.features.forEach((f, i) => {
      if (seen.has(f.name)) {
        ctx.issues.push({
          code: 'custom',
          input: f.name,
          path: ['features', i, 'name'],
          message: `duplicate feature name "${f.name}"`,
        })
      }
      seen.add(f.name)
    })
  })

export const SHARP_KERNELS = [
  'nearest',
  'linear',
  'cubic',
  'mitchell',
  'lanczos2',
  'lanczos3',
  'mks2013',
  'mks2021',
] as const

const triple = z.tuple([z.number(), z.number(), z.number()], { error: 'expected 3 numbers' })

export const ImageInputsSchema = z.strictObject({
  kind: z.literal('image'),
  /** ONNX input name; a float32 tensor [batch, channels, height, width]. */
  tensor: tensorName,
  width: positiveInt,
  height: positiveInt,
  channels: z.literal(3, { error: 'expected 3' }),
  channelOrder: z.literal('RGB', { error: 'expected "RGB"' }),
  layout: z.literal('NCHW', { error: 'expected "NCHW"' }),
  /** Per channel, applied after dividing by `pixelScale`: (x / pixelScale - mean[c]) / std[c]. */
  mean: triple,
  std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()], {
    error: 'expected 3 positive numbers',
  }),
  pixelScale: z.number().positive({ error: 'expected a positive number' }),
  /** sharp `resize({ fit })` used to reach width x height. */
  resize: z.enum(['fill', 'cover', 'contain'], { error: 'expected fill, cover or contain' }),
  /** sharp `resize({ kernel })` used to reach width x height. */
  kernel: z.enum(SHARP_KERNELS, { error: `expected one of ${SHARP_KERNELS.join(', ')}` }),
})

export const InputsSchema = z.discriminatedUnion('kind', [TabularInputsSchema, ImageInputsSchema], {
  error: 'expected kind "tabular" or "image"',
})

export const ResultRuleSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('argmax') }),
    z.strictObject({ kind: z.literal('probability'), index: nonNegativeInt }),
    z.strictObject({ kind: z.literal('value') }),
  ],
  { error: 'expected kind "argmax", "probability" or "value"' },
)

export const OutputsSchema = z
  .strictObject({
    /** ONNX output name holding the probabilities (classification) or the value (regression). */
    tensor: tensorName,
    /** One label per output column. */
    labels: z.array(nonEmpty).min(1, { error: 'expected at least one label' }),
    /** Every output float x goes on-chain as round_half_even(x * scale), computed in float64. */
    scale: positiveInt,
    rounding: z.literal('half-even', { error: 'expected "half-even"' }),
    result: ResultRuleSchema,
    /** Optional payout ratio per label in basis points (0..10000), e.g. for claims. */
    payoutRatioBps: z
      .array(z.int().min(0).max(10_000, { error: 'expected an integer in 0..10000' }))
      .optional(),
  })
  .check((ctx) => {
    const { labels, result, payoutRatioBps } = ctx.value
    labels.forEach((label, i) => {
      if (labels.indexOf(label) !== i) {
        ctx.issues.push({
          code: 'custom',
          input: label,
          path: ['labels', i],
          message: `duplicate label "${label}"`,
        })
      }
    })
    if (result.kind === 'probability' && result.index >= labels.length) {
      ctx.issues.push({
        code: 'custom',
        input: result.index,
        path: ['result', 'index'],
        message: `expected an index below labels.length (${labels.length})`,
      })
    }
    if (payoutRatioBps !== undefined && payoutRatioBps.length !== labels.length) {
      ctx.issues.push({
        code: 'custom',
        input: payoutRatioBps,
        path: ['payoutRatioBps'],
        message: `expected one entry per label (${labels.length})`,
      })
    }
  })

const metricValue = z.union([z.number(), z.record(z.string(), z.number())])
const metricsSet = z.record(z.string(), metricValue)

export const ProvenanceSchema = z.strictObject({
  /** Identifies the shape of this object (SLSA's buildType): `onnx-oracle/model-build/v1`. */
  buildType: nonEmpty,
  /** Who built it (SLSA builder.id) and with which version of the builder. */
  builder: z.strictObject({ id: nonEmpty, version: nonEmpty }),
  dataset: z.strictObject({
    name: nonEmpty,
    /** sha256 of `serialisation` applied to the training set. */
    digest: z.strictObject({ sha256: hex32 }),
    /** Exact byte layout that `digest` hashes. */
    serialisation: nonEmpty,
    /** The (seeded) generative process or the source of the data. */
    description: nonEmpty,
    seed: nonNegativeInt.optional(),
    trainSize: positiveInt,
    heldOutSize: nonNegativeInt,
  }),
  trainingCode: z.strictObject({
    /** Repository-relative folder holding the training code. */
    path: nonEmpty,
    /** sha256 over the sorted `files` list (see docs/models.md). */
    digest: z.strictObject({ sha256: hex32 }),
    /** Git tree id of `path`: equals `git rev-parse <commit>:<path>` for any commit that holds it. */
    gitTree: z
      .string()
      .regex(GIT_OBJECT_ID, { error: 'expected 40 lowercase hex digits' })
      .optional(),
    /** Git commit of the training code, when it is not the commit that also holds this manifest. */
    gitCommit: z
      .string()
      .regex(GIT_OBJECT_ID, { error: 'expected 40 lowercase hex digits' })
      .optional(),
    entryPoint: nonEmpty,
  }),
  hyperparameters: z.record(z.string(), z.json()),
  hyperparametersHash: hex32,
  metrics: z.strictObject({ train: metricsSet, heldOut: metricsSet }),
  framework: z.strictObject({
    name: nonEmpty,
    version: nonEmpty,
    onnxIrVersion: positiveInt,
    onnxOpset: positiveInt,
    /** Exact versions of the libraries the build used, e.g. `{ "onnx-proto": "8.0.1" }`. */
    dependencies: z.record(z.string(), nonEmpty),
  }),
})

const BaseManifestSchema = z.strictObject({
  schemaVersion: z.literal(1, { error: 'expected 1' }),
  id: z.string().regex(MODEL_ID, {
    error: 'expected 1-31 characters of [a-z0-9._-], starting with a letter or digit',
  }),
  version: z.string().regex(SEMVER, { error: 'expected a semantic version (e.g. 1.0.0)' }),
  task: TaskSchema,
  license: nonEmpty,
  description: nonEmpty,
  file: ModelFileSchema,
  inputs: InputsSchema,
  outputs: OutputsSchema,
  provenance: ProvenanceSchema,
  provenanceHash: hex32,
})

/** The manifest schema, with the rules that tie fields together (task vs inputs/outputs). */
export const ManifestSchema = BaseManifestSchema.check((ctx) => {
  const m = ctx.value
  const image = m.task === 'image-classification'
  if (image !== (m.inputs.kind === 'image')) {
    ctx.issues.push({
      code: 'custom',
      input: m.inputs.kind,
      path: ['inputs', 'kind'],
      message: `expected "${image ? 'image' : 'tabular'}" for task ${m.task}`,
    })
  }
  const regression = m.task === 'tabular-regression'
  if (regression !== (m.outputs.result.kind === 'value')) {
    ctx.issues.push({
      code: 'custom',
      input: m.outputs.result.kind,
      path: ['outputs', 'result', 'kind'],
      message: regression
        ? `expected "value" for task ${m.task}`
        : `expected "argmax" or "probability" for task ${m.task}`,
    })
  }
  const hyper = hyperparametersHash(m.provenance.hyperparameters)
  if (m.provenance.hyperparametersHash !== hyper) {
    ctx.issues.push({
      code: 'custom',
      input: m.provenance.hyperparametersHash,
      path: ['provenance', 'hyperparametersHash'],
      message: `does not match keccak256 of the canonical hyperparameters (${hyper})`,
    })
  }
  const prov = provenanceHash(m.provenance)
  if (m.provenanceHash !== prov) {
    ctx.issues.push({
      code: 'custom',
      input: m.provenanceHash,
      path: ['provenanceHash'],
      message: `does not match keccak256 of the canonical provenance (${prov})`,
    })
  }
})

export type Manifest = z.infer<typeof BaseManifestSchema>
export type Provenance = Manifest['provenance']
export type ManifestInputs = Manifest['inputs']
export type TabularInputs = z.infer<typeof TabularInputsSchema>
export type ImageInputs = z.infer<typeof ImageInputsSchema>
export type ManifestOutputs = Manifest['outputs']
export type Task = (typeof TASKS)[number]

function formatPath(path: readonly PropertyKey[]): string {
  let out = 'manifest'
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : `.${String(key)}`
  return out
}

/** True when `path` names a key that is absent from the input (its parent exists). */
function isMissing(input: unknown, path: readonly PropertyKey[]): boolean {
  let node: unknown = input
  for (const [i, key] of path.entries()) {
    if (node === null || typeof node !== 'object') return false
    const has = Object.prototype.hasOwnProperty.call(node, key)
    if (i === path.length - 1) return !has
    if (!has) return false
    node = (node as Record<PropertyKey, unknown>)[key]
  }
  return false
}

function formatIssue(issue: z.core.$ZodIssue, input: unknown): string {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => `${formatPath([...issue.path, k])}: unknown field`).join('; ')
  }
  if (issue.path.length > 0 && isMissing(input, issue.path)) {
    return `${formatPath(issue.path)}: missing`
  }
  return `${formatPath(issue.path)}: ${issue.message}`
}

/**
 * Validates a parsed manifest.json. Throws an Error whose message lists every problem, each
 * prefixed with its field path, e.g. `manifest.outputs.scale: expected a positive integer`.
 */
export function parseManifest(json: unknown): Manifest {
  const res = ManifestSchema.safeParse(json)
  if (!res.success) {
    throw new Error(
      `invalid model manifest: ${res.error.issues.map((i) => formatIssue(i, json)).join('; ')}`,
      {
        cause: res.error,
      },
    )
  }
  return res.data
}

/** keccak256 of the UTF-8 bytes of the JCS canonical JSON of `hyperparameters`. */
export function hyperparametersHash(hyperparameters: unknown): string {
  return keccak256(toUtf8Bytes(canonicalJson(hyperparameters)))
}

/** keccak256 of the UTF-8 bytes of the JCS canonical JSON of `provenance`: the on-chain record. */
export function provenanceHash(provenance: unknown): string {
  return keccak256(toUtf8Bytes(canonicalJson(provenance)))
}

/**
 * The manifest hash of a parsed manifest.json (the JSON value as read, before validation): sha256
 * of its JCS canonical JSON, so whitespace and key order in the file do not change it, and the
 * manifest served by `GET /models` hashes to the same value.
 */
export function manifestHash(json: unknown): string {
  return sha256Hex(canonicalJson(json))
}

/** Throws (naming `manifest.file.sha256`) unless `bytes` are the model file the manifest names. */
export function checkModelBytes(manifest: Manifest, bytes: Uint8Array): void {
  const actual = sha256Hex(bytes)
  if (actual !== manifest.file.sha256) {
    throw new Error(
      `invalid model manifest: manifest.file.sha256: expected ${manifest.file.sha256} but ` +
        `${manifest.file.path} hashes to ${actual}`,
    )
  }
}

/** The published JSON Schema (draft 2020-12) of manifest.json, generated from `ManifestSchema`. */
export function manifestJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(BaseManifestSchema, { target: 'draft-2020-12', io: 'input' }),
    title: 'onnx-oracle model manifest',
    description:
      'manifest.json of an onnx-oracle model folder. Cross-field rules and hashes are checked by ' +
      'parseManifest in protocol/manifest.ts.',
  }
}
