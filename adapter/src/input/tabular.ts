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
import { checkInputRef, type InputStore } from './input-store'

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

/**
 * The input provider of tabular models: `data.features`, validated and hashed; or, by reference,
 * `data.inputRef`: the features fetched from the operator's input store, then validated and hashed
 * the same way (the answer names the hash of what was fetched).
 */
export class TabularInputProvider implements InputProvider {
  private readonly validator: TabularValidator

  constructor(
    inputs: TabularInputs,
    private readonly inputStore?: InputStore,
  ) {
    this.validator = compileTabularValidator(inputs)
  }

  prepare(request: InferenceRequest): ModelInput | Promise<ModelInput> {
    if (request.inputRef !== undefined) {
      if (request.features !== undefined) {
        throw new InputError('send either "data.features" or "data.inputRef", not both')
      }
      return this.byReference(checkInputRef(request.inputRef))
    }
    const { row, inputHash } = this.validator.parse(request.features)
    return { inputHash, row: () => row }
  }

  private async byReference(ref: string): Promise<ModelInput> {
    if (this.inputStore === undefined) {
      throw new InputError('"data.inputRef" needs an input store, and this adapter has none')
    }
    const { row, inputHash } = this.validator.parse(await this.inputStore.fetchJson(ref))
    return { inputHash, row: () => row }
  }
}
