import { spawn } from 'node:child_process'

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

  it('sees memory a process takes and keeps', async () => {
    // A quiet child process (this jest worker's own RSS moves with its garbage collector): it
    // allocates 64 MiB when told to and keeps it.
    const child = spawn(
      process.execPath,
      [
        '-e',
        "process.stdin.once('data', () => { globalThis.block = Buffer.alloc(64 * 1024 * 1024, 1); process.stdout.write('held\\n') })",
      ],
      { stdio: ['pipe', 'pipe', 'inherit'] },
    )
    try {
      const pid = child.pid as number
      await new Promise((resolve) => setTimeout(resolve, 300))
      const before = rssMiB(pid)
      const held = new Promise((resolve) => child.stdout.once('data', resolve))
      child.stdin.write('go\n')
      await held
      // The kernel's RSS counters reach /proc lazily: read again for up to 5 s before judging.
      let grown = rssMiB(pid) - before
      for (let i = 0; i < 50 && grown <= 48; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100))
        grown = rssMiB(pid) - before
      }
      expect(grown).toBeGreaterThan(48)
      expect(peakRssMiB(pid)).toBeGreaterThanOrEqual(before + 48)
    } finally {
      child.kill()
    }
  })

  it('throws a typed error for a process that does not exist', () => {
    expect(() => rssMiB(2 ** 30)).toThrow(ProcessMemoryError)
    expect(() => peakRssMiB(2 ** 30)).toThrow(/cannot read \/proc\/1073741824\/status/)
  })
})
