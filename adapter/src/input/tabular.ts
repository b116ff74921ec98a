/**
 * Tabular input: validates `features` against the manifest (names, types, ranges; unknown and
 * missing features rejected with a message naming the feature), lays the values out in the
 * manifest's column order, and computes the input hash of docs/protocol.md: sha256 of the RFC 8785
 * (JCS) canonical JSON of the features object. One compiled validator per model, built at load:
 * the tabular models' input provider.
 */
import { z } from 'zod'

import { sha256Hex } from '../../../protocol/hashes'
import { featureCanonicaliser } from '../../../protocol/input-hash'
import type { TabularInputs } from '../../../protocol/manifest'
import { InputError } from '../errors'
import type { InferenceRequest } from '../inference/request'
import type { InputProvider, ModelInput } from './input-provider'

export interface TabularInput {
  row: Float32Array
  /** `0x` + sha256 of the canonical JSON of the features. */
  inputHash: string
  canonical: string
}

export interface TabularValidator {
  parse(features: unknown): TabularInput
}

function featureSchema(f: TabularInputs['features'][number]) {
  const range = (iss: { input?: unknown }): string =>
    `feature "${f.name}" must be between ${f.min} and ${f.max} (got ${String(iss.input)})`
  let s = z.number({
    error: (iss) =>
      iss.input === undefined
        ? `feature "${f.name}" is missing`
        : `feature "${f.name}" must be a number`,
  })
  if (f.type === 'integer') {
    s = s.int({
      error: (iss) => `feature "${f.name}" must be an integer (got ${String(iss.input)})`,
    })
  }
  return s.min(f.min, { error: range }).max(f.max, { error: range })
}

/**
 * Builds the validator of one tabular model. After validation the object holds exactly the
 * manifest's features, all finite numbers: the canonical JSON comes from the protocol's compiled
 * feature canonicaliser.
 */
export function compileTabularValidator(inputs: TabularInputs): TabularValidator {
  const shape: Record<string, z.ZodNumber> = {}
  for (const f of inputs.features) shape[f.name] = featureSchema(f)
  const schema = z.strictObject(shape, {
    error: (iss) => {
      if (iss.code === 'unrecognized_keys') {
        return `unknown feature${iss.keys.length > 1 ? 's' : ''} ${iss.keys.map((k) => `"${k}"`).join(', ')}`
      }
      if (iss.code === 'invalid_type') return '"features" must be an object of numbers'
      return undefined
    },
  })
  const names = inputs.features.map((f) => f.name)
  const canonicalise = featureCanonicaliser(names)
  const width = names.length
  return {
    parse(features: unknown): TabularInput {
      if (features === undefined) throw new InputError('"data.features" is required for this model')
      const res = schema.safeParse(features)
      if (!res.success) {
        throw new InputError(res.error.issues[0]?.message ?? 'invalid features', {
          cause: res.error,
        })
      }
      const values = res.data
      const row = new Float32Array(width)
      for (let i = 0; i < width; i++) row[i] = values[names[i] as string] as number
      const canonical = canonicalise(values)
      return { row, inputHash: sha256Hex(canonical), canonical }
    },
  }
}

/** The input provider of tabular models: `data.features`, validated and hashed. */
export class TabularInputProvider implements InputProvider {
  private readonly validator: TabularValidator

  constructor(inputs: TabularInputs) {
    this.validator = compileTabularValidator(inputs)
  }

  prepare(request: InferenceRequest): ModelInput {
    const { row, inputHash } = this.validator.parse(request.features)
    return { inputHash, row: () => row }
  }
}
