/** The manifest's output rule, as the tests apply it. */

/** round_half_even(x * scale) computed in float64 from the float32 value (manifest semantics). */
export function quantise(x: number, scale: number): number {
  const v = x * scale
  const r = Math.round(v)
  // Math.round rounds .5 up; half-even moves exact ties to the even neighbour.
  const q = Math.abs(v - Math.trunc(v)) === 0.5 && r % 2 !== 0 ? r - 1 : r
  return q === 0 ? 0 : q // no -0
}
