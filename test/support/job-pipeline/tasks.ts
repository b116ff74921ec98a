// The task types the onnx-oracle `directrequest` pipeline uses, as the test harness runs them. Each
// follows the parameters and conversions of the same task in Chainlink core
// (core/services/pipeline/task.*.go) for the values this pipeline passes; the chain-facing `ethtx`
// and the HTTP `bridge` call go through the environment the caller provides.
import { decodeFirstSync } from 'cbor'
import { AbiCoder, dataSlice, getAddress, hexlify, id, isHexString, zeroPadValue } from 'ethers'

import {
  bridgeHeaders,
  nonemptyString,
  PipelineParamError,
  type PipelineTask,
} from '../../../script/jobs/dot-pipeline'
import {
  asBytes,
  asInteger,
  asMap,
  asString,
  firstDefined,
  jsonWithVarExprs,
  type PipelineValue,
  type PipelineVars,
  varExpr,
} from './values'

/** A transaction the `ethtx` task asks the node's key to send. */
export interface EthTxRequest {
  to: string
  data: string
  gasLimit: bigint
}

/** What the harness needs from outside: bridges by name, HTTP, and the node's sending key. */
export interface TaskEnvironment {
  bridgeUrl(name: string): string
  /** Chain the node's key transmits on; an `ethtx` for another `evmChainID` fails. */
  chainId: bigint
  sendTransaction(tx: EthTxRequest): Promise<PipelineValue>
  /** Upper bound for a bridge call, in ms, when the task gives no `timeout`. */
  defaultBridgeTimeoutMs: number
}

/** Thrown when a task fails; the run stops there, as a Chainlink run errors. */
export class TaskRunError extends Error {
  constructor(
    readonly task: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`task ${task}: ${message}`, options)
    this.name = 'TaskRunError'
  }
}

interface AbiArg {
  type: string
  name: string
  indexed: boolean
}

// Chainlink's ethABIRegex: an optional name, then a parenthesised list without nested tuples.
const ETH_ABI = /^\s*([a-zA-Z0-9_]+)?\s*\(\s*([a-zA-Z0-9[\]_\s,]+\s*)?\)\s*$/

function parseAbi(abi: string, isLog: boolean): { name: string; args: AbiArg[] } {
  const m = ETH_ABI.exec(abi)
  if (m === null) throw new PipelineParamError(`bad ABI specification: ${abi}`)
  const args: AbiArg[] = []
  const list = (m[2] ?? '').trim()
  for (const raw of list === '' ? [] : list.split(',')) {
    const parts = raw
      .replace(/\b(calldata|memory|storage)\b/g, '')
      .trim()
      .split(/\s+/)
      .filter((p) => p !== '')
    if (parts.length === 2) {
      args.push({ type: parts[0] as string, name: parts[1] as string, indexed: false })
    } else if (parts.length === 3 && isLog && parts[1] === 'indexed') {
      args.push({ type: parts[0] as string, name: parts[2] as string, indexed: true })
    } else {
      throw new PipelineParamError(`bad ABI specification, argument "${raw.trim()}": ${abi}`)
    }
  }
  return { name: (m[1] ?? '').trim(), args }
}

const coder = AbiCoder.defaultAbiCoder()

/** ABI-decoded value as a pipeline value: integers as bigint, bytes as hex, addresses checksummed. */
function fromAbi(type: string, v: unknown): PipelineValue {
  if (/^u?int\d*$/.test(type)) return BigInt(v as bigint)
  if (type === 'address') return getAddress(v as string)
  if (type === 'bool') return Boolean(v)
  if (type === 'string' || type.startsWith('bytes')) return String(v)
  throw new PipelineParamError(`unsupported ABI type ${type}`)
}

/** A pipeline value converted for ABI encoding (after Chainlink's convertToETHABIType). */
function toAbi(name: string, type: string, v: PipelineValue): unknown {
  if (/^u?int\d*$/.test(type)) return asInteger(name, v)
  if (type === 'address') {
    if (typeof v === 'string' && isHexString(v, 20)) return getAddress(v)
    throw new PipelineParamError(`${name}: expected an address`)
  }
  if (type === 'bool') {
    if (typeof v === 'boolean') return v
    if (v === 'true' || v === 'false') return v === 'true'
    throw new PipelineParamError(`${name}: expected a bool`)
  }
  if (type === 'string') return asString(name, v)
  if (type === 'bytes') return hexlify(asBytes(name, v))
  const fixed = /^bytes(\d+)$/.exec(type)
  if (fixed !== null) {
    const size = Number(fixed[1])
    if (typeof v === 'string' && v.startsWith('0x')) {
      if (!isHexString(v, size)) throw new PipelineParamError(`${name}: expected ${size} bytes`)
      return v
    }
    // a non-hex string is copied byte by byte, right-padded with zeros or cut at `size`
    const bytes = new Uint8Array(size)
    bytes.set(asBytes(name, v).slice(0, size))
    return hexlify(bytes)
  }
  throw new PipelineParamError(`unsupported ABI type ${type}`)
}

/** Parameter `name` as most tasks resolve it: the variable if it is `$(var)`, else `fallback`. */
function varOr(
  task: PipelineTask,
  vars: PipelineVars,
  name: string,
  fallback: () => PipelineValue | undefined,
): PipelineValue {
  return firstDefined(name, () => varExpr(task.params[name], vars), fallback)
}

/** Parameter `name`: the variable if it is `$(var)`, else its literal text. */
function varOrLiteral(task: PipelineTask, vars: PipelineVars, name: string): PipelineValue {
  return varOr(task, vars, name, () => nonemptyString(task.params[name]))
}

function ethAbiDecodeLog(
  task: PipelineTask,
  vars: PipelineVars,
  inputs: PipelineValue[],
): PipelineValue {
  const { name, args } = parseAbi(
    firstDefined('abi', () => nonemptyString(task.params.abi)) as string,
    true,
  )
  const data = hexlify(
    asBytes(
      'data',
      varOr(task, vars, 'data', () => inputs[0]),
    ),
  )
  const topics = firstDefined('topics', () => varExpr(task.params.topics, vars))
  if (!Array.isArray(topics) || topics.some((t) => typeof t !== 'string' || !isHexString(t, 32))) {
    throw new PipelineParamError('topics: expected an array of 32-byte hex strings')
  }
  const signature = `${name}(${args.map((a) => a.type).join(',')})`
  if (topics[0] !== id(signature))
    throw new PipelineParamError(`topic 0 is not the event ${signature}`)
  const indexed = args.filter((a) => a.indexed)
  if (topics.length - 1 !== indexed.length) {
    throw new PipelineParamError(
      `expected ${indexed.length} indexed topics, got ${topics.length - 1}`,
    )
  }
  const out: Record<string, PipelineValue> = {}
  indexed.forEach((a, i) => {
    const [value] = coder.decode([a.type], topics[i + 1] as string)
    out[a.name] = fromAbi(a.type, value)
  })
  const plain = args.filter((a) => !a.indexed)
  const decoded = coder.decode(
    plain.map((a) => a.type),
    data,
  )
  plain.forEach((a, i) => {
    out[a.name] = fromAbi(a.type, decoded[i])
  })
  return out
}

function cborValue(v: unknown): PipelineValue {
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return hexlify(v)
  if (Array.isArray(v)) return v.map(cborValue)
  if (v instanceof Map) {
    return Object.fromEntries([...v.entries()].map(([k, x]) => [String(k), cborValue(x)]))
  }
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, cborValue(x)]))
  }
  if (
    typeof v === 'number' ||
    typeof v === 'string' ||
    typeof v === 'bigint' ||
    typeof v === 'boolean'
  ) {
    return v
  }
  if (v === null || v === undefined) return null
  throw new PipelineParamError(`unsupported CBOR value ${String(v)}`)
}

function cborParse(task: PipelineTask, vars: PipelineVars, inputs: PipelineValue[]): PipelineValue {
  const data = asBytes(
    'data',
    varOr(task, vars, 'data', () => inputs[0]),
  )
  const mode = nonemptyString(task.params.mode) ?? 'diet'
  if (mode !== 'diet' && mode !== 'standard') throw new PipelineParamError(`mode: unknown ${mode}`)
  if (mode === 'diet' && data.length === 0) return {}
  // "diet" CBOR is a map's key/value items without the map header (ChainlinkClient writes it so):
  // Chainlink wraps it in an indefinite-length map (0xbf ... 0xff) before decoding.
  const bytes =
    mode === 'diet' ? Buffer.concat([Buffer.from([0xbf]), data, Buffer.from([0xff])]) : data
  let decoded: unknown
  try {
    decoded = decodeFirstSync(Buffer.from(bytes))
  } catch (cause) {
    throw new PipelineParamError(`data: not CBOR: ${(cause as Error).message}`)
  }
  return cborValue(decoded)
}

function merge(task: PipelineTask, vars: PipelineVars, inputs: PipelineValue[]): PipelineValue {
  const left = asMap(
    'left',
    firstDefined(
      'left',
      () => varExpr(task.params.left, vars),
      () => nonemptyString(task.params.left),
      () => inputs[0],
    ),
  )
  const right = asMap('right', varOrLiteral(task, vars, 'right'))
  return { ...left, ...right }
}

function parseDuration(name: string, value: string): number {
  const m = /^(\d+)(ms|s|m|h)$/.exec(value)
  if (m === null) throw new PipelineParamError(`${name}: not a duration: ${value}`)
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h']
  return Number(m[1]) * unit
}

function jsonReplacer(_key: string, v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v
}

async function bridge(
  task: PipelineTask,
  vars: PipelineVars,
  env: TaskEnvironment,
): Promise<PipelineValue> {
  const name = firstDefined('name', () => nonemptyString(task.params.name)) as string
  const body = firstDefined(
    'requestData',
    () => varExpr(task.params.requestData, vars),
    () => jsonWithVarExprs(task.params.requestData, vars),
    () => ({}),
  )
  const timeoutMs =
    task.params.timeout === undefined
      ? env.defaultBridgeTimeoutMs
      : parseDuration('timeout', task.params.timeout)
  // Like core's withRunInfo: the run's `jobRun.meta` map (for directrequest, the decoded
  // OracleRequest) travels with the request as `meta`.
  const payload = { ...asMap('requestData', body) }
  const meta = vars.get('jobRun')
  if (meta !== null && typeof meta === 'object' && !Array.isArray(meta)) {
    const m = meta.meta
    if (m !== null && m !== undefined && typeof m === 'object' && !Array.isArray(m))
      payload.meta = m
  }
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  for (const [key, value] of bridgeHeaders(task.params.headers)) headers[key.toLowerCase()] = value
  const response = await fetch(env.bridgeUrl(name), {
    method: 'POST',
    headers,
    body: JSON.stringify(payload, jsonReplacer),
    signal: AbortSignal.timeout(timeoutMs),
  })
  const text = await response.text()
  if (!response.ok) {
    throw new PipelineParamError(
      `bridge ${name} answered HTTP ${response.status}: ${text.slice(0, 300)}`,
    )
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return text
  }
  // Chainlink treats an adapter body with a non-null `error` (or status "errored") as a failure.
  const p = parsed as { error?: unknown; status?: unknown } | null
  if (
    p !== null &&
    typeof p === 'object' &&
    ((p.error ?? null) !== null || p.status === 'errored')
  ) {
    throw new PipelineParamError(`bridge ${name} returned an error: ${text.slice(0, 300)}`)
  }
  return text
}

function jsonParse(task: PipelineTask, vars: PipelineVars, inputs: PipelineValue[]): PipelineValue {
  const pathValue = varExpr(task.params.path, vars) ?? nonemptyString(task.params.path) ?? ''
  const path = Array.isArray(pathValue)
    ? pathValue.map((p) => asString('path', p))
    : asString('path', pathValue) === ''
      ? []
      : (pathValue as string).split(',')
  const data = asString(
    'data',
    varOr(task, vars, 'data', () => inputs[0]),
  )
  const lax = (nonemptyString(task.params.lax) ?? 'false') === 'true'
  let decoded: unknown
  try {
    decoded = JSON.parse(data)
  } catch (cause) {
    throw new PipelineParamError(`data: not JSON: ${(cause as Error).message}`)
  }
  for (const part of path) {
    let next: unknown
    let exists = false
    if (Array.isArray(decoded)) {
      let index = Number(part)
      if (Number.isInteger(index)) {
        if (index < 0) index += decoded.length
        exists = index >= 0 && index < decoded.length
        next = decoded[index]
      }
    } else if (decoded !== null && typeof decoded === 'object') {
      exists = Object.hasOwn(decoded, part)
      next = (decoded as Record<string, unknown>)[part]
    }
    if (!exists) {
      if (lax) return null
      throw new PipelineParamError(
        `could not resolve path ["${path.join('","')}"] in ${data.slice(0, 200)}`,
      )
    }
    decoded = next
  }
  return decoded as PipelineValue
}

function ethAbiEncode(task: PipelineTask, vars: PipelineVars): PipelineValue {
  const { name, args } = parseAbi(
    firstDefined('abi', () => nonemptyString(task.params.abi)) as string,
    false,
  )
  const data = asMap(
    'data',
    varOr(task, vars, 'data', () => jsonWithVarExprs(task.params.data, vars)),
  )
  const values = args.map((a) => {
    if (!Object.hasOwn(data, a.name))
      throw new PipelineParamError(`data: missing argument ${a.name}`)
    return toAbi(a.name, a.type, data[a.name] as PipelineValue)
  })
  const encoded = coder.encode(
    args.map((a) => a.type),
    values,
  )
  if (name === '') return encoded
  const selector = dataSlice(id(`${name}(${args.map((a) => a.type).join(',')})`), 0, 4)
  return hexlify(
    Buffer.concat([Buffer.from(selector.slice(2), 'hex'), Buffer.from(encoded.slice(2), 'hex')]),
  )
}

async function ethTx(
  task: PipelineTask,
  vars: PipelineVars,
  env: TaskEnvironment,
): Promise<PipelineValue> {
  const to = varOrLiteral(task, vars, 'to')
  if (typeof to !== 'string' || !isHexString(to, 20))
    throw new PipelineParamError('to: expected an address')
  const data = hexlify(asBytes('data', varOrLiteral(task, vars, 'data')))
  const gasLimit = asInteger('gasLimit', varOrLiteral(task, vars, 'gasLimit'))
  const chain = varExpr(task.params.evmChainID, vars) ?? nonemptyString(task.params.evmChainID)
  if (chain !== undefined && asInteger('evmChainID', chain) !== env.chainId) {
    throw new PipelineParamError(
      `evmChainID ${String(chain)} is not the node's chain ${env.chainId}`,
    )
  }
  return env.sendTransaction({ to: getAddress(zeroPadValue(to, 20)), data, gasLimit })
}

/** Runs one task given the run's variables and its parents' results. */
export async function runTask(
  task: PipelineTask,
  vars: PipelineVars,
  inputs: PipelineValue[],
  env: TaskEnvironment,
): Promise<PipelineValue> {
  switch (task.type) {
    case 'ethabidecodelog':
      return ethAbiDecodeLog(task, vars, inputs)
    case 'cborparse':
      return cborParse(task, vars, inputs)
    case 'merge':
      return merge(task, vars, inputs)
    case 'bridge':
      return bridge(task, vars, env)
    case 'jsonparse':
      return jsonParse(task, vars, inputs)
    case 'ethabiencode':
      return ethAbiEncode(task, vars)
    case 'ethtx':
      return ethTx(task, vars, env)
    default:
      throw new PipelineParamError(`the harness does not implement task type ${task.type}`)
  }
}
