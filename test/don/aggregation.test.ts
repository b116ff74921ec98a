import {
  aggregateObservations,
  canAggregate,
  medianBytes,
  modeBytes,
  type NodeObservation,
} from '../../script/don/aggregation'

const hex = (h: string): Buffer => Buffer.from(h, 'hex')
const ok = (h: string): NodeObservation => ({ ok: true, result: hex(h) })
const err = (m: string): NodeObservation => ({ ok: false, error: Buffer.from(m) })

describe('DON aggregation (as plugins/functions/aggregation.go)', () => {
  test('median orders by length first, then bytes, and takes the lower middle', () => {
    // '01ff' is longer than 'ff' so it sorts after it despite a smaller first byte.
    expect(medianBytes([hex('01ff'), hex('ff'), hex('02')]).toString('hex')).toBe('ff')
    expect(medianBytes([hex('04'), hex('01'), hex('03'), hex('02')]).toString('hex')).toBe('02')
    expect(medianBytes([hex('05')]).toString('hex')).toBe('05')
  })

  test('a 32-byte big-endian word sorts like the integer it encodes', () => {
    const word = (n: number): Buffer => hex(n.toString(16).padStart(64, '0'))
    expect(medianBytes([word(300), word(2), word(70000)]).equals(word(300))).toBe(true)
  })

  test('mode picks the most frequent; a tie goes to the first to reach the top count', () => {
    expect(modeBytes([hex('aa'), hex('bb'), hex('bb')]).toString('hex')).toBe('bb')
    expect(modeBytes([hex('aa'), hex('bb'), hex('bb'), hex('aa')]).toString('hex')).toBe('bb')
    expect(modeBytes([hex('cc'), hex('dd')]).toString('hex')).toBe('cc')
  })

  test('the median of successes wins unless errors outnumber them', () => {
    const three = aggregateObservations([ok('01'), ok('02'), ok('03'), err('boom')])
    expect(three.result.toString('hex')).toBe('02')
    expect(three.error.length).toBe(0)

    // A tie (2 vs 2) still returns the successes' median.
    const tie = aggregateObservations([ok('07'), err('x'), ok('09'), err('x')])
    expect(tie.result.toString('hex')).toBe('07')

    const errors = aggregateObservations([err('a'), err('b'), err('b'), ok('01')])
    expect(errors.result.length).toBe(0)
    expect(errors.error.toString()).toBe('b')
  })

  test('aggregation needs at least 2f+1 and at most n observations', () => {
    expect(canAggregate(4, 1, 3)).toBe(true)
    expect(canAggregate(4, 1, 4)).toBe(true)
    expect(canAggregate(4, 1, 2)).toBe(false)
    expect(canAggregate(4, 1, 5)).toBe(false)
    expect(canAggregate(0, 0, 0)).toBe(false)
  })

  test('no observations is an error, not a silent empty answer', () => {
    expect(() => aggregateObservations([])).toThrow(RangeError)
    expect(() => medianBytes([])).toThrow(RangeError)
  })
})
