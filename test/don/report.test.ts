import {
  AbiCoder,
  SigningKey,
  Wallet,
  getBytes,
  hexlify,
  keccak256,
  concat,
  randomBytes,
} from 'ethers'

import {
  COMMITMENT_TUPLE,
  buildReportContext,
  encodeCommitment,
  encodeReport,
  recoverSigners,
  reportDigest,
  signReport,
  type Commitment,
} from '../../script/don/report'

const commitment: Commitment = {
  requestId: hexlify(randomBytes(32)),
  coordinator: Wallet.createRandom().address,
  estimatedTotalCostJuels: 123_456_789n,
  client: Wallet.createRandom().address,
  subscriptionId: 7n,
  callbackGasLimit: 300_000n,
  adminFee: 0n,
  donFee: 10n ** 16n,
  gasOverheadBeforeCallback: 105_000n,
  gasOverheadAfterCallback: 93_942n,
  timeoutTimestamp: 1_800_000_000n,
}

describe('OCR report for the FunctionsCoordinator', () => {
  test('the report decodes as (bytes32[], bytes[], bytes[], bytes[], bytes[]) with the commitment', () => {
    const result = getBytes('0x' + '11'.repeat(192))
    const report = encodeReport([
      { requestId: commitment.requestId, result, error: new Uint8Array(), commitment },
    ])
    const [ids, results, errors, onchain, offchain] = AbiCoder.defaultAbiCoder().decode(
      ['bytes32[]', 'bytes[]', 'bytes[]', 'bytes[]', 'bytes[]'],
      report,
    )
    expect(ids).toEqual([commitment.requestId])
    expect(results).toEqual([hexlify(result)])
    expect(errors).toEqual(['0x'])
    expect(offchain).toEqual(['0x'])
    const [decoded] = AbiCoder.defaultAbiCoder().decode([COMMITMENT_TUPLE], onchain[0] as string)
    expect(decoded.subscriptionId).toBe(7n)
    expect(decoded.client).toBe(commitment.client)
    expect(decoded.timeoutTimestamp).toBe(1_800_000_000n)
    // A static struct encodes as its fields in a row: 11 words.
    expect(getBytes(encodeCommitment(commitment)).length).toBe(11 * 32)
  })

  test('the context puts epoch and round in the low 5 bytes of its second word', () => {
    const ctx = buildReportContext('0x' + 'ab'.repeat(32), 0x01020304, 5)
    expect(ctx[1]).toBe('0x' + '00'.repeat(27) + '0102030405')
    expect(() => buildReportContext(ctx[0], -1, 0)).toThrow(RangeError)
    expect(() => buildReportContext(ctx[0], 1, 256)).toThrow(RangeError)
  })

  test('signatures recover to the signing keys over keccak(keccak(report) ‖ ctx), v packed as v-27', () => {
    const report = encodeReport([
      {
        requestId: commitment.requestId,
        result: getBytes('0x2a'),
        error: new Uint8Array(),
        commitment,
      },
    ])
    const ctx = buildReportContext('0x' + '01'.repeat(32), 3, 1)
    expect(reportDigest(report, ctx)).toBe(keccak256(concat([keccak256(report), ...ctx])))
    const wallets = [Wallet.createRandom(), Wallet.createRandom(), Wallet.createRandom()]
    const sigs = signReport(
      report,
      ctx,
      wallets.map((w) => new SigningKey(w.privateKey)),
    )
    expect(sigs.rs).toHaveLength(3)
    const vs = getBytes(sigs.rawVs)
    expect([...vs.slice(0, 3)].every((v) => v === 0 || v === 1)).toBe(true)
    expect([...vs.slice(3)].every((v) => v === 0)).toBe(true)
    expect(recoverSigners(report, ctx, sigs)).toEqual(wallets.map((w) => w.address))
    // A different context is a different digest: the same signatures recover to other addresses.
    const other = buildReportContext(ctx[0], 4, 1)
    expect(recoverSigners(report, other, sigs)).not.toEqual(wallets.map((w) => w.address))
  })
})
