import { resolve } from 'node:path'

/** The repository root (this file lives in `script/local/`). */
export const REPO_ROOT = resolve(__dirname, '..', '..')
