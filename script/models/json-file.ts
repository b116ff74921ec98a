/**
 * Writing JSON files the way the repository's prettier config formats them, so committed JSON
 * (the manifest JSON Schema, sample lists) passes `prettier --check` byte for byte.
 */
import { writeFileSync } from 'node:fs'

import { format, resolveConfig } from 'prettier'

/** Writes `value` as JSON formatted by prettier with the options that apply to `path`. */
export async function writeJsonFile(path: string, value: unknown): Promise<void> {
  const options = (await resolveConfig(path)) ?? {}
  writeFileSync(path, await format(JSON.stringify(value, null, 2), { ...options, parser: 'json' }))
}
