/**
 * Faults across real processes: three adapters on risk-v1 (loopback), then
 * - kill -9 one of them under load: the other two keep answering every request, and for every
 *   input two of three (a quorum) still give exactly the reference result;
 * - kill -9 one of them during a Functions execution (the tabular source through the toolkit's
 *   simulateScript; the adapter dies the moment the source's request reaches it): the source still
 *   reaches its 2-of-3 quorum with the reference result;
 * - restart the killed adapter on the same port: it serves results identical to before, for every
 *   input (with an empty cache, so they are recomputed).
 */
import { decodeInferenceResult } from '../../protocol/inference-result'
import { tabularInputHash } from '../../protocol/input-hash'
import { runLoad, type LoadResult } from '../../script/local/http-load'
import { loadManifest, tabularBody, tabularFeatures } from '../../script/local/model-inputs'
import { FUNCTIONS_SOURCES, simulateSource } from '../../script/local/functions-simulator'
import { post, startAdapter, type RunningServer } from './support/adapter-client'
import { startKillSwitchProxy } from './support/kill-switch-proxy'
import { SIZES, timeoutFor } from './support/mode'

const risk = loadManifest('risk-v1')
const FIRST_INPUT = 7_000_000

/** The parts of an answer every honest adapter must reproduce exactly. */
interface Reproducible {
  status: number
  result: unknown
  outputs: unknown
  modelHash: unknown
  inputHash: unknown
}

async function answer(adapter: RunningServer, n: number): Promise<Reproducible> {
  const a = await post(adapter.url, tabularBody(risk, n))
  const d = (a.json as { data?: Record<string, unknown> } | undefined)?.data ?? {}
  return {
    status: a.status,
    result: d.result,
    outputs: d.outputs,
    modelHash: d.modelHash,
    inputHash: d.inputHash,
  }
}

async function answers(adapter: RunningServer, count: number): Promise<Reproducible[]> {
  const out: Reproducible[] = []
  for (let i = 0; i < count; i++) out.push(await answer(adapter, FIRST_INPUT + i))
  return out
}

describe('reliability: an adapter killed and restarted', () => {
  const adapters: RunningServer[] = []
  let reference: Reproducible[]

  beforeAll(async () => {
    adapters.push(
      ...(await Promise.all(['a', 'b', 'c'].map((n) => startAdapter(`fault-adapter-${n}`)))),
    )
    reference = await answers(adapters[0]!, SIZES.restartInputs)
  }, 120_000)

  afterAll(async () => {
    await Promise.all(adapters.map((a) => a.stop()))
  })

  it('three independent adapters agree on every input (the reference)', async () => {
    expect(reference.every((r) => r.status === 200 && typeof r.result === 'string')).toBe(true)
    expect(await answers(adapters[1]!, SIZES.restartInputs)).toEqual(reference)
    expect(await answers(adapters[2]!, SIZES.restartInputs)).toEqual(reference)
  }, 60_000)

  it(
    'kill -9 one of three under load: the others answer everything, a 2-of-3 quorum stays exact',
    async () => {
      const [a, b, c] = adapters as [RunningServer, RunningServer, RunningServer]
      let next = 8_000_000
      const load = (s: RunningServer): Promise<LoadResult> => {
        const first = next
        next += 200_000
        // A small pool (built before the window; distinct inputs do not matter here), so that
        // building it does not stall this process while the other loads are already running.
        return runLoad({
          url: s.url,
          connections: 8,
          durationSeconds: SIZES.killLoadSeconds,
          bodies: { count: 512, make: (k) => tabularBody(risk, first + k) },
        })
      }
      const running = Promise.all([load(a), load(b), load(c)])
      await new Promise((r) => setTimeout(r, (SIZES.killLoadSeconds * 1000) / 3))
      b.child.kill('SIGKILL')
      const [la, lb, lc] = await running
      process.stdout.write(
        `kill under load: a ${la.ok} ok/${la.errors} errors ${la.errorSamples.join(',')}, ` +
          `b ${lb.ok} ok/${lb.errors} errors (killed), c ${lc.ok} ok/${lc.errors} errors ` +
          `${lc.errorSamples.join(',')}\n`,
      )
      expect(b.child.signalCode).toBe('SIGKILL')
      for (const l of [la, lc]) {
        expect(l.ok).toBeGreaterThan(0)
        expect(l.errors + l.non2xx).toBe(0)
      }
      expect(lb.ok).toBeGreaterThan(0) // it served until it was killed
      // The survivors: for every input, two of three answers equal the reference.
      expect(await answers(a, SIZES.restartInputs)).toEqual(reference)
      expect(await answers(c, SIZES.restartInputs)).toEqual(reference)
    },
    timeoutFor(SIZES.killLoadSeconds + 5),
  )

  it('restarted on the same port, the killed adapter serves identical results', async () => {
    const killed = adapters[1]!
    const restarted = await startAdapter('fault-adapter-b-restarted', {}, killed.port)
    adapters[1] = restarted
    expect(restarted.pid).not.toBe(killed.pid)
    expect(await answers(restarted, SIZES.restartInputs)).toEqual(reference)
  }, 90_000)

  it('kill -9 one adapter during a Functions execution: the source still reaches 2 of 3', async () => {
    const [a, b, c] = adapters as [RunningServer, RunningServer, RunningServer]
    const n = FIRST_INPUT + 3
    const features = tabularFeatures(risk, n)
    const inputHash = tabularInputHash(features)
    const proxy = await startKillSwitchProxy(b)
    try {
      const outcome = await simulateSource({
        sourcePath: FUNCTIONS_SOURCES.tabular,
        args: [risk.id, risk.file.sha256, inputHash, JSON.stringify({ features }), '2', '0'],
        secrets: { ADAPTERS: JSON.stringify([{ url: a.url }, { url: proxy.url }, { url: c.url }]) },
      })
      expect(proxy.killed()).toBe(true)
      expect(b.child.signalCode).toBe('SIGKILL')
      expect(outcome.error).toBeUndefined()
      const decoded = decodeInferenceResult(outcome.responseHex ?? '')
      process.stdout.write(
        `kill during Functions: responded ${decoded.responded}, agreed ${decoded.agreed}, ` +
          `result ${decoded.result} in ${outcome.durationMs} ms\n`,
      )
      expect(decoded.responded).toBe(2)
      expect(decoded.agreed).toBe(2)
      expect(decoded.result.toString()).toBe(reference[3]!.result)
      expect(decoded.inputHash).toBe(inputHash)
    } finally {
      await proxy.close()
    }
  }, 60_000)
})
