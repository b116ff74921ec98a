import { describeDonEvent } from '../../script/don/event-log'

const id = '0x' + 'ab'.repeat(32)

describe('DON event lines', () => {
  test('node observations: result, error and missing', () => {
    expect(
      describeDonEvent({
        type: 'node',
        requestId: id,
        node: 1,
        observation: { ok: true, result: Buffer.alloc(192) },
      }),
    ).toMatch(/node 1: result 192 bytes/)
    expect(
      describeDonEvent({
        type: 'node',
        requestId: id,
        node: 2,
        observation: { ok: false, error: Buffer.from('boom') },
      }),
    ).toBe('  node 2: error "boom"')
    expect(
      describeDonEvent({ type: 'node', requestId: id, node: 3, observation: 'missing' }),
    ).toMatch(/offline/)
  })

  test('outcomes: no quorum, rejected report, fulfilled with an error', () => {
    expect(
      describeDonEvent({
        type: 'outcome',
        outcome: { kind: 'no-quorum', requestId: id, present: 2, required: 3 },
      }),
    ).toMatch(/2 nodes present, 3 needed; nothing transmitted/)
    expect(
      describeDonEvent({
        type: 'outcome',
        outcome: {
          kind: 'rejected',
          requestId: id,
          txHash: '0x01',
          reason: 'ReportInvalid(wrong number of signatures)',
        },
      }),
    ).toMatch(
      /Coordinator rejected the report \(tx 0x01\): ReportInvalid\(wrong number of signatures\)/,
    )
    const line = describeDonEvent({
      type: 'outcome',
      outcome: {
        kind: 'transmitted',
        requestId: id,
        txHash: '0x02',
        transmitter: '0x03',
        signers: ['a', 'b', 'c'],
        observations: [],
        result: '0x',
        error: '0x6e6f',
        processed: {
          resultCode: 0,
          resultName: 'FULFILLED',
          response: '0x',
          err: '0x6e6f',
          callbackReturnData: '0x',
        },
      },
    })
    expect(line).toBe(
      '  report signed by 3 nodes, transmitted by 0x03 (tx 0x02): FULFILLED, error "no"',
    )
  })
})
