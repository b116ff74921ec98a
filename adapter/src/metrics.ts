/**
 * Prometheus metrics, one registry per adapter instance. Names follow Chainlink's EA framework
 * (`http_requests_total`, `http_request_duration_seconds`) plus inference, batch, cache, queue and
 * signing metrics. Label children are resolved once and reused on the hot path.
 */
import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  collectDefaultMetrics,
  type LabelValues,
} from 'prom-client'

export interface AdapterMetrics {
  registry: Registry
  httpRequests: Counter<'method' | 'route' | 'status_code'>
  httpDuration: Histogram<'method' | 'route' | 'status_code'>
  inferenceRequests: Counter<'model' | 'outcome'>
  batchSize: Histogram<'model'>
  inferenceDuration: Histogram<'model'>
  cacheHits: Counter<'model'>
  cacheMisses: Counter<'model'>
  queueDepth: Gauge
  /** Where the queue-depth gauge reads its value at scrape time. */
  setQueueDepthSource(read: () => number): void
  overloadRejections: Counter
  signDuration: Histogram
  signBatchSize: Histogram
  imageFetches: Counter<'outcome'>
  /** Cached (counter, histogram) children per method/route/status. */
  httpChild(method: string, route: string, statusCode: number): HttpChild
}

export interface HttpChild {
  count: { inc(): void }
  duration: { observe(v: number): void }
}

export function createMetrics(options: { defaultMetrics: boolean }): AdapterMetrics {
  const registry = new Registry()
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry })
  const registers = [registry]
  const httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers,
  })
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from request to response, by method, route and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  })
  const children = new Map<string, HttpChild>()
  let readQueueDepth = (): number => 0
  return {
    registry,
    httpRequests,
    httpDuration,
    inferenceRequests: new Counter({
      name: 'inference_requests_total',
      help: 'Inference requests by model and outcome (computed, cached, error)',
      labelNames: ['model', 'outcome'] as const,
      registers,
    }),
    batchSize: new Histogram({
      name: 'inference_batch_size',
      help: 'Inputs per ONNX Runtime run',
      labelNames: ['model'] as const,
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers,
    }),
    inferenceDuration: new Histogram({
      name: 'inference_run_duration_seconds',
      help: 'Time of one ONNX Runtime run (one batch)',
      labelNames: ['model'] as const,
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1],
      registers,
    }),
    cacheHits: new Counter({
      name: 'cache_hits_total',
      help: 'Result cache hits',
      labelNames: ['model'] as const,
      registers,
    }),
    cacheMisses: new Counter({
      name: 'cache_misses_total',
      help: 'Result cache misses',
      labelNames: ['model'] as const,
      registers,
    }),
    queueDepth: new Gauge({
      name: 'inference_queue_depth',
      help: 'Inference requests in progress',
      registers,
      collect() {
        this.set(readQueueDepth())
      },
    }),
    setQueueDepthSource(read: () => number): void {
      readQueueDepth = read
    },
    overloadRejections: new Counter({
      name: 'overload_rejections_total',
      help: 'Requests refused because the queue was full or the adapter was shutting down',
      registers,
    }),
    signDuration: new Histogram({
      name: 'signature_duration_seconds',
      help: 'Time to obtain one EIP-712 signature (queueing in the signer included)',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1],
      registers,
    }),
    signBatchSize: new Histogram({
      name: 'signature_batch_size',
      help: 'Answers under one operator signature (one Merkle root); 1 is a plain signature',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
      registers,
    }),
    imageFetches: new Counter({
      name: 'image_fetches_total',
      help: 'Remote image fetches by outcome',
      labelNames: ['outcome'] as const,
      registers,
    }),
    httpChild(method: string, route: string, statusCode: number): HttpChild {
      const key = `${method} ${route} ${statusCode}`
      let child = children.get(key)
      if (child === undefined) {
        const labels: LabelValues<'method' | 'route' | 'status_code'> = {
          method,
          route,
          status_code: statusCode,
        }
        child = { count: httpRequests.labels(labels), duration: httpDuration.labels(labels) }
        children.set(key, child)
      }
      return child
    },
  }
}
