import { Interface } from 'ethers'

/** `IModelRegistry.Proposal` as an ABI tuple (same field order as the Solidity struct). */
const PROPOSAL =
  '(bytes32 modelId, bytes32 modelHash, bytes12 version, bytes20 codeCommit, bytes32 provenanceHash, bytes32 datasetDigest, bytes32 hyperparamsHash, uint16 labelCount, bytes32 weightsCommitment, string weightsUri)'
/** `IModelRegistry.ModelVersion`. */
const MODEL_VERSION =
  '(uint8 status, address proposer, uint40 proposedAt, uint16 labelCount, bool labelCountRecorded, bytes12 version, bytes20 codeCommit, bytes32 provenanceHash, bytes32 datasetDigest, bytes32 hyperparamsHash, bytes32 weightsCommitment)'

/**
 * The ModelRegistry's ABI as the CLI and the demo use it: every function, event and error of
 * contracts/ModelRegistry.sol and IModelRegistry.sol (plus the AccessControl and UUPS parts the tools
 * call). test/registry/abi.test.ts checks each entry against the compiled contract.
 */
export const MODEL_REGISTRY_ABI = [
  'function PROPOSER_ROLE() view returns (bytes32)',
  'function APPROVER_ROLE() view returns (bytes32)',
  'function UPGRADER_ROLE() view returns (bytes32)',
  'function DEFAULT_ADMIN_ROLE() view returns (bytes32)',
  'function hasRole(bytes32 role, address account) view returns (bool)',
  'function grantRole(bytes32 role, address account)',
  `function propose(${PROPOSAL} proposal)`,
  'function approve(bytes32 modelId, bytes32 modelHash)',
  'function reject(bytes32 modelId, bytes32 modelHash)',
  'function activate(bytes32 modelId, bytes32 modelHash)',
  'function proposeDeprecation(bytes32 modelId, bytes32 modelHash)',
  'function deprecate(bytes32 modelId, bytes32 modelHash)',
  'function proposeRevocation(bytes32 modelId, bytes32 modelHash)',
  'function revoke(bytes32 modelId, bytes32 modelHash)',
  'function revokeAndActivate(bytes32 modelId, bytes32 modelHash, bytes32 replacement)',
  'function cancelRetirement(bytes32 modelId, bytes32 modelHash)',
  'function proposeAmendment(bytes32 modelId, bytes32 modelHash, uint16 labelCount, bytes32 weightsCommitment)',
  'function confirmAmendment(bytes32 modelId, bytes32 modelHash, uint16 labelCount, bytes32 weightsCommitment)',
  'function cancelAmendment(bytes32 modelId, bytes32 modelHash)',
  'function isApproved(bytes32 modelId, bytes32 modelHash) view returns (bool)',
  'function activeVersion(bytes32 modelId) view returns (bytes32 modelHash)',
  'function statusOf(bytes32 modelId, bytes32 modelHash) view returns (uint8)',
  `function getVersion(bytes32 modelId, bytes32 modelHash) view returns (${MODEL_VERSION})`,
  'function labelCountOf(bytes32 modelId, bytes32 modelHash) view returns (uint16)',
  'function approvedWeightsCommitment(bytes32 modelId, bytes32 modelHash) view returns (bytes32)',
  'function pendingRetirement(bytes32 modelId, bytes32 modelHash) view returns ((address proposedBy, uint8 to))',
  'function pendingAmendment(bytes32 modelId, bytes32 modelHash) view returns ((address proposedBy, uint16 labelCount, bytes32 weightsCommitment))',
  'event ModelVersionProposed(bytes32 indexed modelId, bytes32 indexed modelHash, address indexed proposer, bytes12 version, bytes20 codeCommit, bytes32 provenanceHash, bytes32 datasetDigest, bytes32 hyperparamsHash, uint16 labelCount, bytes32 weightsCommitment, string weightsUri)',
  'event ModelVersionApproved(bytes32 indexed modelId, bytes32 indexed modelHash, address indexed approver)',
  'event ModelVersionRejected(bytes32 indexed modelId, bytes32 indexed modelHash, address indexed proposer, address by)',
  'event ModelVersionDeprecated(bytes32 indexed modelId, bytes32 indexed modelHash, address indexed by)',
  'event ModelVersionRevoked(bytes32 indexed modelId, bytes32 indexed modelHash, address indexed by)',
  'event ActiveVersionChanged(bytes32 indexed modelId, bytes32 previous, bytes32 current)',
  'event RevocationProposed(bytes32 indexed modelId, bytes32 indexed modelHash, address indexed by)',
  'event DeprecationProposed(bytes32 indexed modelId, bytes32 indexed modelHash, address indexed by)',
  'event RetirementCancelled(bytes32 indexed modelId, bytes32 indexed modelHash, address indexed by)',
  'event AmendmentProposed(bytes32 indexed modelId, bytes32 indexed modelHash, address indexed by, uint16 labelCount, bytes32 weightsCommitment)',
  'event ModelVersionAmended(bytes32 indexed modelId, bytes32 indexed modelHash, address indexed confirmedBy, address proposedBy, uint16 labelCount, bytes32 previousWeightsCommitment, bytes32 weightsCommitment)',
  'event AmendmentCancelled(bytes32 indexed modelId, bytes32 indexed modelHash, address indexed by)',
  'error InvalidModelVersion(bytes32 modelId, bytes32 modelHash)',
  'error ModelVersionExists(bytes32 modelId, bytes32 modelHash)',
  'error InvalidTransition(bytes32 modelId, bytes32 modelHash, uint8 from, uint8 to)',
  'error ProposerCannotApprove(bytes32 modelId, bytes32 modelHash, address account)',
  'error RetirementNotProposed(bytes32 modelId, bytes32 modelHash, uint8 to)',
  'error RetirementNeedsSecondApprover(bytes32 modelId, bytes32 modelHash, address account)',
  'error VersionAlreadyActive(bytes32 modelId, bytes32 modelHash)',
  'error ReplacementIsRevokedVersion(bytes32 modelId, bytes32 modelHash)',
  'error LabelCountNotRecorded(bytes32 modelId, bytes32 modelHash)',
  'error LabelCountImmutable(bytes32 modelId, bytes32 modelHash, uint16 recorded, uint16 given)',
  'error VersionNotAmendable(bytes32 modelId, bytes32 modelHash, uint8 status)',
  'error AmendmentChangesNothing(bytes32 modelId, bytes32 modelHash)',
  'error AmendmentNotProposed(bytes32 modelId, bytes32 modelHash)',
  'error AmendmentMismatch(bytes32 modelId, bytes32 modelHash, uint16 labelCount, bytes32 weightsCommitment)',
  'error AmendmentNeedsSecondPerson(bytes32 modelId, bytes32 modelHash, address account)',
  'error NotAmendmentProposer(bytes32 modelId, bytes32 modelHash, address account)',
] as const

/** The ModelRegistry's interface (encode calls, decode events and custom errors). */
export const registryInterface = new Interface(MODEL_REGISTRY_ABI)

/** `IModelRegistry.Status`, by its uint8 value. */
export const REGISTRY_STATUS = ['None', 'Proposed', 'Approved', 'Deprecated', 'Revoked'] as const
export type RegistryStatus = (typeof REGISTRY_STATUS)[number]

/** The uint8 of a status name. */
export function statusValue(name: RegistryStatus): number {
  return REGISTRY_STATUS.indexOf(name)
}

/** The status name of a uint8 (throws on a value the enum does not have). */
export function statusName(value: bigint | number): RegistryStatus {
  const name = REGISTRY_STATUS[Number(value)]
  if (name === undefined) throw new RangeError(`unknown registry status ${String(value)}`)
  return name
}
