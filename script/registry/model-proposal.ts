/**
 * From a model folder (manifest.json + model file) to the registry's `Proposal`, only for a folder
 * that verifies. `loadVerifiedModel` runs the same checks as `npm run models:verify` (manifest shape
 * and hashes, the file's sha256 and CID, folder name = model id): the CLI uses it.
 * `readModelFolder` checks all but the CID, synchronously and without the ESM-only IPFS modules (so
 * it also runs inside jest, where the demo's end-to-end test calls it).
 */
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

import { encodeBytes32String, hexlify, toUtf8Bytes, zeroPadBytes, ZeroHash } from 'ethers'

import { checkModelBytes, parseManifest, type Manifest } from '../../protocol/manifest'
import { verifyModelFolder } from '../models/tools/verify-folder'

/** The registry's version field is a `bytes12` short string. */
const VERSION_BYTES = 12
const ZERO_COMMIT = '0x' + '0'.repeat(40)
const BYTES32 = /^0x[0-9a-fA-F]{64}$/

/** Thrown when a model folder does not verify against its manifest; lists every problem. */
export class ManifestVerificationError extends Error {
  constructor(
    readonly dir: string,
    readonly problems: string[],
  ) {
    super(`${dir} does not verify against its manifest:\n  ${problems.join('\n  ')}`)
    this.name = 'ManifestVerificationError'
  }
}

/** Thrown when a verified manifest cannot be expressed as a registry proposal. */
export class ProposalError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ProposalError'
  }
}

/** `IModelRegistry.Proposal`, hex-encoded as ethers takes it. */
export interface RegistryProposal {
  modelId: string
  modelHash: string
  version: string
  codeCommit: string
  provenanceHash: string
  datasetDigest: string
  hyperparamsHash: string
  labelCount: number
  weightsCommitment: string
  weightsUri: string
}

/** A model folder that verified, with the proposal it makes. */
export interface VerifiedModel {
  dir: string
  manifest: Manifest
  proposal: RegistryProposal
}

export interface ProposalOptions {
  /** Poseidon commitment to the quantised weights (`0x` + 64 hex); zero when there is no circuit. */
  weightsCommitment?: string
}

/**
 * The number of classes a manifest's result indexes: the label count for an `argmax` result, 0 for a
 * scalar (`probability` of one label, or a regression `value`).
 */
export function labelCountOf(manifest: Manifest): number {
  return manifest.outputs.result.kind === 'argmax' ? manifest.outputs.labels.length : 0
}

/** `bytes32` short string of a model id (ASCII, at most 31 bytes; the manifest schema ensures it). */
export function modelIdBytes32(id: string): string {
  return encodeBytes32String(id)
}

/** Checks a `bytes32` hex argument and returns it lower-cased. */
export function parseBytes32(value: string, what: string): string {
  if (!BYTES32.test(value))
    throw new ProposalError(`${what}: expected 0x followed by 64 hex digits`)
  return value.toLowerCase()
}

/**
 * Maps a verified manifest to the registry's proposal: model hash = `file.sha256`, provenance hash =
 * `provenanceHash`, dataset and hyperparameter digests from the provenance, the training code's git
 * commit (or, for code not committed separately, its git tree id), the label count, the optional
 * weights commitment and `ipfs://<file.cid>`.
 */
export function proposalFromManifest(
  manifest: Manifest,
  options: ProposalOptions = {},
): RegistryProposal {
  const versionBytes = toUtf8Bytes(manifest.version)
  if (versionBytes.length > VERSION_BYTES) {
    throw new ProposalError(
      `version "${manifest.version}" is ${versionBytes.length} bytes; the registry keeps at most ${VERSION_BYTES}`,
    )
  }
  const code = manifest.provenance.trainingCode
  const commit = code.gitCommit ?? code.gitTree
  return {
    modelId: modelIdBytes32(manifest.id),
    modelHash: manifest.file.sha256,
    version: hexlify(zeroPadBytes(versionBytes, VERSION_BYTES)),
    codeCommit: commit === undefined ? ZERO_COMMIT : `0x${commit}`,
    provenanceHash: manifest.provenanceHash,
    datasetDigest: manifest.provenance.dataset.digest.sha256,
    hyperparamsHash: manifest.provenance.hyperparametersHash,
    labelCount: labelCountOf(manifest),
    weightsCommitment:
      options.weightsCommitment === undefined
        ? ZeroHash
        : parseBytes32(options.weightsCommitment, 'weights commitment'),
    weightsUri: `ipfs://${manifest.file.cid}`,
  }
}

/**
 * Verifies a model folder (as `models:verify` does) and builds its proposal. Throws
 * `ManifestVerificationError` with every problem found when the folder does not verify.
 */
export async function loadVerifiedModel(
  dir: string,
  options: ProposalOptions = {},
): Promise<VerifiedModel> {
  const folder = resolve(dir)
  const report = await verifyModelFolder(folder)
  if (report.problems.length > 0) throw new ManifestVerificationError(folder, report.problems)
  return readModelFolder(folder, options)
}

/**
 * Parses a folder's manifest (shape, cross-field rules, provenance and hyperparameters hashes) and
 * checks the model file's sha256; not its CID (see the header). Throws `ManifestVerificationError`.
 */
export function readModelFolder(dir: string, options: ProposalOptions = {}): VerifiedModel {
  const folder = resolve(dir)
  let manifest: Manifest
  try {
    manifest = parseManifest(JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8')))
    checkModelBytes(manifest, readFileSync(join(folder, manifest.file.path)))
  } catch (err) {
    throw new ManifestVerificationError(folder, [err instanceof Error ? err.message : String(err)])
  }
  return { dir: folder, manifest, proposal: proposalFromManifest(manifest, options) }
}
