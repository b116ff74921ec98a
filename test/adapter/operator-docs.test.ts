import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { CONFIG_VARS } from '../../adapter/src/config'

describe('docs/adapter.md', () => {
  const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'adapter.md'), 'utf8')

  it('documents every environment variable with its default and sensitivity', () => {
    for (const [name, spec] of Object.entries(CONFIG_VARS)) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${name}\` |`))
      expect(row).toBeDefined()
      const cells = (row ?? '').split('|').map((c) => c.trim())
      if (name !== 'MODEL_DIR')
        expect(cells[2]).toBe(spec.default === '' ? '(empty)' : `\`${spec.default}\``)
      expect(cells[3]).toBe(spec.sensitive ? 'yes' : 'no')
    }
  })

  it('documents every endpoint', () => {
    for (const route of ['POST /', 'GET /health', 'GET /ready', 'GET /models', 'GET /metrics']) {
      expect(doc).toContain(`| \`${route}\``)
    }
  })
})
