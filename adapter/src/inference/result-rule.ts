/**
 * Turns one row of quantised outputs into the primary `result` and its label, by the manifest's
 * `outputs.result` rule:
 * - `probability` (index i): result = outputs[i], label = labels[i];
 * - `argmax`: result = the index of the largest quantised output (lowest index on ties), label =
 *   labels[result]. Taking the argmax of the quantised values keeps it deterministic;
 * - `value` (regression): result = outputs[0], label = labels[0].
 */
import type { ManifestOutputs } from '../../../protocol/manifest'

export interface RuleResult {
  result: number
  label: string
}

export function applyResultRule(outputs: ManifestOutputs, row: readonly number[]): RuleResult {
  const rule = outputs.result
  if (rule.kind === 'probability') {
    return { result: row[rule.index] as number, label: outputs.labels[rule.index] as string }
  }
  if (rule.kind === 'value') {
    return { result: row[0] as number, label: outputs.labels[0] as string }
  }
  let best = 0
  for (let i = 1; i < row.length; i++) if ((row[i] as number) > (row[best] as number)) best = i
  return { result: best, label: outputs.labels[best] as string }
}
