import { MicroBatcher } from '../../adapter/src/inference/batcher'

describe('micro-batcher', () => {
  it('runs what was submitted in one event-loop turn as one batch, bounded by maxBatch', async () => {
    const batches: number[][] = []
    const batcher = new MicroBatcher<number, number>(4, async (xs) => {
      batches.push([...xs])
      return xs.map((x) => x * 10)
    })
    const results = await Promise.all([1, 2, 3, 4, 5, 6].map((x) => batcher.submit(x)))
    expect(results).toEqual([10, 20, 30, 40, 50, 60])
    expect(batches).toEqual([
      [1, 2, 3, 4],
      [5, 6],
    ])
  })

  it('does not wait on a timer: a lone input runs in the next turn', async () => {
    // Timers are frozen (only setImmediate and microtasks run): a batcher that waited on
    // setTimeout/setInterval would never answer and the test would time out.
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] })
    try {
      const batcher = new MicroBatcher<number, number>(64, async (xs) => xs)
      const answer = batcher.submit(1)
      expect(jest.getTimerCount()).toBe(0)
      await expect(answer).resolves.toBe(1)
    } finally {
      jest.useRealTimers()
    }
  })

  it('queues inputs that arrive while a batch runs into the next batch', async () => {
    const batches: number[][] = []
    let release: () => void = () => {}
    const gate = new Promise<void>((r) => (release = r))
    const batcher = new MicroBatcher<number, number>(64, async (xs) => {
      batches.push([...xs])
      if (batches.length === 1) await gate
      return xs
    })
    const first = batcher.submit(1)
    await new Promise((r) => setImmediate(r))
    const later = [batcher.submit(2), batcher.submit(3)]
    await new Promise((r) => setImmediate(r))
    expect(batches).toEqual([[1]])
    expect(batcher.waiting).toBe(2)
    release()
    expect(await Promise.all([first, ...later])).toEqual([1, 2, 3])
    expect(batches).toEqual([[1], [2, 3]])
  })

  it('rejects every input of a failed batch and keeps serving', async () => {
    let fail = true
    const batcher = new MicroBatcher<number, number>(8, async (xs) => {
      if (fail) throw new Error('runtime exploded')
      return xs
    })
    await expect(Promise.all([batcher.submit(1), batcher.submit(2)])).rejects.toThrow(
      'runtime exploded',
    )
    fail = false
    expect(await batcher.submit(3)).toBe(3)
  })
})
