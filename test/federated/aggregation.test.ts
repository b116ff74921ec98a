import {
  aggregateRound,
  applyUpdate,
  coordinateMedian,
  lowerMedian,
  type RoundInput,
  type Submission,
} from '../../federated/aggregation'
import { encodeSubmission } from '../../federated/client'
import { MAX_ABS_VALUE } from '../../federated/fixed-point'
import { parameterCount } from '../../federated/layout'
import { roundReport, roundReportHash } from '../../federated/round-report'
import { identitiesOf, roundSubmissions, type SimulationConfig } from '../../federated/simulation'
import { identityAddress, riskTask } from '../../federated/task'
import { contentHash, decodeVector, encodeVector, HEADER_BYTES } from '../../federated/update-codec'
import { firstRoundInput } from '../support/fl-round'

const CONFIG: SimulationConfig = {
  seed: 7,
  rounds: 1,
  attackers: { 1: 'labelFlip', 4: 'signFlip', 7: 'sybil' },
}
const data = riskTask(CONFIG.seed)
const { task } = data
const identities = identitiesOf(10, CONFIG.attackers)
const roleOf = new Map(identities.map((i) => [i.address, i.role]))
const COUNT = parameterCount(task.layout)

function input(submissions: readonly Submission[]): RoundInput {
  return firstRoundInput(task, submissions)
}

/** The Q16 values of a submission. */
function valuesOf(s: Submission): Int32Array {
  return decodeVector(s.bytes, {
    kind: 'update',
    taskId: task.taskId,
    round: 1,
    participant: s.participant,
    layout: task.layout,
  })
}

/** A submission of raw Q16 values for `participant` (bypassing the float encoder). */
function rawSubmission(participant: string, values: Int32Array): Submission {
  const bytes = encodeVector(
    { kind: 'update', taskId: task.taskId, round: 1, participant, layout: task.layout },
    values,
  )
  return { participant, revealedHash: contentHash(bytes), bytes }
}

describe('aggregateRound', () => {
  let attacked: Submission[]
  let honest: Submission[]
  beforeAll(() => {
    attacked = roundSubmissions(CONFIG, data, identities, 1, task.initialModel)
    honest = attacked.filter((s) => roleOf.get(s.participant) === 'honest')
  })

  it('accepts the honest updates and rejects and slashes every attack', () => {
    const result = aggregateRound(input(attacked))
    expect(result.participants).toHaveLength(11)
    for (const p of result.participants) {
      const role = roleOf.get(p.participant)
      if (role === 'honest') {
        expect(p.slashed).toBe(false)
        expect(p.status).toBe('accepted')
        expect(p.weightBps).toBeGreaterThan(0)
      } else {
        expect(p.status).not.toBe('accepted')
        expect(p.weightBps).toBe(0)
      }
      if (role === 'sybil') expect([p.status, p.slashed]).toEqual(['duplicateUpdate', true])
      if (role === 'signFlip') expect([p.status, p.slashed]).toEqual(['harmful', true])
      if (role === 'labelFlip') expect([p.status, p.slashed]).toEqual(['harmful', true])
    }
    expect(result.modelLossQ16).toBeLessThan(result.baseLossQ16)
  })

  it('adds 3/2 of the mean accepted update to the base, rounding half to even (bigint reference)', () => {
    const result = aggregateRound(input(honest))
    const accepted = result.participants.filter((p) => p.status === 'accepted')
    expect(accepted).toHaveLength(honest.length)
    const values = honest.map(valuesOf)
    for (let j = 0; j < COUNT; j++) {
      let sum = 0n
      for (const v of values) sum += BigInt(v[j] as number)
      const num = 3n * sum
      const den = 2n * BigInt(values.length)
      let q = num / den
      if (num % den !== 0n && num < 0n) q -= 1n // floor
      const rest2 = 2n * (num - q * den)
      if (rest2 > den || (rest2 === den && q % 2n !== 0n)) q += 1n
      const expected = Math.max(
        -MAX_ABS_VALUE,
        Math.min(MAX_ABS_VALUE, (task.initialModel[j] as number) + Number(q)),
      )
      expect(result.model[j]).toBe(expected)
    }
  })

  it('does not depend on the order the submissions arrive in', () => {
    const a = roundReportHash(roundReport(aggregateRound(input(attacked))))
    const b = roundReportHash(roundReport(aggregateRound(input([...attacked].reverse()))))
    const shuffled = [...attacked]
    shuffled.push(shuffled.shift() as Submission, shuffled.shift() as Submission)
    const c = roundReportHash(roundReport(aggregateRound(input(shuffled))))
    expect(b).toBe(a)
    expect(c).toBe(a)
  })

  it('rejects each bad input with a reason, slashes by the rule and still completes the round', () => {
    const good = honest[0] as Submission
    const wrongShape = (() => {
      const participant = identityAddress('wrong-shape')
      const bytes = encodeVector(
        {
          kind: 'update',
          taskId: task.taskId,
          round: 1,
          participant,
          layout: { sizes: [10, 8, 2] },
        },
        new Int32Array(106),
      )
      return { participant, revealedHash: contentHash(bytes), bytes }
    })()
    const mismatched = {
      ...rawSubmission(identityAddress('mismatch'), new Int32Array(COUNT).fill(100)),
    }
    mismatched.revealedHash = good.revealedHash
    const outOfRange = (() => {
      const s = rawSubmission(identityAddress('range'), new Int32Array(COUNT).fill(50))
      const bytes = Buffer.from(s.bytes)
      bytes.writeInt32LE(MAX_ABS_VALUE * 4, HEADER_BYTES)
      return { participant: s.participant, revealedHash: contentHash(bytes), bytes }
    })()
    const dupe = identityAddress('twice')
    const twiceA = rawSubmission(dupe, new Int32Array(COUNT).fill(300))
    const twiceB = rawSubmission(dupe, new Int32Array(COUNT).fill(-300))
    const freeRider = rawSubmission(identityAddress('free-rider'), new Int32Array(COUNT))
    const huge = rawSubmission(identityAddress('huge'), new Int32Array(COUNT).fill(MAX_ABS_VALUE))
    const wrongRound = (() => {
      const participant = identityAddress('late')
      const bytes = encodeVector(
        { kind: 'update', taskId: task.taskId, round: 2, participant, layout: task.layout },
        new Int32Array(COUNT).fill(7),
      )
      return { participant, revealedHash: contentHash(bytes), bytes }
    })()
    const result = aggregateRound(
      input([
        ...honest,
        wrongShape,
        mismatched,
        outOfRange,
        twiceA,
        twiceB,
        freeRider,
        huge,
        wrongRound,
      ]),
    )
    const by = (address: string) => result.participants.filter((p) => p.participant === address)
    expect(by(wrongShape.participant).map((p) => [p.status, p.slashed])).toEqual([
      ['wrongShape', true],
    ])
    expect(by(mismatched.participant).map((p) => [p.status, p.slashed])).toEqual([
      ['hashMismatch', true],
    ])
    expect(by(outOfRange.participant).map((p) => [p.status, p.slashed])).toEqual([
      ['outOfRange', true],
    ])
    expect(by(dupe).map((p) => [p.status, p.slashed])).toEqual([
      ['duplicateParticipant', true],
      ['duplicateParticipant', true],
    ])
    expect(by(freeRider.participant).map((p) => [p.status, p.slashed])).toEqual([
      ['tooSmall', false],
    ])
    expect(by(huge.participant).map((p) => [p.status, p.slashed])).toEqual([['normBound', true]])
    expect(by(wrongRound.participant).map((p) => [p.status, p.slashed])).toEqual([
      ['wrongBinding', true],
    ])
    for (const p of result.participants) {
      if (p.status !== 'accepted') expect(p.detail).not.toBe('')
    }
    // The honest updates are untouched by the noise around them.
    const clean = aggregateRound(input(honest))
    expect(result.aggregateHash).toBe(clean.aggregateHash)
    expect(result.participants.filter((p) => p.status === 'accepted')).toHaveLength(honest.length)
  })

  it('rejects a near-copy of a crafted Sybil update by its harm, not only exact duplicates', () => {
    const sybils = attacked.filter((s) => roleOf.get(s.participant) === 'sybil')
    const crafted = valuesOf(sybils[0] as Submission)
    const nudged = Int32Array.from(crafted, (v, j) => (j === 0 ? v + 1 : v))
    const result = aggregateRound(
      input([
        ...honest,
        rawSubmission((sybils[0] as Submission).participant, crafted),
        rawSubmission((sybils[1] as Submission).participant, nudged),
      ]),
    )
    for (const s of sybils) {
      const p = result.participants.find((r) => r.participant === s.participant)
      expect(p?.status).toBe('harmful')
      expect(p?.slashed).toBe(true)
    }
  })

  it('slashes excessive harm only with a second sign: large harm, or a far update', () => {
    const signFlip = attacked.find((s) => roleOf.get(s.participant) === 'signFlip') as Submission
    const status = (rule: Partial<RoundInput['rule']>): [string, boolean] => {
      const result = aggregateRound({
        ...input([...honest, signFlip]),
        rule: { ...task.rule, ...rule },
      })
      const p = result.participants.find((r) => r.participant === signFlip.participant)
      return [p?.status ?? '', p?.slashed ?? false]
    }
    const never = { numerator: 1_000_000, denominator: 1 }
    expect(status({})).toEqual(['harmful', true])
    // Without the absolute floor, the distance to the median still makes the case...
    expect(status({ harmMinQ16: 2 ** 40 })).toEqual(['harmful', true])
    // ...without either second sign it is only rejected for its distance...
    expect(status({ harmMinQ16: 2 ** 40, distanceSlash: never })).toEqual([
      'distanceOutlier',
      false,
    ])
    // ...and with no test left to fail, accepted.
    expect(status({ harmMinQ16: 2 ** 40, distanceSlash: never, distanceOutlier: never })).toEqual([
      'accepted',
      false,
    ])
    // Harm that is not excessive next to the other updates never slashes, however large it is.
    expect(status({ harmK: never })).toEqual(['distanceOutlier', false])
  })

  it('accepts every valid update when fewer than three remain (no spread to judge by)', () => {
    const two = honest.slice(0, 2)
    const result = aggregateRound(input(two))
    expect(result.participants.map((p) => p.status)).toEqual(['accepted', 'accepted'])
    const none = aggregateRound(input([]))
    expect(none.model).toEqual(task.initialModel)
    expect(none.participants).toEqual([])
  })

  it('refuses a malformed round input', () => {
    expect(() => aggregateRound({ ...input(honest), base: new Int32Array(3) })).toThrow(RangeError)
    expect(() => aggregateRound({ ...input(honest), round: 0 })).toThrow(RangeError)
    const bob = { ...(honest[0] as Submission), participant: 'bob' }
    expect(() => aggregateRound(input([bob]))).toThrow(/not an address/)
    const short = { ...(honest[0] as Submission), revealedHash: '0x1234' }
    expect(() => aggregateRound(input([short]))).toThrow(/not 32 bytes/)
  })

  it('encodes a client update for the round with the encoder clients use', () => {
    const sub = encodeSubmission(task, 1, identityAddress('x'), new Float64Array(COUNT).fill(0.1))
    const result = aggregateRound(
      input([{ participant: sub.participant, revealedHash: sub.hash, bytes: sub.bytes }]),
    )
    expect(result.participants[0]?.status).toBe('accepted')
    expect(result.model[0]).toBe(
      applyUpdate(task.initialModel, new Int32Array(COUNT).fill(9831))[0], // 0.1 -> 6554, x 3/2
    )
  })
})

describe('medians', () => {
  it('takes the lower median and the coordinate-wise median (mean of the middle two, floored)', () => {
    expect(lowerMedian([5, 1, 3])).toBe(3)
    expect(lowerMedian([4, 1, 3, 2])).toBe(2)
    const m = coordinateMedian(
      [Int32Array.of(1, -5), Int32Array.of(4, -2), Int32Array.of(2, 9), Int32Array.of(3, -1)],
      2,
    )
    expect(Array.from(m)).toEqual([2, -2]) // floor((2 + 3) / 2), floor((-2 + -1) / 2)
    expect(() => lowerMedian([])).toThrow(RangeError)
  })
})
