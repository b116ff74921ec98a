import { craftSybilUpdate, flipLabels, scaledSignFlip } from '../../federated/attacks'
import { partitionByRegion, partitionStats, REGION_FEATURE } from '../../federated/partitions'
import { l2Norm } from '../../federated/privacy'
import { generateRiskDataset } from '../../script/models/training/risk-data'

describe('non-IID partitions by region', () => {
  const union = generateRiskDataset(42, 5_000)
  const parts = partitionByRegion(union, 10)

  it('gives client k exactly the rows with region risk in [k/10, (k+1)/10)', () => {
    expect(parts).toHaveLength(10)
    expect(parts.reduce((n, p) => n + p.n, 0)).toBe(union.n)
    parts.forEach((p, k) => {
      for (let i = 0; i < p.n; i++) {
        const region = p.x[i * p.features + REGION_FEATURE] as number
        expect(region).toBeGreaterThanOrEqual(k / 10)
        if (k < 9) expect(region).toBeLessThan((k + 1) / 10)
      }
    })
  })

  it('is not identically distributed: the loss rate rises from the safest to the riskiest region', () => {
    const rates = partitionStats(parts).map((s) => s.lossRate)
    expect(rates[9] as number).toBeGreaterThan((rates[0] as number) + 0.1)
  })
})

describe('attacks', () => {
  it('flips every label and nothing else', () => {
    const ds = generateRiskDataset(1, 50)
    const flipped = flipLabels(ds)
    flipped.y.forEach((y, i) => expect(y).toBe(1 - (ds.y[i] as number)))
    expect(flipped.x).toBe(ds.x)
  })

  it('sign-flips and scales an update, staying under a norm bound when asked', () => {
    const u = Float64Array.of(3, 4)
    expect(Array.from(scaledSignFlip(u, 2))).toEqual([-6, -8])
    const capped = scaledSignFlip(u, 10, 7)
    expect(l2Norm(capped)).toBeCloseTo(7, 12)
    expect((capped[0] as number) / (capped[1] as number)).toBeCloseTo(0.75, 12)
  })

  it('crafts the negated update at a chosen norm for every Sybil identity', () => {
    const crafted = craftSybilUpdate(Float64Array.of(1, 0, 0), 5)
    expect(Array.from(crafted, (v) => v + 0)).toEqual([-5, 0, 0]) // + 0 turns -0 into 0
    expect(Array.from(craftSybilUpdate(new Float64Array(2), 5))).toEqual([0, 0])
  })
})
