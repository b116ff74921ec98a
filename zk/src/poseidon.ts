/**
 * Poseidon over BN254 exactly as circomlib 2.0.5's `poseidon.circom` computes it (the optimised
 * PoseidonEx: C, S, M, P constants, 8 full rounds, partial rounds by width), in BigInt arithmetic,
 * so commitments can be computed outside the circuit (dApps, the registry, the tests' mirror).
 * The constants are read from the very circomlib file the circuit includes, so the two cannot drift;
 * the tests also check it against the circuit's own witness and circomlibjs's published vectors.
 */
import { readFileSync } from 'node:fs'

import { FIELD_MODULUS } from './fixed-point'

const P = FIELD_MODULUS
const N_ROUNDS_F = 8
/** Partial rounds by t - 2 (t = inputs + 1), from poseidon.circom. */
const N_ROUNDS_P = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68]
/** The widest Poseidon circomlib offers: 16 inputs (t = 17). */
export const POSEIDON_MAX_INPUTS = 16

interface Constants {
  C: bigint[]
  S: bigint[]
  /** M[row][col] and P[row][col] as written in the circom file. */
  M: bigint[][]
  Pm: bigint[][]
}

let fileText: string | undefined
const cache = new Map<number, Constants>()

function constantsFile(): string {
  fileText ??= readFileSync(require.resolve('circomlib/circuits/poseidon_constants.circom'), 'utf8')
  return fileText
}

/** The hex literals of `function NAME(t)`'s branch for width t, in file order. */
function block(name: string, t: number): bigint[] {
  const text = constantsFile()
  const start = text.indexOf(`function ${name}(t)`)
  if (start < 0) throw new Error(`poseidon constants: no ${name}`)
  const end = text.indexOf('\nfunction ', start + 1)
  const body = text.slice(start, end < 0 ? undefined : end)
  const branch = new RegExp(`if\\s*\\(t\\s*==\\s*${t}\\)\\s*\\{`)
  const m = branch.exec(body)
  if (!m) throw new Error(`poseidon constants: no ${name} for t=${t}`)
  const from = m.index + m[0].length
  const next = body.indexOf('} else', from)
  const part = body.slice(from, next < 0 ? undefined : next)
  return (part.match(/0x[0-9a-fA-F]+/g) ?? []).map((h) => BigInt(h))
}

function matrix(flat: bigint[], t: number): bigint[][] {
  if (flat.length !== t * t)
    throw new Error(`poseidon constants: ${flat.length} entries for t=${t}`)
  return Array.from({ length: t }, (_, r) => flat.slice(r * t, r * t + t))
}

function constantsFor(t: number): Constants {
  let c = cache.get(t)
  if (!c) {
    c = {
      C: block('POSEIDON_C', t),
      S: block('POSEIDON_S', t),
      M: matrix(block('POSEIDON_M', t), t),
      Pm: matrix(block('POSEIDON_P', t), t),
    }
    cache.set(t, c)
  }
  return c
}

const sigma = (x: bigint): bigint => {
  const x2 = (x * x) % P
  const x4 = (x2 * x2) % P
  return (x4 * x) % P
}

/** out[i] = sum_j m[j][i] * s[j], as poseidon.circom's Mix. */
function mix(s: bigint[], m: bigint[][]): bigint[] {
  const t = s.length
  const out = new Array<bigint>(t)
  for (let i = 0; i < t; i++) {
    let acc = 0n
    for (let j = 0; j < t; j++) acc += ((m[j] as bigint[])[i] as bigint) * (s[j] as bigint)
    out[i] = acc % P
  }
  return out
}

function ark(s: bigint[], C: bigint[], r: number): bigint[] {
  return s.map((v, i) => (v + (C[i + r] as bigint)) % P)
}

/** circomlib's Poseidon(n) over field elements (each reduced mod p first). */
export function poseidon(inputs: readonly bigint[]): bigint {
  const n = inputs.length
  if (n < 1 || n > POSEIDON_MAX_INPUTS)
    throw new RangeError(`poseidon takes 1..16 inputs, got ${n}`)
  const t = n + 1
  const nRoundsP = N_ROUNDS_P[t - 2] as number
  const { C, S, M, Pm } = constantsFor(t)
  const half = N_ROUNDS_F / 2
  let s = [0n, ...inputs.map((v) => ((v % P) + P) % P)]
  s = ark(s, C, 0)
  for (let r = 0; r < half - 1; r++) {
    s = ark(s.map(sigma), C, (r + 1) * t)
    s = mix(s, M)
  }
  s = ark(s.map(sigma), C, half * t)
  s = mix(s, Pm)
  for (let r = 0; r < nRoundsP; r++) {
    const x0 = (sigma(s[0] as bigint) + (C[(half + 1) * t + r] as bigint)) % P
    const base = (t * 2 - 1) * r
    let lc = 0n
    lc += (S[base] as bigint) * x0
    for (let i = 1; i < t; i++) lc += (S[base + i] as bigint) * (s[i] as bigint)
    const next = new Array<bigint>(t)
    next[0] = lc % P
    for (let i = 1; i < t; i++) {
      next[i] = ((s[i] as bigint) + x0 * (S[base + t + i - 1] as bigint)) % P
    }
    s = next
  }
  for (let r = 0; r < half - 1; r++) {
    s = ark(s.map(sigma), C, (half + 1) * t + nRoundsP + r * t)
    s = mix(s, M)
  }
  s = s.map(sigma)
  let out = 0n
  for (let j = 0; j < t; j++) out += ((M[j] as bigint[])[0] as bigint) * (s[j] as bigint)
  return out % P
}

/** Elements absorbed per Poseidon call of the chained commitment (one slot carries the chain). */
export const CHAIN_RATE = POSEIDON_MAX_INPUTS - 1

/**
 * The project's commitment to a list of field elements, as the circuit computes it:
 * h = tag; for each chunk of up to 15 elements, h = Poseidon([h, ...chunk]).
 * The list's length is fixed per circuit (the format), so chunking needs no padding.
 */
export function chainCommit(tag: bigint, elements: readonly bigint[]): bigint {
  if (elements.length === 0) throw new RangeError('chainCommit needs at least one element')
  let h = tag
  for (let i = 0; i < elements.length; i += CHAIN_RATE) {
    h = poseidon([h, ...elements.slice(i, i + CHAIN_RATE)])
  }
  return h
}

/** A short ASCII tag (at most 31 bytes) as a field element: its bytes read big-endian. */
export function asciiTag(text: string): bigint {
  const bytes = Buffer.from(text, 'ascii')
  if (bytes.length > 31 || !/^[\x20-\x7e]+$/.test(text)) {
    throw new RangeError(`tag "${text}" must be 1..31 printable ASCII characters`)
  }
  return BigInt(`0x${bytes.toString('hex')}`)
}
