/**
 * The Adam optimiser (Kingma & Ba, 2015) with bias correction and L2 weight decay added to the
 * gradient, in float64, shared by the MLP and CNN trainers. Every parameter tensor has its own
 * first and second moment buffers; the arithmetic of one step is fixed here once, so both trainers
 * (and the federated clients that reuse the MLP trainer) update weights identically.
 */

export interface AdamHyperparameters {
  learningRate: number
  beta1: number
  beta2: number
  epsilon: number
}

export class Adam {
  private readonly m1: Float64Array[]
  private readonly m2: Float64Array[]
  private steps = 0

  /**
   * @param params the parameter tensors, updated in place by `step`
   * @param decays the L2 coefficient of each tensor (0 for biases)
   */
  constructor(
    private readonly params: readonly Float64Array[],
    private readonly decays: readonly number[],
    private readonly hp: AdamHyperparameters,
  ) {
    if (decays.length !== params.length) {
      throw new Error(`Adam: ${params.length} parameter tensors but ${decays.length} decays`)
    }
    this.m1 = params.map((p) => new Float64Array(p.length))
    this.m2 = params.map((p) => new Float64Array(p.length))
  }

  /**
   * One step. `grads[i]` holds the loss gradient of tensor i summed over a batch of `batchSize`
   * examples; the step uses its mean plus `decay * p`.
   */
  step(grads: readonly Float64Array[], batchSize: number): void {
    const { hp } = this
    this.steps += 1
    const bc1 = 1 - hp.beta1 ** this.steps
    const bc2 = 1 - hp.beta2 ** this.steps
    this.params.forEach((p, pi) => {
      const g = grads[pi] as Float64Array
      const a = this.m1[pi] as Float64Array
      const v = this.m2[pi] as Float64Array
      const decay = this.decays[pi] as number
      for (let k = 0; k < p.length; k++) {
        const gk = (g[k] as number) / batchSize + decay * (p[k] as number)
        a[k] = hp.beta1 * (a[k] as number) + (1 - hp.beta1) * gk
        v[k] = hp.beta2 * (v[k] as number) + (1 - hp.beta2) * gk * gk
        p[k] =
          (p[k] as number) -
          (hp.learningRate * ((a[k] as number) / bc1)) /
            (Math.sqrt((v[k] as number) / bc2) + hp.epsilon)
      }
    })
  }
}
