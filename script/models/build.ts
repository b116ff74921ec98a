/**
 * `npm run models:build [-- --out <dir>] [--only <id,...>]`: trains the demo models from their
 * seeded synthetic data and writes each to `<dir>/<id>/` (model.onnx, manifest.json,
 * MODEL_CARD.md, extra files), plus `<dir>/manifest.schema.json`. Default dir: adapter/models.
 * Deterministic: no clock, no host data; two runs write byte-identical files.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

import { Command } from 'commander'

import {
  assembleManifest,
  BUILDER_VERSION,
  MODEL_FILE,
  manifestText,
  type BuildContext,
} from './assemble-manifest'
import { digestCodeFolder } from './code-digest'
import { writeManifestSchema } from './manifest-schema-file'
import { renderModelCard } from './model-card'
import type { TrainedModel } from './model-definition'
import { buildDamageModel } from './damage-model'
import { buildRiskModel } from './risk-model'

export const REPO_ROOT = resolve(__dirname, '..', '..')
export const DEFAULT_MODELS_DIR = join(REPO_ROOT, 'adapter', 'models')

/** Libraries whose versions shape the artifacts' bytes, recorded in the provenance. */
const RECORDED_DEPENDENCIES = [
  'onnx-proto',
  'protobufjs',
  'canonicalize',
  'ethers',
  'ipfs-unixfs-importer',
  'sharp',
] as const

export const RECIPES: Record<
  string,
  (producerVersion: string) => TrainedModel | Promise<TrainedModel>
> = {
  'risk-v1': buildRiskModel,
  'damage-v1': buildDamageModel,
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
export async function buildModels(outDir: string, only?: string[]): Promise<string[]> {
  const codeDir = join(REPO_ROOT, 'script', 'models')
  const ctx: BuildContext = {
    codePath: relative(REPO_ROOT, codeDir).split('\\').join('/'),
    code: digestCodeFolder(codeDir),
    dependencies: dependencyVersions(),
  }
  mkdirSync(outDir, { recursive: true })
  await writeManifestSchema(outDir)
  const written: string[] = []
  for (const [id, recipe] of Object.entries(RECIPES)) {
    if (only && !only.includes(id)) continue
    const model = await recipe(BUILDER_VERSION)
    const manifest = await assembleManifest(model, ctx)
    const dir = join(outDir, id)
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, MODEL_FILE), model.onnx)
    writeFileSync(join(dir, 'manifest.json'), manifestText(manifest))
    writeFileSync(join(dir, 'MODEL_CARD.md'), renderModelCard(manifest, model))
    for (const extra of model.extraFiles) {
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
  const unknown = only?.filter((id) => !(id in RECIPES)) ?? []
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
