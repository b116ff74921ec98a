/**
 * Which parts of the repository may import which: production code never imports test or bench
 * code, and tests never import the bench (what both need lives in the process kit, script/local);
 * inside the adapter only the composition root (app.ts, server.ts) reaches into the HTTP layer;
 * `don-core/` is self-contained (packages only, nothing else of ours) and `protocol/` imports only
 * `don-core/` besides packages.
 * The import specifiers of a file are read with TypeScript's own scanner (`preProcessFile`: static
 * imports and re-exports, `import()`, `require()`), so the check sees what the compiler sees.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, extname, join, relative, resolve, sep } from 'node:path'

import ts from 'typescript'

/**
 * One rule: files outside `folder` and outside `except` must not import anything under `folder`.
 * Folders and exceptions are path prefixes relative to the root (`test`, `adapter/src/http`,
 * `adapter/src/app.ts`).
 */
export interface Boundary {
  folder: string
  /** Paths (folders or files) whose files may import it (the folder itself always may). */
  except: readonly string[]
  why: string
}

/** A self-contained folder: its files import packages and each other, nothing else of ours. */
export interface Enclosure {
  folder: string
  /** Folders of ours it may import besides its own. */
  mayImport?: readonly string[]
  why: string
}

export const BOUNDARIES: readonly Boundary[] = [
  { folder: 'test', except: [], why: 'test code serves tests only' },
  {
    folder: 'bench',
    except: [],
    why: 'the bench is a tool, not a library: what it shares lives in script/local',
  },
  {
    folder: 'adapter/src/http',
    except: ['adapter/src/app.ts', 'adapter/src/server.ts', 'test'],
    why: 'the adapter validates at its edge: inner modules get typed requests, never HTTP objects',
  },
]

export const ENCLOSURES: readonly Enclosure[] = [
  {
    folder: 'protocol',
    mayImport: ['don-core'],
    why: 'the shared formats depend on nothing else of ours but the import-free DON core',
  },
  {
    folder: 'don-core',
    why: 'the DON-side core is inlined into Functions sources and compiled into the CRE workflow',
  },
]

/** Folders never scanned: dependencies and build output. */
const SKIPPED = new Set(['node_modules', '.git', 'out', 'cache', 'broadcast', 'coverage'])
const SOURCE_EXTENSIONS = new Set(['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.cjs'])

export interface SourceFile {
  /** Path relative to the root, with `/` separators. */
  path: string
  text: string
}

export interface Violation {
  file: string
  specifier: string
  /** The imported path, relative to the root. */
  target: string
  why: string
}

/** Every source file under `root` (skipping dependencies and build output). */
export function readSourceFiles(root: string): SourceFile[] {
  const out: SourceFile[] = []
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!SKIPPED.has(entry.name)) walk(join(dir, entry.name))
      } else if (entry.isFile() && SOURCE_EXTENSIONS.has(extname(entry.name))) {
        const full = join(dir, entry.name)
        out.push({
          path: relative(root, full).split(sep).join('/'),
          text: readFileSync(full, 'utf8'),
        })
      }
    }
  }
  walk(root)
  return out
}

/** The module specifiers a file imports, re-exports, `import()`s or `require()`s. */
export function importSpecifiers(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName)
}

/** Whether `path` is `prefix` itself or lies under it. */
const under = (path: string, prefix: string): boolean =>
  path === prefix || path.startsWith(`${prefix}/`)

/** The imports that cross a boundary; relative specifiers are resolved against their file. */
export function findViolations(
  files: readonly SourceFile[],
  boundaries: readonly Boundary[] = BOUNDARIES,
  enclosures: readonly Enclosure[] = ENCLOSURES,
): Violation[] {
  const violations: Violation[] = []
  for (const file of files) {
    for (const specifier of importSpecifiers(file.text)) {
      if (!specifier.startsWith('.')) continue
      const target = relative('/', resolve('/', dirname(file.path), specifier))
        .split(sep)
        .join('/')
      for (const b of boundaries) {
        if (
          under(target, b.folder) &&
          !under(file.path, b.folder) &&
          !b.except.some((e) => under(file.path, e))
        ) {
          violations.push({ file: file.path, specifier, target, why: b.why })
        }
      }
      for (const e of enclosures) {
        const allowed = [e.folder, ...(e.mayImport ?? [])]
        if (under(file.path, e.folder) && !allowed.some((folder) => under(target, folder))) {
          violations.push({ file: file.path, specifier, target, why: e.why })
        }
      }
    }
  }
  return violations
}
