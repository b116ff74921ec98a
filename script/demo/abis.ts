import { Interface } from 'ethers'

/** The parts of contracts/examples/ClaimsInsurance.sol (an InferenceClient) the demo calls. */
export const insuranceInterface = new Interface([
  'function fundPool() payable',
  'function pool() view returns (uint256)',
  'function oracle() view returns (address)',
  'function requestFee() view returns (uint256)',
  'function premiumFor(uint256 coverage) view returns (uint256)',
  'function buyPolicy(uint128 coverage, uint32 term) payable returns (uint256)',
  'function fileClaim(uint256 policyId, string photoUri, bytes32 photoSha256) payable returns (uint256)',
  'function getClaim(uint256 claimId) view returns ((uint64 policyId, uint8 status, uint8 attempts, uint40 since, uint96 payout, uint8 severity, uint8 route, bytes32 requestId, bytes32 photoSha256, bytes32 photoUriHash))',
  'function payoutRatios() view returns (uint16[])',
  'event PolicyPurchased(uint256 indexed policyId, address indexed holder, uint256 coverage, uint256 premium, uint256 end, uint32 termsId, uint256 reserved)',
  'event ClaimRequested(uint256 indexed claimId, uint256 indexed policyId, bytes32 indexed requestId, string photoUri, bytes32 photoSha256)',
  'event ClaimSettled(uint256 indexed claimId, uint256 severity, uint256 payout)',
  'event ClaimRejected(uint256 indexed claimId, uint8 reason)',
])

/**
 * The parts of an inference oracle (contracts/oracles/: the shared events of IInferenceOracle and
 * FunctionsInferenceOracle's secrets setter) the demo calls.
 */
export const oracleInterface = new Interface([
  'function setDonHostedSecrets(uint8 slotId, uint64 version)',
  'function isPending(bytes32 requestId) view returns (bool)',
  'event InferenceRequested(bytes32 indexed requestId, bytes32 indexed modelId, address indexed client, bytes32 modelHash, bytes32 inputHash, string input, uint8 threshold, uint32 tolerance)',
  'event InferenceAccepted(bytes32 indexed requestId, bytes32 indexed modelId, uint256 result, bytes32 modelHash, uint8 agreed)',
  'event InferenceRejected(bytes32 indexed requestId, bytes32 indexed modelId, uint8 reason)',
  'event ReportRejected(bytes32 indexed requestId, address indexed sender, uint8 reason)',
  'event DeliveryFailed(bytes32 indexed requestId, address indexed client, bytes32 indexed modelId, uint8 reason, (uint256 result, bytes32 modelHash, bytes32 inputHash, uint8 responded, uint8 agreed, uint64 observedAt) result)',
])

/** `IInferenceOracleEvents.RejectReason` (contracts/interfaces/IInferenceOracle.sol). */
export const REJECT_REASONS = [
  'None',
  'UnknownRequest',
  'OracleError',
  'MalformedResult',
  'ModelNotApproved',
  'InputHashMismatch',
  'InsufficientAgreement',
  'StaleResult',
  'Expired',
  'UnauthorizedSender',
  'UnauthorizedWorkflow',
] as const

/** `ClaimsInsurance.ClaimStatus`. */
export const CLAIM_STATUS = [
  'None',
  'Pending',
  'Rejected',
  'Settled',
  'Expired',
  'UnderReview',
  'Disputed',
] as const
