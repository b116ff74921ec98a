/*
 * Graceful shutdown of the real server process: on SIGTERM it refuses new work (503 with
 * Retry-After), lets the in-flight request finish with its answer, and exits 0.
 */
import { startAdapter, type LocalAdapter } from '../../script/local/adapters'
import { damageSamples, ipfsUrl, startImageHost, type ImageHost } from './image-server'

jest.setTimeout(120_000)

describe('graceful shutdown (real process)', () => {
  let host: ImageHost
  let proc: LocalAdapter | undefined

  beforeAll(async () => {
    host = await startImageHost()
    proc = await startAdapter({
      name: 'shutdown',
      env: {
        FETCH_ALLOWLIST: '127.0.0.1/32',
        IPFS_GATEWAY: host.base,
        SHUTDOWN_TIMEOUT_MS: '20000',
      },
    })
  })

  afterAll(async () => {
    host.release()
    await proc?.stop()
    await host.close()
  })

  it('drains the in-flight request, refuses new ones, then exits 0', async () => {
    if (proc === undefined) throw new Error('not started')
    const { url, child } = proc
    const sample = damageSamples()[0]
    if (sample === undefined) throw new Error('no sample')
    const inFlight = fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        id: 'drain-me',
        data: {
          model: 'damage-v1',
          image: { url: ipfsUrl(`hold/${sample.file}`), sha256: sample.sha256 },
        },
      }),
    })
    // Wait until the request is parked at the image host.
    for (let i = 0; i < 200; i++) {
      const metrics = await (await fetch(`${url}metrics`)).text()
      if (metrics.includes('inference_queue_depth 1')) break
      await new Promise((r) => setTimeout(r, 25))
    }
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    )
    child.kill('SIGTERM')
    await new Promise((r) => setTimeout(r, 300))
    // The listener is closed: new connections are refused (or, if one slipped in, answered 503).
    const late = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'late', data: { model: 'risk-v1' } }),
    }).then(
      (r) => r.status,
      () => 'refused',
    )
    expect([503, 'refused']).toContain(late)
    host.release()
    const res = await inFlight
    expect(res.status).toBe(200)
    const body = (await res.json()) as { jobRunID: string; result: string }
    expect(body.jobRunID).toBe('drain-me')
    expect(body.result).toBe(String(sample.classIndex))
    expect(await exited).toBe(0)
  })
})
