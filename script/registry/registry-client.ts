/**
 * A typed client of the ModelRegistry (contracts/ModelRegistry.sol) over ethers v6: every state
 * change returns a summary of its transaction with the registry events it emitted, every revert
 * becomes a `RegistryRevertError` carrying the custom error's name and values, and records come back
 * decoded (status names, short strings).
 */
import {
  Contract,
  decodeBytes32String,
  getAddress,
  isCallException,
  toUtf8String,
  ZeroAddress,
  ZeroHash,
  type ContractRunner,
  type Log,
  type Result,
  type TransactionReceipt,
} from 'ethers'

import { registryInterface, statusName, type RegistryStatus } from './abi'
import type { RegistryProposal } from './model-proposal'

/** A registry call that reverted: the custom error (or `Error` for a reason string) and its values. */
export class RegistryRevertError extends Error {
  constructor(
    readonly errorName: string,
    readonly args: Record<string, string>,
    options?: { cause?: unknown },
  ) {
    const details = Object.entries(args)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')
    super(`registry reverted: ${errorName}(${details})`, options)
    this.name = 'RegistryRevertError'
  }
}

/** One registry event from a transaction's receipt. */
export interface RegistryEvent {
  name: string
  args: Record<string, string>
}

/** What a state-changing call did. */
export interface TransactionSummary {
  hash: string
  blockNumber: number
  from: string
  gasUsed: string
  events: RegistryEvent[]
}

/** `IModelRegistry.ModelVersion`, decoded. */
export interface VersionRecord {
  status: RegistryStatus
  proposer: string
  proposedAt: number
  /** Classes the result indexes (0: a scalar result); null when the record has none (a version 1 record). */
  labelCount: number | null
  version: string
  codeCommit: string
  provenanceHash: string
  datasetDigest: string
  hyperparamsHash: string
  /** Zero when the version has no circuit. */
  weightsCommitment: string
}

export interface PendingRetirement {
  proposedBy: string
  to: RegistryStatus
}

export interface PendingAmendment {
  proposedBy: string
  labelCount: number
  weightsCommitment: string
}

const STATUS_ARGS = new Set(['from', 'to', 'status'])

/** A short string `bytes32` as text when it is one, else the hex. */
export function shortString(value: string): string {
  try {
    const text = decodeBytes32String(value)
    return /^[\x20-\x7e]+$/.test(text) ? text : value
  } catch {
    return value
  }
}

/** The text of a zero-padded `bytes12` short string. */
function bytes12Text(value: string): string {
  const hex = value.replace(/^0x/, '').replace(/(00)+$/, '')
  return toUtf8String('0x' + hex)
}

function formatArgs(
  names: readonly string[],
  values: ArrayLike<unknown>,
  types: readonly string[],
): Record<string, string> {
  const out: Record<string, string> = {}
  names.forEach((name, i) => {
    const value: unknown = values[i]
    if (STATUS_ARGS.has(name) && types[i] === 'uint8') out[name] = statusName(value as bigint)
    else if (name === 'modelId') out[name] = shortString(String(value))
    else out[name] = typeof value === 'bigint' ? value.toString() : String(value)
  })
  return out
}

/**
 * Decodes a revert from an ethers error into a `RegistryRevertError`; anything else is rethrown. A
 * transaction that would revert fails at gas estimation, where ethers gives only the raw revert data,
 * so the data is decoded against the registry's errors here.
 */
export function decodeRevert(err: unknown): never {
  if (isCallException(err)) {
    if (err.reason) throw new RegistryRevertError('Error', { reason: err.reason }, { cause: err })
    const parsed = err.data ? registryInterface.parseError(err.data) : null
    if (parsed) {
      throw new RegistryRevertError(
        parsed.name,
        formatArgs(
          parsed.fragment.inputs.map((p) => p.name),
          parsed.args,
          parsed.fragment.inputs.map((p) => p.type),
        ),
        { cause: err },
      )
    }
  }
  throw err
}

/** The registry's events in a receipt, in log order. */
export function registryEvents(receipt: TransactionReceipt, registry: string): RegistryEvent[] {
  const events: RegistryEvent[] = []
  const address = getAddress(registry)
  for (const log of receipt.logs as readonly Log[]) {
    if (getAddress(log.address) !== address) continue
    const parsed = registryInterface.parseLog({ topics: [...log.topics], data: log.data })
    if (parsed === null) continue
    events.push({
      name: parsed.name,
      args: formatArgs(
        parsed.fragment.inputs.map((p) => p.name),
        parsed.args,
        parsed.fragment.inputs.map((p) => p.type),
      ),
    })
  }
  return events
}

/** The ModelRegistry behind `address`, used through `runner` (a signer to send, a provider to read). */
export class ModelRegistryClient {
  readonly contract: Contract

  constructor(
    readonly address: string,
    runner: ContractRunner,
  ) {
    this.contract = new Contract(address, registryInterface, runner)
  }

  /** The same registry through another runner (e.g. a second approver). */
  connect(runner: ContractRunner): ModelRegistryClient {
    return new ModelRegistryClient(this.address, runner)
  }

  private async send(method: string, args: unknown[]): Promise<TransactionSummary> {
    let receipt: TransactionReceipt | null
    let from: string
    try {
      const tx = (await this.contract.getFunction(method)(...args)) as {
        from: string
        wait(): Promise<TransactionReceipt | null>
      }
      from = tx.from
      receipt = await tx.wait()
    } catch (err) {
      return decodeRevert(err)
    }
    if (receipt === null) throw new Error(`${method}: the transaction was dropped`)
    return {
      hash: receipt.hash,
      blockNumber: receipt.blockNumber,
      from,
      gasUsed: receipt.gasUsed.toString(),
      events: registryEvents(receipt, this.address),
    }
  }

  private async read<T>(method: string, args: unknown[]): Promise<T> {
    try {
      return (await this.contract.getFunction(method)(...args)) as T
    } catch (err) {
      return decodeRevert(err)
    }
  }

  /** The proposal goes as an object: ethers encodes the tuple by its component names (abi.ts). */
  propose(p: RegistryProposal): Promise<TransactionSummary> {
    return this.send('propose', [p])
  }

  approve(modelId: string, modelHash: string): Promise<TransactionSummary> {
    return this.send('approve', [modelId, modelHash])
  }

  reject(modelId: string, modelHash: string): Promise<TransactionSummary> {
    return this.send('reject', [modelId, modelHash])
  }

  activate(modelId: string, modelHash: string): Promise<TransactionSummary> {
    return this.send('activate', [modelId, modelHash])
  }

  /** `proposeRevocation` / `proposeDeprecation`: the first half of retiring the active version. */
  proposeRetirement(
    modelId: string,
    modelHash: string,
    to: 'Revoked' | 'Deprecated',
  ): Promise<TransactionSummary> {
    const method = to === 'Revoked' ? 'proposeRevocation' : 'proposeDeprecation'
    return this.send(method, [modelId, modelHash])
  }

  /** `revoke` or `deprecate`. */
  retire(
    modelId: string,
    modelHash: string,
    to: 'Revoked' | 'Deprecated',
  ): Promise<TransactionSummary> {
    return this.send(to === 'Revoked' ? 'revoke' : 'deprecate', [modelId, modelHash])
  }

  revokeAndActivate(
    modelId: string,
    modelHash: string,
    replacement: string,
  ): Promise<TransactionSummary> {
    return this.send('revokeAndActivate', [modelId, modelHash, replacement])
  }

  /** `cancelRetirement` or `cancelAmendment`: withdraws what is pending for a version. */
  cancel(
    modelId: string,
    modelHash: string,
    what: 'retirement' | 'amendment',
  ): Promise<TransactionSummary> {
    const method = what === 'retirement' ? 'cancelRetirement' : 'cancelAmendment'
    return this.send(method, [modelId, modelHash])
  }

  /** `proposeAmendment`, or `confirmAmendment` of the same values by a second approver. */
  amend(
    step: 'propose' | 'confirm',
    modelId: string,
    modelHash: string,
    labelCount: number,
    weightsCommitment: string,
  ): Promise<TransactionSummary> {
    const method = step === 'confirm' ? 'confirmAmendment' : 'proposeAmendment'
    return this.send(method, [modelId, modelHash, labelCount, weightsCommitment])
  }

  /** The stored record of a version (status `None` if unknown). */
  async getVersion(modelId: string, modelHash: string): Promise<VersionRecord> {
    const v = await this.read<Result>('getVersion', [modelId, modelHash])
    const recorded = v.getValue('labelCountRecorded') as boolean
    return {
      status: statusName(v.getValue('status') as bigint),
      proposer: v.getValue('proposer') as string,
      proposedAt: Number(v.getValue('proposedAt') as bigint),
      labelCount: recorded ? Number(v.getValue('labelCount') as bigint) : null,
      version: bytes12Text(v.getValue('version') as string),
      codeCommit: v.getValue('codeCommit') as string,
      provenanceHash: v.getValue('provenanceHash') as string,
      datasetDigest: v.getValue('datasetDigest') as string,
      hyperparamsHash: v.getValue('hyperparamsHash') as string,
      weightsCommitment: v.getValue('weightsCommitment') as string,
    }
  }

  /** The active version's model hash (zero hash if none). */
  activeVersion(modelId: string): Promise<string> {
    return this.read<string>('activeVersion', [modelId])
  }

  /** The retirement waiting for a second approver, or null. */
  async pendingRetirement(modelId: string, modelHash: string): Promise<PendingRetirement | null> {
    const p = await this.read<Result>('pendingRetirement', [modelId, modelHash])
    const proposedBy = p.getValue('proposedBy') as string
    if (proposedBy === ZeroAddress) return null
    return { proposedBy, to: statusName(p.getValue('to') as bigint) }
  }

  /** The amendment waiting for confirmation, or null. */
  async pendingAmendment(modelId: string, modelHash: string): Promise<PendingAmendment | null> {
    const p = await this.read<Result>('pendingAmendment', [modelId, modelHash])
    const proposedBy = p.getValue('proposedBy') as string
    if (proposedBy === ZeroAddress) return null
    return {
      proposedBy,
      labelCount: Number(p.getValue('labelCount') as bigint),
      weightsCommitment: p.getValue('weightsCommitment') as string,
    }
  }

  /** Whether `account` holds the role named by the registry's constant `roleGetter`. */
  async hasRole(
    roleGetter: 'PROPOSER_ROLE' | 'APPROVER_ROLE' | 'UPGRADER_ROLE' | 'DEFAULT_ADMIN_ROLE',
    account: string,
  ): Promise<boolean> {
    const role = await this.read<string>(roleGetter, [])
    return this.read<boolean>('hasRole', [role, account])
  }
}

/** True for the zero `bytes32`. */
export function isZeroHash(value: string): boolean {
  return value.toLowerCase() === ZeroHash
}
