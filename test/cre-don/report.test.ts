/**
 * The KeystoneForwarder report the local CRE DON signs (script/cre/report.ts): the layout the
 * forwarder reads, CRE's workflow-name encoding, signatures in the forwarder's format. The forwarder
 * itself accepts these bytes in test/cre-don/local-cre-don.test.ts.
 */
import { Wallet, dataLength, dataSlice, getAddress, getBytes, id } from 'ethers'

import { encodeCrePayload } from '../../protocol/cre-payload'
import {
  DEFAULT_REPORT_ID,
  FORWARDER_METADATA_BYTES,
  METADATA_BYTES,
  ReportLayoutError,
  decodeRawReport,
  encodeRawReport,
  executionIdFor,
  localWorkflowId,
  recoverReportSigner,
  reportContext,
  reportMetadata,
  signReport,
  workflowNameBytes10,
  type ReportHeader,
} from '../../script/cre/report'

const keys = [1, 2, 3].map((i) => id(`cre-don report test key ${i}`))
const header: ReportHeader = {
  executionId: id('execution'),
  timestamp: 1_796_169_600,
  donId: 1,
  configVersion: 1,
  workflowCid: id('workflow'),
  // "onnx-oracle-inference" as script/DeployLocalCre.s.sol records it (CrePayload.workflowName).
  workflowName: '0x62336139663962383862',
  workflowOwner: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
  reportId: DEFAULT_REPORT_ID,
}
const payload = encodeCrePayload({
  requestId: id('request'),
  client: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  modelId: '0x7269736b2d763100000000000000000000000000000000000000000000000000',
  requestedInputHash: id('input'),
  result: 1234n,
  modelHash: id('model'),
  inputHash: id('input'),
  responded: 3,
  agreed: 3,
  observedAt: 1_796_169_600n,
})

describe('the raw report', () => {
  test("CRE's workflow name: the first 10 hex characters of sha256(name), as ASCII", () => {
    expect(workflowNameBytes10('onnx-oracle-inference')).toBe('0x62336139663962383862')
    expect(dataLength(workflowNameBytes10('x'))).toBe(10)
  })

  test('has the forwarder layout: 109 bytes of metadata, then the 320-byte payload', () => {
    const raw = encodeRawReport(header, payload)
    expect(dataLength(raw)).toBe(METADATA_BYTES + 320)
    expect(getBytes(raw)[0]).toBe(1)
    expect(dataSlice(raw, 1, 33)).toBe(header.executionId)
    expect(BigInt(dataSlice(raw, 33, 37))).toBe(BigInt(header.timestamp))
    expect(BigInt(dataSlice(raw, 37, 41))).toBe(1n)
    // What onReport receives as metadata, and as report.
    expect(dataSlice(raw, FORWARDER_METADATA_BYTES, METADATA_BYTES)).toBe(reportMetadata(header))
    expect(dataSlice(raw, METADATA_BYTES)).toBe(payload)
    expect(getAddress(dataSlice(raw, 87, 107))).toBe(header.workflowOwner)
    expect(decodeRawReport(raw)).toEqual({ header, payload })
  })

  test('refuses header fields that do not fit', () => {
    expect(() => encodeRawReport({ ...header, timestamp: 2 ** 32 }, payload)).toThrow(
      ReportLayoutError,
    )
    expect(() => encodeRawReport({ ...header, workflowName: '0x1234' }, payload)).toThrow(
      /workflowName/,
    )
    expect(() => encodeRawReport({ ...header, executionId: '0x12' }, payload)).toThrow(
      /executionId/,
    )
    expect(() => decodeRawReport('0x01')).toThrow(/at least 109 bytes/)
  })

  test('signatures are r ‖ s ‖ (v - 27) over keccak256(keccak256(raw) ‖ context) and recover to the signers', () => {
    const raw = encodeRawReport(header, payload)
    const context = reportContext(id('config digest'), 7n)
    expect(dataLength(context)).toBe(96)
    expect(BigInt(dataSlice(context, 32, 64))).toBe(7n)
    const sigs = signReport(raw, context, keys)
    expect(sigs).toHaveLength(3)
    sigs.forEach((sig, i) => {
      expect(dataLength(sig)).toBe(65)
      expect([0, 1]).toContain(getBytes(sig)[64])
      expect(recoverReportSigner(raw, context, sig)).toBe(new Wallet(keys[i] as string).address)
    })
    // Over another context or payload, the same signature names someone else.
    const other = reportContext(id('config digest'), 8n)
    expect(recoverReportSigner(raw, other, sigs[0] as string)).not.toBe(
      new Wallet(keys[0] as string).address,
    )
  })

  test('an execution id per trigger (and per re-run); the workflow id follows owner, name and config', () => {
    const wf = localWorkflowId(header.workflowOwner, 'onnx-oracle-inference', {
      gasLimit: '500000',
    })
    expect(executionIdFor(wf, '0xabc:0')).toBe(executionIdFor(wf, '0xabc:0'))
    expect(executionIdFor(wf, '0xabc:0')).not.toBe(executionIdFor(wf, '0xabc:1'))
    expect(executionIdFor(wf, '0xabc:0', 1)).not.toBe(executionIdFor(wf, '0xabc:0'))
    expect(localWorkflowId(header.workflowOwner, 'other', { gasLimit: '500000' })).not.toBe(wf)
    expect(
      localWorkflowId(header.workflowOwner, 'onnx-oracle-inference', { gasLimit: '400000' }),
    ).not.toBe(wf)
  })
})
