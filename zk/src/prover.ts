/**
 * The prover: a request's features (the adapter's JSON object, validated by the adapter's own
 * tabular validator) and a salt -> a Groth16 proof that the committed model, run on the committed
 * input, gives the result. Artifacts are read once and kept in memory; their sha256 must match the
 * setup record, and every proof's public signals must equal the mirror's (a wrong or stale
 * witness calculator fails loudly instead of proving something else).
 */
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'

import { groth16, type Groth16Proof, type VerificationKey } from 'snarkjs'

import { compileTabularValidator, type TabularValidator } from '../../adapter/src/input/tabular'
import type { TabularInputs } from '../../protocol/manifest'
import { artifactPaths, readSetupRecord, sha256Text, type ArtifactPaths } from './artifacts'
import { ArtifactError, ZkInputError } from './errors'
import { FIELD_MODULUS } from './fixed-point'
import { circuitInputs, inputCommitment, mirrorPublicSignals } from './mirror'
import { loadQuantised } from './model-folder'
import { encodeFeature, type QuantisedModel } from './quantised-model'
import { proofBytes, signalHex, solidityProof, type SolidityProof } from './solidity'

/** circom's witness runtime, as snarkjs itself loads it. */
interface WitnessCalculator {
  calculateWTNSBin(input: Record<string, unknown>, sanityCheck: boolean): Promise<Uint8Array>
}
type WitnessCalculatorBuilder = (wasm: Uint8Array) => Promise<WitnessCalculator>

/**
 * circom_runtime resolved from snarkjs's own folder: the exact version snarkjs pins and calls in
 * `groth16.fullProve`. Building the calculator once (not per proof, as fullProve does) saves the
 * compilation of the circuit's WebAssembly on every request.
 */
function witnessCalculatorBuilder(): WitnessCalculatorBuilder {
  const fromSnarkjs = createRequire(require.resolve('snarkjs'))
  const runtime = fromSnarkjs('circom_runtime') as {
    WitnessCalculatorBuilder: WitnessCalculatorBuilder
  }
  return runtime.WitnessCalculatorBuilder
}

export interface ProofBundle {
  model: string
  /** The result in the manifest's scale (e.g. a probability in basis points). */
  result: number
  /** Field elements as 0x + 64 hex (the on-chain uint256/bytes32 values). */
  inputCommitment: string
  weightsCommitment: string
  salt: string
  /** Decimal strings, in the circuit's order: result, inputCommitment, weightsCommitment. */
  publicSignals: string[]
  proof: Groth16Proof
  solidity: SolidityProof
  /** abi.encode(a, b, c): 256 bytes. */
  proofBytes: string
  /** Wall time of witness + proof; CPU time of this process (all threads) over the same span. */
  provingMs: number
  provingCpuMs: number
}

/** Parses a salt: a decimal or 0x-hex integer in [0, p). */
export function parseSalt(text: string): bigint {
  let v: bigint
  try {
    if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(text)) throw new Error('not an integer')
    v = BigInt(text)
  } catch (err) {
    throw new ZkInputError(`salt "${text}" must be a decimal or 0x-hex integer`, { cause: err })
  }
  if (v >= FIELD_MODULUS)
    throw new ZkInputError(`salt must be below the field modulus ${FIELD_MODULUS}`)
  return v
}

/** A fresh 248-bit salt: hides the features behind their commitment. */
export function randomSalt(): bigint {
  return BigInt(`0x${randomBytes(31).toString('hex')}`)
}

export class ZkProver {
  private readonly validator: TabularValidator
  private witness: Promise<WitnessCalculator> | undefined

  private constructor(
    readonly model: QuantisedModel,
    readonly paths: ArtifactPaths,
    inputs: TabularInputs,
    private readonly wasm: Uint8Array,
    private readonly zkey: Uint8Array,
    readonly verificationKey: VerificationKey,
  ) {
    this.validator = compileTabularValidator(inputs)
  }

  /** Loads a model folder's format and committed artifacts (checked against setup.json). */
  static open(modelDir: string, root?: string): ZkProver {
    const { folder, model } = loadQuantised(modelDir, root)
    const paths = artifactPaths(modelDir, folder.manifest.id, root)
    const record = readSetupRecord(paths)
    if (record.weightsCommitment !== model.format.weightsCommitment) {
      throw new ArtifactError(
        `${paths.setup}: keys were made for weights commitment ${record.weightsCommitment}, the ` +
          `model's is ${model.format.weightsCommitment}; run \`npm run zk -- setup\``,
      )
    }
    const read = (path: string, expected: string): Buffer => {
      const bytes = readFileSync(path)
      const sha = sha256Text(bytes)
      if (sha !== expected) {
        throw new ArtifactError(`${path}: sha256 ${sha}, setup.json records ${expected}`)
      }
      return bytes
    }
    const wasm = read(paths.wasm, record.wasmSha256)
    const zkey = read(paths.zkey, record.zkeySha256)
    const vk = JSON.parse(
      read(paths.verificationKey, record.verificationKeySha256).toString('utf8'),
    )
    if (folder.manifest.inputs.kind !== 'tabular') throw new ArtifactError('tabular models only')
    return new ZkProver(model, paths, folder.manifest.inputs, wasm, zkey, vk as VerificationKey)
  }

  /** Validates the features like the adapter does and encodes them as the circuit reads them. */
  encode(features: unknown): bigint[] {
    try {
      this.validator.parse(features)
    } catch (err) {
      throw new ZkInputError((err as Error).message, { cause: err })
    }
    const values = features as Record<string, number>
    const { fixedPoint } = this.model.format.circuit
    return this.model.format.circuit.features.map((f) =>
      encodeFeature(f.encoding, values[f.name] as number, fixedPoint.inputBits),
    )
  }

  /** The input commitment a dApp puts on-chain for these features and salt. */
  commit(features: unknown, salt: bigint): bigint {
    return inputCommitment(this.encode(features), salt)
  }

  async prove(features: unknown, salt: bigint): Promise<ProofBundle> {
    const encoded = this.encode(features)
    const expected = mirrorPublicSignals(this.model, encoded, salt)
    this.witness ??= witnessCalculatorBuilder()(this.wasm)
    const calculator = await this.witness
    const cpu = process.cpuUsage()
    const started = performance.now()
    const wtns = await calculator.calculateWTNSBin(
      { ...circuitInputs(this.model, encoded, salt) },
      true,
    )
    const { proof, publicSignals } = await groth16.prove(
      { type: 'mem', data: this.zkey },
      { type: 'mem', data: wtns },
    )
    const provingMs = performance.now() - started
    const used = process.cpuUsage(cpu)
    const want = [expected.result, expected.inputCommitment, expected.weightsCommitment].map(String)
    if (publicSignals.join() !== want.join()) {
      throw new ArtifactError(
        `the circuit's public signals [${publicSignals.join(', ')}] differ from the mirror's ` +
          `[${want.join(', ')}]: circuit.wasm does not match the format`,
      )
    }
    const sol = solidityProof(proof)
    return {
      model: this.model.format.model.id,
      result: Number(expected.result),
      inputCommitment: signalHex(expected.inputCommitment),
      weightsCommitment: signalHex(expected.weightsCommitment),
      salt: signalHex(salt),
      publicSignals,
      proof,
      solidity: sol,
      proofBytes: proofBytes(sol),
      provingMs: Math.round(provingMs * 10) / 10,
      provingCpuMs: Math.round((used.user + used.system) / 100) / 10,
    }
  }

  verify(publicSignals: string[], proof: Groth16Proof): Promise<boolean> {
    return groth16.verify(this.verificationKey, publicSignals, proof)
  }
}

/**
 * Stops snarkjs's worker threads (ffjavascript keeps one BN254 curve with workers per process);
 * call it before a CLI or test process ends.
 */
export async function releaseCurve(): Promise<void> {
  const g = globalThis as { curve_bn128?: { terminate(): Promise<void> } }
  if (g.curve_bn128) {
    await g.curve_bn128.terminate()
    delete g.curve_bn128
  }
}
