/**
 * Real adapter processes for the reliability suite (the process kit's `startAdapter`: one child
 * process each, loopback only) and a small client that records what each answer looked like.
 */
import {
  startAdapter as startLocalAdapter,
  type LocalAdapter,
} from '../../../script/local/adapters'

/** A running adapter of this suite. */
export type RunningServer = LocalAdapter

/** Starts an adapter with `env` (LOG_LEVEL silent) and waits for /ready; `port`: reuse one. */
export function startAdapter(
  name: string,
  env: Record<string, string> = {},
  port?: number,
): Promise<RunningServer> {
  return startLocalAdapter({
    name,
    env: { LOG_LEVEL: 'silent', ...env },
    ...(port === undefined ? {} : { port }),
  })
}

export interface Answer {
  status: number
  contentType: string
  /** The parsed body, or undefined when it was not JSON. */
  json: unknown
  text: string
  ms: number
}

/** POSTs a raw body to `url` (the adapter's `/`), with a timeout, and records the answer. */
export async function post(
  url: string,
  body: string | Buffer,
  timeoutMs = 10_000,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const t = performance.now()
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    signal: AbortSignal.timeout(timeoutMs),
  })
  const text = await res.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return {
    status: res.status,
    contentType: res.headers.get('content-type') ?? '',
    json,
    text,
    ms: performance.now() - t,
  }
}

/** Why `a` is not an EA error answer (JSON, 4xx, `{jobRunID, status, statusCode, error}`), or ''. */
export function eaErrorProblem(a: Answer): string {
  if (a.status < 400 || a.status > 499) return `status ${a.status}, expected 4xx`
  if (!a.contentType.includes('application/json')) return `content-type "${a.contentType}"`
  const b = a.json as
    { jobRunID?: unknown; status?: unknown; statusCode?: unknown; error?: unknown } | undefined
  if (typeof b !== 'object' || b === null)
    return `body is not a JSON object: ${a.text.slice(0, 200)}`
  if (typeof b.jobRunID !== 'string') return 'jobRunID is not a string'
  if (b.status !== 'errored') return 'status is not "errored"'
  if (b.statusCode !== a.status) return `statusCode ${String(b.statusCode)} != HTTP ${a.status}`
  const e = b.error as { name?: unknown; message?: unknown } | undefined
  if (typeof e?.name !== 'string' || typeof e.message !== 'string')
    return 'error lacks name/message'
  return ''
}

/** Whether `url`/health answers 200 (the process is up and serving). */
export async function isHealthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(new URL('/health', url), { signal: AbortSignal.timeout(2000) })
    await res.arrayBuffer()
    return res.status === 200
  } catch {
    return false
  }
}
