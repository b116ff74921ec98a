/**
 * The development setup: compile the committed circuit, make (or reuse) a powers-of-tau file,
 * make the Groth16 proving key with one phase-2 contribution, export the verification key and the
 * Solidity verifier, prove the sample request as a test vector, and record every file's sha256 in
 * setup.json.
 *
 * SINGLE-PARTY, DEVELOPMENT ONLY: this process draws the secret randomness (the "toxic waste") of
 * both phases from crypto.randomBytes and forgets it, but whoever runs it could keep it and forge
 * proofs. docs/zk.md says what a production ceremony needs.
 */
import { randomBytes } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

import { curves, powersOfTau, zKey } from 'snarkjs'

import {
  artifactPaths,
  PTAU_CACHE_DIR,
  sha256File,
  sha256Text,
  type SetupRecord,
} from './artifacts'
import { emitCircuit } from './circuit-emit'
import { CIRCOM_FLAGS, compileCircuit } from './compile'
import { ArtifactError } from './errors'
import { PUBLIC_SIGNALS } from './format'
import { loadQuantised, loadModelFolder, quantiseFolder } from './model-folder'
import { parseSalt, releaseCurve, ZkProver } from './prover'
import { renderVectorLibrary, renderVerifier } from './solidity'

export interface SetupOptions {
  modelDir: string
  /** A prepared (phase-2 ready) powers-of-tau file, e.g. from a public ceremony. */
  ptau?: string
  log?: (line: string) => void
}

interface SampleRequest {
  features: Record<string, number>
  salt: string
}

/** The smallest power of two domain snarkjs accepts: constraints + public signals + 1. */
export function ptauPowerFor(constraints: number): number {
  return Math.max(8, Math.ceil(Math.log2(constraints + PUBLIC_SIGNALS.length + 1)))
}

/**
 * The single contribution of a development ceremony phase: `<dir>/0.<ext>` to `<dir>/1.<ext>`, with
 * 32 bytes of fresh entropy that nobody keeps (see the header).
 */
async function contributeOnce(
  contribute: (from: string, to: string, name: string, entropy: string) => Promise<unknown>,
  dir: string,
  ext: 'ptau' | 'zkey',
  name: string,
): Promise<void> {
  await contribute(
    join(dir, `0.${ext}`),
    join(dir, `1.${ext}`),
    name,
    randomBytes(32).toString('hex'),
  )
}

/** A cached development powers-of-tau file for 2^power constraints (made when missing: minutes). */
export async function developmentPtau(power: number, log: (l: string) => void): Promise<string> {
  const file = join(PTAU_CACHE_DIR, `pot${power}_development.ptau`)
  if (existsSync(file)) return file
  mkdirSync(PTAU_CACHE_DIR, { recursive: true })
  const dir = mkdtempSync(join(tmpdir(), 'onnx-oracle-ptau-'))
  try {
    log(`powers of tau 2^${power}: new accumulator, one contribution, phase-2 preparation`)
    const curve = await curves.getCurveFromName('bn128')
    await powersOfTau.newAccumulator(curve, power, join(dir, '0.ptau'))
    await contributeOnce(powersOfTau.contribute, dir, 'ptau', 'onnx-oracle development phase 1')
    await powersOfTau.preparePhase2(join(dir, '1.ptau'), join(dir, 'final.ptau'))
    renameSync(join(dir, 'final.ptau'), file)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return file
}

function writeJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`)
}

/** Runs the whole development setup for a model folder whose format and circuit are generated. */
export async function runSetup(options: SetupOptions): Promise<SetupRecord> {
  const log = options.log ?? (() => undefined)
  const { folder, model } = loadQuantised(options.modelDir)
  const paths = artifactPaths(options.modelDir, folder.manifest.id)
  const source = readFileSync(paths.circuit, 'utf8')
  if (source !== emitCircuit(model)) {
    throw new ArtifactError(`${paths.circuit} is stale: run \`npm run zk -- generate\` first`)
  }
  log(`compiling ${paths.circuit}`)
  const compiled = await compileCircuit(source)
  log(`${compiled.constraints} constraints`)
  const power = ptauPowerFor(compiled.constraints)
  const ptau = options.ptau ?? (await developmentPtau(power, log))
  const work = mkdtempSync(join(tmpdir(), 'onnx-oracle-setup-'))
  try {
    const r1cs = join(work, 'circuit.r1cs')
    writeFileSync(r1cs, compiled.r1cs)
    log('groth16 phase 2: new key, one contribution')
    await zKey.newZKey(r1cs, ptau, join(work, '0.zkey'))
    await contributeOnce(zKey.contribute, work, 'zkey', 'onnx-oracle development phase 2')
    mkdirSync(paths.circuitDir, { recursive: true })
    renameSync(join(work, '1.zkey'), paths.zkey)
    writeFileSync(paths.wasm, compiled.wasm)
    writeJson(paths.verificationKey, await zKey.exportVerificationKey(paths.zkey))
    const verifier = await renderVerifier(paths.zkey, paths.verifierContract, paths.id)
    mkdirSync(dirname(paths.verifierSol), { recursive: true })
    writeFileSync(paths.verifierSol, verifier)
    const record: SetupRecord = {
      schema: 'onnx-oracle/zk-setup/v1',
      model: paths.id,
      weightsCommitment: model.format.weightsCommitment,
      circuit: {
        sha256: sha256Text(source),
        constraints: compiled.constraints,
        compiler: compiled.circomVersion,
        flags: [...CIRCOM_FLAGS],
        r1csSha256: sha256Text(compiled.r1cs),
      },
      wasmSha256: sha256File(paths.wasm),
      zkeySha256: sha256File(paths.zkey),
      verificationKeySha256: sha256File(paths.verificationKey),
      verifierSha256: sha256Text(verifier),
      ceremony: {
        kind: options.ptau ? 'external-ptau' : 'single-party-development',
        note: options.ptau
          ? 'phase 1 from the given powers-of-tau file; phase 2: one contribution, development only'
          : 'one machine drew every secret: development only, never for value on a live chain',
        ptauPower: power,
        ptauSha256: sha256File(ptau),
        phase1Contributions: options.ptau ? null : 1,
        phase2Contributions: 1,
      },
      tools: toolVersions(),
    }
    writeJson(paths.setup, record)
    await writeTestVector(options.modelDir, log)
    return record
  } finally {
    rmSync(work, { recursive: true, force: true })
    await releaseCurve()
  }
}

/** Proves the committed sample request and writes the JSON and Solidity test vectors. */
export async function writeTestVector(modelDir: string, log: (l: string) => void): Promise<void> {
  const prover = ZkProver.open(modelDir)
  const paths = prover.paths
  const sample = JSON.parse(
    readFileSync(join(paths.circuitDir, 'sample-request.json'), 'utf8'),
  ) as SampleRequest
  const bundle = await prover.prove(sample.features, parseSalt(sample.salt))
  log(`test vector: result ${bundle.result}, proved in ${bundle.provingMs} ms`)
  writeJson(paths.proofVector, {
    features: sample.features,
    ...bundle,
    provingMs: undefined,
    provingCpuMs: undefined,
  })
  // Another model for the refusal tests: the same network quantised with one weight bit less
  // gives other weight integers, so another weights commitment.
  const folder = loadModelFolder(modelDir)
  const fp = prover.model.format.circuit.fixedPoint
  const other = quantiseFolder(folder, { ...fp, weightBits: fp.weightBits - 1 })
  const otherCommitment = other.format.weightsCommitment
  mkdirSync(dirname(paths.vectorSol), { recursive: true })
  writeFileSync(
    paths.vectorSol,
    renderVectorLibrary({
      libraryName: paths.vectorLibrary,
      modelId: paths.id,
      result: String(bundle.result),
      inputCommitment: bundle.publicSignals[1] as string,
      weightsCommitment: bundle.publicSignals[2] as string,
      otherWeightsCommitment: otherCommitment,
      otherWeightsNote:
        `Another model's weights commitment: ${paths.id}'s network quantised at ` +
        `${fp.weightBits - 1} weight bits (other weight integers).`,
      proof: bundle.solidity,
    }),
  )
}

function toolVersions(): Record<string, string> {
  const version = (pkg: string): string => {
    // snarkjs's package exports hide package.json: walk up from its main file.
    let dir = dirname(
      require.resolve(pkg === 'circomlib' ? 'circomlib/circuits/poseidon.circom' : pkg),
    )
    while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir)
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string })
      .version
  }
  return {
    circom2: version('circom2'),
    snarkjs: version('snarkjs'),
    circomlib: version('circomlib'),
  }
}
