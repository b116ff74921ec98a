/**
 * The adapter's operator signers (adapter/src/signing/): libsecp256k1 signs byte-identically to
 * ethers; a batch shares one signature and each answer verifies alone with ethers (a batch of one
 * as a plain EIP-712 `Inference`, larger batches as `InferenceBatch` over the root its proof folds
 * to); worker threads and the event-loop signer sign the same batch identically; batches respect
 * their cap; a bad answer fails alone; a closed signer or a dead thread refuses instead of hanging.
 */
import { SigningKey, getBytes, verifyTypedData } from 'ethers'

import {
  answerSignature,
  signBatch,
  type AnswerSignature,
} from '../../adapter/src/signing/batch-signature'
import { signDigest } from '../../adapter/src/signing/secp256k1'
import { createSigner, type OperatorSigner } from '../../adapter/src/signing/signer'
import {
  EIP712_DOMAIN,
  INFERENCE_BATCH_TYPES,
  INFERENCE_TYPES,
  inferenceDigest,
  inferenceLeaf,
  processProof,
  toHex,
  type InferenceMessage,
} from '../../protocol/answer-digest'
import { TEST_SIGNER_ADDRESS, TEST_SIGNER_KEY } from './helpers'

/** The i-th test answer: distinct hashes, results and job run ids (non-ASCII among them). */
function message(i: number): InferenceMessage {
  return {
    modelHash: `0x${(i * 7919).toString(16).padStart(64, '0')}`,
    manifestHash: `0x${(i * 31).toString(16).padStart(64, 'a')}`,
    inputHash: `0x${(i * 104729 + 1).toString(16).padStart(64, 'f')}`,
    result: BigInt(i) * 123_456_789_123n,
    jobRunId: i % 3 === 0 ? '' : `job-${i}-ü`,
  }
}

/**
 * The address an answer's signature recovers to, verified the way any EIP-712 tool would: the
 * leaf recomputed from the answer's fields (never taken from the answer), the proof folded onto it.
 */
function recoverAnswer(msg: InferenceMessage, sig: AnswerSignature): string {
  const leaf = inferenceLeaf(msg)
  if (sig.proof.length === 0)
    return verifyTypedData(EIP712_DOMAIN, INFERENCE_TYPES, msg, sig.signature)
  const root = toHex(
    processProof(
      leaf,
      sig.proof.map((p) => getBytes(p)),
    ),
  )
  return verifyTypedData(EIP712_DOMAIN, INFERENCE_BATCH_TYPES, { root }, sig.signature)
}

const LOW_S_MAX = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n

const signers: OperatorSigner[] = []
function signerWith(threads: number, maxBatch = 64, onBatch?: (n: number) => void) {
  const signer = createSigner(TEST_SIGNER_KEY, {
    threads,
    maxBatch,
    ...(onBatch ? { onBatch } : {}),
  })
  signers.push(signer)
  return signer
}

afterEach(async () => {
  await Promise.all(signers.splice(0).map((s) => s.close()))
})

describe('EIP-712 operator signature', () => {
  it('libsecp256k1 signatures are byte-identical to ethers (RFC 6979, low-s)', () => {
    const key = new SigningKey(TEST_SIGNER_KEY)
    const raw = Buffer.from(TEST_SIGNER_KEY.slice(2), 'hex')
    for (let i = 0; i < 20; i++) {
      const digest = inferenceDigest(message(i))
      const sig = signDigest(digest, raw)
      expect(sig).toBe(key.sign(digest).serialized)
      expect(BigInt(`0x${sig.slice(66, 130)}`) <= LOW_S_MAX).toBe(true)
      // A batch of one is that same plain signature.
      expect(signBatch([message(i)], raw).signature).toBe(sig)
    }
  })

  it.each([0, 2])(
    '%i worker threads: one turn of answers shares one signature, each answer verifies alone',
    async (threads) => {
      const signer = signerWith(threads)
      expect(signer.address).toBe(TEST_SIGNER_ADDRESS)
      const messages = [0, 1, 2, 3, 4].map(message)
      const sigs = await Promise.all(messages.map((m) => signer.sign(m)))
      expect(new Set(sigs.map((s) => s.signature)).size).toBe(1)
      sigs.forEach((sig, i) => {
        expect(sig.signature).toMatch(/^0x[0-9a-f]{128}(1b|1c)$/)
        expect(sig.proof.length).toBeGreaterThan(0)
        expect(sig.leaf).toBe(toHex(inferenceLeaf(messages[i] as InferenceMessage)))
        expect(recoverAnswer(messages[i] as InferenceMessage, sig)).toBe(TEST_SIGNER_ADDRESS)
        // The proof is this answer's: with another answer's fields it recovers to someone else.
        expect(recoverAnswer(messages[(i + 1) % 5] as InferenceMessage, sig)).not.toBe(
          TEST_SIGNER_ADDRESS,
        )
      })
      // An answer alone in its turn is a plain EIP-712 signature with an empty proof.
      const alone = await signer.sign(message(9))
      expect(alone.proof).toEqual([])
      expect(verifyTypedData(EIP712_DOMAIN, INFERENCE_TYPES, message(9), alone.signature)).toBe(
        TEST_SIGNER_ADDRESS,
      )
    },
  )

  it('worker threads sign exactly what the event-loop signer signs (same batch code path)', async () => {
    const inline = signerWith(0)
    const workers = signerWith(2)
    const messages = Array.from({ length: 40 }, (_, i) => message(i))
    const a = await Promise.all(messages.map((m) => inline.sign(m)))
    const b = await Promise.all(messages.map((m) => workers.sign(m)))
    expect(b).toEqual(a)
    const batch = signBatch(messages, Buffer.from(TEST_SIGNER_KEY.slice(2), 'hex'))
    expect(a).toEqual(messages.map((_, i) => answerSignature(batch, i)))
  })

  it.each([0, 1])(
    '%i threads: batches hold at most SIGNER_BATCH_MAX_SIZE answers; 1 signs each alone',
    async (threads) => {
      const sizes: number[] = []
      const capped = signerWith(threads, 16, (n) => sizes.push(n))
      const messages = Array.from({ length: 40 }, (_, i) => message(i))
      const sigs = await Promise.all(messages.map((m) => capped.sign(m)))
      expect(sizes).toEqual([16, 16, 8])
      expect(new Set(sigs.map((s) => s.signature)).size).toBe(3)
      sigs.forEach((sig, i) =>
        expect(recoverAnswer(messages[i] as InferenceMessage, sig)).toBe(TEST_SIGNER_ADDRESS),
      )

      const plain = signerWith(threads, 1)
      const alone = await Promise.all(messages.slice(0, 5).map((m) => plain.sign(m)))
      alone.forEach((sig, i) => {
        expect(sig.proof).toEqual([])
        expect(
          verifyTypedData(
            EIP712_DOMAIN,
            INFERENCE_TYPES,
            messages[i] as InferenceMessage,
            sig.signature,
          ),
        ).toBe(TEST_SIGNER_ADDRESS)
      })
    },
  )

  it.each([0, 2])('%i threads: an answer that cannot be signed fails alone', async (threads) => {
    const signer = signerWith(threads)
    const results = await Promise.allSettled([
      signer.sign(message(1)),
      signer.sign({ ...message(2), result: -1n }),
      signer.sign({ ...message(3), result: 1n << 256n }),
      signer.sign({ ...message(4), manifestHash: '0x1234' }),
      signer.sign(message(5)),
    ])
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'rejected',
      'rejected',
      'rejected',
      'fulfilled',
    ])
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/not a uint256/)
    expect((results[3] as PromiseRejectedResult).reason).toMatchObject({ statusCode: 500 })
    expect(String((results[3] as PromiseRejectedResult).reason)).toMatch(/manifestHash/)
  })

  it.each([0, 1])(
    '%i threads: a closed signer refuses at once (503), never hangs',
    async (threads) => {
      const signer = signerWith(threads)
      const pending = signer.sign(message(1)).catch((err: unknown) => err)
      await signer.close()
      expect(await pending).toMatchObject({ statusCode: 503 })
      await expect(signer.sign(message(2))).rejects.toMatchObject({ statusCode: 503 })
    },
  )

  it('a signing thread that dies fails its batch and the queue (500) instead of hanging', async () => {
    const signer = signerWith(1)
    await signer.warmUp(message(0))
    // The thread's own exit, as a crash would end it.
    const { worker } = (
      signer as unknown as { threads: { worker: { terminate(): Promise<number> } }[] }
    ).threads[0] as { worker: { terminate(): Promise<number> } }
    const pending = signer.sign(message(1)).catch((err: unknown) => err)
    await worker.terminate()
    expect(await pending).toMatchObject({ statusCode: 500 })
    await expect(signer.sign(message(2))).rejects.toThrow(/signing worker failed/)
  })
})
