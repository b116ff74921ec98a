/**
 * One signature for a batch of answers (docs/protocol.md, "Operator signature"): the leaf of each
 * answer, the Merkle tree over the leaves, and one secp256k1 signature over the batch's EIP-712
 * digest (the answer's own digest for a batch of one). Pure: the worker threads and the inline
 * signer run this same function.
 */
import {
  batchSigningDigest,
  inferenceLeaf,
  merkleTree,
  toHex,
  type InferenceMessage,
} from '../../../protocol/answer-digest'
import { signDigest } from './secp256k1'

/** What an answer carries to prove that the operator signed it. */
export class AnswerSignature {
  constructor(
    /** 65-byte r ‖ s ‖ v (v = 27/28, low s) over the batch's digest, `0x` + 130 hex. */
    readonly signature: string,
    /** The answer's EIP-712 struct hash, `0x` + 64 hex. */
    readonly leaf: string,
    /** The proof as the answer's JSON writes it: `["0x…",…]` (`[]` for a batch of one). */
    readonly proofJson: string,
  ) {}

  /** Siblings from the leaf to the batch's root, each `0x` + 64 hex; empty for a batch of one. */
  get proof(): string[] {
    return JSON.parse(this.proofJson) as string[]
  }
}

/**
 * The batch's one signature and, per answer in order, its leaf and its proof as JSON text: what
 * a signing thread sends back (2n strings, cheap to copy between threads, and the proof ready to
 * be written into the answer).
 */
export interface BatchSignature {
  signature: string
  leaves: string[]
  proofs: string[]
}

/** Signs `items` (at least one) as one batch with `key` (32 bytes). */
export function signBatch(items: readonly InferenceMessage[], key: Uint8Array): BatchSignature {
  const leaves = items.map(inferenceLeaf)
  const { root, proofs } = merkleTree(leaves)
  // Proofs share tree nodes (the same objects): each node is written as hex once.
  const hexOf = new Map<Uint8Array, string>()
  const quoted = (node: Uint8Array): string => {
    let text = hexOf.get(node)
    if (text === undefined) {
      text = `"${toHex(node)}"`
      hexOf.set(node, text)
    }
    return text
  }
  return {
    signature: signDigest(batchSigningDigest(root, leaves.length), key),
    leaves: leaves.map(toHex),
    proofs: proofs.map((proof) => `[${proof.map(quoted).join(',')}]`),
  }
}

/** The answer at `index` of a signed batch. */
export function answerSignature(batch: BatchSignature, index: number): AnswerSignature {
  return new AnswerSignature(
    batch.signature,
    batch.leaves[index] as string,
    batch.proofs[index] as string,
  )
}
