// The subset of Graphviz DOT that Chainlink job pipelines (`observationSource`) use: node
// statements `name [key=value key="quoted value" ...]` and edge chains `a -> b -> c`, separated by
// newlines or `;`, with `//`, `#` and `/* */` comments. Quoted values may span lines; `\"` inside
// them is a quote (DOT's only escape; other backslashes stay as they are). The Chainlink node parses
// the same text with gonum's DOT parser and runs the tasks in dependency order.

/** One pipeline task: its DOT id, its `type` and its other attributes as strings. */
export interface PipelineTask {
  readonly name: string
  readonly type: string
  readonly params: Readonly<Record<string, string>>
}

/** A parsed pipeline: tasks by name and the directed edges between them. */
export interface Pipeline {
  readonly tasks: ReadonlyMap<string, PipelineTask>
  readonly edges: readonly (readonly [from: string, to: string])[]
}

/** The pipeline's errors: each is named after its class. */
abstract class PipelineError extends Error {
  constructor(message: string) {
    super(message)
    this.name = new.target.name
  }
}

/** Thrown for text that is not a well-formed pipeline; `line` is 1-based. */
export class PipelineSyntaxError extends PipelineError {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`observationSource line ${line}: ${message}`)
  }
}

/** Thrown when the task graph is not a DAG or references something that does not exist. */
export class PipelineGraphError extends PipelineError {}

/** Thrown when a task parameter cannot be resolved or has the wrong shape. */
export class PipelineParamError extends PipelineError {}

/** The literal, if non-blank. */
export function nonemptyString(param: string | undefined): string | undefined {
  const trimmed = param?.trim() ?? ''
  return trimmed === '' ? undefined : trimmed
}

/** The bridge task's `headers`: a JSON array of alternating names and values. */
export function bridgeHeaders(param: string | undefined): [string, string][] {
  const text = nonemptyString(param) ?? '[]'
  let list: unknown
  try {
    list = JSON.parse(text)
  } catch (cause) {
    throw new PipelineParamError(`headers: not JSON: ${(cause as Error).message}`)
  }
  if (!Array.isArray(list) || list.length % 2 !== 0 || list.some((h) => typeof h !== 'string')) {
    throw new PipelineParamError('headers must be a JSON array of an even number of strings')
  }
  const pairs: [string, string][] = []
  for (let i = 0; i < list.length; i += 2) pairs.push([list[i] as string, list[i + 1] as string])
  return pairs
}

type Token =
  | { kind: 'id'; value: string; line: number }
  | { kind: 'string'; value: string; line: number }
  | { kind: 'punct'; value: '[' | ']' | '=' | ',' | ';' | '->' | 'newline'; line: number }

const ID_CHAR = /[A-Za-z0-9_.]/

function tokenize(source: string): Token[] {
  const tokens: Token[] = []
  let line = 1
  let i = 0
  while (i < source.length) {
    const c = source[i] as string
    if (c === '\n') {
      tokens.push({ kind: 'punct', value: 'newline', line })
      line += 1
      i += 1
    } else if (c === ' ' || c === '\t' || c === '\r') {
      i += 1
    } else if (c === '#' || (c === '/' && source[i + 1] === '/')) {
      while (i < source.length && source[i] !== '\n') i += 1
    } else if (c === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2)
      if (end < 0) throw new PipelineSyntaxError('unterminated comment', line)
      for (let k = i; k < end; k += 1) if (source[k] === '\n') line += 1
      i = end + 2
    } else if (c === '"') {
      const start = line
      let value = ''
      i += 1
      for (;;) {
        if (i >= source.length) throw new PipelineSyntaxError('unterminated string', start)
        const d = source[i] as string
        if (d === '\\' && source[i + 1] === '"') {
          value += '"'
          i += 2
        } else if (d === '"') {
          i += 1
          break
        } else {
          if (d === '\n') line += 1
          value += d
          i += 1
        }
      }
      tokens.push({ kind: 'string', value, line: start })
    } else if (c === '-' && source[i + 1] === '>') {
      tokens.push({ kind: 'punct', value: '->', line })
      i += 2
    } else if (c === '[' || c === ']' || c === '=' || c === ',' || c === ';') {
      tokens.push({ kind: 'punct', value: c, line })
      i += 1
    } else if (ID_CHAR.test(c)) {
      let value = ''
      while (i < source.length && ID_CHAR.test(source[i] as string)) {
        value += source[i]
        i += 1
      }
      tokens.push({ kind: 'id', value, line })
    } else {
      throw new PipelineSyntaxError(`unexpected character ${JSON.stringify(c)}`, line)
    }
  }
  return tokens
}

/** Parses an `observationSource` into tasks and edges; checks syntax only (see `checkPipeline`). */
export function parsePipeline(source: string): Pipeline {
  const tokens = tokenize(source)
  const tasks = new Map<string, PipelineTask>()
  const mentioned = new Map<string, number>()
  const edges: [string, string][] = []
  let pos = 0

  const peek = (): Token | undefined => tokens[pos]
  const isPunct = (t: Token | undefined, v: string): boolean => t?.kind === 'punct' && t.value === v
  /** Steps over `t`, which must be an id (`what`: what the grammar expects there). */
  const takeId = (t: Token, what: string): Extract<Token, { kind: 'id' }> => {
    if (t.kind !== 'id') {
      throw new PipelineSyntaxError(`expected ${what}, got ${JSON.stringify(t.value)}`, t.line)
    }
    pos += 1
    return t
  }

  while (pos < tokens.length) {
    const token = tokens[pos] as Token
    if (isPunct(token, 'newline') || isPunct(token, ';')) {
      pos += 1
      continue
    }
    const first = takeId(token, 'a task name')
    mentioned.set(first.value, mentioned.get(first.value) ?? first.line)
    if (isPunct(peek(), '->')) {
      let from = first.value
      while (isPunct(peek(), '->')) {
        pos += 1
        while (isPunct(peek(), 'newline')) pos += 1
        const next = peek()
        if (next?.kind !== 'id') {
          throw new PipelineSyntaxError('expected a task name after ->', next?.line ?? first.line)
        }
        pos += 1
        mentioned.set(next.value, mentioned.get(next.value) ?? next.line)
        edges.push([from, next.value])
        from = next.value
      }
      continue
    }
    if (isPunct(peek(), '[')) {
      pos += 1
      const attrs: Record<string, string> = {}
      for (;;) {
        const t = peek()
        if (t === undefined)
          throw new PipelineSyntaxError('unterminated attribute list', first.line)
        if (isPunct(t, ']')) {
          pos += 1
          break
        }
        if (isPunct(t, 'newline') || isPunct(t, ',') || isPunct(t, ';')) {
          pos += 1
          continue
        }
        takeId(t, 'an attribute name')
        if (!isPunct(peek(), '='))
          throw new PipelineSyntaxError(`expected = after ${t.value}`, t.line)
        pos += 1
        const v = peek()
        if (v === undefined || (v.kind !== 'id' && v.kind !== 'string')) {
          throw new PipelineSyntaxError(`expected a value for ${t.value}`, t.line)
        }
        pos += 1
        if (Object.hasOwn(attrs, t.value)) {
          throw new PipelineSyntaxError(`attribute ${t.value} given twice`, t.line)
        }
        attrs[t.value] = v.value
      }
      if (tasks.has(first.value)) {
        throw new PipelineSyntaxError(`task ${first.value} is defined twice`, first.line)
      }
      const { type, ...params } = attrs
      if (type === undefined || type === '') {
        throw new PipelineSyntaxError(`task ${first.value} has no type`, first.line)
      }
      tasks.set(first.value, { name: first.value, type: type.toLowerCase(), params })
      continue
    }
    throw new PipelineSyntaxError(`expected [ or -> after ${first.value}`, first.line)
  }

  for (const [name, line] of mentioned) {
    if (!tasks.has(name))
      throw new PipelineSyntaxError(`task ${name} is used but never defined`, line)
  }
  return { tasks, edges }
}

/** Tasks in an order in which each comes after all of its parents; throws on a cycle. */
export function topologicalOrder(pipeline: Pipeline): string[] {
  const indegree = new Map<string, number>()
  const children = new Map<string, string[]>()
  for (const name of pipeline.tasks.keys()) {
    indegree.set(name, 0)
    children.set(name, [])
  }
  for (const [from, to] of pipeline.edges) {
    indegree.set(to, (indegree.get(to) ?? 0) + 1)
    children.get(from)?.push(to)
  }
  // Kahn's algorithm, seeded in definition order so the order is deterministic.
  const ready = [...pipeline.tasks.keys()].filter((n) => indegree.get(n) === 0)
  const order: string[] = []
  while (ready.length > 0) {
    const name = ready.shift() as string
    order.push(name)
    for (const child of children.get(name) ?? []) {
      const d = (indegree.get(child) ?? 0) - 1
      indegree.set(child, d)
      if (d === 0) ready.push(child)
    }
  }
  if (order.length !== pipeline.tasks.size) {
    const stuck = [...pipeline.tasks.keys()].filter((n) => !order.includes(n))
    throw new PipelineGraphError(`the task graph has a cycle through: ${stuck.join(', ')}`)
  }
  return order
}

/** Direct parents of `task`, in the order the edges were written. */
export function parentsOf(pipeline: Pipeline, task: string): string[] {
  return pipeline.edges.filter(([, to]) => to === task).map(([from]) => from)
}

/** All tasks from which `task` can be reached. */
export function ancestorsOf(pipeline: Pipeline, task: string): Set<string> {
  const seen = new Set<string>()
  const stack = parentsOf(pipeline, task)
  while (stack.length > 0) {
    const name = stack.pop() as string
    if (seen.has(name)) continue
    seen.add(name)
    stack.push(...parentsOf(pipeline, name))
  }
  return seen
}

const VARIABLE = /\$\(\s*([^()]*?)\s*\)/g

/** The keypaths of every `$(...)` in a parameter value, e.g. `decode_log.requestId`. */
export function variableReferences(value: string): string[] {
  return [...value.matchAll(VARIABLE)].map((m) => m[1] as string)
}

/** Built-in variables a `directrequest` run provides (Chainlink core, directrequest delegate). */
export const DIRECTREQUEST_VARIABLES: ReadonlySet<string> = new Set([
  'jobSpec.databaseID',
  'jobSpec.externalJobID',
  'jobSpec.name',
  'jobSpec.evmChainID',
  'jobRun.meta',
  'jobRun.logBlockHash',
  'jobRun.logBlockNumber',
  'jobRun.logTxHash',
  'jobRun.logAddress',
  'jobRun.logTopics',
  'jobRun.logData',
  'jobRun.blockReceiptsRoot',
  'jobRun.blockTransactionsRoot',
  'jobRun.blockStateRoot',
])

/**
 * Checks that the graph is acyclic and that every `$(var)` names a built-in variable or the result
 * of a task that runs before the referencing one (an ancestor), at most two keypath segments deep
 * (Chainlink's keypath limit). Returns the topological order.
 */
export function checkPipeline(
  pipeline: Pipeline,
  builtins: ReadonlySet<string> = DIRECTREQUEST_VARIABLES,
): string[] {
  const order = topologicalOrder(pipeline)
  for (const task of pipeline.tasks.values()) {
    const ancestors = ancestorsOf(pipeline, task.name)
    for (const [param, value] of Object.entries(task.params)) {
      for (const ref of variableReferences(value)) {
        const parts = ref.split('.')
        const head = parts[0] as string
        if (ref === '' || parts.length > 2 || parts.some((p) => p === '')) {
          throw new PipelineGraphError(`${task.name}.${param}: malformed variable $(${ref})`)
        }
        if (head === 'jobSpec' || head === 'jobRun') {
          if (!builtins.has(ref)) {
            throw new PipelineGraphError(
              `${task.name}.${param}: unknown built-in variable $(${ref})`,
            )
          }
        } else if (!pipeline.tasks.has(head)) {
          throw new PipelineGraphError(`${task.name}.${param}: $(${ref}) names no task`)
        } else if (!ancestors.has(head)) {
          throw new PipelineGraphError(
            `${task.name}.${param}: $(${ref}) refers to ${head}, which does not run before ${task.name}`,
          )
        }
      }
    }
  }
  return order
}
