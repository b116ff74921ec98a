import { applyUpdate } from '../../federated/aggregation'
import { fromFixed, ONE } from '../../federated/fixed-point'
import { fixedToMlp, parameterCount, RISK_MLP_LAYOUT } from '../../federated/layout'
import { riskTask } from '../../federated/task'
import {
  checkExactBounds,
  marginsQ16,
  MAX_ABS_FEATURE,
  quantiseValidationSet,
  validationLossQ16,
  validationSetHash,
} from '../../federated/validation'
import { logLoss } from '../../script/models/training/metrics'
import { mlpPredict } from '../../script/models/training/mlp-trainer'
import { generateRiskDataset } from '../../script/models/training/risk-data'

const { task } = riskTask(3, { sizes: { union: 1000, validation: 1500, evaluation: 10 } })

/** The float cross-entropy of the same model on the same (dequantised) rows. */
function floatLoss(values: Int32Array): number {
  const v = task.validation
  const identity = { mean: new Float64Array(v.features), std: new Float64Array(v.features).fill(1) }
  const mlp = fixedToMlp(task.layout, values, identity)
  const x = Float64Array.from(v.x, fromFixed)
  return logLoss(mlpPredict(mlp, x, v.n), 2, v.y)
}

describe('integer validation loss', () => {
  it('matches the float cross-entropy of the same weights within 1e-3', () => {
    const perturbed = applyUpdate(
      task.initialModel,
      Int32Array.from(
        { length: parameterCount(task.layout) },
        (_, j) => ((j * 7919) % 2001) * 40 - 40_000,
      ),
    )
    for (const values of [task.initialModel, perturbed]) {
      const q = validationLossQ16(task.layout, values, task.validation)
      expect(Number.isInteger(q)).toBe(true)
      expect(Math.abs(q / ONE - floatLoss(values))).toBeLessThan(1e-3)
    }
  })

  it('gives margins whose sign is the float model prediction', () => {
    const margins = marginsQ16(task.layout, task.initialModel, task.validation)
    const v = task.validation
    const identity = { mean: new Float64Array(10), std: new Float64Array(10).fill(1) }
    const p = mlpPredict(
      fixedToMlp(task.layout, task.initialModel, identity),
      Float64Array.from(v.x, fromFixed),
      v.n,
    )
    let agree = 0
    margins.forEach((m, i) => {
      if (Math.abs(m) > 64 && m > 0 === (p[2 * i + 1] as number) > 0.5) agree += 1
      else if (Math.abs(m) <= 64) agree += 1
    })
    expect(agree).toBe(v.n)
  })

  it('quantises standardised features to Q16, clamped to +-8 standard deviations', () => {
    const raw = generateRiskDataset(5, 4)
    raw.x[0] = 1e9 // far beyond any feature range
    const mean = new Float64Array(10)
    const std = new Float64Array(10).fill(1)
    const q = quantiseValidationSet(raw, { mean, std })
    expect(q.x[0]).toBe(MAX_ABS_FEATURE)
    expect(q.x[5]).toBe(Math.round((raw.x[5] as number) * ONE))
    expect(() =>
      quantiseValidationSet({ ...raw, y: Uint8Array.of(0, 1, 2, 0) }, { mean, std }),
    ).toThrow(/0 or 1/)
  })

  it('hashes the set so that any changed label or feature changes the hash', () => {
    const h = validationSetHash(task.validation)
    const y = Uint8Array.from(task.validation.y)
    y[10] = 1 - (y[10] as number)
    expect(validationSetHash({ ...task.validation, y })).not.toBe(h)
    const x = Int32Array.from(task.validation.x)
    x[0] = (x[0] as number) + 1
    expect(validationSetHash({ ...task.validation, x })).not.toBe(h)
    expect(validationSetHash(task.validation)).toBe(h)
  })

  it('proves the integer forward pass exact for the risk layout and refuses one that could overflow', () => {
    expect(() => checkExactBounds(RISK_MLP_LAYOUT, 100_000)).not.toThrow()
    expect(() => checkExactBounds({ sizes: [10, 4096, 4096, 2] }, 10)).toThrow(/beyond 2\^53/)
    expect(() => checkExactBounds({ sizes: [10, 16, 3] }, 10)).toThrow(/two classes/)
  })
})
