/**
 * Writes the published JSON Schema of manifest.json (`adapter/models/manifest.schema.json`) from the
 * zod schema in protocol/manifest.ts.
 */
import { join } from 'node:path'

import { manifestJsonSchema } from '../../../protocol/manifest'
import { writeJsonFile } from './json-file'

export const MANIFEST_SCHEMA_FILE = 'manifest.schema.json'

/** Writes `<modelsDir>/manifest.schema.json`. */
export async function writeManifestSchema(modelsDir: string): Promise<string> {
  const path = join(modelsDir, MANIFEST_SCHEMA_FILE)
  await writeJsonFile(path, manifestJsonSchema())
  return path
}
