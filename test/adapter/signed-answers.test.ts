/**
 * @jest-environment ./test/models/ort-test-environment.js
 */
/*
 * Signed answers over real HTTP (issue 14.1): the same requests sent concurrently to a signing
 * adapter (worker threads, Merkle batches) and to an unsigned one give byte-identical bodies once
 * the signature fields (`signer`, `signature`, `leaf`, `proof`, always last in `data`) are cut off,
 * for both bundled models; concurrent answers really share signatures (batches of more than one),
 * and every answer passes the DON-side core's check (don-core judgeAnswer) alone, with its own
 * proof, while a proof lent to another answer fails.
 */
import { secp256k1 } from '@noble/curves/secp256k1'
import { keccak_256 } from '@noble/hashes/sha3'
import { sha256 } from '@noble/hashes/sha256'

import { cryptoFromNoble, judgeAnswer, type InferenceRequest } from '../../don-core/inference-core'
import { tabularInputHash } from '../../protocol/input-hash'
import {
  TEST_SIGNER_ADDRESS,
  TEST_SIGNER_KEY,
  bundledManifest,
  postAllJson,
  riskFeatureSeries,
  serveUncachedAdapter,
  stopServedAdapter,
  type ServedAdapter,
} from './helpers'
import { damageSamples } from './image-server'

const crypto = cryptoFromNoble({ secp256k1, keccak_256, sha256 })
/** The signature fields, last in `data`: what the unsigned answer lacks. */
const SIGNATURE_FIELDS =
  /,"signer":"0x[0-9a-fA-F]{40}","signature":"0x[0-9a-f]{130}","leaf":"0x[0-9a-f]{64}","proof":\[("0x[0-9a-f]{64}"(,"0x[0-9a-f]{64}")*)?\]\}\}$/

/** Raw answer texts of `bodies`, all sent at once. */
function postAll(url: string, bodies: object[]): Promise<string[]> {
  return postAllJson(url, bodies, (res) => {
    expect(res.status).toBe(200)
    return res.text()
  })
}

interface SignedData {
  result: string
  modelHash: string
  manifestHash: string
  inputHash: string
  signature: string
  proof: string[]
}

describe('signed answers (SIGNER_THREADS=1, SIGNER_BATCH_MAX_SIZE=64)', () => {
  let signed: ServedAdapter
  let unsigned: ServedAdapter

  beforeAll(async () => {
    signed = await serveUncachedAdapter({
      SIGNER_PRIVATE_KEY: TEST_SIGNER_KEY,
      SIGNER_THREADS: '1',
    })
    unsigned = await serveUncachedAdapter({})
  })

  afterAll(async () => {
    await stopServedAdapter(signed)
    await stopServedAdapter(unsigned)
  })

  const risk = bundledManifest('risk-v1')
  const tabular = riskFeatureSeries(2024, 48).map((features, i) => ({
    id: `run-${i}`,
    data: { model: 'risk-v1', features },
  }))
  const images = damageSamples().map((s, i) => ({
    id: `img-${i}`,
    data: { model: 'damage-v1', image: { base64: s.bytes.toString('base64'), sha256: s.sha256 } },
  }))

  it.each([
    ['risk-v1', tabular],
    ['damage-v1', images],
  ])('%s: byte-identical to unsigned answers but for the signature fields', async (_, bodies) => {
    const [a, b] = await Promise.all([postAll(signed.url, bodies), postAll(unsigned.url, bodies)])
    a.forEach((text, i) => {
      expect(text).toMatch(SIGNATURE_FIELDS)
      expect(text.replace(SIGNATURE_FIELDS, '}}')).toBe(b[i])
      expect(b[i]).not.toMatch(/"signature"|"signer"|"leaf"|"proof"/)
    })
  })

  it('concurrent answers share signatures, and each passes the core check alone', async () => {
    const texts = await postAll(signed.url, tabular)
    const answers = texts.map((t) => JSON.parse(t) as { data: SignedData })
    const signatures = new Set(answers.map((a) => a.data.signature))
    // Batches formed: fewer signatures than answers, and some answers carry a proof.
    expect(signatures.size).toBeLessThan(answers.length)
    expect(answers.some((a) => a.data.proof.length > 0)).toBe(true)
    const adapter = { url: signed.url, signer: TEST_SIGNER_ADDRESS.toLowerCase() }
    const requestOf = (i: number): InferenceRequest => ({
      modelId: 'risk-v1',
      modelHash: risk.file.sha256,
      inputHash: tabularInputHash(tabular[i]?.data.features as Record<string, number>),
      input: { features: tabular[i]?.data.features },
      threshold: 1,
      tolerance: 0n,
    })
    answers.forEach((answer, i) => {
      const verdict = judgeAnswer(crypto, requestOf(i), adapter, `run-${i}`, { body: answer })
      expect(verdict).toEqual({ result: BigInt(answer.data.result) })
    })
    // A proof lent to a batch mate (same signature, other fields) is refused.
    const shared = answers.findIndex(
      (a, i) => i > 0 && a.data.signature === answers[i - 1]?.data.signature,
    )
    expect(shared).toBeGreaterThan(0)
    const mate = answers[shared - 1] as { data: SignedData }
    const lent = { data: { ...mate.data, proof: answers[shared]?.data.proof, leaf: undefined } }
    expect(
      judgeAnswer(crypto, requestOf(shared - 1), adapter, `run-${shared - 1}`, { body: lent }),
    ).toEqual({
      reason: 'signature does not recover to the configured signer',
    })
  })
})
