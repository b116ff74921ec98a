import { getBytes } from 'ethers'

import type { RoundResult } from '../../federated/aggregation'
import {
  decodeRoundReport,
  encodeRoundReport,
  roundReport,
  roundReportHash,
  type RoundReport,
} from '../../federated/round-report'
import { identityAddress } from '../../federated/task'

const H = (c: string): string => `0x${c.repeat(64)}`

function report(): RoundReport {
  const statuses = ['accepted', 'harmful', 'duplicateUpdate', 'tooSmall'] as const
  return {
    taskId: H('a'),
    round: 3,
    baseModelHash: H('b'),
    aggregateHash: H('c'),
    modelFileHash: H('e'),
    modelLossQ16: 29_876,
    entries: Array.from({ length: 11 }, (_, i) => ({
      participant: identityAddress(`p${i}`),
      status: statuses[i % 4] as (typeof statuses)[number],
      slashed: i % 4 === 1 || i % 4 === 2,
      weightBps: i % 4 === 0 ? 10_000 - i : 0,
      lossQ16: 30_000 + i,
      distanceQ16: 100_000 + i,
    })),
  }
}

describe('round report', () => {
  it('encodes 11 participants in 19 ABI words and decodes back to the same report', () => {
    const r = report()
    const hex = encodeRoundReport(r)
    expect(getBytes(hex).length).toBe(19 * 32) // 6 fields, the array's offset and length, 11 entries
    expect(decodeRoundReport(hex)).toEqual(r)
  })

  it('packs each participant into one word: address, status, slashed, weight, loss, distance', () => {
    const r = report()
    const words = getBytes(encodeRoundReport(r))
    const first = Buffer.from(words.subarray(8 * 32, 9 * 32)).toString('hex') // after the head and the length
    const e = r.entries[1]
    expect(first.slice(0, 40)).toBe(r.entries[0]?.participant.slice(2))
    expect(e?.status).toBe('harmful')
    const second = Buffer.from(words.subarray(9 * 32, 10 * 32)).toString('hex')
    expect(second.slice(40, 42)).toBe('0d') // harmful = 13
    expect(second.slice(42, 44)).toBe('01') // slashed
    expect(second.slice(48, 56)).toBe((30_001).toString(16).padStart(8, '0'))
  })

  it('changes its hash when any score, status or hash changes', () => {
    const base = roundReportHash(report())
    const variants: ((r: RoundReport) => void)[] = [
      (r) => (r.round = 4),
      (r) => (r.aggregateHash = H('d')),
      (r) => (r.modelFileHash = H('f')),
      (r) => ((r.entries[3] as RoundReport['entries'][number]).slashed = true),
      (r) => ((r.entries[0] as RoundReport['entries'][number]).weightBps -= 1),
      (r) => ((r.entries[5] as RoundReport['entries'][number]).distanceQ16 += 1),
      (r) => ((r.entries[7] as RoundReport['entries'][number]).status = 'normBound'),
    ]
    for (const change of variants) {
      const r = report()
      change(r)
      expect(roundReportHash(r)).not.toBe(base)
    }
  })

  it('saturates a loss beyond 32 bits instead of wrapping', () => {
    const r = report()
    ;(r.entries[0] as RoundReport['entries'][number]).lossQ16 = 2 ** 40
    expect(decodeRoundReport(encodeRoundReport(r)).entries[0]?.lossQ16).toBe(2 ** 32 - 1)
  })

  it('takes its fields from an aggregation result', () => {
    const result = {
      taskId: H('1'),
      round: 2,
      baseModelHash: H('2'),
      aggregateHash: H('3'),
      modelLossQ16: 5,
      participants: [
        {
          participant: identityAddress('x'),
          updateHash: H('4'),
          status: 'accepted',
          slashed: false,
          detail: '',
          weightBps: 10_000,
          normQ16: 9,
          distanceQ16: 8,
          lossQ16: 7,
        },
      ],
    } as unknown as RoundResult
    const withAbsent = roundReport(result, {
      modelFileHash: H('5'),
      notRevealed: ['0x0000000000000000000000000000000000000001'],
    })
    expect(withAbsent.modelFileHash).toBe(H('5'))
    expect(withAbsent.entries[0]).toEqual({
      participant: '0x0000000000000000000000000000000000000001',
      status: 'notRevealed',
      slashed: true,
      weightBps: 0,
      lossQ16: 0,
      distanceQ16: 0,
    })
    expect(decodeRoundReport(encodeRoundReport(withAbsent))).toEqual(withAbsent)
    expect(roundReport(result).entries).toEqual([
      {
        participant: identityAddress('x'),
        status: 'accepted',
        slashed: false,
        weightBps: 10_000,
        lossQ16: 7,
        distanceQ16: 8,
      },
    ])
  })
})
