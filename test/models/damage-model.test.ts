/**
 * @jest-environment ./test/models/ort-test-environment.js
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import sharp from 'sharp'

import { sha256Hex } from '../../protocol/hashes'
import type { ImageInputs } from '../../protocol/manifest'
import { imageToChw } from '../../script/models/training/damage-data'
import { renderDamageImage } from '../../script/models/training/damage-render'
import { argmax } from '../../script/models/training/metrics'
import { Prng } from '../../script/models/training/prng'
import { decodeRgb, toTensor } from './image-preprocess'
import { committedModel, expectDeterministic, runFloat, sessionForSuite } from './ort-session'
import { damageReference } from './reference-forward'

const { dir: DIR, manifest, onnx } = committedModel('damage-v1')
const samples = (
  JSON.parse(readFileSync(join(DIR, 'samples', 'samples.json'), 'utf8')) as {
    samples: { file: string; format: string; label: string; classIndex: number; sha256: string }[]
  }
).samples

function imageInputs(): ImageInputs {
  if (manifest.inputs.kind !== 'image') throw new Error('damage-v1 must be an image model')
  return manifest.inputs
}

async function sampleTensors(): Promise<Float32Array[]> {
  return Promise.all(
    samples.map(async (s) =>
      toTensor(
        await decodeRgb(readFileSync(join(DIR, 'samples', s.file)), imageInputs()),
        imageInputs(),
      ),
    ),
  )
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

describe('damage-v1', () => {
  const session = sessionForSuite('damage-v1')
  /** The sample tensors and their probabilities, run as one batch. */
  const runSamples = async () => {
    const tensors = await sampleTensors()
    const out = await runFloat(session(), 'image', 'probabilities', concat(tensors), [
      tensors.length,
      3,
      64,
      64,
    ])
    return { tensors, out }
  }

  it('is an IR 8 / opset 13 float32 NCHW model with a dynamic batch dimension', () => {
    const inputs = imageInputs()
    expect(onnx.irVersion).toBe(8)
    expect(onnx.opset).toBe(13)
    expect(onnx.inputs).toEqual([
      { name: inputs.tensor, dims: ['batch', 3, inputs.height, inputs.width] },
    ])
    expect(onnx.outputs).toEqual([{ name: manifest.outputs.tensor, dims: ['batch', 4] }])
    expect(manifest.outputs.labels).toEqual(['none', 'minor', 'moderate', 'severe'])
    expect(manifest.outputs.payoutRatioBps).toEqual([0, 2500, 6000, 10000])
  })

  it('decodes a 64x64 PNG of a render to exactly the training tensor', async () => {
    const inputs = imageInputs()
    for (const severity of [0, 3]) {
      const raw = renderDamageImage(new Prng(4242 + severity), severity)
      const png = await sharp(raw, { raw: { width: 64, height: 64, channels: 3 } })
        .png()
        .toBuffer()
      const decoded = await decodeRgb(png, inputs)
      expect(Buffer.compare(decoded, Buffer.from(raw))).toBe(0)
      // The training tensor (float64) rounded to float32 is what the adapter feeds ORT.
      expect(Array.from(toTensor(decoded, inputs))).toEqual(
        Array.from(Float32Array.from(imageToChw(raw))),
      )
    }
  })

  it('ships the listed sample files with their hashes', () => {
    expect(samples.length).toBeGreaterThanOrEqual(8)
    for (const s of samples) {
      expect(sha256Hex(readFileSync(join(DIR, 'samples', s.file)))).toBe(s.sha256)
      expect(manifest.outputs.labels[s.classIndex]).toBe(s.label)
    }
  })

  it('matches an independent float64 forward pass of the stored weights within 1e-5', async () => {
    const { tensors, out } = await runSamples()
    expect(out.dims).toEqual([tensors.length, 4])
    tensors.forEach((t, i) => {
      const ref = damageReference(onnx.initializers, t, 64)
      for (let k = 0; k < 4; k++) {
        expect(Math.abs((out.data[4 * i + k] as number) - (ref[k] as number))).toBeLessThan(1e-5)
      }
    })
  })

  it('classifies every sample (PNG and JPEG) as its listed class', async () => {
    const { out } = await runSamples()
    const predicted = samples.map((_, i) => argmax(out.data.subarray(4 * i, 4 * i + 4)))
    expect(predicted).toEqual(samples.map((s) => s.classIndex))
  })

  it('is bit-identical across runs and quantises identically with 1 and 2 intra-op threads', async () => {
    await expectDeterministic(
      session(),
      { id: 'damage-v1', scale: manifest.outputs.scale },
      { input: 'image', output: 'probabilities' },
      concat(await sampleTensors()),
      [samples.length, 3, 64, 64],
    )
  })
})
