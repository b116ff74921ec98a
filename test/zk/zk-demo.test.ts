/**
 * The zero-knowledge demo end to end (script/zk/zk-demo.ts): anvil, DeployZk.s.sol, risk-v1
 * registered with its weights commitment by two people, a quote requested by commitment only, a
 * forged result refused, a real proof accepted and the quote priced. A warm run takes about 10 s;
 * the first run on a machine also compiles the contracts into cache/local-forge.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

import { Interface, type ErrorFragment, type EventFragment, type FunctionFragment } from 'ethers'

import { deploymentFilePath } from '../../script/local/deployment-file'
import { readArtifact } from '../../script/local/forge-artifacts'
import { zkOracleInterface } from '../../script/zk/fulfil'
import { runZkDemo, zkBenchFigures, type ZkDemoReport } from '../../script/zk/zk-demo'
import { REPO_ROOT } from '../../zk/src/artifacts'
import { parseSalt, releaseCurve, ZkProver } from '../../zk/src/prover'
import { signalHex } from '../../zk/src/solidity'
import { RISK_DIR } from './support'

const DEMO_TIMEOUT_MS = 240_000
const BASE_PREMIUM_WEI = 10n ** 16n
const VERIFY_GAS_GOAL = 250_000

const format = JSON.parse(
  readFileSync(join(REPO_ROOT, 'zk', 'circuits', 'risk-v1', 'format.json'), 'utf8'),
) as { weightsCommitment: string; model: { sha256: string } }

/** A safer driver than the sample: the proven risk must follow the features. */
const SAFE_DRIVER = {
  driver_age: 52,
  years_licensed: 30,
  vehicle_age: 3,
  annual_mileage_km: 9000,
  prior_claims_5y: 0,
  region_risk: 0.2,
  vehicle_power_kw: 85,
  garage_parked: 1,
  harsh_braking_per_100km: 0.4,
  deductible_eur: 1000,
}
const SALT = parseSalt('0x1234567890abcdef1234567890abcdef')

describe('the zero-knowledge demo (RiskPricing through a proof on anvil)', () => {
  let report: ZkDemoReport
  const lines: string[] = []

  beforeAll(async () => {
    report = await runZkDemo({
      log: (line) => lines.push(line),
      features: SAFE_DRIVER,
      salt: SALT,
      provingRuns: 1,
    })
  }, DEMO_TIMEOUT_MS)
  afterAll(releaseCurve)

  test('the registry holds risk-v1 with its circuit’s weights commitment', () => {
    const commitment = signalHex(BigInt(format.weightsCommitment))
    expect(report.modelHash).toBe(format.model.sha256)
    expect(report.weightsCommitment).toBe(commitment)
    expect(report.registeredWeightsCommitment).toBe(commitment)
  })

  test('the request carries the features’ commitment only', () => {
    const prover = ZkProver.open(RISK_DIR)
    expect(report.inputCommitment).toBe(signalHex(prover.commit(SAFE_DRIVER, SALT)))
    expect(report.requestInput).toBe('')
  })

  test('a forged result is refused with its reason; the real proof prices the quote', () => {
    expect(report.forgedProofRefusal).toBe(`InvalidProof(${report.requestId})`)
    // The vectors' proof of the same features (test/contracts/zk/vectors) proved 275.
    expect(report.result).toBe(275)
    expect(report.premium).toBe((BASE_PREMIUM_WEI * (10_000n + 275n)) / 10_000n)
    expect(report.fulfilTx).toMatch(/^0x[0-9a-f]{64}$/)
  })

  test('prints proving time, proof size and gas within the goals', () => {
    expect(report.proofBytes).toBe(256)
    expect(report.gas.verifyProof).toBeGreaterThan(150_000)
    expect(report.gas.verifyProof).toBeLessThanOrEqual(VERIFY_GAS_GOAL)
    expect(report.gas.fulfil).toBeGreaterThan(report.gas.verifyProof)
    expect(report.provingMs.warm).toHaveLength(1)
    expect(lines.some((l) => /proved result 275 .* ms.*proof 256 bytes/.test(l))).toBe(true)
    expect(lines.some((l) => /^fulfill: accepted, \d+ gas/.test(l))).toBe(true)
    expect(lines.some((l) => /^verifyProof alone: \d+ gas/.test(l))).toBe(true)
  })

  test('the prover’s ABI (script/zk/fulfil.ts) is the compiled oracle’s', () => {
    const compiled = new Interface(readArtifact('ZkInferenceOracle.sol', 'ZkInferenceOracle').abi)
    const fragments = zkOracleInterface.fragments.filter(
      (f): f is EventFragment | FunctionFragment | ErrorFragment =>
        f.type === 'event' || f.type === 'function' || f.type === 'error',
    )
    expect(fragments.length).toBe(13)
    for (const f of fragments) {
      const get =
        f.type === 'event'
          ? compiled.getEvent(f.format('sighash'))
          : f.type === 'error'
            ? compiled.getError(f.format('sighash'))
            : compiled.getFunction(f.format('sighash'))
      expect(get?.format('full')).toBe(f.format('full'))
    }
  })

  test('everything is shut down and the throwaway deployment file removed', () => {
    expect(report.teardownFailures).toEqual([])
    expect(lines.at(-1)).toBe('everything stopped')
    expect(existsSync(deploymentFilePath(report.chainId))).toBe(false)
  })
})

describe('zkBenchFigures (the bench’s zk row)', () => {
  test(
    'times warm proofs and measures the gas of a real fulfilment',
    async () => {
      const figures = await zkBenchFigures(2)
      expect(figures).toMatchObject({ model: 'risk-v1', provingRuns: 2, proofBytes: 256 })
      expect(figures.provingMsAll).toHaveLength(2)
      const [a, b] = figures.provingMsAll as [number, number]
      expect(figures.provingMsP50).toBe((a + b) / 2)
      expect(figures.verifyProofGas).toBeLessThanOrEqual(VERIFY_GAS_GOAL)
      expect(figures.fulfilGas).toBeGreaterThan(figures.verifyProofGas)
      expect(figures.requestGas).toBeGreaterThan(21_000)
    },
    DEMO_TIMEOUT_MS,
  )
})
