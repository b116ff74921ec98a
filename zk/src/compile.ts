/**
 * Compiles a circuit with circom 2 (the `circom2` npm package: the circom compiler as WebAssembly
 * under WASI) to its R1CS and witness-calculator WebAssembly.
 *
 * circom2's WASI file system cannot follow symbolic links (a worktree's node_modules may be one) or
 * `..` paths, so the compiler runs in a fresh temporary folder holding the circuit and a copy of
 * the two circomlib files it includes; `--O2` removes the linear constraints.
 */
import { spawn } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

import { ZkError } from './errors'

export const CIRCOM_FLAGS = ['--r1cs', '--wasm', '--O2'] as const
const INCLUDED = ['poseidon.circom', 'poseidon_constants.circom']

export interface CompiledCircuit {
  r1cs: Buffer
  wasm: Buffer
  /** Non-linear plus linear constraints after --O2 (what Groth16 proves). */
  constraints: number
  circomVersion: string
}

function run(cwd: string, args: string[]): Promise<{ code: number; output: string }> {
  const cli = require.resolve('circom2/cli.js')
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (b: Buffer) => (output += b.toString()))
    child.stderr.on('data', (b: Buffer) => (output += b.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code: code ?? 1, output }))
  })
}

// ANSI colour codes, which circom prints even into a pipe.
// eslint-disable-next-line no-control-regex
const stripAnsi = (s: string): string => s.replace(/\x1b\[[0-9;]*m/g, '')

/** Compiles `source` (circom text). Throws ZkError with circom's messages when it fails. */
export async function compileCircuit(source: string): Promise<CompiledCircuit> {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-oracle-circom-'))
  try {
    writeFileSync(join(dir, 'circuit.circom'), source)
    const lib = join(dir, 'circomlib', 'circuits')
    mkdirSync(lib, { recursive: true })
    const from = dirname(require.resolve('circomlib/circuits/poseidon.circom'))
    for (const f of INCLUDED) copyFileSync(join(from, f), join(lib, f))
    const { code, output } = await run(dir, [
      'circuit.circom',
      ...CIRCOM_FLAGS,
      '-l',
      '.',
      '-o',
      '.',
    ])
    const text = stripAnsi(output)
    if (code !== 0 || !/Everything went okay/.test(text)) {
      throw new ZkError(`circom failed (exit ${code}):\n${text.trim()}`)
    }
    const nonLinear = /non-linear constraints: (\d+)/.exec(text)
    const linear = /(?<!non-)linear constraints: (\d+)/.exec(text)
    const version = await run(dir, ['--version'])
    return {
      r1cs: readFileSync(join(dir, 'circuit.r1cs')),
      wasm: readFileSync(join(dir, 'circuit_js', 'circuit.wasm')),
      constraints: Number(nonLinear?.[1] ?? NaN) + Number(linear?.[1] ?? 0),
      circomVersion: stripAnsi(version.output).trim().split('\n').join(', '),
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
