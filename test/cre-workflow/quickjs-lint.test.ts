/**
 * CRE runs the workflow in WebAssembly (Javy/QuickJS): no Node built-ins, no fetch, no timers.
 * `cre-compile` checks that itself but cannot run here (it downloads a javy binary), so the rule is
 * an ESLint block (eslint.config.mjs) over cre-workflow/ and don-core/. This proves the block bites
 * on each kind of violation, only where it applies, and that the committed files pass it.
 */
import { describe, expect } from 'bun:test'
import { test } from '@chainlink/cre-sdk/test'
import { ESLint } from 'eslint'

const REPO_ROOT = new URL('../../', import.meta.url).pathname
const eslint = new ESLint({ cwd: REPO_ROOT })

async function ruleHits(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath })
  return (result?.messages ?? []).map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`)
}

const WORKFLOW_FILE = 'cre-workflow/onnx-inference/violation.ts'
const CORE_FILE = 'don-core/violation.ts'

const violations: [string, string, RegExp][] = [
  [
    'a node: import',
    "import { readFileSync } from 'node:fs'\nexport const a = readFileSync",
    /no-restricted-imports/,
  ],
  [
    'a bare built-in import',
    "import { createHash } from 'crypto'\nexport const a = createHash",
    /no-restricted-imports/,
  ],
  [
    'child_process',
    "import { spawn } from 'child_process'\nexport const a = spawn",
    /no-restricted-imports/,
  ],
  ['a bun import', "import { $ } from 'bun'\nexport const a = $", /no-restricted-imports/],
  [
    'fetch',
    "export const a = () => fetch('https://adapter.example')",
    /no-restricted-globals.*fetch/,
  ],
  [
    'setTimeout',
    'export const a = () => setTimeout(() => 0, 10)',
    /no-restricted-globals.*setTimeout/,
  ],
  [
    'setInterval',
    'export const a = () => setInterval(() => 0, 10)',
    /no-restricted-globals.*setInterval/,
  ],
  ['process', 'export const a = process.env.ADAPTERS', /no-restricted-globals.*process/],
  ['Buffer', "export const a = Buffer.from('x')", /no-restricted-globals.*Buffer/],
  ['require', "export const a = require('x')", /require/],
  ['a dynamic import', "export const a = () => import('./x')", /no-restricted-syntax/],
]

describe('the QuickJS lint block', () => {
  for (const [name, code, rule] of violations) {
    test(`flags ${name} in the workflow and in the core`, async () => {
      for (const file of [WORKFLOW_FILE, CORE_FILE]) {
        const hits = await ruleHits(code, file)
        expect(hits.some((hit) => rule.test(hit))).toBe(true)
      }
    })
  }

  test('flags any import in the core, even a harmless one', async () => {
    const hits = await ruleHits("import { z } from 'zod'\nexport const a = z", CORE_FILE)
    expect(hits).toEqual([expect.stringMatching(/^no-restricted-syntax: don-core imports nothing/)])
  })

  test('keeps the SDK out of the node-mode modules the local CRE DON imports', async () => {
    const code = "import { HTTPClient } from '@chainlink/cre-sdk'\nexport const a = HTTPClient"
    const hits = await ruleHits(code, 'cre-workflow/onnx-inference/node-round.ts')
    expect(hits).toEqual([
      expect.stringMatching(/^no-restricted-imports: .*node-mode modules stay SDK-free/),
    ])
    expect(await ruleHits(code, WORKFLOW_FILE)).toEqual([])
  })

  test('leaves the rest of the repository alone (Node scripts may use Node)', async () => {
    const code =
      "import { readFileSync } from 'node:fs'\nexport const a = () => fetch(String(readFileSync))"
    expect(await ruleHits(code, 'script/functions/violation.ts')).toEqual([])
  })

  test('passes what QuickJS offers: TextEncoder, BigInt, the SDK and viem in the workflow', async () => {
    const code = [
      "import { HTTPClient } from '@chainlink/cre-sdk'",
      "import { keccak256 } from 'viem'",
      "export const a = [HTTPClient, keccak256, new TextEncoder().encode('x'), 2n ** 64n]",
    ].join('\n')
    expect(await ruleHits(code, WORKFLOW_FILE)).toEqual([])
  })

  test('the committed workflow and core pass it', async () => {
    const results = await eslint.lintFiles(['cre-workflow', 'don-core'])
    expect(results.length).toBeGreaterThanOrEqual(8)
    expect(results.flatMap((r) => r.messages.map((m) => `${r.filePath}: ${m.message}`))).toEqual([])
  })
})
