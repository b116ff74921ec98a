/**
 * Where a model's zk artifacts live, and the setup record that ties them together.
 *
 * Committed (so tests and provers never wait minutes for a setup):
 * - `zk/circuits/<id>/format.json`              the format (generator output; see format.ts)
 * - `zk/circuits/<id>/circuit.circom`           the generated circuit
 * - `zk/circuits/<id>/circuit.wasm`             its witness calculator (circom output)
 * - `zk/circuits/<id>/circuit.zkey`             the Groth16 proving key (development setup)
 * - `zk/circuits/<id>/verification_key.json`    the verification key
 * - `zk/circuits/<id>/setup.json`               this record: sha256 of each file, sizes, ceremony
 * - `zk/circuits/<id>/proof-vector.json`        one real proof, for the tests
 * - `contracts/zk/<Name>Groth16Verifier.sol`    the verifier snarkjs exports from the key
 * - `test/contracts/zk/vectors/<Name>ProofVector.sol`  the same proof for forge tests
 * Not committed: the R1CS (rebuilt by `check --full`) and the powers-of-tau file (cache/zk/).
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

import { z } from 'zod'

import { pascalName } from './circuit-emit'
import { ArtifactError } from './errors'

export const REPO_ROOT = resolve(__dirname, '..', '..')
export const PTAU_CACHE_DIR = join(REPO_ROOT, 'cache', 'zk')

export interface ArtifactPaths {
  id: string
  modelDir: string
  circuitDir: string
  format: string
  circuit: string
  wasm: string
  zkey: string
  verificationKey: string
  setup: string
  proofVector: string
  verifierContract: string
  verifierSol: string
  vectorLibrary: string
  vectorSol: string
}

export function artifactPaths(modelDir: string, id: string, root = REPO_ROOT): ArtifactPaths {
  const name = pascalName(id)
  const circuitDir = join(root, 'zk', 'circuits', id)
  return {
    id,
    modelDir,
    circuitDir,
    format: join(circuitDir, 'format.json'),
    circuit: join(circuitDir, 'circuit.circom'),
    wasm: join(circuitDir, 'circuit.wasm'),
    zkey: join(circuitDir, 'circuit.zkey'),
    verificationKey: join(circuitDir, 'verification_key.json'),
    setup: join(circuitDir, 'setup.json'),
    proofVector: join(circuitDir, 'proof-vector.json'),
    verifierContract: `${name}Groth16Verifier`,
    verifierSol: join(root, 'contracts', 'zk', `${name}Groth16Verifier.sol`),
    vectorLibrary: `${name}ProofVector`,
    vectorSol: join(root, 'test', 'contracts', 'zk', 'vectors', `${name}ProofVector.sol`),
  }
}

export function sha256File(path: string): string {
  return `0x${createHash('sha256').update(readFileSync(path)).digest('hex')}`
}

export function sha256Text(text: string | Uint8Array): string {
  return `0x${createHash('sha256').update(text).digest('hex')}`
}

const sha = z.string().regex(/^0x[0-9a-f]{64}$/)

export const SetupRecordSchema = z.strictObject({
  schema: z.literal('onnx-oracle/zk-setup/v1'),
  model: z.string(),
  weightsCommitment: z.string(),
  circuit: z.strictObject({
    sha256: sha,
    constraints: z.int().positive(),
    compiler: z.string(),
    flags: z.array(z.string()),
    r1csSha256: sha,
  }),
  wasmSha256: sha,
  zkeySha256: sha,
  verificationKeySha256: sha,
  verifierSha256: sha,
  ceremony: z.strictObject({
    kind: z.enum(['single-party-development', 'external-ptau']),
    note: z.string(),
    ptauPower: z.int().positive(),
    ptauSha256: sha,
    /** Null when phase 1 came from an external file (its own transcript says). */
    phase1Contributions: z.int().nonnegative().nullable(),
    phase2Contributions: z.int().nonnegative(),
  }),
  tools: z.record(z.string(), z.string()),
})

export type SetupRecord = z.infer<typeof SetupRecordSchema>

export function readSetupRecord(paths: ArtifactPaths): SetupRecord {
  let json: unknown
  try {
    json = JSON.parse(readFileSync(paths.setup, 'utf8'))
  } catch (err) {
    throw new ArtifactError(`${paths.setup}: no setup record (run \`npm run zk -- setup\`)`, {
      cause: err,
    })
  }
  const res = SetupRecordSchema.safeParse(json)
  if (!res.success) {
    throw new ArtifactError(`${paths.setup}: ${res.error.issues[0]?.message ?? 'invalid'}`, {
      cause: res.error,
    })
  }
  return res.data
}
