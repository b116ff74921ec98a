/**
 * `npm run models:verify [-- <models dir>]`: re-hashes every model folder (each sub-folder with a
 * manifest.json) and exits non-zero on any mismatch between the files and their manifest: file
 * sha256, IPFS CIDv1, hyperparameters hash and provenance hash. Default dir: adapter/models.
 */
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'

import { Command } from 'commander'

import { verifyModelFolder, type FolderReport } from './verify-folder'

const DEFAULT_MODELS_DIR = resolve(__dirname, '..', '..', '..', 'adapter', 'models')

/** Verifies every model folder under `modelsDir`. */
export async function verifyModelsDir(modelsDir: string): Promise<FolderReport[]> {
  const dirs = readdirSync(modelsDir)
    .map((name) => join(modelsDir, name))
    .filter((d) => statSync(d).isDirectory() && existsSync(join(d, 'manifest.json')))
    .sort()
  const reports: FolderReport[] = []
  for (const dir of dirs) reports.push(await verifyModelFolder(dir))
  return reports
}

async function main(): Promise<void> {
  const program = new Command()
    .name('models:verify')
    .description('Re-hash every model folder and compare with its manifest')
    .argument('[dir]', 'folder holding one sub-folder per model', DEFAULT_MODELS_DIR)
    .parse()
  const dir = resolve(program.processedArgs[0] as string)
  const reports = await verifyModelsDir(dir)
  if (reports.length === 0) {
    process.stderr.write(`models:verify: no model folders under ${dir}\n`)
    process.exitCode = 1
    return
  }
  for (const r of reports) {
    if (r.problems.length === 0) process.stdout.write(`ok      ${r.dir}\n`)
    else {
      process.stdout.write(`FAILED  ${r.dir}\n`)
      for (const p of r.problems) process.stdout.write(`        ${p}\n`)
      process.exitCode = 1
    }
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(
      `models:verify failed: ${err instanceof Error ? err.message : String(err)}\n`,
    )
    process.exitCode = 1
  })
}
