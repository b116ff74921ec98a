// Renders and validates the bridge definition and `directrequest` job spec that let a Chainlink node
// operator serve one onnx-oracle model (templates in script/jobs/templates/). Used by the CLI
// (script/jobs/cli.ts) and by the end-to-end test, which runs the rendered pipeline.
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { getAddress, hexlify, isAddress, toUtf8Bytes } from 'ethers'
import { parse as parseToml, TomlError } from 'smol-toml'

import { bridgeHeaders, checkPipeline, parsePipeline, type Pipeline } from './dot-pipeline'

const TEMPLATE_DIR = join(__dirname, 'templates')

/** What an operator chooses; everything else in the spec is fixed by the protocol. */
export interface JobSpecOptions {
  /** The node operator's Operator contract (receives OracleRequest, called by `ethtx`). */
  operator: string
  /** Model id (manifest `id`), e.g. `damage-v1`; the job answers for this model only. */
  model: string
  /** EVM chain id of the chain the Operator lives on. */
  evmChainId: string
  /** Bridge name as registered in the node. */
  bridgeName: string
  /** Adapter URL as the node reaches it. */
  bridgeUrl: string
  /** UUID of the job; its dash-less hex is the on-chain job id. Random when omitted. */
  externalJobId?: string
  /** Job name shown in the node UI. */
  jobName?: string
  /** Smallest LINK payment (juels) the job accepts. */
  minPaymentJuels: string
  /** Block confirmations before the node acts on a request. */
  minIncomingConfirmations: number
  /** Gas limit of the fulfilment transaction. */
  gasLimit: number
  /** Bridge call timeout, a Go duration such as `30s`. */
  bridgeTimeout: string
  /** Whole-run timeout, a Go duration. */
  maxTaskDuration: string
  /**
   * The adapter's API key (one of its API_KEYS), sent by the bridge task as
   * `Authorization: Bearer`. It ends up in the job spec: keep the file private. Omit it when the
   * adapter is reachable only from the node's private network and runs without API_KEYS.
   */
  apiKey?: string
}

/** Defaults for the optional settings. */
export const JOB_SPEC_DEFAULTS = {
  bridgeName: 'onnx-oracle',
  bridgeUrl: 'http://localhost:8080',
  minPaymentJuels: '100000000000000000',
  minIncomingConfirmations: 1,
  // Operator.sol refuses to call back with less than 400,000 gas left; the fulfilment itself
  // (Operator + QuorumConsumer + a small dApp hook) measured about 160k (docs/operators.md).
  gasLimit: 600_000,
  bridgeTimeout: '30s',
  maxTaskDuration: '60s',
} as const

/** The rendered files and what a consumer needs to know about them. */
export interface RenderedJob {
  /** `directrequest` job spec (TOML), for `chainlink jobs create` or the node UI. */
  jobToml: string
  /** Bridge definition (JSON), for `chainlink bridges create` or the node UI. */
  bridgeJson: string
  externalJobId: string
  /** `bytes32` job id for `QuorumConsumer.OracleConfig.jobId`: the ASCII of the dash-less UUID. */
  onchainJobId: string
}

/** A job spec that parsed and passed every check, with its pipeline. */
export interface ValidatedJob {
  spec: DirectRequestSpec
  pipeline: Pipeline
  /** Tasks in execution order. */
  order: string[]
}

/** The fields of a `directrequest` job spec that the tools read. */
export interface DirectRequestSpec {
  type: 'directrequest'
  schemaVersion: number
  name: string
  externalJobID: string
  contractAddress: string
  evmChainID: string
  minContractPaymentLinkJuels: string
  minIncomingConfirmations: number
  maxTaskDuration: string
  observationSource: string
}

/** The bridge definition. */
export interface BridgeSpec {
  name: string
  url: string
  confirmations: number
  minimumContractPayment: string
}

/** Thrown when options or a rendered/loaded spec are invalid; `field` names the culprit. */
export class JobSpecError extends Error {
  constructor(
    message: string,
    readonly field: string,
    options?: { cause?: unknown },
  ) {
    super(`${field}: ${message}`, options)
    this.name = 'JobSpecError'
  }
}

const MODEL_ID = /^[a-z0-9][a-z0-9._-]{0,30}$/
const BRIDGE_NAME = /^[a-z0-9_-]{1,64}$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const DURATION = /^\d+(ms|s|m|h)$/
const DECIMAL = /^\d+$/
// Safe to embed in JSON inside a DOT string inside TOML without escaping.
const API_KEY = /^[A-Za-z0-9._~+/=-]{16,256}$/

/** The task types the generated pipeline uses; a spec with others is rejected. */
export const SUPPORTED_TASK_TYPES: ReadonlySet<string> = new Set([
  'ethabidecodelog',
  'cborparse',
  'merge',
  'bridge',
  'jsonparse',
  'ethabiencode',
  'ethtx',
])

/** `bytes32` on-chain job id for an external job id: ASCII of the UUID without dashes. */
export function onchainJobId(externalJobId: string): string {
  const hex = externalJobId.replaceAll('-', '')
  if (!UUID.test(externalJobId)) throw new JobSpecError('not a lowercase UUID', 'externalJobId')
  return hexlify(toUtf8Bytes(hex))
}

function checkOptions(o: JobSpecOptions): void {
  if (!isAddress(o.operator)) throw new JobSpecError('not an address', 'operator')
  if (!MODEL_ID.test(o.model)) {
    throw new JobSpecError('must be 1-31 of [a-z0-9._-], starting alphanumeric', 'model')
  }
  if (!DECIMAL.test(o.evmChainId) || o.evmChainId === '0') {
    throw new JobSpecError('must be a positive decimal integer', 'evmChainId')
  }
  if (!BRIDGE_NAME.test(o.bridgeName))
    throw new JobSpecError('must match [a-z0-9_-]{1,64}', 'bridgeName')
  let url: URL
  try {
    url = new URL(o.bridgeUrl)
  } catch (cause) {
    throw new JobSpecError('not a URL', 'bridgeUrl', { cause })
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new JobSpecError('must be http(s)', 'bridgeUrl')
  }
  if (o.externalJobId !== undefined && !UUID.test(o.externalJobId)) {
    throw new JobSpecError('not a lowercase UUID', 'externalJobId')
  }
  if (o.jobName !== undefined && !/^[\w .:()-]{1,100}$/.test(o.jobName)) {
    throw new JobSpecError('must be 1-100 of letters, digits, space and ._:()-', 'jobName')
  }
  if (!DECIMAL.test(o.minPaymentJuels))
    throw new JobSpecError('must be a decimal integer', 'minPaymentJuels')
  if (!Number.isSafeInteger(o.minIncomingConfirmations) || o.minIncomingConfirmations < 0) {
    throw new JobSpecError('must be a non-negative integer', 'minIncomingConfirmations')
  }
  if (!Number.isSafeInteger(o.gasLimit) || o.gasLimit < 450_000 || o.gasLimit > 30_000_000) {
    // below ~450k the Operator's 400k callback floor cannot be met
    throw new JobSpecError('must be an integer between 450000 and 30000000', 'gasLimit')
  }
  if (!DURATION.test(o.bridgeTimeout))
    throw new JobSpecError('must be a duration like 30s', 'bridgeTimeout')
  if (!DURATION.test(o.maxTaskDuration)) {
    throw new JobSpecError('must be a duration like 60s', 'maxTaskDuration')
  }
  if (o.apiKey !== undefined && !API_KEY.test(o.apiKey)) {
    // the key itself is never part of the message
    throw new JobSpecError('must be 16-256 of [A-Za-z0-9._~+/=-]', 'apiKey')
  }
}

/** Replaces every `{{NAME}}`; a placeholder without a value, or a value never used, is an error. */
export function fillTemplate(template: string, values: Readonly<Record<string, string>>): string {
  const used = new Set<string>()
  const out = template.replace(/\{\{([A-Z_]+)\}\}/g, (_, key: string) => {
    const value = values[key]
    if (value === undefined) throw new JobSpecError('no value for placeholder', key)
    used.add(key)
    return value
  })
  for (const key of Object.keys(values)) {
    if (!used.has(key)) throw new JobSpecError('value for a placeholder the template lacks', key)
  }
  return out
}

function readTemplate(name: string): string {
  return readFileSync(join(TEMPLATE_DIR, name), 'utf8')
}

/** Fills both templates for one operator and model, then validates the result. */
export function renderJob(options: JobSpecOptions): RenderedJob {
  checkOptions(options)
  const externalJobId = options.externalJobId ?? randomUUID()
  const operator = getAddress(options.operator)
  const jobToml = fillTemplate(readTemplate('directrequest.toml'), {
    JOB_NAME: options.jobName ?? `onnx-oracle ${options.model}`,
    EXTERNAL_JOB_ID: externalJobId,
    OPERATOR_ADDRESS: operator,
    EVM_CHAIN_ID: options.evmChainId,
    MIN_PAYMENT_JUELS: options.minPaymentJuels,
    MIN_INCOMING_CONFIRMATIONS: String(options.minIncomingConfirmations),
    MAX_TASK_DURATION: options.maxTaskDuration,
    MODEL_ID: options.model,
    BRIDGE_NAME: options.bridgeName,
    BRIDGE_TIMEOUT: options.bridgeTimeout,
    BRIDGE_HEADERS:
      options.apiKey === undefined
        ? ''
        : ` headers="[\\\\"Authorization\\\\", \\\\"Bearer ${options.apiKey}\\\\"]"`,
    GAS_LIMIT: String(options.gasLimit),
  })
  const bridgeJson = fillTemplate(readTemplate('bridge.json'), {
    BRIDGE_NAME: options.bridgeName,
    BRIDGE_URL: options.bridgeUrl,
  })
  const job = validateJobToml(jobToml)
  const bridge = validateBridgeJson(bridgeJson)
  const fetch = [...job.pipeline.tasks.values()].find((t) => t.type === 'bridge')
  if (fetch?.params.name !== bridge.name) {
    throw new JobSpecError('the job calls a bridge other than the one defined', 'bridgeName')
  }
  return { jobToml, bridgeJson, externalJobId, onchainJobId: onchainJobId(externalJobId) }
}

function requireString(doc: Record<string, unknown>, key: string): string {
  const v = doc[key]
  if (typeof v !== 'string' || v === '') throw new JobSpecError('must be a non-empty string', key)
  return v
}

/**
 * Parses a job spec and checks what a node would refuse or misrun: TOML syntax, the required
 * `directrequest` fields, the pipeline's DOT syntax, task types, an acyclic task graph, every
 * `$(var)` bound to a built-in or an upstream task, and the `ethtx` target being the Operator.
 */
export function validateJobToml(toml: string): ValidatedJob {
  let doc: Record<string, unknown>
  try {
    doc = parseToml(toml) as Record<string, unknown>
  } catch (cause) {
    const where = cause instanceof TomlError ? ` (line ${cause.line})` : ''
    throw new JobSpecError(`TOML does not parse${where}`, 'toml', { cause })
  }
  if (doc.type !== 'directrequest') throw new JobSpecError('must be "directrequest"', 'type')
  if (doc.schemaVersion !== 1) throw new JobSpecError('must be 1', 'schemaVersion')
  const externalJobID = requireString(doc, 'externalJobID')
  if (!UUID.test(externalJobID)) throw new JobSpecError('not a lowercase UUID', 'externalJobID')
  const contractAddress = requireString(doc, 'contractAddress')
  if (!isAddress(contractAddress)) throw new JobSpecError('not an address', 'contractAddress')
  const minIncomingConfirmations = doc.minIncomingConfirmations
  if (typeof minIncomingConfirmations !== 'number' || minIncomingConfirmations < 0) {
    throw new JobSpecError('must be a non-negative integer', 'minIncomingConfirmations')
  }
  const spec: DirectRequestSpec = {
    type: 'directrequest',
    schemaVersion: 1,
    name: requireString(doc, 'name'),
    externalJobID,
    contractAddress,
    evmChainID: requireString(doc, 'evmChainID'),
    minContractPaymentLinkJuels: requireString(doc, 'minContractPaymentLinkJuels'),
    minIncomingConfirmations,
    maxTaskDuration: requireString(doc, 'maxTaskDuration'),
    observationSource: requireString(doc, 'observationSource'),
  }
  let pipeline: Pipeline
  let order: string[]
  try {
    pipeline = parsePipeline(spec.observationSource)
    order = checkPipeline(pipeline)
  } catch (cause) {
    throw new JobSpecError((cause as Error).message, 'observationSource', { cause })
  }
  for (const task of pipeline.tasks.values()) {
    if (!SUPPORTED_TASK_TYPES.has(task.type)) {
      throw new JobSpecError(
        `task ${task.name} has unsupported type ${task.type}`,
        'observationSource',
      )
    }
    if (task.type === 'bridge') {
      try {
        bridgeHeaders(task.params.headers)
      } catch (cause) {
        throw new JobSpecError(
          `task ${task.name}: ${(cause as Error).message}`,
          'observationSource',
          {
            cause,
          },
        )
      }
    }
    if (task.type === 'ethtx') {
      const to = task.params.to ?? ''
      if (!isAddress(to) || getAddress(to) !== getAddress(contractAddress)) {
        throw new JobSpecError(
          `task ${task.name} sends to another contract than the Operator`,
          'observationSource',
        )
      }
    }
  }
  return { spec, pipeline, order }
}

/** Parses and checks a bridge definition. */
export function validateBridgeJson(json: string): BridgeSpec {
  let doc: unknown
  try {
    doc = JSON.parse(json)
  } catch (cause) {
    throw new JobSpecError('JSON does not parse', 'bridge', { cause })
  }
  const b = doc as Partial<BridgeSpec> | null
  if (b === null || typeof b !== 'object') throw new JobSpecError('must be an object', 'bridge')
  if (typeof b.name !== 'string' || !BRIDGE_NAME.test(b.name)) {
    throw new JobSpecError('must match [a-z0-9_-]{1,64}', 'bridge.name')
  }
  if (typeof b.url !== 'string' || !/^https?:\/\//.test(b.url)) {
    throw new JobSpecError('must be an http(s) URL', 'bridge.url')
  }
  if (typeof b.confirmations !== 'number')
    throw new JobSpecError('must be a number', 'bridge.confirmations')
  if (typeof b.minimumContractPayment !== 'string') {
    throw new JobSpecError('must be a string', 'bridge.minimumContractPayment')
  }
  return {
    name: b.name,
    url: b.url,
    confirmations: b.confirmations,
    minimumContractPayment: b.minimumContractPayment,
  }
}
