/**
 * Writing JSON files the way the repository's prettier config formats them, so committed JSON
 * (the manifest JSON Schema, sample lists) passes `prettier --check` byte for byte.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { format, resolveConfig } from 'prettier'

const REPO_ROOT = join(__dirname, '..', '..', '..')

/** `value` as JSON text formatted by prettier with the repository's options. */
export async function formatJson(value: unknown): Promise<string> {
  const options = (await resolveConfig(join(REPO_ROOT, 'package.json'))) ?? {}
  return format(JSON.stringify(value, null, 2), { ...options, parser: 'json' })
}

/** Writes `value` as prettier-formatted JSON. */
export async function writeJsonFile(path: string, value: unknown): Promise<void> {
  writeFileSync(path, await formatJson(value))
}
