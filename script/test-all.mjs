#!/usr/bin/env node
// `npm test`: every check of the project, in order, each runner printing its own summary; then one
// line of totals across all of them, `N passed, N failed, N skipped`. Building the Functions sources,
// type-checking (one check per TypeScript project) and lint count as one check each; jest, bun (the CRE workflow tests) and
// forge count their test cases. Exits non-zero if anything failed.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'

const totals = { passed: 0, failed: 0, skipped: 0 }
const failedSteps = []

function run(title, command, args, env = {}, { captureStderr = false } = {}) {
  process.stdout.write(`\n=== ${title}: ${command} ${args.join(' ')}\n`)
  const started = performance.now()
  const res = spawnSync(command, args, {
    stdio: ['ignore', 'pipe', captureStderr ? 'pipe' : 'inherit'],
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  })
  if (res.stdout) process.stdout.write(res.stdout)
  if (res.stderr) process.stderr.write(res.stderr)
  if (res.error) process.stdout.write(`${title}: ${res.error.message}\n`)
  process.stdout.write(`=== ${title}: ${((performance.now() - started) / 1000).toFixed(1)} s\n`)
  return { ok: res.status === 0, stdout: res.stdout ?? '', stderr: res.stderr ?? '' }
}

function check(title, command, args) {
  const { ok } = run(title, 'npx', ['--no-install', command, ...args])
  if (ok) totals.passed += 1
  else {
    totals.failed += 1
    failedSteps.push(title)
  }
}

// The Functions sources are build outputs (not committed): build them from the current don-core/ and
// functions-source/src/ first, so every runner below tests what the TypeScript says.
{
  const { ok } = run('build:sources', process.execPath, [
    '--import',
    'tsx',
    'script/functions/build-sources.ts',
  ])
  if (ok) totals.passed += 1
  else {
    totals.failed += 1
    failedSteps.push('build:sources')
  }
}

check('typecheck', 'tsc', ['--noEmit', '-p', 'tsconfig.json'])
// The CRE workflow and its tests are separate projects: the SDK's types declare Node's modules as
// `never` (the workflow runs in QuickJS), which must not leak into the Node code's program.
check('typecheck (CRE workflow)', 'tsc', [
  '--noEmit',
  '-p',
  'cre-workflow/onnx-inference/tsconfig.json',
])
check('typecheck (CRE workflow tests)', 'tsc', [
  '--noEmit',
  '-p',
  'test/cre-workflow/tsconfig.json',
])
check('lint', 'eslint', ['--max-warnings', '0', '.'])
check('format', 'prettier', ['--check', '.'])

// jest: its own reporter prints the summary; the JSON file gives the counts.
{
  const dir = mkdtempSync(join(tmpdir(), 'onnx-oracle-jest-'))
  const file = join(dir, 'results.json')
  const { ok } = run('jest', 'npx', ['--no-install', 'jest', '--json', `--outputFile=${file}`])
  let counted = false
  try {
    const r = JSON.parse(readFileSync(file, 'utf8'))
    totals.passed += r.numPassedTests
    totals.failed += r.numFailedTests + r.numRuntimeErrorTestSuites
    totals.skipped += r.numPendingTests + r.numTodoTests
    counted = true
  } catch {
    // no results file: jest itself failed to start
  }
  if (!ok) {
    failedSteps.push('jest')
    if (!counted) totals.failed += 1
  }
  rmSync(dir, { recursive: true, force: true })
}

// bun: the CRE workflow tests (test/cre-workflow) use the SDK's test runtime, which imports
// bun:test. The counts come from bun's JUnit report; an error outside any test (a file that fails
// to load) only shows in the exit code, so a failed run with no failed case counts as one failure.
{
  // node_modules/.bin/bun is a stub (bun's postinstall is not allowed to run): use the binary.
  const bunBin = join(
    'node_modules',
    '@oven',
    `bun-${process.platform}-${process.arch}`,
    'bin',
    'bun',
  )
  const dir = mkdtempSync(join(tmpdir(), 'onnx-oracle-bun-'))
  const file = join(dir, 'junit.xml')
  let ok = false
  let counted = { passed: 0, failed: 0, skipped: 0 }
  if (!existsSync(bunBin)) {
    process.stdout.write(`\n=== bun: ${bunBin} is missing (npm ci installs it)\n`)
  } else {
    ;({ ok } = run('bun', bunBin, [
      'test',
      'test/cre-workflow',
      '--reporter=junit',
      `--reporter-outfile=${file}`,
    ]))
    try {
      counted = countJunit(readFileSync(file, 'utf8'))
      process.stdout.write(
        `bun: ${counted.passed} passed, ${counted.failed} failed, ${counted.skipped} skipped\n`,
      )
    } catch {
      // no report: bun failed before running any test
    }
  }
  totals.passed += counted.passed
  totals.failed += counted.failed
  totals.skipped += counted.skipped
  if (!ok) {
    failedSteps.push('bun')
    if (counted.failed === 0) totals.failed += 1
  }
  rmSync(dir, { recursive: true, force: true })
}

/** Passed, failed and skipped test cases of a JUnit XML report (bun's). */
function countJunit(xml) {
  const counts = { passed: 0, failed: 0, skipped: 0 }
  for (const match of xml.matchAll(/<testcase\b[^>]*?(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const inner = match[1] ?? ''
    if (/<(failure|error)\b/.test(inner)) counts.failed += 1
    else if (/<skipped\b/.test(inner)) counts.skipped += 1
    else counts.passed += 1
  }
  return counts
}

// forge: the human summary line `N tests passed, N failed, N skipped (M total tests)`.
{
  // FORGE_SNAPSHOT_CHECK compares the gas snapshots (snapshots/*.json) with the committed ones;
  // forge 1.7 reports a difference but still exits 0, and has been seen rewriting a file without
  // reporting it, so both the message and the files' bytes before and after are checked here.
  const snapshotDir = 'snapshots'
  const readSnapshots = () =>
    new Map(
      (existsSync(snapshotDir) ? readdirSync(snapshotDir) : [])
        .filter((name) => name.endsWith('.json'))
        .map((name) => [name, readFileSync(join(snapshotDir, name), 'utf8')]),
    )
  const before = readSnapshots()
  const { ok, stdout, stderr } = run(
    'forge',
    'npx',
    ['--no-install', 'forge', 'test'],
    { FORGE_SNAPSHOT_CHECK: 'true' },
    { captureStderr: true },
  )
  const m = /(\d+) tests passed, (\d+) failed, (\d+) skipped/.exec(stdout)
  const after = readSnapshots()
  const changed = [...new Set([...before.keys(), ...after.keys()])].filter(
    (name) => before.get(name) !== after.get(name),
  )
  if (/Snapshots differ/i.test(stderr + stdout) || changed.length > 0) {
    process.stdout.write(
      `forge: gas snapshots differ from the committed snapshots/ files ${changed.join(', ')}\n`,
    )
    failedSteps.push('gas snapshots')
    totals.failed += 1
  }
  if (m) {
    totals.passed += Number(m[1])
    totals.failed += Number(m[2])
    totals.skipped += Number(m[3])
  }
  // forge exits 0 on some compiler failures: no summary line means the step failed.
  if (!ok || !m) {
    failedSteps.push('forge')
    if (!m || Number(m[2]) === 0) totals.failed += 1
  }
}

if (failedSteps.length > 0) process.stdout.write(`\nfailed steps: ${failedSteps.join(', ')}\n`)
process.stdout.write(
  `\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`,
)
process.exit(failedSteps.length > 0 ? 1 : 0)
