// Values and parameter resolution of the pipeline test harness, after Chainlink core's
// core/services/pipeline (task_params.go): a parameter that is exactly `$(a.b)` takes that variable's
// value as is (VarExpr); a JSON template such as `{"id": $(jobSpec.externalJobID)}` is parsed with
// each `$(...)` replaced by the variable's value, keeping its type (JSONWithVarExprs); otherwise the
// literal string is used. Byte strings travel as `0x` hex strings, integers as bigint.

import { PipelineParamError } from '../../../script/jobs/dot-pipeline'

/** A value a task produces or a parameter resolves to. */
export type PipelineValue =
  string | number | bigint | boolean | null | PipelineValue[] | { [key: string]: PipelineValue }

/** Variables of a run: built-ins (`jobSpec`, `jobRun`) and one entry per finished task. */
export type PipelineVars = Map<string, PipelineValue>

const VAR_EXPR = /\$\(\s*([^()]*?)\s*\)/g
const PLACEHOLDER_KEY = '__chainlink_var_expr__'

/** Looks up a keypath of at most two segments, e.g. `decode_log.requestId`. */
export function getVar(vars: PipelineVars, keypath: string): PipelineValue {
  const parts = keypath.split('.')
  if (parts.length > 2 || parts.some((p) => p === '')) {
    throw new PipelineParamError(`malformed keypath ${keypath}`)
  }
  const [head, field] = parts as [string, string | undefined]
  if (!vars.has(head)) throw new PipelineParamError(`keypath not found: ${keypath}`)
  const value = vars.get(head) as PipelineValue
  if (field === undefined) return value
  if (Array.isArray(value)) {
    const index = Number(field)
    if (!Number.isInteger(index) || index < 0 || index >= value.length) {
      throw new PipelineParamError(`keypath not found: ${keypath}`)
    }
    return value[index] as PipelineValue
  }
  if (value === null || typeof value !== 'object' || !Object.hasOwn(value, field)) {
    throw new PipelineParamError(`keypath not found: ${keypath}`)
  }
  return value[field] as PipelineValue
}

/** `$(x)` alone (whitespace aside): its value; otherwise `undefined` (not a variable expression). */
export function varExpr(param: string | undefined, vars: PipelineVars): PipelineValue | undefined {
  const trimmed = param?.trim() ?? ''
  const isExpr =
    trimmed.startsWith('$(') && trimmed.endsWith(')') && trimmed.split('$').length === 2
  if (!isExpr) return undefined
  return getVar(vars, trimmed.slice(2, -1).trim())
}

/** A JSON template with `$(...)` placeholders, parsed, placeholders replaced by typed values. */
export function jsonWithVarExprs(
  param: string | undefined,
  vars: PipelineVars,
): PipelineValue | undefined {
  if (param === undefined || param.trim() === '') return undefined
  const replaced = param.replace(VAR_EXPR, (_, keypath: string) =>
    JSON.stringify({ [PLACEHOLDER_KEY]: keypath.trim() }),
  )
  let parsed: unknown
  try {
    parsed = JSON.parse(replaced)
  } catch (cause) {
    throw new PipelineParamError(
      `while interpolating variables in JSON payload: ${(cause as Error).message}`,
    )
  }
  const substitute = (v: unknown): PipelineValue => {
    if (Array.isArray(v)) return v.map(substitute)
    if (v !== null && typeof v === 'object') {
      const obj = v as Record<string, unknown>
      const keypath = obj[PLACEHOLDER_KEY]
      if (keypath !== undefined) {
        if (typeof keypath !== 'string') {
          throw new PipelineParamError(`you cannot use ${PLACEHOLDER_KEY} in your JSON`)
        }
        return getVar(vars, keypath)
      }
      return Object.fromEntries(Object.entries(obj).map(([k, x]) => [k, substitute(x)]))
    }
    return v as PipelineValue
  }
  return substitute(parsed)
}

/** The first candidate that is defined; a required parameter without one is an error. */
export function firstDefined(
  name: string,
  ...candidates: (() => PipelineValue | undefined)[]
): PipelineValue {
  for (const candidate of candidates) {
    const v = candidate()
    if (v !== undefined) return v
  }
  throw new PipelineParamError(`parameter ${name} is empty`)
}

/** A map parameter: an object, or a string of a JSON object (Chainlink's MapParam). */
export function asMap(name: string, v: PipelineValue): Record<string, PipelineValue> {
  if (v === null) return {}
  if (typeof v === 'string') {
    let parsed: unknown
    try {
      parsed = JSON.parse(v)
    } catch (cause) {
      throw new PipelineParamError(`${name}: not JSON: ${(cause as Error).message}`)
    }
    return asMap(name, parsed as PipelineValue)
  }
  if (typeof v === 'object' && !Array.isArray(v)) return v
  throw new PipelineParamError(`${name}: expected a map`)
}

/** A string parameter (Chainlink's StringParam: strings only). */
export function asString(name: string, v: PipelineValue): string {
  if (typeof v !== 'string') throw new PipelineParamError(`${name}: expected a string`)
  return v
}

/** A byte-string parameter: `0x` hex is decoded, any other string is taken as UTF-8. */
export function asBytes(name: string, v: PipelineValue): Uint8Array {
  if (typeof v !== 'string') throw new PipelineParamError(`${name}: expected bytes`)
  if (v.startsWith('0x')) {
    if (!/^0x([0-9a-fA-F]{2})*$/.test(v)) throw new PipelineParamError(`${name}: bad hex`)
    return Uint8Array.from(Buffer.from(v.slice(2), 'hex'))
  }
  return Uint8Array.from(Buffer.from(v, 'utf8'))
}

/** An integer parameter from a bigint, a number or a decimal string, truncated toward zero. */
export function asInteger(name: string, v: PipelineValue): bigint {
  if (typeof v === 'bigint') return v
  if (typeof v === 'number' && Number.isFinite(v)) return BigInt(Math.trunc(v))
  if (typeof v === 'string') {
    const m = /^\s*([+-]?)(\d+)(?:\.\d*)?\s*$/.exec(v)
    if (m !== null) return BigInt(`${m[1]}${m[2]}`)
  }
  throw new PipelineParamError(`${name}: expected an integer, got ${JSON.stringify(String(v))}`)
}
