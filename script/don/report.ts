import {
  AbiCoder,
  Signature,
  concat,
  getBytes,
  hexlify,
  keccak256,
  recoverAddress,
  toBeHex,
  zeroPadValue,
  type SigningKey,
} from 'ethers'

/** `FunctionsResponse.Commitment`, as emitted in the Coordinator's `OracleRequest` event. */
export interface Commitment {
  requestId: string
  coordinator: string
  estimatedTotalCostJuels: bigint
  client: string
  subscriptionId: bigint
  callbackGasLimit: bigint
  adminFee: bigint
  donFee: bigint
  gasOverheadBeforeCallback: bigint
  gasOverheadAfterCallback: bigint
  timeoutTimestamp: bigint
}

/** The ABI type of `FunctionsResponse.Commitment` (field order matters). */
export const COMMITMENT_TUPLE =
  'tuple(bytes32 requestId, address coordinator, uint96 estimatedTotalCostJuels, address client, ' +
  'uint64 subscriptionId, uint32 callbackGasLimit, uint72 adminFee, uint72 donFee, ' +
  'uint40 gasOverheadBeforeCallback, uint40 gasOverheadAfterCallback, uint32 timeoutTimestamp)'

const abi = AbiCoder.defaultAbiCoder()

/** `abi.encode(commitment)`: the on-chain metadata the Coordinator checks against its stored hash. */
export function encodeCommitment(c: Commitment): string {
  return abi.encode(
    [COMMITMENT_TUPLE],
    [
      [
        c.requestId,
        c.coordinator,
        c.estimatedTotalCostJuels,
        c.client,
        c.subscriptionId,
        c.callbackGasLimit,
        c.adminFee,
        c.donFee,
        c.gasOverheadBeforeCallback,
        c.gasOverheadAfterCallback,
        c.timeoutTimestamp,
      ],
    ],
  )
}

/** One request's entry in an OCR report. */
export interface Fulfillment {
  requestId: string
  result: Uint8Array
  error: Uint8Array
  commitment: Commitment
  /** Off-chain metadata; the DON sends none for Functions v1. */
  offchainMetadata?: Uint8Array
}

/**
 * The report the Coordinator decodes in `_beforeTransmit`:
 * `abi.encode(bytes32[] ids, bytes[] results, bytes[] errors, bytes[] onchainMeta, bytes[] offchainMeta)`.
 */
export function encodeReport(fulfillments: Fulfillment[]): string {
  return abi.encode(
    ['bytes32[]', 'bytes[]', 'bytes[]', 'bytes[]', 'bytes[]'],
    [
      fulfillments.map((f) => f.requestId),
      fulfillments.map((f) => hexlify(f.result)),
      fulfillments.map((f) => hexlify(f.error)),
      fulfillments.map((f) => encodeCommitment(f.commitment)),
      fulfillments.map((f) => hexlify(f.offchainMetadata ?? new Uint8Array())),
    ],
  )
}

/** OCR2 report context: config digest, (epoch << 8 | round) in the last 5 bytes, extra hash. */
export type ReportContext = [string, string, string]

export function buildReportContext(
  configDigest: string,
  epoch: number,
  round: number,
  extraHash: string = zeroPadValue('0x', 32),
): ReportContext {
  if (!Number.isInteger(epoch) || epoch < 0 || epoch > 0xffffffff)
    throw new RangeError('epoch must be a uint32')
  if (!Number.isInteger(round) || round < 0 || round > 0xff)
    throw new RangeError('round must be a uint8')
  const epochAndRound = (BigInt(epoch) << 8n) | BigInt(round)
  return [configDigest, zeroPadValue(toBeHex(epochAndRound), 32), extraHash]
}

/** What the DON's signers sign: keccak256(keccak256(report) ‖ ctx[0] ‖ ctx[1] ‖ ctx[2]), no prefix. */
export function reportDigest(report: string, context: ReportContext): string {
  return keccak256(concat([keccak256(report), ...context]))
}

/** Signatures in the shape `transmit` takes: r and s arrays, and v - 27 packed into one word. */
export interface TransmitSignatures {
  rs: string[]
  ss: string[]
  rawVs: string
}

/** Signs the report digest with each key (in order) and packs the signatures for `transmit`. */
export function signReport(
  report: string,
  context: ReportContext,
  keys: SigningKey[],
): TransmitSignatures {
  if (keys.length > 32) throw new RangeError('at most 32 signatures fit into rawVs')
  const digest = reportDigest(report, context)
  const vs = new Uint8Array(32)
  const rs: string[] = []
  const ss: string[] = []
  keys.forEach((key, i) => {
    const sig = Signature.from(key.sign(digest))
    rs.push(sig.r)
    ss.push(sig.s)
    vs[i] = sig.v - 27
  })
  return { rs, ss, rawVs: hexlify(vs) }
}

/** Recovers the signer addresses from packed signatures (what the Coordinator's ecrecover sees). */
export function recoverSigners(
  report: string,
  context: ReportContext,
  sigs: TransmitSignatures,
): string[] {
  const digest = reportDigest(report, context)
  const vs = getBytes(sigs.rawVs)
  return sigs.rs.map((r, i) => {
    const s = sigs.ss[i]
    if (s === undefined) throw new RangeError('rs and ss differ in length')
    return recoverAddress(digest, Signature.from({ r, s, v: (vs[i] ?? 0) + 27 }))
  })
}
