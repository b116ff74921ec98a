/**
 * One HTTP load run with autocannon (the bench's cells, the reliability suite's overload and kill
 * runs), in this process; the servers under load run in their own child processes.
 *
 * Request bodies are built before the measured window: each connection gets its own slice of a pool
 * of `bodies.count` distinct bodies, which autocannon turns into ready request buffers when the
 * connection is set up. During the run the client only replays buffers, so its cost per request is
 * the same whatever the body, and every server is driven by the same client work. autocannon's
 * window starts after the pool is built.
 */
import autocannon from 'autocannon'

export interface BodyPool {
  /** Distinct bodies to build, split evenly over the connections. */
  count: number
  /** The k-th body, 0 <= k < count. */
  make(k: number): string
}

export interface LoadOptions {
  url: string
  connections: number
  durationSeconds: number
  bodies: BodyPool
  headers?: Record<string, string>
  /** Requests per second across all connections; unlimited if absent. */
  overallRate?: number
  /** Latency figures from 2xx answers only (e.g. admitted requests under overload). */
  excludeErrorStats?: boolean
}

export interface LoadResult {
  connections: number
  /** The nominal window. */
  durationSeconds: number
  /** From autocannon's start to the last answer (in-flight requests drain after the window). */
  wallSeconds: number
  /** Successful (2xx) answers per second over the window. */
  requestsPerSecond: number
  /** All answers per second, whatever their status. */
  answersPerSecond: number
  latencyP50Ms: number
  latencyP99Ms: number
  latencyMaxMs: number
  /** Requests answered or failed. */
  requests: number
  ok: number
  non2xx: number
  errors: number
  timeouts: number
  statusCounts: Record<string, number>
  /** Distinct bodies in the pool (a connection that exhausts its slice starts it again). */
  distinctBodies: number
  /** The first few request errors (connection refused, reset, timeout...), for diagnosis. */
  errorSamples: string[]
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}

/** Runs autocannon against `url` for `durationSeconds` and summarises the run. */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const perClient = Math.max(1, Math.ceil(opts.bodies.count / opts.connections))
  const headers = { 'content-type': 'application/json', ...opts.headers }
  let nextClient = 0
  let started = 0
  const instance = autocannon({
    url: opts.url,
    connections: opts.connections,
    duration: opts.durationSeconds,
    timeout: 10,
    method: 'POST',
    headers,
    body: opts.bodies.make(0),
    ...(opts.overallRate === undefined ? {} : { overallRate: opts.overallRate }),
    ...(opts.excludeErrorStats ? { excludeErrorStats: true } : {}),
    setupClient: (client) => {
      const first = (nextClient++ % opts.connections) * perClient
      const requests = []
      for (let k = first; k < first + perClient && k < opts.bodies.count; k++) {
        requests.push({ method: 'POST', path: '/', headers, body: opts.bodies.make(k) })
      }
      if (requests.length > 0) client.setRequests(requests)
    },
  })
  instance.on('start', () => {
    started = performance.now()
  })
  const errorSamples: string[] = []
  instance.on('reqError', (err: Error) => {
    if (errorSamples.length < 3) errorSamples.push(err.message)
  })
  const res = await instance
  // Rates over the nominal window: autocannon stops sending when it ends and counts the requests
  // still in flight (at most one per connection) when they come back. The wall time, which also
  // covers waiting for those, is reported separately.
  const wall = started > 0 ? (performance.now() - started) / 1000 : res.duration
  const seconds = opts.durationSeconds
  const statusCounts: Record<string, number> = {}
  for (const [code, { count }] of Object.entries(res.statusCodeStats ?? {})) {
    statusCounts[code] = Number(count)
  }
  const answered = Object.values(statusCounts).reduce((a, b) => a + b, 0)
  const ok = res['2xx']
  return {
    connections: opts.connections,
    durationSeconds: seconds,
    wallSeconds: round(wall),
    requestsPerSecond: round(ok / seconds, 0),
    answersPerSecond: round(answered / seconds, 0),
    latencyP50Ms: round(res.latency.p50, 3),
    latencyP99Ms: round(res.latency.p99, 3),
    latencyMaxMs: round(res.latency.max, 3),
    requests: answered + res.errors,
    ok,
    non2xx: res.non2xx,
    errors: res.errors,
    timeouts: res.timeouts,
    statusCounts,
    distinctBodies: Math.min(opts.bodies.count, perClient * opts.connections),
    errorSamples,
  }
}
