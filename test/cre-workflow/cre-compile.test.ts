/**
 * The first half of `cre-compile`, run here with the SDK's own build scripts
 * (node_modules/@chainlink/cre-sdk/scripts): the runtime-compatibility validator (restricted
 * modules and globals, across every file main.ts reaches), the determinism analyzer, and the JS
 * bundle Javy would compile. Only the WebAssembly step is missing (its javy binary is downloaded
 * from GitHub, which this machine cannot reach). The TypeScript check cre-compile runs first is
 * `tsc -p cre-workflow/onnx-inference/tsconfig.json`, part of `npm run typecheck`.
 *
 * Also: the CRE CLI's project files (project.yaml, workflow.yaml, secrets.yaml) point at files that
 * exist and agree with the workflow. Not type-checked with the other tests (it uses Node and bun
 * APIs, and the SDK's scripts are bun programs); bun runs it.
 */
import { describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'

import { parseWorkflowConfig } from '../../cre-workflow/onnx-inference/config'
import { ADAPTERS_SECRET_ID } from '../../cre-workflow/onnx-inference/workflow'

const REPO_ROOT = new URL('../../', import.meta.url).pathname
// The package's exports map does not expose its scripts: load them by path.
const SDK_SCRIPTS = join(REPO_ROOT, 'node_modules', '@chainlink', 'cre-sdk', 'scripts', 'src')
const { main: compileToJs } = await import(join(SDK_SCRIPTS, 'compile-to-js.ts'))
const { checkWorkflowDeterminism } = await import(
  join(SDK_SCRIPTS, 'validate-workflow-determinism.ts')
)
const { assertWorkflowRuntimeCompatibility } = await import(
  join(SDK_SCRIPTS, 'validate-workflow-runtime-compat.ts')
)
const WORKFLOW_DIR = join(REPO_ROOT, 'cre-workflow', 'onnx-inference')
const ENTRY = join(WORKFLOW_DIR, 'main.ts')
const SLOW_MS = 120_000

describe("cre-compile's checks and bundle, without the WebAssembly step", () => {
  test(
    'the runtime-compatibility validator finds nothing QuickJS lacks in any reachable file',
    () => {
      expect(() => assertWorkflowRuntimeCompatibility(ENTRY)).not.toThrow()
    },
    SLOW_MS,
  )

  test(
    'the determinism analyzer has no warning',
    () => {
      expect(checkWorkflowDeterminism(ENTRY)).toEqual([])
    },
    SLOW_MS,
  )

  test(
    'the workflow bundles into one JavaScript module with no Node import, ready for Javy',
    async () => {
      const out = mkdtempSync(join(tmpdir(), 'onnx-oracle-cre-compile-'))
      const savedPath = process.env.PATH
      // The build shells out to `bun`; node_modules/.bin/bun is a stub, so use the running binary.
      process.env.PATH = `${dirname(process.execPath)}:${savedPath ?? ''}`
      try {
        const file = join(out, 'workflow.js')
        await compileToJs(ENTRY, file, { skipTypeChecks: true })
        const bundle = readFileSync(file, 'utf8')
        expect(bundle.length).toBeGreaterThan(100_000)
        expect(bundle).not.toMatch(/from\s*["']node:|require\(["']node:|import\(["']/)
        expect(bundle).toContain('InferenceRequested')
        expect(bundle).toContain('quorum not met')
      } finally {
        process.env.PATH = savedPath
        rmSync(out, { recursive: true, force: true })
      }
      // The build's temporary entry next to main.ts is gone.
      expect(readdirSync(WORKFLOW_DIR).filter((name) => name.startsWith('.workflow-temp'))).toEqual(
        [],
      )
    },
    SLOW_MS,
  )
})

describe('the CRE CLI project files', () => {
  interface WorkflowTarget {
    'user-workflow': { 'workflow-name': string }
    'workflow-artifacts': Record<'workflow-path' | 'config-path' | 'secrets-path', string>
  }
  const yaml = <T>(path: string): T => Bun.YAML.parse(readFileSync(path, 'utf8')) as T
  const PROJECT = join(REPO_ROOT, 'cre-workflow')
  const workflow = yaml<Record<string, WorkflowTarget>>(join(WORKFLOW_DIR, 'workflow.yaml'))
  const project = yaml<Record<string, { rpcs: { 'chain-name': string }[] }>>(
    join(PROJECT, 'project.yaml'),
  )

  test('every target names the workflow, its entry, config and secrets, and they exist', () => {
    expect(Object.keys(workflow).sort()).toEqual(['production-settings', 'staging-settings'])
    for (const [target, settings] of Object.entries(workflow)) {
      expect(settings['user-workflow']['workflow-name']).toMatch(/^onnx-inference/)
      const artifacts = settings['workflow-artifacts']
      expect(resolve(WORKFLOW_DIR, artifacts['workflow-path'])).toBe(ENTRY)
      for (const key of ['config-path', 'secrets-path'] as const) {
        expect(existsSync(resolve(WORKFLOW_DIR, artifacts[key]))).toBe(true)
      }
      // The target's config names a chain the project gives an RPC for.
      const config = JSON.parse(
        readFileSync(resolve(WORKFLOW_DIR, artifacts['config-path']), 'utf8'),
      )
      const chains = (project[target]?.rpcs ?? []).map((rpc) => rpc['chain-name'])
      expect(chains).toContain(config.chainSelectorName)
      expect(() => parseWorkflowConfig(config)).toThrow(/oracleAddress is the zero address/)
    }
  })

  test('secrets.yaml declares the secret the workflow reads, and .env.example fills it', () => {
    const secrets = yaml<{ secretsNames: Record<string, string[]> }>(join(PROJECT, 'secrets.yaml'))
    expect(Object.keys(secrets.secretsNames)).toEqual([ADAPTERS_SECRET_ID])
    const variable = secrets.secretsNames[ADAPTERS_SECRET_ID]?.[0] ?? 'missing'
    const example = readFileSync(join(PROJECT, '.env.example'), 'utf8')
    const line = example.split('\n').find((l) => l.startsWith(`${variable}=`)) ?? ''
    const adapters = JSON.parse(line.slice(variable.length + 1))
    expect(adapters).toHaveLength(3)
  })
})
