/**
 * The operator signature's messages (protocol/answer-digest.ts): the hand-built EIP-712 digests
 * equal ethers' encoder for both types, the Merkle tree gives every answer of a batch a proof that
 * folds to the root and no other answer's, and the shared vectors (test/vectors/
 * answer-signatures.json) are what the adapter's batch signer makes today and verify with ethers.
 */
import { keccak_256 } from '@noble/hashes/sha3'
import { TypedDataEncoder, getBytes, hexlify, verifyTypedData } from 'ethers'

import {
  BATCH_TYPE_HASH_HEX,
  Bytes32FormatError,
  DOMAIN_SEPARATOR_HEX,
  EIP712_DOMAIN,
  INFERENCE_BATCH_TYPES,
  INFERENCE_TYPES,
  TYPE_HASH_HEX,
  Uint256RangeError,
  answerDigest,
  batchDigest,
  batchSigningDigest,
  hashPair,
  inferenceDigest,
  inferenceLeaf,
  keccak256Bytes,
  merkleTree,
  processProof,
  toHex,
  uint256Hex,
  type InferenceMessage,
} from '../../protocol/answer-digest'
import {
  buildAnswerSignatureVectors,
  loadAnswerSignatureVectors,
  vectorMessage,
} from '../vectors/answer-signatures'

const MESSAGE: InferenceMessage = {
  modelHash: `0x${'ab'.repeat(32)}`,
  manifestHash: `0x${'12'.repeat(32)}`,
  inputHash: `0x${'cd'.repeat(32)}`,
  result: 7250n,
  jobRunId: 'job-éü-42',
}

const messageAt = (i: number): InferenceMessage => ({
  ...MESSAGE,
  result: BigInt(i),
  jobRunId: `job-${i}`,
})

describe('EIP-712 answer digest (version 2)', () => {
  it('the hand-built digest of one answer equals ethers TypedDataEncoder.hash', () => {
    for (const msg of [
      MESSAGE,
      { ...MESSAGE, result: 0n, jobRunId: '' },
      { ...MESSAGE, result: (1n << 256n) - 1n },
      { ...MESSAGE, jobRunId: 'fn-0123456789abcdef' },
    ]) {
      expect(inferenceDigest(msg)).toBe(TypedDataEncoder.hash(EIP712_DOMAIN, INFERENCE_TYPES, msg))
      expect(toHex(inferenceLeaf(msg))).toBe(
        TypedDataEncoder.from(INFERENCE_TYPES).hash(msg as unknown as Record<string, unknown>),
      )
    }
  })

  it('keccak256 (js-sha3) equals noble keccak_256 on 0 to 300 bytes (one to three blocks)', () => {
    for (let n = 0; n <= 300; n += 7) {
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 0xff)
      expect(toHex(keccak256Bytes(data))).toBe(toHex(keccak_256(data)))
    }
  })

  it('the batch digest equals ethers for InferenceBatch(root)', () => {
    const root = `0x${'5a'.repeat(32)}`
    expect(toHex(batchDigest(getBytes(root)))).toBe(
      TypedDataEncoder.hash(EIP712_DOMAIN, INFERENCE_BATCH_TYPES, { root }),
    )
  })

  it('domain, types and type hashes are those of docs/protocol.md', () => {
    expect(DOMAIN_SEPARATOR_HEX).toBe(
      TypedDataEncoder.hashDomain({ name: 'onnx-oracle', version: '2' }),
    )
    expect(TypedDataEncoder.from(INFERENCE_TYPES).encodeType('Inference')).toBe(
      'Inference(bytes32 modelHash,bytes32 manifestHash,bytes32 inputHash,uint256 result,string jobRunId)',
    )
    expect(TypedDataEncoder.from(INFERENCE_BATCH_TYPES).encodeType('InferenceBatch')).toBe(
      'InferenceBatch(bytes32 root)',
    )
    expect(TYPE_HASH_HEX).not.toBe(BATCH_TYPE_HASH_HEX)
  })

  it('the manifest hash is signed: another manifest hash, another digest', () => {
    const other = { ...MESSAGE, manifestHash: `0x${'13'.repeat(32)}` }
    expect(inferenceDigest(other)).not.toBe(inferenceDigest(MESSAGE))
  })

  it('refuses results that are not uint256 and hashes that are not bytes32, with typed errors', () => {
    expect(() => inferenceDigest({ ...MESSAGE, result: -1n })).toThrow(Uint256RangeError)
    expect(() => uint256Hex(1n << 256n)).toThrow(/not a uint256/)
    expect(uint256Hex(255n)).toBe(`${'0'.repeat(62)}ff`)
    expect(() => inferenceLeaf({ ...MESSAGE, manifestHash: '0x12' })).toThrow(Bytes32FormatError)
    expect(() => inferenceLeaf({ ...MESSAGE, inputHash: 'ab'.repeat(32) })).toThrow(/inputHash/)
  })
})

describe('the Merkle tree of a batch', () => {
  it.each([1, 2, 3, 4, 5, 7, 8, 9, 16, 33, 64])(
    'every one of %i leaves folds to the root, with at most ceil(log2 n) siblings',
    (n) => {
      const leaves = Array.from({ length: n }, (_, i) => inferenceLeaf(messageAt(i)))
      const { root, proofs } = merkleTree(leaves)
      const depth = Math.ceil(Math.log2(n))
      leaves.forEach((leaf, i) => {
        const proof = proofs[i] as Uint8Array[]
        expect(hexlify(processProof(leaf, proof))).toBe(hexlify(root))
        expect(proof.length).toBeLessThanOrEqual(depth)
        // A batch of two or more never gives an answer an empty proof.
        expect(proof.length === 0).toBe(n === 1)
        expect(hexlify(answerDigest(leaf, proof))).toBe(hexlify(batchSigningDigest(root, n)))
      })
    },
  )

  it('a proof proves only its own answer: another leaf with it folds elsewhere', () => {
    const leaves = Array.from({ length: 6 }, (_, i) => inferenceLeaf(messageAt(i)))
    const { root, proofs } = merkleTree(leaves)
    for (let i = 0; i < leaves.length; i++) {
      for (let j = 0; j < leaves.length; j++) {
        if (i === j) continue
        const folded = processProof(leaves[j] as Uint8Array, proofs[i] as Uint8Array[])
        expect(hexlify(folded)).not.toBe(hexlify(root))
      }
    }
    // A changed answer has another leaf: its (unchanged) proof no longer reaches the root.
    const changed = inferenceLeaf({ ...messageAt(2), result: 3n })
    expect(hexlify(processProof(changed, proofs[2] as Uint8Array[]))).not.toBe(hexlify(root))
  })

  it('hashes pairs sorted (OpenZeppelin MerkleProof), so order within a pair does not matter', () => {
    const a = inferenceLeaf(messageAt(1))
    const b = inferenceLeaf(messageAt(2))
    expect(hexlify(hashPair(a, b))).toBe(hexlify(hashPair(b, a)))
    expect(() => merkleTree([])).toThrow(RangeError)
  })
})

describe('the shared signature vectors (test/vectors/answer-signatures.json)', () => {
  const vectors = loadAnswerSignatureVectors()

  it('are what the adapter batch signer makes today (regenerate: see the file header)', () => {
    expect(vectors).toEqual(buildAnswerSignatureVectors())
    expect(vectors.domainSeparator).toBe(DOMAIN_SEPARATOR_HEX)
  })

  it('every answer verifies with ethers: Inference for a batch of one, InferenceBatch else', () => {
    expect(vectors.answers.length).toBeGreaterThan(10)
    for (const v of vectors.answers) {
      const msg = vectorMessage(v)
      expect(toHex(inferenceLeaf(msg))).toBe(v.leaf)
      const batch = vectors.batches[v.batch] as { size: number; root: string }
      if (batch.size === 1) {
        expect(v.proof).toEqual([])
        expect(verifyTypedData(EIP712_DOMAIN, INFERENCE_TYPES, msg, v.signature)).toBe(
          vectors.signer,
        )
      } else {
        const root = toHex(
          processProof(
            getBytes(v.leaf),
            v.proof.map((p) => getBytes(p)),
          ),
        )
        expect(root).toBe(batch.root)
        expect(verifyTypedData(EIP712_DOMAIN, INFERENCE_BATCH_TYPES, { root }, v.signature)).toBe(
          vectors.signer,
        )
      }
    }
  })
})
