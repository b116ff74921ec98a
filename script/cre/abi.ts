import { Interface } from 'ethers'

/**
 * What the local CRE DON calls and reads on Chainlink's KeystoneForwarder 1.2.0
 * (src/v0.8/keystone/KeystoneForwarder.sol of @chainlink/contracts; script/deploy/IKeystoneForwarder.sol
 * declares the same for Solidity), with its errors so that a refused report names its reason.
 */
export const forwarderInterface = new Interface([
  'function report(address receiver, bytes rawReport, bytes reportContext, bytes[] signatures)',
  'function getTransmissionState(address receiver, bytes32 workflowExecutionId, bytes2 reportId) view returns (uint8)',
  'function typeAndVersion() view returns (string)',
  'event ConfigSet(uint32 indexed donId, uint32 indexed configVersion, uint8 f, address[] signers)',
  'event ReportProcessed(address indexed receiver, bytes32 indexed workflowExecutionId, bytes2 indexed reportId, bool result)',
  'error InvalidReport()',
  'error InvalidSignatureCount(uint256 expected, uint256 received)',
  'error InvalidConfig(uint64 configId)',
  'error InvalidSigner(address signer)',
  'error InvalidSignature(bytes signature)',
  'error DuplicateSigner(address signer)',
  'error AlreadyAttempted(bytes32 transmissionId)',
  'error UnauthorizedForwarder()',
])

/** `IRouter.TransmissionState`. */
export const TRANSMISSION_STATES = ['NOT_ATTEMPTED', 'SUCCEEDED', 'FAILED'] as const

/** The CreInferenceOracle's views the local DON checks at start (contracts/oracles/CreInferenceOracle.sol). */
export const creOracleInterface = new Interface([
  'function forwarder() view returns (address)',
  'function isPending(bytes32 requestId) view returns (bool)',
  'function requestFee() view returns (uint256)',
  'function workflow() view returns (address workflowOwner, bytes10 workflowName)',
])
