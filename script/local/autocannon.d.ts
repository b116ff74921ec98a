// The subset of autocannon 9's programmatic API http-load.ts uses (the package ships no types).
declare module 'autocannon' {
  interface Histogram {
    average: number
    mean: number
    stddev: number
    min: number
    max: number
    total: number
    p50: number
    p90: number
    p99: number
  }
  interface RawRequest {
    method?: string
    path?: string
    headers?: Record<string, string>
    body?: string | Buffer
  }
  interface RequestSpec extends RawRequest {
    setupRequest?: (req: RawRequest, context: Record<string, unknown>) => RawRequest
  }
  export interface Client {
    setRequests(requests: RequestSpec[]): void
  }
  export interface Options {
    url: string
    connections?: number
    duration?: number
    amount?: number
    timeout?: number
    method?: string
    headers?: Record<string, string>
    body?: string | Buffer
    requests?: RequestSpec[]
    overallRate?: number
    excludeErrorStats?: boolean
    setupClient?: (client: Client) => void
  }
  export interface Result {
    requests: Histogram
    latency: Histogram
    duration: number
    errors: number
    timeouts: number
    non2xx: number
    '2xx': number
    statusCodeStats: Record<string, { count: number }>
  }
  interface Instance extends PromiseLike<Result> {
    stop(): void
    on(event: 'start', listener: () => void): this
    on(event: 'reqError', listener: (err: Error) => void): this
  }
  function autocannon(opts: Options): Instance
  export default autocannon
}
