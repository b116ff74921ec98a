import { isAbsolute, join, relative, resolve } from 'node:path'

/** The repository root (this file lives in `script/local/`). */
export const REPO_ROOT = resolve(__dirname, '..', '..')

/** `node_modules/.bin`: the npm-installed tools (anvil, forge, deno, prettier). */
export const NODE_BIN_DIR = join(REPO_ROOT, 'node_modules', '.bin')

/** The bundled models (`adapter/models`), one folder per model id. */
export const BUNDLED_MODEL_DIR = join(REPO_ROOT, 'adapter', 'models')

/** A path relative to the repository root, or `path` itself when it is absolute. */
export function repoPath(path: string): string {
  return isAbsolute(path) ? path : join(REPO_ROOT, path)
}

/** Whether `path` is the repository root or lies under it. */
export function isInsideRepo(path: string): boolean {
  const rel = relative(REPO_ROOT, resolve(path))
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))
}
