/**
 * `npm run models:build [-- --out <dir>] [--only <id,...>]`: runs the training recipes of
 * script/models/training (seeded synthetic data, training, ONNX bytes) and writes each model to
 * `<dir>/<id>/` (model.onnx, manifest.json, MODEL_CARD.md, extra files such as damage-v1's sample
 * images), plus `<dir>/manifest.schema.json`. Default dir: adapter/models. The manifests record the
 * digest of the training folder only, so editing a tool here changes no model's provenance.
 * Deterministic: no clock, no host data; two runs write byte-identical files.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

import { Command } from 'commander'

import type { TrainedModel } from '../training/model-definition'
import { MODEL_IDS, RECIPES, type ModelId } from '../training/recipes'
import {
  assembleManifest,
  BUILDER_VERSION,
  MODEL_FILE,
  manifestText,
  type BuildContext,
} from './assemble-manifest'
import { digestCodeFolder } from './code-digest'
import { buildDamageSamples } from './damage-samples'
import type { ExtraFile } from './extra-file'
import { writeManifestSchema } from './manifest-schema-file'
import { renderModelCard } from './model-card'

export const REPO_ROOT = resolve(__dirname, '..', '..', '..')
export const DEFAULT_MODELS_DIR = join(REPO_ROOT, 'adapter', 'models')
/** The training code: the folder whose digest and git tree every manifest records. */
export const TRAINING_CODE_DIR = join(REPO_ROOT, 'script', 'models', 'training')

/** Libraries whose versions shape the artifacts' bytes, recorded in the provenance. */
const RECORDED_DEPENDENCIES = [
  'onnx-proto',
  'protobufjs',
  'canonicalize',
  'ethers',
  'ipfs-unixfs-importer',
  'sharp',
] as const

interface ModelArtifacts {
  model: TrainedModel
  extraFiles: ExtraFile[]
}

/** Trains one model with its recipe and adds the files the tools derive from it. */
const BUILDS: Record<ModelId, (producerVersion: string) => Promise<ModelArtifacts>> = {
  'risk-v1': async (v) => ({ model: RECIPES['risk-v1'](v), extraFiles: [] }),
  'damage-v1': async (v) => {
    const model = RECIPES['damage-v1'](v)
    return { model, extraFiles: await buildDamageSamples(model.network) }
  },
}

function dependencyVersions(): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name of RECORDED_DEPENDENCIES) {
    const pkg = JSON.parse(
      readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8'),
    ) as { version: string }
    out[name] = pkg.version
  }
  return out
}

/** Builds the selected models into `outDir`; returns the folders written. */
export async function buildModels(outDir: string, only?: readonly string[]): Promise<string[]> {
  const ctx: BuildContext = {
    codePath: relative(REPO_ROOT, TRAINING_CODE_DIR).split('\\').join('/'),
    code: digestCodeFolder(TRAINING_CODE_DIR),
    dependencies: dependencyVersions(),
  }
  mkdirSync(outDir, { recursive: true })
  await writeManifestSchema(outDir)
  const written: string[] = []
  for (const id of MODEL_IDS) {
    if (only && !only.includes(id)) continue
    const { model, extraFiles } = await BUILDS[id](BUILDER_VERSION)
    const manifest = await assembleManifest(model, ctx)
    const dir = join(outDir, id)
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, MODEL_FILE), model.onnx)
    writeFileSync(join(dir, 'manifest.json'), manifestText(manifest))
    writeFileSync(join(dir, 'MODEL_CARD.md'), renderModelCard(manifest, model))
    for (const extra of extraFiles) {
      const path = join(dir, extra.path)
      mkdirSync(dirname(path), { recursive: true })
      writeFileSync(path, extra.bytes)
    }
    written.push(dir)
  }
  return written
}

async function main(): Promise<void> {
  const program = new Command()
    .name('models:build')
    .description('Train the demo models and write model.onnx, manifest.json and MODEL_CARD.md')
    .option('--out <dir>', 'output folder', DEFAULT_MODELS_DIR)
    .option('--only <ids>', 'comma-separated model ids (default: all)')
    .parse()
  const opts = program.opts<{ out: string; only?: string }>()
  const only = opts.only?.split(',').map((s) => s.trim())
  const unknown = only?.filter((id) => !(MODEL_IDS as string[]).includes(id)) ?? []
  if (unknown.length > 0) throw new Error(`unknown model id(s): ${unknown.join(', ')}`)
  for (const dir of await buildModels(resolve(opts.out), only)) {
    process.stdout.write(`wrote ${dir}\n`)
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(
      `models:build failed: ${err instanceof Error ? err.message : String(err)}\n`,
    )
    process.exitCode = 1
  })
}
