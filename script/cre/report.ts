/**
 * The report a CRE DON delivers through Chainlink's KeystoneForwarder 1.2.0, built and signed as the
 * forwarder reads it (node_modules/@chainlink/contracts/src/v0.8/keystone/KeystoneForwarder.sol):
 *
 *   rawReport = version (1) ‖ workflow_execution_id (32) ‖ timestamp (4) ‖ don_id (4) ‖
 *               don_config_version (4) ‖ workflow_cid (32) ‖ workflow_name (10) ‖
 *               workflow_owner (20) ‖ report_id (2) ‖ payload
 *
 * The receiver's `onReport(metadata, report)` gets bytes 45..109 as `metadata` and the payload as
 * `report`. Each of the f+1 signatures is `r ‖ s ‖ (v - 27)` over
 * `keccak256(keccak256(rawReport) ‖ reportContext)`, with a 96-byte report context (OCR3's config
 * digest, the sequence number, zero padding). test/contracts/helpers/KeystoneReports.sol builds the
 * same bytes in Solidity.
 */
import {
  AbiCoder,
  SigningKey,
  Signature,
  concat,
  dataLength,
  dataSlice,
  getAddress,
  getBytes,
  hexlify,
  keccak256,
  recoverAddress,
  sha256,
  solidityPacked,
  toUtf8Bytes,
  zeroPadValue,
  toBeHex,
} from 'ethers'

/** The report format version KeystoneForwarder 1.2.0 reads. */
export const RAW_REPORT_VERSION = 1
/** Bytes before the payload. */
export const METADATA_BYTES = 109
/** Bytes the forwarder keeps for itself (version, execution id, timestamp, DON id, config version). */
export const FORWARDER_METADATA_BYTES = 45
/** Length of the report context OCR3 signs. */
export const REPORT_CONTEXT_BYTES = 96
/** The report id of the workflow's one EVM write (the metadata's `report_id`). */
export const DEFAULT_REPORT_ID = '0x0001'

const HASH = /^0x[0-9a-fA-F]{64}$/
const BYTES10 = /^0x[0-9a-fA-F]{20}$/
const BYTES2 = /^0x[0-9a-fA-F]{4}$/
const MAX_UINT32 = 0xffff_ffff

/** Thrown for report fields that do not fit the forwarder's layout. */
export class ReportLayoutError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ReportLayoutError'
  }
}

/** The fields of a raw report besides its payload. */
export interface ReportHeader {
  /** `0x` + 64 hex: the workflow execution (the forwarder routes each (receiver, execution, report id) once). */
  executionId: string
  /** Unix seconds. */
  timestamp: number
  donId: number
  configVersion: number
  /** `0x` + 64 hex: the workflow id (CID). */
  workflowCid: string
  /** `0x` + 20 hex: CRE's `bytes10` encoding of the workflow name (`workflowNameBytes10`). */
  workflowName: string
  workflowOwner: string
  /** `0x` + 4 hex. */
  reportId: string
}

function checkUint32(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 0 || value > MAX_UINT32) {
    throw new ReportLayoutError(`${name} must be a uint32, got ${value}`)
  }
}

function checkHeader(h: ReportHeader): void {
  if (!HASH.test(h.executionId)) throw new ReportLayoutError('executionId must be 0x + 64 hex')
  if (!HASH.test(h.workflowCid)) throw new ReportLayoutError('workflowCid must be 0x + 64 hex')
  if (!BYTES10.test(h.workflowName)) throw new ReportLayoutError('workflowName must be 0x + 20 hex')
  if (!BYTES2.test(h.reportId)) throw new ReportLayoutError('reportId must be 0x + 4 hex')
  checkUint32(h.timestamp, 'timestamp')
  checkUint32(h.donId, 'donId')
  checkUint32(h.configVersion, 'configVersion')
  getAddress(h.workflowOwner)
}

/**
 * CRE's `workflow_name` for a workflow's name: the first 10 characters of the lowercase hex of
 * sha256(name), as ASCII bytes (contracts/libraries/CrePayload.sol `workflowName`).
 */
export function workflowNameBytes10(name: string): string {
  return hexlify(toUtf8Bytes(sha256(toUtf8Bytes(name)).slice(2, 12)))
}

/** The 64 bytes `onReport` receives as `metadata`: workflow cid, name, owner, report id. */
export function reportMetadata(h: ReportHeader): string {
  checkHeader(h)
  return solidityPacked(
    ['bytes32', 'bytes10', 'address', 'bytes2'],
    [h.workflowCid, h.workflowName, h.workflowOwner, h.reportId],
  )
}

/** The raw report the forwarder's `report(receiver, rawReport, reportContext, signatures)` takes. */
export function encodeRawReport(h: ReportHeader, payload: Uint8Array | string): string {
  checkHeader(h)
  return concat([
    solidityPacked(
      ['uint8', 'bytes32', 'uint32', 'uint32', 'uint32'],
      [RAW_REPORT_VERSION, h.executionId, h.timestamp, h.donId, h.configVersion],
    ),
    reportMetadata(h),
    payload,
  ])
}

/** Splits a raw report into its header and payload (the inverse of `encodeRawReport`). */
export function decodeRawReport(raw: string): { header: ReportHeader; payload: string } {
  if (dataLength(raw) < METADATA_BYTES) {
    throw new ReportLayoutError(`a raw report has at least ${METADATA_BYTES} bytes`)
  }
  const version = getBytes(dataSlice(raw, 0, 1))[0]
  if (version !== RAW_REPORT_VERSION) throw new ReportLayoutError(`unknown version ${version}`)
  const uint32At = (offset: number): number => Number(BigInt(dataSlice(raw, offset, offset + 4)))
  return {
    header: {
      executionId: dataSlice(raw, 1, 33),
      timestamp: uint32At(33),
      donId: uint32At(37),
      configVersion: uint32At(41),
      workflowCid: dataSlice(raw, 45, 77),
      workflowName: dataSlice(raw, 77, 87),
      workflowOwner: getAddress(dataSlice(raw, 87, 107)),
      reportId: dataSlice(raw, 107, 109),
    },
    payload: dataSlice(raw, METADATA_BYTES),
  }
}

/** A report context: the config digest and sequence number, zero-padded to 96 bytes. */
export function reportContext(configDigest: string, sequence: bigint): string {
  if (!HASH.test(configDigest)) throw new ReportLayoutError('configDigest must be 0x + 64 hex')
  return concat([configDigest, zeroPadValue(toBeHex(sequence), 32), `0x${'00'.repeat(32)}`])
}

/** What the signers sign: keccak256(keccak256(rawReport) ‖ reportContext). */
export function reportDigest(rawReport: string, context: string): string {
  return keccak256(concat([keccak256(rawReport), context]))
}

/** One 65-byte signature per key, `r ‖ s ‖ (v - 27)`, as the forwarder recovers them. */
export function signReport(rawReport: string, context: string, keys: readonly string[]): string[] {
  const digest = reportDigest(rawReport, context)
  return keys.map((key) => {
    const sig = new SigningKey(key).sign(digest)
    return concat([sig.r, sig.s, toBeHex(sig.v - 27, 1)])
  })
}

/** The address that signed `signature` (in the forwarder's format) over the report. */
export function recoverReportSigner(rawReport: string, context: string, signature: string): string {
  const bytes = getBytes(signature)
  if (bytes.length !== 65) throw new ReportLayoutError('a signature has 65 bytes')
  return recoverAddress(
    reportDigest(rawReport, context),
    Signature.from({
      r: hexlify(bytes.subarray(0, 32)),
      s: hexlify(bytes.subarray(32, 64)),
      v: (bytes[64] as number) + 27,
    }),
  )
}

/**
 * The local DON's stand-in for the OCR3 config digest of its consensus instance (the forwarder does
 * not read it; a real DON's digest comes from its OCR config): keccak256 of the forwarder config.
 */
export function localConfigDigest(
  donId: number,
  configVersion: number,
  f: number,
  signers: readonly string[],
): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ['string', 'uint32', 'uint32', 'uint8', 'address[]'],
      ['onnx-oracle local CRE DON', donId, configVersion, f, signers],
    ),
  )
}

/**
 * The local workflow id (the metadata's `workflow_cid`): sha256 over the owner, the name and the
 * config. CRE derives its workflow id from the owner, the name, the compiled binary and the config;
 * the local DON runs TypeScript, not a binary, so it hashes what it has.
 */
export function localWorkflowId(owner: string, name: string, config: unknown): string {
  return sha256(
    toUtf8Bytes(
      JSON.stringify({ owner: getAddress(owner), name, config }, (_k, v: unknown) =>
        typeof v === 'bigint' ? v.toString() : v,
      ),
    ),
  )
}

/**
 * A workflow execution id: sha256(workflow id ‖ trigger id), as CRE derives it from the workflow and
 * the trigger event, so one request log gives one execution. `attempt` > 0 stands for running the
 * workflow again for the same log (a new execution, which the forwarder routes anew).
 */
export function executionIdFor(workflowId: string, triggerId: string, attempt = 0): string {
  return sha256(
    concat([workflowId, toUtf8Bytes(attempt === 0 ? triggerId : `${triggerId}#${attempt}`)]),
  )
}
