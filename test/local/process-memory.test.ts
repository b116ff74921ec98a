import { peakRssMiB, ProcessMemoryError, rssMiB } from '../../script/local/process-memory'

describe('process memory from /proc', () => {
  it("reads this process's resident and peak memory, the peak never below the resident", () => {
    const peak = peakRssMiB(process.pid)
    const rss = rssMiB(process.pid)
    expect(rss).toBeGreaterThan(10)
    expect(peak).toBeGreaterThanOrEqual(rss)
    // one decimal of MiB
    expect(Math.round(rss * 10)).toBe(rss * 10)
  })

  it('sees memory this process takes and keeps', async () => {
    const before = rssMiB(process.pid)
    const block = Buffer.alloc(64 * 1024 * 1024, 1)
    // The kernel's per-thread RSS counters reach /proc lazily on a busy machine: read again for up
    // to 5 s before judging (the 64 MiB stay referenced, so a correct reader sees them).
    let grown = rssMiB(process.pid) - before
    for (let i = 0; i < 50 && grown <= 48; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      grown = rssMiB(process.pid) - before
    }
    expect(grown).toBeGreaterThan(48)
    expect(block[block.length - 1]).toBe(1)
  })

  it('throws a typed error for a process that does not exist', () => {
    expect(() => rssMiB(2 ** 30)).toThrow(ProcessMemoryError)
    expect(() => peakRssMiB(2 ** 30)).toThrow(/cannot read \/proc\/1073741824\/status/)
  })
})
