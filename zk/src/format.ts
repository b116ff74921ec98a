/**
 * The zk format of a model: everything the circuit's arithmetic depends on (fixed-point fraction
 * bits, feature encodings and ranges, layer shapes and accumulator widths, the head), the weights
 * commitment, and the error bounds. Kept as `zk/circuits/<id>/format.json` (to move into the
 * manifest schema later; the model folder holds only what `models:build` writes). Big integers are decimal strings.
 *
 * `formatHash` = sha256 of the RFC 8785 canonical JSON of `circuit`, reduced to 248 bits: the first
 * element absorbed by the weights commitment, so one commitment names both the weights and how the
 * circuit reads them (the same integers under other fraction bits are another model).
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'

import canonicalize from 'canonicalize'
import { z } from 'zod'

import { ArtifactError } from './errors'

export const FORMAT_SCHEMA = 'onnx-oracle/zk-format/v1'
export const FORMAT_FILE = 'format.json'
/** Public signals of every generated circuit, in this order. */
export const PUBLIC_SIGNALS = ['result', 'inputCommitment', 'weightsCommitment'] as const

const decimal = z.string().regex(/^-?(0|[1-9]\d*)$/, { error: 'expected a decimal integer string' })
const fieldElement = z.string().regex(/^(0|[1-9]\d*)$/, { error: 'expected a field element' })
const bits = z.int().min(1).max(200)

export const FixedPointSchema = z.strictObject({
  /** Fraction bits of `number` features: encoded as round_half_even(float32(x) * 2^inputBits). */
  inputBits: bits,
  /** Fraction bits of the weights: round_half_even(w * 2^weightBits). */
  weightBits: bits,
  /** Fraction bits of hidden activations (after each ReLU, rescaled with round-half-up). */
  activationBits: bits,
  /** Extra bits above the widest value these weights reach, so retrained weights fit the circuit. */
  headroomBits: z.int().min(0).max(32),
})

export const FeatureFormatSchema = z.strictObject({
  name: z.string(),
  /** `integer`: committed as the integer itself; `fixed`: as round_half_even(float32(x) * 2^inputBits). */
  encoding: z.enum(['integer', 'fixed']),
  /** Encoded range the circuit enforces (the manifest's min..max). */
  min: decimal,
  max: decimal,
})

export const LayerFormatSchema = z.strictObject({
  inputs: z.int().positive(),
  outputs: z.int().positive(),
  activation: z.enum(['relu', 'none']),
  /** Fraction bits of the accumulator (input fraction bits + weightBits). */
  accumulatorFractionBits: bits,
  /** Hidden layers: |accumulator + rounding offset| < 2^accumulatorBits for every valid input. */
  accumulatorBits: z.int().min(1).max(250),
})

export const HeadFormatSchema = z.strictObject({
  kind: z.literal('binary-probability'),
  source: z.enum(['softmax', 'sigmoid']),
  positive: z.int().nonnegative(),
  negative: z.int().nonnegative().nullable(),
  /** The manifest's output scale: result = the probability in units of 1/scale. */
  scale: z.int().positive().max(1_000_000),
  /** |d| < 2^logitBits for the logit difference d (at the last accumulator's fraction bits). */
  logitBits: z.int().min(1).max(240),
})

export const WEIGHT_MODES = ['constant', 'private'] as const

export const CircuitFormatSchema = z.strictObject({
  fixedPoint: FixedPointSchema,
  features: z.array(FeatureFormatSchema).min(1),
  layers: z.array(LayerFormatSchema).min(1),
  head: HeadFormatSchema,
  commitments: z.strictObject({
    /** Tag (first chained element) of the input commitment. */
    inputTag: fieldElement,
    /** Tag of the weights commitment. */
    weightsTag: fieldElement,
  }),
})

export const ZkFormatSchema = z.strictObject({
  schema: z.literal(FORMAT_SCHEMA),
  /** The ONNX file this format was generated from. */
  model: z.strictObject({ id: z.string(), version: z.string(), sha256: z.string() }),
  /**
   * `constant`: the weights are constants of the circuit (one circuit and one setup per weight
   * set; the weights commitment is a constant output). `private`: the weights are private inputs
   * hashed inside the circuit (one circuit and setup per architecture and format, ~4x the
   * constraints). Outside `circuit` on purpose: the weights commitment is the same in both modes.
   */
  weights: z.enum(WEIGHT_MODES),
  circuit: CircuitFormatSchema,
  formatHash: fieldElement,
  weightsCommitment: fieldElement,
  publicSignals: z.tuple([
    z.literal('result'),
    z.literal('inputCommitment'),
    z.literal('weightsCommitment'),
  ]),
  bounds: z.strictObject({
    /** Worst case |d_circuit - d_exact| over valid inputs, d_exact the float64 lowered network. */
    maxLogitError: z.number().nonnegative(),
    /** The same in result units: maxLogitError * scale / 4 (sigmoid's slope is at most 1/4). */
    maxResultError: z.number().nonnegative(),
  }),
})

export type FixedPoint = z.infer<typeof FixedPointSchema>
export type WeightMode = (typeof WEIGHT_MODES)[number]
export type CircuitFormat = z.infer<typeof CircuitFormatSchema>
export type ZkFormat = z.infer<typeof ZkFormatSchema>

/** sha256(JCS(circuit)) truncated to its top 248 bits, as a field element. */
export function formatHashOf(circuit: CircuitFormat): bigint {
  const text = canonicalize(circuit)
  if (text === undefined) throw new Error('circuit format cannot be canonicalised')
  const digest = createHash('sha256').update(text, 'utf8').digest('hex')
  return BigInt(`0x${digest.slice(0, 62)}`)
}

export function parseFormat(json: unknown, where = FORMAT_FILE): ZkFormat {
  const res = ZkFormatSchema.safeParse(json)
  if (!res.success) {
    const issue = res.error.issues[0]
    throw new ArtifactError(
      `${where}: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`,
      { cause: res.error },
    )
  }
  const format = res.data
  const expected = formatHashOf(format.circuit).toString()
  if (format.formatHash !== expected) {
    throw new ArtifactError(
      `${where}: formatHash is ${format.formatHash}, circuit hashes to ${expected}`,
    )
  }
  return format
}

export function readFormat(path: string): ZkFormat {
  let json: unknown
  try {
    json = JSON.parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new ArtifactError(`${path}: cannot read the zk format (run \`npm run zk -- generate\`)`, {
      cause: err,
    })
  }
  return parseFormat(json, path)
}

/** The file text: two-space JSON and a final newline (what `generate` writes and checks). */
export function formatText(format: ZkFormat): string {
  return `${JSON.stringify(format, null, 2)}\n`
}
