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
  'function getClaim(uint256 claimId) view returns ((uint64 policyId, uint8 status, uint8 attempts, uint40 requestedAt, uint128 payout, bytes32 requestId, bytes32 photoSha256))',
  'function payoutRatios() view returns (uint16[])',
  'event PolicyPurchased(uint256 indexed policyId, address indexed holder, uint256 coverage, uint256 premium, uint256 end)',
  'event ClaimRequested(uint256 indexed claimId, uint256 indexed policyId, bytes32 indexed requestId, string photoUri, bytes32 photoSha256)',
  'event ClaimSettled(uint256 indexed claimId, uint256 severity, uint256 payout)',
  'event ClaimRejected(uint256 indexed claimId, uint8 reason)',
])

/**
 * FunctionsInferenceOracle's secrets setter (the demo's Functions line-ups); the events every oracle
 * emits are in script/local/oracle-events.ts.
 */
export const oracleInterface = new Interface([
  'function setDonHostedSecrets(uint8 slotId, uint64 version)',
])

/** `ClaimsInsurance.ClaimStatus`. */
export const CLAIM_STATUS = ['None', 'Pending', 'Rejected', 'Settled', 'Expired'] as const
