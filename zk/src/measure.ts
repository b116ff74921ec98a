/**
 * The zk path's numbers, for `npm run zk -- measure` and the bench: proving time (median of several
 * proofs of the sample request, artifacts in memory), proof size, JS verification time, and the gas
 * of `verifyProof` on a real EVM (anvil): the committed verifier is built with forge, deployed, and
 * called in a transaction; execution gas = gasUsed - 21,000 - calldata gas.
 */
import { readFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join, relative } from 'node:path'

import { ContractFactory, JsonRpcProvider, Wallet, getBytes, type Contract } from 'ethers'

import { anvilPrivateKey } from '../../script/local/anvil-accounts'
import { startAnvil } from '../../script/local/anvil'
import { forgeBuild, readArtifact } from '../../script/local/forge-artifacts'
import { readSetupRecord, REPO_ROOT } from './artifacts'
import { parseSalt, ZkProver } from './prover'

export interface ZkMeasurement {
  model: string
  constraints: number
  runs: number
  provingMs: { median: number; min: number; max: number; all: number[] }
  /** CPU time of the proving process (all threads) per proof: less sensitive to a busy host. */
  provingCpuMs: { median: number; all: number[] }
  /** 1-minute load average when measured (2 cores here): wall times above mean little when high. */
  loadAverage: number
  verifyJsMs: number
  proofBytes: number
  verifyProofGas: number
  verifyProofTransactionGas: number
}

const TRANSACTION_GAS_LIMIT = 1_000_000

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2
}

/** EIP-2028 calldata cost: 16 gas per non-zero byte, 4 per zero byte. */
export function calldataGas(data: string): number {
  let gas = 0
  for (const b of getBytes(data)) gas += b === 0 ? 4 : 16
  return gas
}

export async function measure(
  modelDir: string,
  options: { runs?: number } = {},
): Promise<ZkMeasurement> {
  const runs = options.runs ?? 5
  const prover = ZkProver.open(modelDir)
  const paths = prover.paths
  const sample = JSON.parse(
    readFileSync(join(paths.circuitDir, 'sample-request.json'), 'utf8'),
  ) as {
    features: Record<string, number>
    salt: string
  }
  const salt = parseSalt(sample.salt)
  await prover.prove(sample.features, salt) // warm-up: wasm compilation, curve workers
  const times: number[] = []
  const cpu: number[] = []
  let bundle = await prover.prove(sample.features, salt)
  times.push(bundle.provingMs)
  cpu.push(bundle.provingCpuMs)
  for (let i = 1; i < runs; i++) {
    bundle = await prover.prove(sample.features, salt)
    times.push(bundle.provingMs)
    cpu.push(bundle.provingCpuMs)
  }
  const loadAverage = loadavg()[0] ?? 0
  const t = performance.now()
  const ok = await prover.verify(bundle.publicSignals, bundle.proof)
  const verifyJsMs = performance.now() - t
  if (!ok) throw new Error('a fresh proof did not verify')

  const source = relative(REPO_ROOT, paths.verifierSol)
  await forgeBuild([source])
  const artifact = readArtifact(source.split('/').pop() as string, paths.verifierContract)
  const chain = await startAnvil()
  try {
    const provider = new JsonRpcProvider(chain.rpcUrl, chain.chainId, { staticNetwork: true })
    const wallet = new Wallet(anvilPrivateKey(0), provider)
    const factory = new ContractFactory(artifact.abi, artifact.bytecode, wallet)
    const verifier = (await (await factory.deploy()).waitForDeployment()) as Contract
    const args = [bundle.solidity.a, bundle.solidity.b, bundle.solidity.c, bundle.publicSignals]
    if (!(await verifier.getFunction('verifyProof').staticCall(...args))) {
      throw new Error('the deployed verifier refused a valid proof')
    }
    const data = verifier.interface.encodeFunctionData('verifyProof', args)
    // An explicit limit: verifyProof never reverts, it returns false when starved of gas (the
    // pairing precompile fails), so an estimated limit would measure a refused proof.
    const tx = await wallet.sendTransaction({
      to: await verifier.getAddress(),
      data,
      gasLimit: TRANSACTION_GAS_LIMIT,
    })
    const receipt = await tx.wait()
    const gasUsed = Number(receipt?.gasUsed ?? 0)
    provider.destroy()
    const record = readSetupRecord(paths)
    return {
      model: paths.id,
      constraints: record.circuit.constraints,
      runs,
      provingMs: {
        median: median(times),
        min: Math.min(...times),
        max: Math.max(...times),
        all: times,
      },
      provingCpuMs: { median: median(cpu), all: cpu },
      loadAverage: Math.round(loadAverage * 100) / 100,
      verifyJsMs: Math.round(verifyJsMs * 10) / 10,
      proofBytes: getBytes(bundle.proofBytes).length,
      verifyProofGas: gasUsed - 21_000 - calldataGas(data),
      verifyProofTransactionGas: gasUsed,
    }
  } finally {
    await chain.stop()
  }
}
