import { Interface } from 'ethers'

import { COMMITMENT_TUPLE } from './report'

/**
 * The parts of Chainlink's FunctionsCoordinator v1_3_0 (with OCR2Base) and FunctionsRouter
 * v1_0_0 that a DON node uses, as human-readable ABI (same signatures as the Solidity sources in
 * node_modules/@chainlink/contracts/src/v0.8/functions).
 */
export const coordinatorInterface = new Interface([
  `event OracleRequest(bytes32 indexed requestId, address indexed requestingContract, address requestInitiator, uint64 subscriptionId, address subscriptionOwner, bytes data, uint16 dataVersion, bytes32 flags, uint64 callbackGasLimit, ${COMMITMENT_TUPLE} commitment)`,
  'event OracleResponse(bytes32 indexed requestId, address transmitter)',
  'event ConfigSet(uint32 previousConfigBlockNumber, bytes32 configDigest, uint64 configCount, address[] signers, address[] transmitters, uint8 f, bytes onchainConfig, uint64 offchainConfigVersion, bytes offchainConfig)',
  'event Transmitted(bytes32 configDigest, uint32 epoch)',
  'function latestConfigDetails() view returns (uint32 configCount, uint32 blockNumber, bytes32 configDigest)',
  'function transmitters() view returns (address[])',
  'function transmit(bytes32[3] reportContext, bytes report, bytes32[] rs, bytes32[] ss, bytes32 rawVs)',
  'function typeAndVersion() view returns (string)',
  'error ReportInvalid(string message)',
  'error InvalidConfig(string message)',
  'error InconsistentReportData()',
  'error UnauthorizedSender()',
  'error InvalidCalldata()',
  'error NoTransmittersSet()',
  'error PaymentTooLarge()',
])

export const routerInterface = new Interface([
  'event RequestProcessed(bytes32 indexed requestId, uint64 indexed subscriptionId, uint96 totalCostJuels, address transmitter, uint8 resultCode, bytes response, bytes err, bytes callbackReturnData)',
  'event RequestNotProcessed(bytes32 indexed requestId, address coordinator, address transmitter, uint8 resultCode)',
])

/** `FunctionsResponse.FulfillResult`. */
export const FULFILL_RESULT_NAMES = [
  'FULFILLED',
  'USER_CALLBACK_ERROR',
  'INVALID_REQUEST_ID',
  'COST_EXCEEDS_COMMITMENT',
  'INSUFFICIENT_GAS_PROVIDED',
  'SUBSCRIPTION_BALANCE_INVARIANT_VIOLATION',
  'INVALID_COMMITMENT',
] as const

export function fulfillResultName(code: number): string {
  return FULFILL_RESULT_NAMES[code] ?? `UNKNOWN(${code})`
}
