/**
 * The shared InferenceResult vectors (result-layout.json), typed: read by the protocol, source and
 * contract tests (the forge test reads the JSON itself).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import type { InferenceResult } from '../../protocol/inference-result'

export interface ResultLayoutVector {
  name: string
  /** Decimal. */
  result: string
  modelHash: string
  inputHash: string
  responded: number
  agreed: number
  /** Decimal. */
  observedAt: string
  /** 0x-hex of the 192 bytes. */
  encoded: string
}

export const RESULT_LAYOUT_VECTORS = JSON.parse(
  readFileSync(join(__dirname, 'result-layout.json'), 'utf8'),
) as ResultLayoutVector[]

/** The vector's fields with the integers as bigints, as the codecs take them. */
export function vectorFields(v: ResultLayoutVector): InferenceResult {
  const { result, modelHash, inputHash, responded, agreed, observedAt } = v
  return {
    result: BigInt(result),
    modelHash,
    inputHash,
    responded,
    agreed,
    observedAt: BigInt(observedAt),
  }
}
