/**
 * A round's aggregation input as a JSON file, so another process (node or bun) can run the same
 * aggregation from exactly the same bytes: the determinism tests write it, aggregate-file.ts reads it.
 */
import type { AggregationRule, RoundInput } from '../../../federated/aggregation'

export interface RoundFile {
  taskId: string
  round: number
  sizes: number[]
  base: number[]
  submissions: { participant: string; revealedHash: string; bytes: string }[]
  validation: { n: number; features: number; x: number[]; y: number[] }
  rule: AggregationRule
}

export function toRoundFile(input: RoundInput): RoundFile {
  return {
    taskId: input.taskId,
    round: input.round,
    sizes: [...input.layout.sizes],
    base: Array.from(input.base),
    submissions: input.submissions.map((s) => ({
      participant: s.participant,
      revealedHash: s.revealedHash,
      bytes: Buffer.from(s.bytes).toString('hex'),
    })),
    validation: {
      n: input.validation.n,
      features: input.validation.features,
      x: Array.from(input.validation.x),
      y: Array.from(input.validation.y),
    },
    rule: input.rule,
  }
}

export function fromRoundFile(file: RoundFile): RoundInput {
  return {
    taskId: file.taskId,
    round: file.round,
    layout: { sizes: file.sizes },
    base: Int32Array.from(file.base),
    submissions: file.submissions.map((s) => ({
      participant: s.participant,
      revealedHash: s.revealedHash,
      bytes: Uint8Array.from(Buffer.from(s.bytes, 'hex')),
    })),
    validation: {
      n: file.validation.n,
      features: file.validation.features,
      x: Int32Array.from(file.validation.x),
      y: Uint8Array.from(file.validation.y),
    },
    rule: file.rule,
  }
}

/** What a process reports of its aggregation: the report bytes and the new model's bytes. */
export interface AggregationOutput {
  report: string
  reportHash: string
  model: string
  aggregateHash: string
}
