/**
 * `generate`: model folder -> zk/circuits/<id>/format.json + zk/circuits/<id>/circuit.circom.
 * `staleness`: regenerates both in memory from the committed format's parameters and compares them
 * with the committed files, and checks that the committed keys and verifier belong to them. Cheap
 * (no compilation, no setup): the tests and `npm run zk -- check` run it.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'

import { zKey } from 'snarkjs'

import {
  artifactPaths,
  readSetupRecord,
  sha256File,
  sha256Text,
  type ArtifactPaths,
} from './artifacts'
import { emitCircuit } from './circuit-emit'
import { formatText, readFormat, type FixedPoint, type WeightMode } from './format'
import { loadModelFolder, quantiseFolder } from './model-folder'
import { DEFAULT_FIXED_POINT } from './quantised-model'
import { renderVerifier } from './solidity'

export interface GenerateOptions {
  fixedPoint?: Partial<FixedPoint>
  weights?: WeightMode
}

export interface Generated {
  paths: ArtifactPaths
  formatText: string
  circuit: string
}

/** The format and circuit text of a model folder (nothing written). */
export function generateInMemory(
  modelDir: string,
  options: GenerateOptions = {},
  root?: string,
): Generated {
  const folder = loadModelFolder(modelDir)
  const model = quantiseFolder(
    folder,
    { ...DEFAULT_FIXED_POINT, ...options.fixedPoint },
    options.weights ?? 'constant',
  )
  return {
    paths: artifactPaths(modelDir, folder.manifest.id, root),
    formatText: formatText(model.format),
    circuit: emitCircuit(model),
  }
}

/** Writes format.json and circuit.circom. */
export function generate(
  modelDir: string,
  options: GenerateOptions = {},
  root?: string,
): Generated {
  const g = generateInMemory(modelDir, options, root)
  mkdirSync(g.paths.circuitDir, { recursive: true })
  writeFileSync(g.paths.format, g.formatText)
  writeFileSync(g.paths.circuit, g.circuit)
  return g
}

/**
 * Every way the committed artifacts differ from what the generator and the keys say they should
 * be; empty when all is fresh.
 */
export async function staleness(modelDir: string, root?: string): Promise<string[]> {
  const problems: string[] = []
  const folder = loadModelFolder(modelDir)
  const recorded = readFormat(artifactPaths(modelDir, folder.manifest.id, root).format)
  const g = generateInMemory(
    modelDir,
    { fixedPoint: recorded.circuit.fixedPoint, weights: recorded.weights },
    root,
  )
  const p = g.paths
  if (readFileSync(p.format, 'utf8') !== g.formatText) {
    problems.push(`${p.format} differs from the generator's output (npm run zk -- generate)`)
  }
  if (!existsSync(p.circuit) || readFileSync(p.circuit, 'utf8') !== g.circuit) {
    problems.push(`${p.circuit} differs from the generator's output (npm run zk -- generate)`)
  }
  const record = readSetupRecord(p)
  if (record.circuit.sha256 !== sha256Text(g.circuit)) {
    problems.push(`${p.setup}: the keys were made for another circuit (npm run zk -- setup)`)
  }
  if (record.weightsCommitment !== recorded.weightsCommitment) {
    problems.push(`${p.setup}: weights commitment differs from ${p.format}`)
  }
  const files: [string, string][] = [
    [p.wasm, record.wasmSha256],
    [p.zkey, record.zkeySha256],
    [p.verificationKey, record.verificationKeySha256],
    [p.verifierSol, record.verifierSha256],
  ]
  for (const [file, sha] of files) {
    if (!existsSync(file)) problems.push(`${file} is missing`)
    else if (sha256File(file) !== sha) problems.push(`${file}: sha256 differs from setup.json`)
  }
  if (problems.length > 0) return problems
  const vk = await zKey.exportVerificationKey(p.zkey)
  if (`${JSON.stringify(vk, null, 2)}\n` !== readFileSync(p.verificationKey, 'utf8')) {
    problems.push(`${p.verificationKey} is not the proving key's verification key`)
  }
  const verifier = await renderVerifier(p.zkey, p.verifierContract, p.id)
  if (verifier !== readFileSync(p.verifierSol, 'utf8')) {
    problems.push(`${p.verifierSol} is not the verifier of the proving key`)
  }
  return problems
}
