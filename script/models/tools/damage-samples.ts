/**
 * Sample images of damage-v1 for other parts' tests and the demo: rendered with their own seed,
 * saved as lossless PNG (and one JPEG), listed with their true class in samples/samples.json. A
 * sample is kept only if the model classifies it correctly with a clear margin, so callers can
 * assert the class; the selection rule is written into samples.json.
 */
import sharp from 'sharp'

import { sha256Hex } from '../../../protocol/hashes'
import { averagePool2, cnnPredict, type Cnn } from '../training/cnn-trainer'
import { imageToChw } from '../training/damage-data'
import { DAMAGE_LABELS, IMAGE_SIZE, renderDamageImage } from '../training/damage-render'
import { argmax } from '../training/metrics'
import { Prng } from '../training/prng'
import type { ExtraFile } from './extra-file'
import { formatJson } from './json-file'

export const SAMPLE_SEED = 3003
const PER_CLASS = 2
const MIN_PROBABILITY = 0.6
const MAX_TRIES_PER_CLASS = 200

export interface SampleEntry {
  file: string
  format: 'png' | 'jpeg'
  label: string
  classIndex: number
  sha256: string
}

function png(raw: Uint8Array): Promise<Buffer> {
  return sharp(raw, { raw: { width: IMAGE_SIZE, height: IMAGE_SIZE, channels: 3 } })
    .png({ compressionLevel: 9, adaptiveFiltering: false })
    .toBuffer()
}

function jpeg(raw: Uint8Array): Promise<Buffer> {
  return sharp(raw, { raw: { width: IMAGE_SIZE, height: IMAGE_SIZE, channels: 3 } })
    .jpeg({ quality: 95, chromaSubsampling: '4:4:4' })
    .toBuffer()
}

/** Renders, selects and encodes the sample images; returns the files to write. */
export async function buildDamageSamples(model: Cnn): Promise<ExtraFile[]> {
  const rng = new Prng(SAMPLE_SEED)
  const files: ExtraFile[] = []
  const entries: SampleEntry[] = []
  for (const [classIndex, label] of DAMAGE_LABELS.entries()) {
    let kept = 0
    for (let t = 0; t < MAX_TRIES_PER_CLASS && kept < PER_CLASS; t++) {
      const raw = renderDamageImage(rng, classIndex)
      const probs = cnnPredict(model, averagePool2(imageToChw(raw), 3, IMAGE_SIZE))
      if (argmax(probs) !== classIndex || (probs[classIndex] as number) < MIN_PROBABILITY) continue
      const bytes = await png(raw)
      const file = `${label}-${kept}.png`
      files.push({ path: `samples/${file}`, bytes })
      entries.push({ file, format: 'png', label, classIndex, sha256: sha256Hex(bytes) })
      if (kept === 0 && label === 'severe') {
        const jpg = await jpeg(raw)
        files.push({ path: `samples/${label}-0.jpg`, bytes: jpg })
        entries.push({
          file: `${label}-0.jpg`,
          format: 'jpeg',
          label,
          classIndex,
          sha256: sha256Hex(jpg),
        })
      }
      kept += 1
    }
    if (kept < PER_CLASS) throw new Error(`could not find ${PER_CLASS} clear ${label} samples`)
  }
  const index = {
    description:
      `64x64 RGB renders of the damage-v1 generator (seed ${SAMPLE_SEED}, not in the training ` +
      `set), kept only when the build's model gives the true class a probability of at least ` +
      `${MIN_PROBABILITY}. PNGs are lossless: sharp decodes them to exactly the rendered pixels.`,
    samples: entries,
  }
  files.push({ path: 'samples/samples.json', bytes: Buffer.from(await formatJson(index)) })
  return files
}
