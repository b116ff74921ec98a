import { SigningKey, verifyTypedData } from 'ethers'

import { signDigest } from '../../adapter/src/signing/secp256k1'
import { createSigner } from '../../adapter/src/signing/signer'
import {
  EIP712_DOMAIN,
  INFERENCE_TYPES,
  inferenceDigest,
  type InferenceMessage,
} from '../../protocol/answer-digest'
import { TEST_SIGNER_ADDRESS, TEST_SIGNER_KEY } from './helpers'

/** The i-th test answer: distinct hashes, results and job run ids (non-ASCII among them). */
function message(i: number): InferenceMessage {
  return {
    modelHash: `0x${(i * 7919).toString(16).padStart(64, '0')}`,
    inputHash: `0x${(i * 104729 + 1).toString(16).padStart(64, 'f')}`,
    result: BigInt(i) * 123_456_789_123n,
    jobRunId: i % 3 === 0 ? '' : `job-${i}-ü`,
  }
}

describe('EIP-712 operator signature', () => {
  it('libsecp256k1 signatures are byte-identical to ethers (RFC 6979, low-s)', () => {
    const key = new SigningKey(TEST_SIGNER_KEY)
    const raw = Buffer.from(TEST_SIGNER_KEY.slice(2), 'hex')
    for (let i = 0; i < 20; i++) {
      const digest = inferenceDigest(message(i))
      expect(signDigest(digest, raw)).toBe(key.sign(digest).serialized)
    }
  })

  it.each([0, 2])(
    'signatures (%i worker threads) recover to the signer with verifyTypedData',
    async (threads) => {
      const signer = createSigner(TEST_SIGNER_KEY, threads)
      try {
        expect(signer.address).toBe(TEST_SIGNER_ADDRESS)
        const messages = [0, 1, 2, 3, 4].map(message)
        const sigs = await Promise.all(messages.map((m) => signer.sign(m)))
        sigs.forEach((sig, i) => {
          expect(sig).toMatch(/^0x[0-9a-f]{128}(1b|1c)$/)
          expect(
            verifyTypedData(EIP712_DOMAIN, INFERENCE_TYPES, messages[i] as InferenceMessage, sig),
          ).toBe(TEST_SIGNER_ADDRESS)
        })
      } finally {
        await signer.close()
      }
    },
  )

  it('worker threads sign exactly what the event-loop signer signs (same digest code path)', async () => {
    const inline = createSigner(TEST_SIGNER_KEY, 0)
    const workers = createSigner(TEST_SIGNER_KEY, 2)
    try {
      const messages = Array.from({ length: 40 }, (_, i) => message(i))
      const a = await Promise.all(messages.map((m) => inline.sign(m)))
      const b = await Promise.all(messages.map((m) => workers.sign(m)))
      expect(b).toEqual(a)
      await expect(workers.sign({ ...message(1), result: -1n })).rejects.toThrow(/not a uint256/)
      await expect(inline.sign({ ...message(1), result: 1n << 256n })).rejects.toThrow(
        /not a uint256/,
      )
    } finally {
      await inline.close()
      await workers.close()
    }
  })
})
