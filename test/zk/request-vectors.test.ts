/**
 * The oracle's forge vectors (test/contracts/zk/vectors/RiskV1RequestVectors.sol) are real: each
 * proof verifies with the committed verification key for exactly its request's statement, its input
 * commitment is what the prover computes from the listed features and salt, and the Solidity
 * library is the rendering of the committed JSON.
 */
import { readFileSync } from 'node:fs'

import { groth16, type VerificationKey } from 'snarkjs'

import { artifactPaths } from '../../zk/src/artifacts'
import { parseSalt, releaseCurve, ZkProver } from '../../zk/src/prover'
import {
  readVectorRequests,
  renderRequestVectorLibrary,
  requestVectorPaths,
  type RequestVector,
} from '../../zk/src/vectors'
import { RISK_DIR } from './support'

const paths = requestVectorPaths('risk-v1')
const vectors = JSON.parse(readFileSync(paths.json, 'utf8')) as RequestVector[]

afterAll(releaseCurve)

describe('the risk-v1 request vectors', () => {
  const prover = ZkProver.open(RISK_DIR)

  it('are the listed requests, proven', () => {
    const requests = readVectorRequests(paths.requests)
    expect(vectors.map((v) => v.name)).toEqual(requests.map((r) => r.name))
    for (const [i, v] of vectors.entries()) {
      const request = requests[i]
      expect(v.features).toEqual(request?.features)
      expect(BigInt(v.inputCommitment)).toBe(prover.commit(v.features, parseSalt(v.salt)))
      expect(BigInt(v.weightsCommitment).toString()).toBe(prover.model.format.weightsCommitment)
      expect(v.publicSignals).toEqual(
        [v.result, v.inputCommitment, v.weightsCommitment].map((x) => BigInt(x).toString()),
      )
    }
  })

  it('carry proofs that verify for their own statement only', async () => {
    const vk = JSON.parse(
      readFileSync(artifactPaths(RISK_DIR, 'risk-v1').verificationKey, 'utf8'),
    ) as VerificationKey
    const [same, other] = vectors
    if (same === undefined || other === undefined) throw new Error('two vectors expected')
    const proofOf = (v: RequestVector): Parameters<typeof groth16.verify>[2] => {
      const [a, b, c] = [v.solidity.a, v.solidity.b, v.solidity.c]
      const dec = (x: string): string => BigInt(x).toString()
      return {
        pi_a: [dec(a[0]), dec(a[1]), '1'],
        pi_b: [
          [dec(b[0][1]), dec(b[0][0])],
          [dec(b[1][1]), dec(b[1][0])],
          ['1', '0'],
        ],
        pi_c: [dec(c[0]), dec(c[1]), '1'],
        protocol: 'groth16',
        curve: 'bn128',
      }
    }
    expect(await groth16.verify(vk, same.publicSignals, proofOf(same))).toBe(true)
    expect(await groth16.verify(vk, other.publicSignals, proofOf(other))).toBe(true)
    // The other customer's proof does not prove the first customer's statement.
    expect(await groth16.verify(vk, same.publicSignals, proofOf(other))).toBe(false)
    expect(other.result).not.toBe(same.result)
  })

  it('give forge the same proofs as the JSON', () => {
    expect(readFileSync(paths.sol, 'utf8')).toBe(
      renderRequestVectorLibrary(paths.libraryName, 'risk-v1', vectors),
    )
  })
})
