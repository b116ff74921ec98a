/**
 * What each `npm run registry` command does, apart from argument parsing and printing, so tests can
 * drive it in-process. A target is a model folder (verified against its manifest before anything is
 * sent) or a model id with `--hash`.
 */
import { existsSync, statSync } from 'node:fs'

import { getAddress } from 'ethers'

import {
  labelCountOf,
  loadVerifiedModel,
  modelIdBytes32,
  parseBytes32,
  type RegistryProposal,
  type VerifiedModel,
} from './model-proposal'
import {
  isZeroHash,
  type ModelRegistryClient,
  type PendingAmendment,
  type PendingRetirement,
  type TransactionSummary,
  type VersionRecord,
} from './registry-client'

/** Same rule as the manifest schema: at most 31 ASCII characters (an on-chain bytes32 short string). */
const MODEL_ID = /^[a-z0-9][a-z0-9._-]{0,30}$/

/** A command used wrongly (exit 2). */
export class RegistryUsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RegistryUsageError'
  }
}

/** `approve` refused: the on-chain proposal differs from the verified manifest (exit 1). */
export class RecordMismatchError extends Error {
  constructor(
    readonly mismatches: FieldMismatch[],
    modelId: string,
  ) {
    super(
      `the on-chain proposal of ${modelId} differs from the manifest in ${mismatches
        .map((m) => m.field)
        .join(', ')}: not approving. If someone proposed this model hash with a wrong record, ` +
        '`npm run registry -- reject` frees the key for the right proposal.',
    )
    this.name = 'RecordMismatchError'
  }
}

export interface FieldMismatch {
  field: string
  onChain: string
  manifest: string
}

/** What a command works on. */
export interface Target {
  /** The model id as text and as `bytes32`. */
  id: string
  modelId: string
  /** The version's model hash, when known (a folder, or `--hash`). */
  modelHash?: string
  /** The verified folder, when the target is one. */
  model?: VerifiedModel
}

export interface TargetOptions {
  hash?: string
  weightsCommitment?: string
}

/**
 * A folder (verified; `--hash` must then agree with its manifest) or a model id (`--hash` optional).
 * Throws `ManifestVerificationError` for a folder that does not verify.
 */
export async function resolveTarget(arg: string, options: TargetOptions = {}): Promise<Target> {
  const hash = options.hash === undefined ? undefined : parseBytes32(options.hash, '--hash')
  if (existsSync(arg) && statSync(arg).isDirectory()) {
    const model = await loadVerifiedModel(
      arg,
      options.weightsCommitment === undefined
        ? {}
        : { weightsCommitment: options.weightsCommitment },
    )
    if (hash !== undefined && hash !== model.proposal.modelHash) {
      throw new RegistryUsageError(
        `--hash ${hash} is not the model hash of ${model.dir} (${model.proposal.modelHash})`,
      )
    }
    return {
      id: model.manifest.id,
      modelId: model.proposal.modelId,
      modelHash: model.proposal.modelHash,
      model,
    }
  }
  if (!MODEL_ID.test(arg)) {
    throw new RegistryUsageError(
      `"${arg}" is neither a model folder nor a model id (lowercase letters, digits, ".", "_", "-"; at most 31)`,
    )
  }
  return {
    id: arg,
    modelId: modelIdBytes32(arg),
    ...(hash === undefined ? {} : { modelHash: hash }),
  }
}

function requireHash(target: Target, command: string): string {
  if (target.modelHash === undefined) {
    throw new RegistryUsageError(
      `${command} ${target.id}: name the version with --hash or a model folder`,
    )
  }
  return target.modelHash
}

function requireModel(target: Target, command: string): VerifiedModel {
  if (target.model === undefined) {
    throw new RegistryUsageError(
      `${command} needs a model folder (it checks the manifest), not the id "${target.id}"`,
    )
  }
  return target.model
}

/** A command's outcome, as printed. */
export interface CommandResult {
  /** What happened, e.g. `proposed`, `revocation-proposed`, `revoked`. */
  action: string
  model: string
  modelHash?: string
  transaction?: TransactionSummary
  /** What the caller should know next (e.g. a second approver must confirm). */
  next?: string
  status?: RegistryState
}

/** A command's result after its transaction: what happened, what next, the registry's state now. */
async function afterTransaction(
  client: ModelRegistryClient,
  target: Target,
  action: string,
  modelHash: string,
  transaction: TransactionSummary,
  next?: string,
): Promise<CommandResult> {
  return {
    action,
    model: target.id,
    modelHash,
    transaction,
    ...(next === undefined ? {} : { next }),
    status: await readState(client, target),
  }
}

/** Everything the registry holds about a model id (and one of its versions). */
export interface RegistryState {
  model: string
  activeVersion: string | null
  modelHash: string | null
  record: VersionRecord | null
  pendingRetirement: PendingRetirement | null
  pendingAmendment: PendingAmendment | null
  /** With a folder: how the record compares with the manifest (empty: it matches). */
  manifestMismatches?: FieldMismatch[]
}

/** Compares an on-chain record with the proposal a verified manifest makes. */
export function compareRecord(
  record: VersionRecord,
  proposal: RegistryProposal,
  version: string,
  options: { compareWeightsCommitment: boolean },
): FieldMismatch[] {
  const out: FieldMismatch[] = []
  const check = (field: string, onChain: string, manifest: string): void => {
    if (onChain.toLowerCase() !== manifest.toLowerCase()) out.push({ field, onChain, manifest })
  }
  check('version', record.version, version)
  check('codeCommit', record.codeCommit, proposal.codeCommit)
  check('provenanceHash', record.provenanceHash, proposal.provenanceHash)
  check('datasetDigest', record.datasetDigest, proposal.datasetDigest)
  check('hyperparamsHash', record.hyperparamsHash, proposal.hyperparamsHash)
  check(
    'labelCount',
    record.labelCount === null ? 'not recorded' : String(record.labelCount),
    String(proposal.labelCount),
  )
  if (options.compareWeightsCommitment) {
    check('weightsCommitment', record.weightsCommitment, proposal.weightsCommitment)
  }
  return out
}

/** Reads the registry's state for a target (its version: the one named, else the active one). */
export async function readState(
  client: ModelRegistryClient,
  target: Target,
  options: { compareWeightsCommitment?: boolean } = {},
): Promise<RegistryState> {
  const active = await client.activeVersion(target.modelId)
  const hash = target.modelHash ?? (isZeroHash(active) ? undefined : active)
  const state: RegistryState = {
    model: target.id,
    activeVersion: isZeroHash(active) ? null : active,
    modelHash: hash ?? null,
    record: null,
    pendingRetirement: null,
    pendingAmendment: null,
  }
  if (hash === undefined) return state
  const record = await client.getVersion(target.modelId, hash)
  state.record = record.status === 'None' ? null : record
  state.pendingRetirement = await client.pendingRetirement(target.modelId, hash)
  state.pendingAmendment = await client.pendingAmendment(target.modelId, hash)
  if (target.model !== undefined && state.record !== null) {
    state.manifestMismatches = compareRecord(
      state.record,
      target.model.proposal,
      target.model.manifest.version,
      { compareWeightsCommitment: options.compareWeightsCommitment ?? false },
    )
  }
  return state
}

/** `propose <folder>`: records the verified manifest's version as Proposed. */
export async function propose(client: ModelRegistryClient, target: Target): Promise<CommandResult> {
  const model = requireModel(target, 'propose')
  const transaction = await client.propose(model.proposal)
  return afterTransaction(
    client,
    target,
    'proposed',
    model.proposal.modelHash,
    transaction,
    'an approver other than the proposer checks the record and runs `approve <folder>`',
  )
}

/**
 * `approve <folder> [--weights-commitment]`: approves the proposal only if its on-chain record is the
 * verified manifest's (so a squatted proposal with someone else's provenance is never approved;
 * `reject` it instead), weights commitment included: a record carrying a commitment the approver
 * did not name (with --weights-commitment) is not approved.
 */
export async function approve(client: ModelRegistryClient, target: Target): Promise<CommandResult> {
  const model = requireModel(target, 'approve')
  const before = await readState(client, target, { compareWeightsCommitment: true })
  if (before.record !== null && before.manifestMismatches && before.manifestMismatches.length > 0) {
    throw new RecordMismatchError(before.manifestMismatches, target.id)
  }
  const transaction = await client.approve(target.modelId, model.proposal.modelHash)
  return afterTransaction(client, target, 'approved', model.proposal.modelHash, transaction)
}

/** `reject <folder|id --hash>`: deletes a proposal so its key can be proposed again. */
export async function reject(client: ModelRegistryClient, target: Target): Promise<CommandResult> {
  const hash = requireHash(target, 'reject')
  const transaction = await client.reject(target.modelId, hash)
  return afterTransaction(
    client,
    target,
    'rejected',
    hash,
    transaction,
    'the key is free: the right proposal can now be made with `propose <folder>`',
  )
}

/** `activate <folder|id --hash>`: makes an approved version the active one. */
export async function activate(
  client: ModelRegistryClient,
  target: Target,
): Promise<CommandResult> {
  const hash = requireHash(target, 'activate')
  const transaction = await client.activate(target.modelId, hash)
  return afterTransaction(client, target, 'activated', hash, transaction)
}

/** Each retirement's command and the actions it reports. */
const RETIREMENT = {
  Revoked: { command: 'revoke', proposed: 'revocation-proposed', done: 'revoked' },
  Deprecated: { command: 'deprecate', proposed: 'deprecation-proposed', done: 'deprecated' },
} as const

/**
 * `revoke` / `deprecate`: a version that is not the active one moves at once; the active version
 * needs two approvers, so the first run proposes and a second approver's run of the same command
 * confirms. `revoke --replacement <hash>` revokes and activates another approved version in one call.
 */
export async function retire(
  client: ModelRegistryClient,
  signer: string,
  target: Target,
  to: 'Revoked' | 'Deprecated',
  replacement?: string,
): Promise<CommandResult> {
  const step = RETIREMENT[to]
  const command = step.command
  const hash = requireHash(target, command)
  if (replacement !== undefined) {
    if (to !== 'Revoked') throw new RegistryUsageError('--replacement goes with revoke only')
    const transaction = await client.revokeAndActivate(
      target.modelId,
      hash,
      parseBytes32(replacement, '--replacement'),
    )
    return afterTransaction(client, target, 'revoked-and-replaced', hash, transaction)
  }
  const active = await client.activeVersion(target.modelId)
  const isActive = active.toLowerCase() === hash.toLowerCase()
  const pending = isActive ? await client.pendingRetirement(target.modelId, hash) : null
  const confirms =
    pending !== null && pending.to === to && getAddress(pending.proposedBy) !== getAddress(signer)
  // The active version's first approver proposes; a second approver's run (or any run on another
  // version) retires it.
  const proposes = isActive && !confirms
  const transaction = proposes
    ? await client.proposeRetirement(target.modelId, hash, to)
    : await client.retire(target.modelId, hash, to)
  return afterTransaction(
    client,
    target,
    proposes ? step.proposed : step.done,
    hash,
    transaction,
    proposes
      ? `this is the active version: a second approver runs \`${command}\` on it to confirm, or an approver runs \`revoke --replacement <approved hash>\``
      : undefined,
  )
}

/** `cancel <folder|id --hash> --retirement|--amendment`: withdraws what is pending. */
export async function cancel(
  client: ModelRegistryClient,
  target: Target,
  what: 'retirement' | 'amendment',
): Promise<CommandResult> {
  const hash = requireHash(target, 'cancel')
  const transaction = await client.cancel(target.modelId, hash, what)
  return afterTransaction(client, target, `${what}-cancelled`, hash, transaction)
}

export interface AmendOptions {
  labelCount?: number
  weightsCommitment?: string
}

/**
 * `amend`: proposes new values for a version's label count and weights commitment, or, when another
 * account already proposed exactly these values, confirms them (an approver). The label count comes
 * from `--label-count`, else the folder's manifest, else the record; the commitment from
 * `--weights-commitment`, else the record.
 */
export async function amend(
  client: ModelRegistryClient,
  signer: string,
  target: Target,
  options: AmendOptions,
): Promise<CommandResult> {
  const hash = requireHash(target, 'amend')
  const record = await client.getVersion(target.modelId, hash)
  const labelCount =
    options.labelCount ??
    (target.model === undefined ? record.labelCount : labelCountOf(target.model.manifest))
  if (labelCount === null) {
    throw new RegistryUsageError(
      'the record has no label count: give --label-count or a model folder',
    )
  }
  const weightsCommitment =
    options.weightsCommitment === undefined
      ? record.weightsCommitment
      : parseBytes32(options.weightsCommitment, '--weights-commitment')
  const pending = await client.pendingAmendment(target.modelId, hash)
  const confirms =
    pending !== null &&
    getAddress(pending.proposedBy) !== getAddress(signer) &&
    pending.labelCount === labelCount &&
    pending.weightsCommitment.toLowerCase() === weightsCommitment.toLowerCase()
  const transaction = await client.amend(
    confirms ? 'confirm' : 'propose',
    target.modelId,
    hash,
    labelCount,
    weightsCommitment,
  )
  return afterTransaction(
    client,
    target,
    confirms ? 'amended' : 'amendment-proposed',
    hash,
    transaction,
    confirms
      ? undefined
      : 'an approver other than you runs the same `amend` command to confirm these values',
  )
}

/** `status <folder|id>`: the active version, the record, what is pending; with a folder, the comparison. */
export async function status(
  client: ModelRegistryClient,
  target: Target,
  options: { compareWeightsCommitment: boolean },
): Promise<CommandResult> {
  const state = await readState(client, target, options)
  return {
    action: 'status',
    model: target.id,
    ...(state.modelHash === null ? {} : { modelHash: state.modelHash }),
    status: state,
  }
}
