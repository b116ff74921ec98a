import { Interface, type Log, type LogDescription } from 'ethers'

/**
 * The events every inference oracle emits (contracts/interfaces/IInferenceOracle.sol,
 * `IInferenceOracleEvents`), for the local tooling that reads them: the demo, the local DONs.
 */
export const oracleEventsInterface = new Interface([
  'event InferenceRequested(bytes32 indexed requestId, bytes32 indexed modelId, address indexed client, bytes32 modelHash, bytes32 inputHash, string input, uint8 threshold, uint32 tolerance)',
  'event InferenceAccepted(bytes32 indexed requestId, bytes32 indexed modelId, uint256 result, bytes32 modelHash, uint8 agreed)',
  'event InferenceRejected(bytes32 indexed requestId, bytes32 indexed modelId, uint8 reason)',
  'event ReportRejected(bytes32 indexed requestId, address indexed sender, uint8 reason)',
  'event DeliveryFailed(bytes32 indexed requestId, address indexed client, bytes32 indexed modelId, uint8 reason, (uint256 result, bytes32 modelHash, bytes32 inputHash, uint8 responded, uint8 agreed, uint64 observedAt) result)',
])

/** `IInferenceOracleEvents.RejectReason`, by value (the enum is append-only). */
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

/** The name of a `RejectReason` value (`Unknown(<n>)` for one this list does not know yet). */
export function rejectReasonName(value: number | bigint): string {
  return REJECT_REASONS[Number(value)] ?? `Unknown(${value})`
}

/** The oracle events among `logs` that `oracle` emitted, parsed, in order. */
export function oracleEvents(logs: readonly Log[], oracle: string): LogDescription[] {
  const out: LogDescription[] = []
  for (const log of logs) {
    if (log.address.toLowerCase() !== oracle.toLowerCase()) continue
    const parsed = oracleEventsInterface.parseLog(log)
    if (parsed !== null) out.push(parsed)
  }
  return out
}
