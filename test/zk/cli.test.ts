/**
 * `npm run zk` as a user runs it (a child process): prove a request file and verify the printed
 * proof; a model the generator cannot handle and a bad request exit non-zero with a clear message.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { groth16, type Groth16Proof, type VerificationKey } from 'snarkjs'

import { artifactPaths, REPO_ROOT } from '../../zk/src/artifacts'
import { releaseCurve } from '../../zk/src/prover'
import { DAMAGE_DIR, RISK_DIR } from './support'

function zk(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const res = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(REPO_ROOT, 'zk', 'cli.ts'), ...args],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    },
  )
  return { status: res.status, stdout: res.stdout, stderr: res.stderr }
}

afterAll(releaseCurve)

describe('npm run zk', () => {
  const paths = artifactPaths(RISK_DIR, 'risk-v1')

  it('proves the sample request; the printed proof verifies for the vector’s result', async () => {
    const request = join(paths.circuitDir, 'sample-request.json')
    const res = zk('prove', RISK_DIR, '--features', request)
    expect(res.stderr).toBe('')
    expect(res.status).toBe(0)
    const bundle = JSON.parse(res.stdout) as {
      publicSignals: string[]
      proof: Groth16Proof
      proofBytes: string
    }
    const vector = JSON.parse(readFileSync(paths.proofVector, 'utf8')) as {
      publicSignals: string[]
    }
    expect(bundle.publicSignals).toEqual(vector.publicSignals) // same features and salt
    expect(bundle.proofBytes).toHaveLength(2 + 2 * 256)
    const vk = JSON.parse(readFileSync(paths.verificationKey, 'utf8')) as VerificationKey
    expect(await groth16.verify(vk, bundle.publicSignals, bundle.proof)).toBe(true)
  }, 120_000)

  it('refuses to generate a circuit for damage-v1, naming the operators', () => {
    const res = zk('generate', DAMAGE_DIR)
    expect(res.status).toBe(1)
    expect(res.stderr).toMatch(
      /^error: model damage-v1 cannot be compiled to a circuit: unsupported operators AveragePool/,
    )
    expect(res.stderr).toMatch(/Conv \("conv_1", "conv_3"\)/)
  })

  it('exits 2 with the validation message for a bad request', () => {
    const res = zk('commit', RISK_DIR, '--features', '{"driver_age": 200}')
    expect(res.status).toBe(2)
    expect(res.stderr).toBe('error: feature "driver_age" must be between 18 and 90 (got 200)\n')
  })
})
