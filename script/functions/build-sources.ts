/**
 * `npm run build:sources`: generates the Chainlink Functions sources (functions-source/*.js) from
 * the DON-side core (don-core/inference-core.ts), the Functions edge
 * (functions-source/src/functions-runtime.ts) and one small entry per job
 * (functions-source/src/<job>.ts). The DON runs a single JavaScript string, so each source is one
 * self-contained file:
 *
 * 1. each input is transpiled by TypeScript (types erased, comments dropped);
 * 2. imports between the inputs are removed (only named imports of other inputs are allowed, no
 *    aliases) and `export` keywords stripped: the inputs share one scope, so a name declared twice
 *    is an error;
 * 3. every top-level statement must be a declaration; only those the final `return runJob()`
 *    reaches are kept (a source carries no dead code, e.g. the CRE payload encoder);
 * 4. the entry's header comment goes first, then a "generated" notice; Prettier formats the result.
 *
 * The sources are build outputs, not committed (.gitignore): `npm ci` builds them (package.json
 * postinstall) and `npm test` rebuilds them first. The build is deterministic, so anyone can rebuild
 * the exact text a deployment stores from the commit it names.
 *
 * `--check` writes nothing and exits 1 when a source on disk differs from a fresh build (the jest
 * test test/functions-source/generated-sources.test.ts does the same).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

import ts from 'typescript'

import { REPO_ROOT } from '../local/repo-root'

/** Thrown when the inputs break a rule of the build (the message names the file and the rule). */
export class SourceBuildError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SourceBuildError'
  }
}

export interface SourceTarget {
  /** Output path, relative to the repository root. */
  output: string
  /** Inputs in declaration order, relative to the repository root; the last one is the entry. */
  inputs: string[]
}

const CORE = 'don-core/inference-core.ts'
const FUNCTIONS_RUNTIME = 'functions-source/src/functions-runtime.ts'

export const SOURCE_TARGETS: readonly SourceTarget[] = [
  {
    output: 'functions-source/tabular-inference.js',
    inputs: [CORE, FUNCTIONS_RUNTIME, 'functions-source/src/tabular.ts'],
  },
  {
    output: 'functions-source/image-inference.js',
    inputs: [CORE, FUNCTIONS_RUNTIME, 'functions-source/src/image.ts'],
  },
]

/** The last statement of every source: the sandbox runs the file as an async function body. */
export const FINAL_STATEMENT = 'return runJob()'
const SANDBOX_GLOBALS = '/* global Functions, args, secrets, TextEncoder */'

interface Declaration {
  names: string[]
  text: string
  references: Set<string>
  file: string
}

function transpile(path: string, text: string): string {
  return ts.transpileModule(text, {
    fileName: path,
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      removeComments: true,
    },
  }).outputText
}

function identifiersIn(node: ts.Node, into: Set<string>): Set<string> {
  if (ts.isIdentifier(node)) into.add(node.text)
  node.forEachChild((child) => {
    identifiersIn(child, into)
  })
  return into
}

function hasExportModifier(statement: ts.Statement): ts.Modifier | undefined {
  const modifiers = ts.canHaveModifiers(statement) ? ts.getModifiers(statement) : undefined
  return modifiers?.find((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword)
}

function checkImport(
  statement: ts.ImportDeclaration,
  file: string,
  inputs: string[],
  root: string,
): void {
  const specifier = (statement.moduleSpecifier as ts.StringLiteral).text
  const target = relative(root, resolve(root, dirname(file), specifier)) + '.ts'
  if (!specifier.startsWith('.') || !inputs.includes(target)) {
    throw new SourceBuildError(
      `${file}: import of "${specifier}" is not one of this source's inputs`,
    )
  }
  const clause = statement.importClause
  const named = clause?.namedBindings
  if (clause?.name !== undefined || named === undefined || !ts.isNamedImports(named)) {
    throw new SourceBuildError(`${file}: only named imports can be inlined ("${specifier}")`)
  }
  for (const element of named.elements) {
    if (element.propertyName !== undefined) {
      throw new SourceBuildError(`${file}: aliased import of ${element.propertyName.text}`)
    }
  }
}

/** The top-level declarations of one input, with `export` stripped. */
function declarationsOf(file: string, inputs: string[], root: string): Declaration[] {
  const js = transpile(file, readFileSync(join(root, file), 'utf8'))
  const source = ts.createSourceFile(file, js, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS)
  const declarations: Declaration[] = []
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      checkImport(statement, file, inputs, root)
      continue
    }
    if (ts.isEmptyStatement(statement)) continue
    let names: string[]
    if (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) {
      if (statement.name === undefined) throw new SourceBuildError(`${file}: unnamed declaration`)
      names = [statement.name.text]
    } else if (
      ts.isVariableStatement(statement) &&
      (statement.declarationList.flags & ts.NodeFlags.Const) !== 0
    ) {
      names = statement.declarationList.declarations.map((declaration) => {
        if (!ts.isIdentifier(declaration.name)) {
          throw new SourceBuildError(`${file}: destructuring at top level`)
        }
        return declaration.name.text
      })
    } else {
      const { line } = source.getLineAndCharacterOfPosition(statement.getStart(source))
      throw new SourceBuildError(
        `${file}: top-level statement on line ${line + 1} of the transpiled file is not a ` +
          'function, class or const declaration (inputs must have no side effects)',
      )
    }
    const exported = hasExportModifier(statement)
    const start = exported === undefined ? statement.getStart(source) : exported.end
    declarations.push({
      names,
      text: js.slice(start, statement.end).trim(),
      references: identifiersIn(statement, new Set()),
      file,
    })
  }
  return declarations
}

/** The entry's leading block comment: the source header (args, secrets, returned bytes). */
function headerOf(entry: string, root: string): string {
  const text = readFileSync(join(root, entry), 'utf8')
  const [range] = ts.getLeadingCommentRanges(text, 0) ?? []
  if (range === undefined || range.kind !== ts.SyntaxKind.MultiLineCommentTrivia) {
    throw new SourceBuildError(`${entry}: must start with the source's header comment`)
  }
  return text.slice(range.pos, range.end)
}

/**
 * The text of one generated source. `root` is where the inputs live and `format: false` skips
 * Prettier (tests of the build rules use fixtures; Prettier's CommonJS entry cannot load in jest).
 */
export async function buildSource(
  target: SourceTarget,
  root: string = REPO_ROOT,
  { format = true }: { format?: boolean } = {},
): Promise<string> {
  const byName = new Map<string, Declaration>()
  const ordered: Declaration[] = []
  for (const file of target.inputs) {
    for (const declaration of declarationsOf(file, target.inputs, root)) {
      for (const name of declaration.names) {
        const earlier = byName.get(name)
        if (earlier !== undefined) {
          throw new SourceBuildError(`${name} is declared in ${earlier.file} and in ${file}`)
        }
        byName.set(name, declaration)
      }
      ordered.push(declaration)
    }
  }
  const kept = new Set<Declaration>()
  const pending = [
    ...identifiersIn(
      ts.createSourceFile('final.js', FINAL_STATEMENT, ts.ScriptTarget.ES2022),
      new Set(),
    ),
  ]
  while (pending.length > 0) {
    const declaration = byName.get(pending.pop() as string)
    if (declaration === undefined || kept.has(declaration)) continue
    kept.add(declaration)
    pending.push(...declaration.references)
  }
  const entry = target.inputs[target.inputs.length - 1] as string
  const notice = [
    '// Generated by `npm run build:sources` (script/functions/build-sources.ts) from',
    `// ${target.inputs.join(', ')}.`,
    '// Do not edit: change those files and rebuild (a test fails when this file is stale).',
  ].join('\n')
  const body = ordered
    .filter((declaration) => kept.has(declaration))
    .map((declaration) => declaration.text)
    .join('\n\n')
  const text =
    [SANDBOX_GLOBALS, headerOf(entry, root), notice, body, FINAL_STATEMENT].join('\n\n') + '\n'
  if (!format) return text
  const prettier = await import('prettier')
  const outputPath = join(root, target.output)
  const options = (await prettier.resolveConfig(outputPath)) ?? {}
  return prettier.format(text, { ...options, filepath: outputPath })
}

/** Every generated source: output path (relative to the repository root) -> text. */
export async function buildSources(): Promise<Map<string, string>> {
  const built = new Map<string, string>()
  for (const target of SOURCE_TARGETS) built.set(target.output, await buildSource(target))
  return built
}

/** Outputs whose text on disk differs from a fresh build (or is missing). */
export async function staleSources(): Promise<string[]> {
  const stale: string[] = []
  for (const [output, text] of await buildSources()) {
    let onDisk = ''
    try {
      onDisk = readFileSync(join(REPO_ROOT, output), 'utf8')
    } catch {
      // missing: stale
    }
    if (onDisk !== text) stale.push(output)
  }
  return stale
}

async function main(): Promise<void> {
  if (process.argv.includes('--check')) {
    const stale = await staleSources()
    if (stale.length > 0) {
      process.stderr.write(`stale (run npm run build:sources): ${stale.join(', ')}\n`)
      process.exitCode = 1
    }
    return
  }
  for (const [output, text] of await buildSources()) {
    writeFileSync(join(REPO_ROOT, output), text)
    process.stdout.write(`wrote ${output} (${Buffer.byteLength(text)} bytes)\n`)
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 1
  })
}
