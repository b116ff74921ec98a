/** He (Kaiming) normal initialisation, seeded: the starting weights of both trainers. */
import type { Prng } from './prng'

/** `n` weights drawn from Normal(0, 2 / fanIn), in draw order. */
export function heNormal(rng: Prng, n: number, fanIn: number): Float64Array {
  const w = new Float64Array(n)
  const scale = Math.sqrt(2 / fanIn)
  for (let i = 0; i < n; i++) w[i] = scale * rng.normal()
  return w
}
