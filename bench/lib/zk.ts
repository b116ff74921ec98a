/**
 * The zero-knowledge figures (issue 16's goals): one run of the zk demo on anvil
 * (script/zk/zk-demo.ts `zkBenchFigures`) with several risk-v1 proofs timed, the proof's size and
 * the gas of `verifyProof` and of the oracle's fulfilment.
 */
import { zkBenchFigures, type ZkBenchFigures } from '../../script/zk/zk-demo'

export type { ZkBenchFigures }

/** Proofs timed: full run 5, quick 2 (the first proof of a process loads the circuit and is not the p50). */
export async function measureZk(
  quick: boolean,
  skipped: string[],
  log: (line: string) => void,
): Promise<ZkBenchFigures | undefined> {
  try {
    log('zk: the risk-v1 proof path on anvil')
    return await zkBenchFigures(quick ? 2 : 5)
  } catch (err) {
    skipped.push(`zk: ${err instanceof Error ? err.message : String(err)}`)
    return undefined
  }
}
