/**
 * Procedural, seeded renderer of the synthetic "damaged surface" photos behind damage-v1: a painted
 * panel (palette colour, lighting gradient, specular band, sensor noise, sometimes a panel seam and
 * dirt specks as distractors) with damage whose extent depends on the severity class:
 * - none: no damage;
 * - minor: one short scratch or one small dent;
 * - moderate: two or three longer scratches plus a medium dent or a short crack;
 * - severe: many long scratches and cracks, large dents and patches of exposed primer or rust.
 * Images are 64x64 RGB, returned as uint8 HWC (row-major, R G B per pixel): exactly the bytes a
 * lossless PNG of the image holds, and what sharp's `.raw()` gives back for it.
 */
import { Prng } from './prng'

export const DAMAGE_LABELS = ['none', 'minor', 'moderate', 'severe'] as const
export const IMAGE_SIZE = 64
const N = IMAGE_SIZE

const PALETTE: readonly [number, number, number][] = [
  [196, 32, 36], // red
  [32, 64, 160], // blue
  [188, 190, 196], // silver
  [234, 234, 228], // white
  [40, 42, 46], // black
  [34, 110, 64], // green
  [222, 172, 40], // yellow
  [110, 112, 118], // graphite
]

/** A float RGB canvas, HWC, values nominally 0..255. */
class Canvas {
  readonly px = new Float64Array(N * N * 3)

  /** Blends colour `c` into pixel (x, y) with opacity `a` (0..1). */
  blend(x: number, y: number, c: readonly number[], a: number): void {
    if (x < 0 || y < 0 || x >= N || y >= N || a <= 0) return
    const k = (y * N + x) * 3
    const t = Math.min(1, a)
    for (let ch = 0; ch < 3; ch++) {
      this.px[k + ch] = (this.px[k + ch] as number) * (1 - t) + (c[ch] as number) * t
    }
  }

  /** Multiplies pixel (x, y) by `f` and adds `d`. */
  shade(x: number, y: number, f: number, d: number): void {
    if (x < 0 || y < 0 || x >= N || y >= N) return
    const k = (y * N + x) * 3
    for (let ch = 0; ch < 3; ch++) this.px[k + ch] = (this.px[k + ch] as number) * f + d
  }

  toUint8(): Uint8Array {
    const out = new Uint8Array(this.px.length)
    for (let i = 0; i < out.length; i++) {
      out[i] = Math.min(255, Math.max(0, Math.round(this.px[i] as number)))
    }
    return out
  }
}

function distanceToSegment(
  px: number,
  py: number,
  ax: number,
  ay: number,
  bx: number,
  by: number,
): number {
  const vx = bx - ax
  const vy = by - ay
  const len2 = vx * vx + vy * vy
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * vx + (py - ay) * vy) / len2))
  const dx = px - (ax + t * vx)
  const dy = py - (ay + t * vy)
  return Math.sqrt(dx * dx + dy * dy)
}

/** An anti-aliased line of width `w` from (ax, ay) to (bx, by). */
function drawLine(
  cv: Canvas,
  ax: number,
  ay: number,
  bx: number,
  by: number,
  w: number,
  color: readonly number[],
  opacity: number,
): void {
  const x0 = Math.floor(Math.min(ax, bx) - w - 1)
  const x1 = Math.ceil(Math.max(ax, bx) + w + 1)
  const y0 = Math.floor(Math.min(ay, by) - w - 1)
  const y1 = Math.ceil(Math.max(ay, by) + w + 1)
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const d = distanceToSegment(x + 0.5, y + 0.5, ax, ay, bx, by)
      cv.blend(x, y, color, opacity * Math.max(0, Math.min(1, w / 2 + 0.5 - d)))
    }
  }
}

function paintSurface(cv: Canvas, rng: Prng): void {
  const base = PALETTE[rng.int(0, PALETTE.length - 1)] as [number, number, number]
  const tint = base.map((v) => v + rng.range(-12, 12))
  const angle = rng.range(0, 2 * Math.PI)
  const gx = Math.cos(angle)
  const gy = Math.sin(angle)
  const lo = rng.range(0.72, 0.9)
  const hi = rng.range(1.0, 1.15)
  const bandAngle = rng.range(0, 2 * Math.PI)
  const bx = Math.cos(bandAngle)
  const by = Math.sin(bandAngle)
  const bandPos = rng.range(-20, 20)
  const bandWidth = rng.range(4, 12)
  const bandStrength = rng.range(0, 70)
  for (let y = 0; y < N; y++) {
    for (let x = 0; x < N; x++) {
      const u = ((x - N / 2) * gx + (y - N / 2) * gy) / N + 0.5 // 0..1 along the gradient
      const light = lo + (hi - lo) * Math.max(0, Math.min(1, u))
      const b = ((x - N / 2) * bx + (y - N / 2) * by - bandPos) / bandWidth
      const spec = bandStrength * Math.exp(-b * b)
      const k = (y * N + x) * 3
      for (let ch = 0; ch < 3; ch++) {
        // Sensor noise: a sum of three uniforms, scaled to standard deviation 3 (cheaper than Box-Muller).
        const noise = 6 * (rng.uniform() + rng.uniform() + rng.uniform() - 1.5)
        cv.px[k + ch] = (tint[ch] as number) * light + spec + noise
      }
    }
  }
}

function drawDistractors(cv: Canvas, rng: Prng): void {
  if (rng.bernoulli(0.3)) {
    // A panel seam: a long straight dark line right across the image.
    const vertical = rng.bernoulli(0.5)
    const p = rng.range(8, N - 8)
    const tilt = rng.range(-6, 6)
    if (vertical) drawLine(cv, p, -2, p + tilt, N + 2, 1, [20, 20, 22], 0.55)
    else drawLine(cv, -2, p, N + 2, p + tilt, 1, [20, 20, 22], 0.55)
  }
  const specks = rng.bernoulli(0.3) ? rng.int(1, 2) : 0
  for (let i = 0; i < specks; i++) {
    cv.blend(rng.int(0, N - 1), rng.int(0, N - 1), [70, 60, 50], rng.range(0.2, 0.4))
  }
}

function drawScratch(cv: Canvas, rng: Prng, minLen: number, maxLen: number): void {
  const len = rng.range(minLen, maxLen)
  const a = rng.range(0, Math.PI)
  const cx = rng.range(8, N - 8)
  const cy = rng.range(8, N - 8)
  const dx = (Math.cos(a) * len) / 2
  const dy = (Math.sin(a) * len) / 2
  const bright = rng.bernoulli(0.75)
  const color = bright ? [236, 236, 232] : [64, 64, 68]
  drawLine(cv, cx - dx, cy - dy, cx + dx, cy + dy, rng.range(0.8, 1.8), color, rng.range(0.7, 0.95))
}

function drawDent(cv: Canvas, rng: Prng, minR: number, maxR: number): void {
  const r = rng.range(minR, maxR)
  const cx = rng.range(r / 2, N - r / 2)
  const cy = rng.range(r / 2, N - r / 2)
  const squash = rng.range(0.7, 1)
  const la = rng.range(0, 2 * Math.PI) // light direction
  const lx = Math.cos(la)
  const ly = Math.sin(la)
  const depth = rng.range(0.45, 0.7)
  for (let y = Math.floor(cy - r * 1.6); y <= Math.ceil(cy + r * 1.6); y++) {
    for (let x = Math.floor(cx - r * 1.6); x <= Math.ceil(cx + r * 1.6); x++) {
      const ux = (x - cx) / r
      const uy = (y - cy) / (r * squash)
      const d2 = ux * ux + uy * uy
      const g = Math.exp(-d2 * 1.5)
      // Slope of the bowl along the light: one side darker, the other brighter.
      const slope = (ux * lx + uy * ly) * g
      cv.shade(x, y, 1 - depth * 0.5 * g + depth * slope, 0)
    }
  }
}

function drawCrack(cv: Canvas, rng: Prng, steps: number): void {
  let x = rng.range(6, N - 6)
  let y = rng.range(6, N - 6)
  let a = rng.range(0, 2 * Math.PI)
  for (let s = 0; s < steps; s++) {
    a += rng.range(-0.6, 0.6)
    const len = rng.range(2, 3.5)
    const nx = x + Math.cos(a) * len
    const ny = y + Math.sin(a) * len
    drawLine(cv, x, y, nx, ny, rng.range(0.7, 1.3), [18, 16, 14], 0.9)
    if (rng.bernoulli(0.12)) {
      // A short branch.
      const ba = a + (rng.bernoulli(0.5) ? 1 : -1) * rng.range(0.5, 1.2)
      const bl = rng.range(3, 8)
      drawLine(cv, nx, ny, nx + Math.cos(ba) * bl, ny + Math.sin(ba) * bl, 0.8, [18, 16, 14], 0.8)
    }
    x = nx
    y = ny
    if (x < 0 || y < 0 || x >= N || y >= N) break
  }
}

function drawExposedPatch(cv: Canvas, rng: Prng): void {
  const rust = rng.bernoulli(0.5)
  const color = rust ? [142, 72, 34] : [128, 128, 122]
  const cx = rng.range(10, N - 10)
  const cy = rng.range(10, N - 10)
  const r = rng.range(5, 11)
  const lobes = [0, 1, 2].map(() => ({
    x: cx + rng.range(-r, r) * 0.6,
    y: cy + rng.range(-r, r) * 0.6,
    r: r * rng.range(0.5, 0.9),
  }))
  for (let y = Math.floor(cy - 2 * r); y <= Math.ceil(cy + 2 * r); y++) {
    for (let x = Math.floor(cx - 2 * r); x <= Math.ceil(cx + 2 * r); x++) {
      let inside = 0
      for (const l of lobes) {
        const d = Math.sqrt((x - l.x) ** 2 + (y - l.y) ** 2)
        inside = Math.max(inside, Math.min(1, l.r - d + 0.5))
      }
      if (inside > 0) {
        const noisy = color.map((v) => v + 10 * rng.normal())
        cv.blend(x, y, noisy, inside * 0.95)
      }
    }
  }
}

function drawDamage(cv: Canvas, rng: Prng, severity: number): void {
  switch (severity) {
    case 0:
      return
    case 1:
      if (rng.bernoulli(0.5)) drawScratch(cv, rng, 9, 16)
      else drawDent(cv, rng, 4, 6)
      return
    case 2: {
      for (let i = rng.int(2, 3); i > 0; i--) drawScratch(cv, rng, 14, 24)
      if (rng.bernoulli(0.5)) drawDent(cv, rng, 7, 10)
      else drawCrack(cv, rng, rng.int(6, 9))
      return
    }
    default: {
      for (let i = rng.int(1, 2); i > 0; i--) drawDent(cv, rng, 10, 16)
      for (let i = rng.int(1, 3); i > 0; i--) drawCrack(cv, rng, rng.int(10, 16))
      for (let i = rng.int(2, 5); i > 0; i--) drawScratch(cv, rng, 20, 40)
      for (let i = rng.int(1, 2); i > 0; i--) drawExposedPatch(cv, rng)
    }
  }
}

/** Renders one 64x64 image of the given severity class; uint8 RGB, HWC. */
export function renderDamageImage(rng: Prng, severity: number): Uint8Array {
  const cv = new Canvas()
  paintSurface(cv, rng)
  drawDistractors(cv, rng)
  drawDamage(cv, rng, severity)
  return cv.toUint8()
}

export interface ImageDataset {
  /** n images of IMAGE_SIZE x IMAGE_SIZE x 3 uint8, HWC, concatenated. */
  pixels: Uint8Array
  labels: Uint8Array
  n: number
}

/** `perClass` images of each class, classes interleaved (0, 1, 2, 3, 0, 1, ...). */
export function generateDamageDataset(seed: number, perClass: number): ImageDataset {
  const rng = new Prng(seed)
  const classes = DAMAGE_LABELS.length
  const n = perClass * classes
  const size = N * N * 3
  const pixels = new Uint8Array(n * size)
  const labels = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    const severity = i % classes
    labels[i] = severity
    pixels.set(renderDamageImage(rng, severity), i * size)
  }
  return { pixels, labels, n }
}

export const IMAGE_SERIALISATION =
  'for each example in order: its 64x64x3 uint8 RGB pixels, row-major HWC, then its class index ' +
  'as one byte; sha256 over the concatenation'
