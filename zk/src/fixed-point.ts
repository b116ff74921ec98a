/**
 * Fixed-point helpers, exact: a float64 x at `bits` fraction bits is round_half_even(x * 2^bits) as
 * a BigInt. Multiplying by a power of two is exact in binary floating point (no overflow at these
 * sizes), so the only rounding is the final one to an integer.
 */

/** BN254's scalar field: the modulus of every circom signal and Groth16 public input. */
export const FIELD_MODULUS =
  21888242871839275222246405745257275088548364400416034343698204186575808495617n

function roundHalfEven(y: number): number {
  const f = Math.floor(y)
  const d = y - f
  if (d < 0.5) return f
  if (d > 0.5) return f + 1
  return f % 2 === 0 ? f : f + 1
}

/** round_half_even(x * 2^bits) as a BigInt. Throws on NaN or infinities. */
export function toFixed(x: number, bits: number): bigint {
  const y = x * 2 ** bits
  if (!Number.isFinite(y)) throw new RangeError(`${x} has no fixed-point value at ${bits} bits`)
  // From 2^52 up every double is an integer already.
  if (Math.abs(y) >= 2 ** 52) return BigInt(y)
  const r = roundHalfEven(y)
  return BigInt(r === 0 ? 0 : r)
}

/** A fixed-point integer as a float (for error analysis and display). */
export function fromFixed(v: bigint, bits: number): number {
  return Number(v) / 2 ** bits
}

/** The field element of a signed integer: v mod p in [0, p). */
export function toField(v: bigint): bigint {
  const r = v % FIELD_MODULUS
  return r < 0n ? r + FIELD_MODULUS : r
}

/** The signed integer of a field element, reading values above p/2 as negative. */
export function fromField(v: bigint): bigint {
  return v > FIELD_MODULUS / 2n ? v - FIELD_MODULUS : v
}

/** Smallest k >= 1 with -2^k <= lo and hi < 2^k. */
export function signedBits(lo: bigint, hi: bigint): number {
  let k = 1
  while (lo < -(1n << BigInt(k)) || hi >= 1n << BigInt(k)) k++
  return k
}

/** Number of bits of a non-negative integer (0 for 0). */
export function bitLength(v: bigint): number {
  if (v < 0n) throw new RangeError(`bitLength of negative ${v}`)
  return v === 0n ? 0 : v.toString(2).length
}

/** floor(a / 2^k) for any sign of a (BigInt division truncates toward zero). */
export function floorShift(a: bigint, k: number): bigint {
  return a >> BigInt(k)
}
