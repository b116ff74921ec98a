/**
 * The public specification of a task that aggregators need besides the chain's data: the model's
 * shape, the aggregation rule's parameters and the standardisation (for the ONNX export). Its hash,
 * keccak256 of the RFC 8785 canonical JSON, is the training contract's `ruleHash`; the privacy
 * parameters hash the same way into `privacyHash`. An aggregator answers with the hash of the spec
 * it ran, and a DON node accepts the answer only when it equals the task's on-chain `ruleHash`.
 */
import { keccak256, toUtf8Bytes } from 'ethers'

import { canonicalJson } from '../protocol/canonical-json'
import type { AggregationRule } from './aggregation'
import type { MlpLayout } from './layout'
import type { DpParameters } from './privacy'
import type { RiskTask } from './task'

export interface TaskSpec {
  layout: MlpLayout
  rule: AggregationRule
  standardisation: { mean: number[]; std: number[] }
}

export interface PrivacySpec extends DpParameters {
  /** The delta the epsilon is reported at. */
  delta: number
}

/** The spec of a risk task. */
export function taskSpecOf(task: RiskTask): TaskSpec {
  return {
    layout: { sizes: [...task.layout.sizes] },
    rule: task.rule,
    standardisation: {
      mean: Array.from(task.standardisation.mean),
      std: Array.from(task.standardisation.std),
    },
  }
}

/** keccak256 of the canonical JSON of the spec: the contract's `ruleHash`. */
export function taskSpecHash(spec: TaskSpec): string {
  return keccak256(toUtf8Bytes(canonicalJson(spec)))
}

/** keccak256 of the canonical JSON of the privacy parameters: the contract's `privacyHash`. */
export function privacySpecHash(privacy: PrivacySpec): string {
  return keccak256(toUtf8Bytes(canonicalJson(privacy)))
}
