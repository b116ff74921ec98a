import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

import { Adam } from '../../script/models/training/adam'
import { heNormal } from '../../script/models/training/he-init'
import { trainMinibatches } from '../../script/models/training/minibatch'
import { Prng } from '../../script/models/training/prng'
import { softmaxInPlace } from '../../script/models/training/softmax'
import { REPO_ROOT } from '../../script/local/repo-root'

const HP = { learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }

describe('Adam', () => {
  it('moves each weight by about the learning rate against the sign of its first gradient', () => {
    const w = Float64Array.of(1, -2, 0.5)
    const adam = new Adam([w], [0], HP)
    // Summed over a batch of 4: mean gradients 0.5, -0.25, 0.
    adam.step([Float64Array.of(2, -1, 0)], 4)
    // First step, bias-corrected: m = g, v = g^2, so the step is lr * g / (|g| + eps).
    expect(w[0]).toBeCloseTo(1 - 0.1, 6)
    expect(w[1]).toBeCloseTo(-2 + 0.1, 6)
    expect(w[2]).toBe(0.5)
  })

  it('adds L2 decay to the gradient of decayed tensors only', () => {
    const w = Float64Array.of(2)
    const b = Float64Array.of(2)
    const adam = new Adam([w, b], [0.5, 0], HP)
    adam.step([Float64Array.of(0), Float64Array.of(0)], 1)
    expect(w[0]).toBeCloseTo(2 - 0.1, 6) // gradient 0 + 0.5 * 2 = 1
    expect(b[0]).toBe(2)
  })

  it('refuses a decay list that does not match the tensors', () => {
    expect(() => new Adam([new Float64Array(1)], [], HP)).toThrow(/1 parameter tensors but 0/)
  })
})

describe('trainMinibatches', () => {
  it('visits every example once an epoch, in batches, in a seeded order', () => {
    const run = (seed: number): number[][] => {
      const batches: number[][] = []
      const p = { values: new Float64Array(1), decayed: false }
      const hp = { ...HP, epochs: 2, batchSize: 4, l2: 0 }
      trainMinibatches([p], 10, hp, new Prng(seed), (i, grads) => {
        const g = grads[0] as Float64Array
        // The gradients are zeroed before each batch: 0 here means a new batch starts.
        if (g[0] === 0) batches.push([])
        ;(batches[batches.length - 1] as number[]).push(i)
        g[0] = (g[0] as number) + 1
      })
      return batches
    }
    const a = run(5)
    expect(a.map((b) => b.length)).toEqual([4, 4, 2, 4, 4, 2])
    const sorted = (xs: number[]): number[] => [...xs].sort((x, y) => x - y)
    expect(sorted(a.slice(0, 3).flat())).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(sorted(a.slice(3).flat())).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(run(5)).toEqual(a)
    expect(run(6)).not.toEqual(a)
  })
})

describe('softmax and He initialisation', () => {
  it('gives probabilities that sum to 1 and ignore a shift of the logits', () => {
    const p = softmaxInPlace(Float64Array.of(1, 2, 3))
    const q = softmaxInPlace(Float64Array.of(1001, 1002, 1003))
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12)
    p.forEach((v, i) => expect(v).toBeCloseTo(q[i] as number, 12))
    expect(p[2]).toBeGreaterThan(p[1] as number)
  })

  it('draws weights with variance 2 / fanIn', () => {
    const w = heNormal(new Prng(1), 20_000, 8)
    const variance = w.reduce((a, v) => a + v * v, 0) / w.length
    expect(variance).toBeGreaterThan(0.25 * 0.95)
    expect(variance).toBeLessThan(0.25 * 1.05)
  })
})

describe('training-code boundary', () => {
  it('keeps script/models/training free of imports from the tools and the manifest schema', () => {
    const dir = join(REPO_ROOT, 'script', 'models', 'training')
    for (const name of readdirSync(dir)) {
      const text = readFileSync(join(dir, name), 'utf8')
      const imports = [...text.matchAll(/from '([^']+)'/g)].map((m) => m[1] as string)
      for (const spec of imports) {
        // Only siblings, node built-ins and the ONNX protobuf library.
        expect([name, spec]).toEqual([
          name,
          expect.stringMatching(/^(\.\/[a-z0-9-]+|node:[a-z]+|onnx-proto)$/),
        ])
      }
    }
  })
})
