/**
 * The environment of `npm run cre -- don` and `npm run cre -- simulate`, every variable declared
 * once (description, sensitivity), validated at start, every problem reported at once. Keys and
 * the ADAPTERS secret come from here (or a file named here), never from the command line, and are
 * never printed: errors name the variable and the entry, not the value.
 */
import { readFileSync } from 'node:fs'

import { z } from 'zod'

import { AdapterConfigError, parseAdapters } from '../../don-core/inference-core'
import { parseWorkflowConfig, type WorkflowConfig } from '../../cre-workflow/onnx-inference/config'
import type { RequestObservation } from '../../cre-workflow/onnx-inference/node-round'
import type { CreNodeFault } from './local-cre-don'

export const CRE_VARS = {
  CRE_RPC_URL: {
    description:
      'JSON-RPC URL of a chain with a KeystoneForwarder and CRE oracles (`don`: serve them instead of starting anvil; `simulate log`: where the request transaction is).',
    sensitive: false,
  },
  CRE_FORWARDER: { description: 'KeystoneForwarder address (with CRE_RPC_URL).', sensitive: false },
  CRE_ORACLES: {
    description: 'Comma-separated CreInferenceOracle addresses the DON serves (with CRE_RPC_URL).',
    sensitive: false,
  },
  CRE_WORKFLOW_OWNER: {
    description: 'The workflow owner the reports name (with CRE_RPC_URL).',
    sensitive: false,
  },
  CRE_WORKFLOW_NAME: {
    description:
      'The workflow name the reports name (with CRE_RPC_URL; default onnx-oracle-inference).',
    sensitive: false,
  },
  CRE_DON_KEYS: {
    description: "Comma-separated private keys of the DON's report signers (with CRE_RPC_URL).",
    sensitive: true,
  },
  CRE_TRANSMITTER_KEYS: {
    description: 'Comma-separated private keys the nodes send reports from (with CRE_RPC_URL).',
    sensitive: true,
  },
  CRE_ANVIL_PORT: {
    description: 'Port of the anvil `don` starts when CRE_RPC_URL is unset (default 8545).',
    sensitive: false,
  },
  CRE_WORKFLOW_CONFIG: {
    description:
      'A workflow config file (cre-workflow/onnx-inference/config.*.json): its gasLimit, logConfidence and adapterTimeoutMs apply to every oracle served; its oracleAddress is served when CRE_ORACLES is unset. Default: LATEST logs, 500,000 gas, 4 s per adapter.',
    sensitive: false,
  },
  ADAPTERS_JSON: {
    description:
      'The ADAPTERS secret itself (the variable cre-workflow/secrets.yaml maps it to for `cre workflow simulate`): JSON [{"url", "apiKey"?, "signer"?}].',
    sensitive: true,
  },
  CRE_ADAPTERS_FILE: {
    description: 'A file holding the ADAPTERS secret (instead of ADAPTERS_JSON).',
    sensitive: true,
  },
  CRE_FAULTS: {
    description:
      'JSON fault per node index, e.g. {"1": {"kind": "missing"}} (kinds: missing, error {message}, lie {fields}).',
    sensitive: false,
  },
} as const

/** Thrown for an environment the CLI cannot run with; the message names every problem. */
export class CreCliConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'CreCliConfigError'
  }
}

const HEX_KEY = /^0x[0-9a-fA-F]{64}$/
const ADDRESS = /^0x[0-9a-fA-F]{40}$/
const UINT = /^(0|[1-9][0-9]*)$/
const HASH = /^0x[0-9a-fA-F]{64}$/

const lieFieldsSchema = z.strictObject({
  requestId: z.string().regex(HASH).optional(),
  client: z.string().regex(ADDRESS).optional(),
  modelId: z.string().regex(HASH).optional(),
  requestedInputHash: z.string().regex(HASH).optional(),
  modelHash: z.string().regex(HASH).optional(),
  inputHash: z.string().regex(HASH).optional(),
  result: z.string().regex(UINT).optional(),
  responded: z.string().regex(UINT).optional(),
  agreed: z.string().regex(UINT).optional(),
  observedAt: z.string().regex(UINT).optional(),
})

const faultsSchema = z.record(
  z.string().regex(/^\d+$/),
  z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('missing') }),
    z.strictObject({ kind: z.literal('error'), message: z.string().min(1) }),
    z.strictObject({ kind: z.literal('lie'), fields: lieFieldsSchema }),
  ]),
)

const NUMBER_FIELDS = ['result', 'responded', 'agreed', 'observedAt'] as const

function lieFields(fields: z.output<typeof lieFieldsSchema>): Partial<RequestObservation> {
  const out: Record<string, string | bigint> = {}
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue
    out[name] = (NUMBER_FIELDS as readonly string[]).includes(name)
      ? BigInt(value)
      : value.toLowerCase()
  }
  return out as Partial<RequestObservation>
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new CreCliConfigError(`${what} is not valid JSON`, { cause: err })
  }
}

/** The ADAPTERS secret from ADAPTERS_JSON or CRE_ADAPTERS_FILE, checked by don-core's rules. */
export function adaptersSecretFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  const inline = env.ADAPTERS_JSON?.trim()
  const file = env.CRE_ADAPTERS_FILE?.trim()
  let text: string
  if (inline) text = inline
  else if (file) {
    try {
      text = readFileSync(file, 'utf8')
    } catch (err) {
      throw new CreCliConfigError(`CRE_ADAPTERS_FILE: cannot read ${file}`, { cause: err })
    }
  } else return undefined
  try {
    parseAdapters(text)
  } catch (err) {
    if (err instanceof AdapterConfigError)
      throw new CreCliConfigError(
        `${inline ? 'ADAPTERS_JSON' : 'CRE_ADAPTERS_FILE'}: ${err.message}`,
      )
    throw err
  }
  return text
}

/** CRE_FAULTS, parsed. */
export function faultsFromEnv(env: NodeJS.ProcessEnv): Record<number, CreNodeFault> {
  if (!env.CRE_FAULTS?.trim()) return {}
  const parsed = faultsSchema.safeParse(parseJson(env.CRE_FAULTS, 'CRE_FAULTS'))
  if (!parsed.success) {
    throw new CreCliConfigError(
      `CRE_FAULTS: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    )
  }
  return Object.fromEntries(
    Object.entries(parsed.data).map(([node, fault]) => [
      Number(node),
      fault.kind === 'lie' ? { kind: 'lie', fields: lieFields(fault.fields) } : fault,
    ]),
  ) as Record<number, CreNodeFault>
}

/** The fields of a workflow config file that apply to every oracle, and its own oracle. */
export interface WorkflowConfigBase {
  overrides: Partial<Omit<WorkflowConfig, 'oracleAddress'>>
  oracleAddress: string | undefined
}

/** CRE_WORKFLOW_CONFIG, read and checked with the workflow's own schema. */
export function workflowConfigFromEnv(env: NodeJS.ProcessEnv): WorkflowConfigBase {
  const path = env.CRE_WORKFLOW_CONFIG?.trim()
  if (!path) return { overrides: {}, oracleAddress: undefined }
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new CreCliConfigError(`CRE_WORKFLOW_CONFIG: cannot read ${path}`, { cause: err })
  }
  const raw = parseJson(text, 'CRE_WORKFLOW_CONFIG') as Record<string, unknown>
  const zero = '0x0000000000000000000000000000000000000000'
  const oracle = typeof raw.oracleAddress === 'string' ? raw.oracleAddress : undefined
  let config: WorkflowConfig
  try {
    // A placeholder oracle (the committed configs hold the zero address) is allowed here: the DON
    // serves CRE_ORACLES then.
    config = parseWorkflowConfig({
      ...raw,
      oracleAddress: oracle === undefined || oracle === zero ? `0x${'11'.repeat(20)}` : oracle,
    })
  } catch (err) {
    throw new CreCliConfigError(
      `CRE_WORKFLOW_CONFIG: ${err instanceof Error ? err.message : String(err)}`,
    )
  }
  return {
    overrides: {
      gasLimit: config.gasLimit,
      logConfidence: config.logConfidence,
      adapterTimeoutMs: config.adapterTimeoutMs,
    },
    oracleAddress: oracle === undefined || oracle === zero ? undefined : oracle,
  }
}

/** How `npm run cre -- don` runs. */
export interface CreDonCliConfig {
  /** Serve an existing deployment; unset: start anvil and deploy. */
  attach:
    | {
        rpcUrl: string
        forwarder: string
        oracles: string[]
        workflowOwner: string
        workflowName: string
        donKeys: string[]
        transmitterKeys: string[]
      }
    | undefined
  anvilPort: number
  workflow: WorkflowConfigBase
  adaptersSecret: string | undefined
  faults: Record<number, CreNodeFault>
}

function keysFrom(value: string | undefined, name: string, problems: string[]): string[] {
  const keys = (value ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '')
  if (keys.length === 0) problems.push(`${name} is required with CRE_RPC_URL`)
  keys.forEach((k, i) => {
    // The value is secret: say which entry is wrong, never what it is.
    if (!HEX_KEY.test(k)) problems.push(`${name} entry ${i}: expected 0x + 64 hex digits`)
  })
  return keys
}

/** Validates the environment of `npm run cre -- don`; one error naming every bad variable. */
export function loadCreDonConfig(env: NodeJS.ProcessEnv): CreDonCliConfig {
  const problems: string[] = []
  const collect = <T>(fn: () => T, fallback: T): T => {
    try {
      return fn()
    } catch (err) {
      if (!(err instanceof CreCliConfigError)) throw err
      problems.push(err.message)
      return fallback
    }
  }
  const workflow = collect(() => workflowConfigFromEnv(env), {
    overrides: {},
    oracleAddress: undefined,
  })
  const adaptersSecret = collect(() => adaptersSecretFromEnv(env), undefined)
  const faults = collect(() => faultsFromEnv(env), {})
  const portText = env.CRE_ANVIL_PORT?.trim() || '8545'
  const anvilPort = Number(portText)
  if (!Number.isInteger(anvilPort) || anvilPort < 1 || anvilPort > 65_535) {
    problems.push(`CRE_ANVIL_PORT=${JSON.stringify(portText)}: expected a port number`)
  }
  let attach: CreDonCliConfig['attach']
  const rpcUrl = env.CRE_RPC_URL?.trim()
  if (rpcUrl) {
    const forwarder = env.CRE_FORWARDER?.trim() ?? ''
    if (!ADDRESS.test(forwarder)) problems.push('CRE_FORWARDER must be an address with CRE_RPC_URL')
    const oracles = (env.CRE_ORACLES ?? '')
      .split(',')
      .map((a) => a.trim())
      .filter((a) => a !== '')
    if (oracles.length === 0 && workflow.oracleAddress !== undefined)
      oracles.push(workflow.oracleAddress)
    if (oracles.length === 0)
      problems.push(
        'CRE_ORACLES (or CRE_WORKFLOW_CONFIG oracleAddress) is required with CRE_RPC_URL',
      )
    oracles.forEach((a, i) => {
      if (!ADDRESS.test(a)) problems.push(`CRE_ORACLES entry ${i}: expected an address`)
    })
    const workflowOwner = env.CRE_WORKFLOW_OWNER?.trim() ?? ''
    if (!ADDRESS.test(workflowOwner))
      problems.push('CRE_WORKFLOW_OWNER must be an address with CRE_RPC_URL')
    const donKeys = keysFrom(env.CRE_DON_KEYS, 'CRE_DON_KEYS', problems)
    const transmitterKeys = keysFrom(env.CRE_TRANSMITTER_KEYS, 'CRE_TRANSMITTER_KEYS', problems)
    attach = {
      rpcUrl,
      forwarder,
      oracles,
      workflowOwner,
      workflowName: env.CRE_WORKFLOW_NAME?.trim() || 'onnx-oracle-inference',
      donKeys,
      transmitterKeys,
    }
  }
  if (problems.length > 0) throw new CreCliConfigError(problems.join('; '))
  return { attach, anvilPort, workflow, adaptersSecret, faults }
}
