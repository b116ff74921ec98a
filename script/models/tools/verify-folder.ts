/**
 * Verification of a model folder against its manifest: the manifest parses (shape, cross-field
 * rules, hyperparameters hash, provenance hash), the ONNX file's sha256 and CIDv1 are the ones the
 * manifest names, and the folder's name is the model id. Returns every problem found.
 */
import { existsSync, readFileSync } from 'node:fs'
import { basename, join } from 'node:path'

import { sha256Hex } from '../../../protocol/hashes'
import { parseManifest } from '../../../protocol/manifest'
import { unixfsCidV1 } from './cid'

export interface FolderReport {
  dir: string
  id: string | undefined
  problems: string[]
}

/** Checks one folder holding manifest.json and its model file. */
export async function verifyModelFolder(dir: string): Promise<FolderReport> {
  const report: FolderReport = { dir, id: undefined, problems: [] }
  let json: unknown
  try {
    json = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'))
  } catch (err) {
    report.problems.push(`manifest.json: ${(err as Error).message}`)
    return report
  }
  let manifest
  try {
    manifest = parseManifest(json)
  } catch (err) {
    report.problems.push((err as Error).message)
    return report
  }
  report.id = manifest.id
  if (basename(dir) !== manifest.id) {
    report.problems.push(
      `manifest.id: "${manifest.id}" differs from the folder name "${basename(dir)}"`,
    )
  }
  const modelPath = join(dir, manifest.file.path)
  if (!existsSync(modelPath)) {
    report.problems.push(`manifest.file.path: ${manifest.file.path} does not exist`)
    return report
  }
  const bytes = readFileSync(modelPath)
  const sha = sha256Hex(bytes)
  if (sha !== manifest.file.sha256) {
    report.problems.push(`manifest.file.sha256: is ${manifest.file.sha256}, file hashes to ${sha}`)
  }
  const cid = await unixfsCidV1(bytes)
  if (cid !== manifest.file.cid) {
    report.problems.push(`manifest.file.cid: is ${manifest.file.cid}, file's CIDv1 is ${cid}`)
  }
  return report
}
