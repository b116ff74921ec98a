/**
 * The adapter's configuration: every environment variable it reads, declared once with its
 * description, type, default and whether it is sensitive. `loadConfig` validates the environment at
 * boot and fails with one message naming every bad variable; `describeConfig` is the only view of
 * the configuration that may be logged (sensitive values are censored).
 */
import { resolve } from 'node:path'

import ipaddr from 'ipaddr.js'
import { z } from 'zod'

import { AddressPolicy } from './input/address-policy'

/** The bundled demo models (`adapter/models`). */
export const BUNDLED_MODEL_DIR = resolve(__dirname, '..', 'models')

const PRIVATE_KEY = /^(0x)?[0-9a-fA-F]{64}$/

function intVar(min: number, max: number) {
  return z.coerce
    .number({ error: 'expected a number' })
    .int({ error: 'expected an integer' })
    .min(min, { error: `expected at least ${min}` })
    .max(max, { error: `expected at most ${max}` })
}

function listVar() {
  return z.string().transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x.length > 0),
  )
}

interface VarSpec {
  description: string
  /** Used when the variable is unset or empty. */
  default: string
  sensitive: boolean
  schema: z.ZodType
}

/** Every environment variable of the adapter. The order is the order of docs/adapter.md. */
export const CONFIG_VARS = {
  EA_PORT: {
    description: 'TCP port the adapter listens on (0 picks a free port).',
    default: '8080',
    sensitive: false,
    schema: intVar(0, 65535),
  },
  EA_HOST: {
    description:
      'Address the adapter binds to. Loopback by default; to serve other hosts set e.g. 0.0.0.0, and API_KEYS with it.',
    default: '127.0.0.1',
    sensitive: false,
    schema: z.string().min(1),
  },
  MODEL_DIR: {
    description:
      'Folder holding one sub-folder per model (manifest.json + model.onnx). Default: the bundled demo models.',
    default: BUNDLED_MODEL_DIR,
    sensitive: false,
    schema: z.string().min(1),
  },
  API_KEYS: {
    description:
      'Comma-separated API keys; when set, POST / needs `Authorization: Bearer <key>` (or `X-API-Key`). Empty: no auth.',
    default: '',
    sensitive: true,
    schema: listVar(),
  },
  SIGNER_PRIVATE_KEY: {
    description:
      'secp256k1 private key (0x + 64 hex) for the EIP-712 operator signature. Empty: answers are unsigned.',
    default: '',
    sensitive: true,
    schema: z
      .string()
      .refine((s) => s === '' || PRIVATE_KEY.test(s), {
        error: 'expected 64 hex digits, optionally prefixed by 0x',
      })
      .transform((s) => (s === '' ? undefined : s.startsWith('0x') ? s : `0x${s}`)),
  },
  SIGNER_THREADS: {
    description:
      'Worker threads that compute signatures off the event loop; 0 signs on the event loop.',
    default: '1',
    sensitive: false,
    schema: intVar(0, 16),
  },
  SIGNER_BATCH_MAX_SIZE: {
    description:
      'Most answers under one signature: answers signed together (one event-loop turn, or while the signing threads are busy) share one signature over a Merkle root, each carrying its proof; 1 signs every answer alone.',
    default: '64',
    sensitive: false,
    schema: intVar(1, 1024),
  },
  BATCH_MAX_SIZE: {
    description:
      'Most requests for one model run as one ONNX batch (requests that arrived in the same event-loop turn); 1 disables batching.',
    default: '64',
    sensitive: false,
    schema: intVar(1, 4096),
  },
  CACHE_MAX_ENTRIES: {
    description: 'Result cache size (entries keyed by manifest hash + input hash); 0 disables it.',
    default: '10000',
    sensitive: false,
    schema: intVar(0, 10_000_000),
  },
  CACHE_TTL_SECONDS: {
    description: 'Age after which a cached result is dropped.',
    default: '3600',
    sensitive: false,
    schema: intVar(1, 31_536_000),
  },
  QUEUE_LIMIT: {
    description:
      'Most inference requests in progress at once; beyond it the adapter answers 429 with Retry-After.',
    default: '1024',
    sensitive: false,
    schema: intVar(1, 1_000_000),
  },
  BODY_LIMIT_BYTES: {
    description: 'Largest request body accepted (413 beyond).',
    default: String(1024 * 1024),
    sensitive: false,
    schema: intVar(1024, 64 * 1024 * 1024),
  },
  MAX_CONNECTIONS: {
    description:
      'Most open client connections; beyond it new connections are refused at accept. Bounds memory: each may hold a body of up to BODY_LIMIT_BYTES.',
    default: '256',
    sensitive: false,
    schema: intVar(1, 65_535),
  },
  HTTP_HEADERS_TIMEOUT_MS: {
    description:
      'Time a client has to send the request headers (against slowloris); at most HTTP_REQUEST_TIMEOUT_MS.',
    default: '10000',
    sensitive: false,
    schema: intVar(100, 600_000),
  },
  HTTP_REQUEST_TIMEOUT_MS: {
    description: 'Time a client has to send the whole request, headers and body (408 beyond).',
    default: '30000',
    sensitive: false,
    schema: intVar(100, 3_600_000),
  },
  HTTP_KEEP_ALIVE_TIMEOUT_MS: {
    description:
      'How long an idle keep-alive connection stays open (longer than a load balancer idle timeout of 60 s).',
    default: '65000',
    sensitive: false,
    schema: intVar(0, 3_600_000),
  },
  FETCH_MAX_BYTES: {
    description: 'Largest image accepted, fetched or inline (413 beyond).',
    default: String(10 * 1024 * 1024),
    sensitive: false,
    schema: intVar(1, 1024 * 1024 * 1024),
  },
  FETCH_MAX_PIXELS: {
    description: 'Largest decoded image, in pixels (width x height), against decompression bombs.',
    default: String(40_000_000),
    sensitive: false,
    schema: intVar(1, 1_000_000_000),
  },
  FETCH_TIMEOUT_MS: {
    description: 'Time allowed to fetch one image, redirects included (504 beyond).',
    default: '5000',
    sensitive: false,
    schema: intVar(1, 600_000),
  },
  FETCH_MAX_REDIRECTS: {
    description: 'Most redirects followed when fetching an image.',
    default: '3',
    sensitive: false,
    schema: intVar(0, 20),
  },
  IPFS_GATEWAY: {
    description:
      'HTTP(S) gateway used for ipfs:// URLs: ipfs://<cid>/<path> -> <gateway>/ipfs/<cid>/<path>.',
    default: 'https://ipfs.io',
    sensitive: false,
    schema: z
      .url({ protocol: /^https?$/, error: 'expected an http(s) URL' })
      .refine(
        (s) => {
          const u = new URL(s)
          return u.search === '' && u.hash === '' && u.username === '' && u.password === ''
        },
        { error: 'expected a URL without query, fragment or credentials' },
      )
      .transform((s) => s.replace(/\/+$/, '')),
  },
  FETCH_ALLOWLIST: {
    description:
      'Comma-separated IPs or CIDR ranges the IPFS gateway may resolve to although private, loopback or link-local (e.g. 127.0.0.1/32 for a local gateway). Applies to ipfs:// fetches through IPFS_GATEWAY only: any other image URL must resolve to a public address.',
    default: '',
    sensitive: false,
    schema: listVar().refine(
      (list) => {
        try {
          AddressPolicy.check(list)
          return true
        } catch {
          return false
        }
      },
      { error: 'expected comma-separated IP addresses or CIDR ranges' },
    ),
  },
  INPUT_STORE_URL: {
    description:
      'Base URL of the input store for by-reference requests (`data.inputRef`, tabular models): the features are fetched as `<url>/<ref>` with INPUT_STORE_API_KEY. Operator configuration, never on-chain. Empty: by-reference requests are refused.',
    default: '',
    sensitive: false,
    schema: z
      .string()
      .refine(
        (s) => {
          if (s === '') return true
          try {
            const u = new URL(s)
            return (
              (u.protocol === 'https:' || u.protocol === 'http:') &&
              u.search === '' &&
              u.hash === '' &&
              u.username === '' &&
              u.password === ''
            )
          } catch {
            return false
          }
        },
        { error: 'expected an http(s) URL without query, fragment or credentials' },
      )
      .transform((s) => (s === '' ? undefined : s.replace(/\/+$/, ''))),
  },
  INPUT_STORE_API_KEY: {
    description:
      'Sent to the input store as `Authorization: Bearer <key>`. Empty: no Authorization header.',
    default: '',
    sensitive: true,
    schema: z.string().transform((s) => (s === '' ? undefined : s)),
  },
  ORT_INTRA_OP_THREADS: {
    description:
      'ONNX Runtime intra-op threads per model. Results do not depend on it (sequential execution, fixed options).',
    default: '1',
    sensitive: false,
    schema: intVar(1, 256),
  },
  SHUTDOWN_TIMEOUT_MS: {
    description: 'On SIGTERM/SIGINT, time allowed for in-flight requests to finish.',
    default: '10000',
    sensitive: false,
    schema: intVar(0, 600_000),
  },
  LOG_LEVEL: {
    description:
      'pino log level: fatal, error, warn, info, debug (one line per request), trace, silent.',
    default: 'info',
    sensitive: false,
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'expected fatal, error, warn, info, debug, trace or silent',
    }),
  },
} as const satisfies Record<string, VarSpec>

type Vars = typeof CONFIG_VARS
export type ConfigVarName = keyof Vars
export type Config = { [K in ConfigVarName]: z.output<Vars[K]['schema']> }

/** Thrown at boot when the environment is invalid; the message names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`)
    this.name = 'ConfigError'
  }
}

/** Rules between variables, checked once each variable is valid on its own. */
function crossFieldProblems(config: Config): string[] {
  const problems: string[] = []
  if (config.HTTP_HEADERS_TIMEOUT_MS > config.HTTP_REQUEST_TIMEOUT_MS) {
    problems.push(
      `HTTP_HEADERS_TIMEOUT_MS=${config.HTTP_HEADERS_TIMEOUT_MS}: expected at most ` +
        `HTTP_REQUEST_TIMEOUT_MS (${config.HTTP_REQUEST_TIMEOUT_MS})`,
    )
  }
  return problems
}

/** True when `host` is a loopback address (127.0.0.0/8, ::1) or `localhost`. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true
  return ipaddr.isValid(host) && ipaddr.process(host).range() === 'loopback'
}

/**
 * What an operator should hear at boot about a configuration that is valid but exposed: serving
 * other hosts without API keys, or without a signer (docs/adapter.md, "Production").
 */
export function configWarnings(config: Config): string[] {
  if (isLoopbackHost(config.EA_HOST)) return []
  const warnings: string[] = []
  if (config.API_KEYS.length === 0) {
    warnings.push(
      `EA_HOST=${config.EA_HOST} serves other hosts and API_KEYS is empty: anyone who reaches ` +
        'the port can make the adapter fetch and infer',
    )
  }
  if (config.SIGNER_PRIVATE_KEY === undefined) {
    warnings.push(
      'SIGNER_PRIVATE_KEY is empty: answers are unsigned, so consumers cannot tell them from ' +
        'answers forged on the way',
    )
  }
  return warnings
}

/** Validates the environment (unset or empty variables take their default). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const out: Record<string, unknown> = {}
  const problems: string[] = []
  for (const [name, spec] of Object.entries(CONFIG_VARS) as [ConfigVarName, VarSpec][]) {
    const raw = env[name]
    const value = raw === undefined || raw.trim() === '' ? spec.default : raw.trim()
    const res = spec.schema.safeParse(value)
    if (res.success) out[name] = res.data
    else {
      // Never echo a sensitive value back, not even in an error.
      const shown = spec.sensitive ? '(value hidden)' : JSON.stringify(value)
      problems.push(`${name}=${shown}: ${res.error.issues.map((i) => i.message).join('; ')}`)
    }
  }
  if (problems.length === 0) problems.push(...crossFieldProblems(out as Config))
  if (problems.length > 0) throw new ConfigError(problems)
  return out as Config
}

/** The configuration as it may be logged: sensitive values replaced by `[set]` or `[unset]`. */
export function describeConfig(config: Config): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, spec] of Object.entries(CONFIG_VARS) as [ConfigVarName, VarSpec][]) {
    const v = config[name]
    const set = v !== undefined && !(Array.isArray(v) && v.length === 0)
    out[name] = spec.sensitive ? (set ? '[set]' : '[unset]') : v
  }
  return out
}
