/**
 * What the registry records for a model version that has a circuit: the weights commitment of its
 * zk format (`zk/circuits/<id>/format.json`), as a `bytes32`. The registry CLI and the demos take it
 * from here, so registering a model folder registers its commitment without anyone copying it by
 * hand; a format generated from another ONNX file (another version of the model id) does not count.
 * Imports only the format's reader (no snarkjs, no circomlib): the registry CLI loads this module, and
 * it must stay free of the GPL-3.0 proving stack (docs/zk.md, Licences).
 */
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'

import { FORMAT_FILE, readFormat } from './format'

const REPO_ROOT = resolve(__dirname, '..', '..')

export interface CircuitRegistration {
  /** `0x` + 64 hex digits: the commitment every proof of this circuit carries. */
  weightsCommitment: string
  /** The format file it was read from. */
  formatPath: string
}

/**
 * The weights commitment of the circuit generated from this exact model file, or undefined when the
 * model id has no zk format or its format was generated from another file (another model hash).
 * Throws ArtifactError when a format exists but does not parse (a corrupt commitment must never be
 * registered silently).
 */
export function circuitRegistration(
  modelId: string,
  modelHash: string,
  root = REPO_ROOT,
): CircuitRegistration | undefined {
  const formatPath = join(root, 'zk', 'circuits', modelId, FORMAT_FILE)
  if (!existsSync(formatPath)) return undefined
  const format = readFormat(formatPath)
  if (
    format.model.id !== modelId ||
    format.model.sha256.toLowerCase() !== modelHash.toLowerCase()
  ) {
    return undefined
  }
  const weightsCommitment = `0x${BigInt(format.weightsCommitment).toString(16).padStart(64, '0')}`
  return { weightsCommitment, formatPath }
}
