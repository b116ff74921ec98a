/**
 * The operator signature's messages (docs/protocol.md, "Operator signature", version 2), EIP-712 in
 * the domain `{ name: "onnx-oracle", version: "2" }` (no chainId, no verifyingContract):
 *
 * - one answer is the struct
 *   `Inference(bytes32 modelHash,bytes32 manifestHash,bytes32 inputHash,uint256 result,string jobRunId)`;
 *   its EIP-712 struct hash is the answer's **leaf**;
 * - a batch of answers is `InferenceBatch(bytes32 root)`, where `root` is the Merkle root of the
 *   batch's leaves (pairs hashed sorted, `keccak256(min(a, b) ‖ max(a, b))`, an odd node carried
 *   up unchanged: OpenZeppelin's `MerkleProof.processProof` folds a proof to it).
 *
 * An operator signs once per batch: a batch of one signs the `Inference` itself (a plain EIP-712
 * signature, proof `[]`); a larger batch signs its `InferenceBatch`, and each answer carries its
 * leaf and proof (the siblings from the leaf to the root, never empty). A verifier recomputes the
 * leaf from the answer's fields, folds the proof, and recovers the signer of
 * `answerDigest(leaf, proof)`. The adapter's signer (inline and in its worker threads) runs this
 * code; don-core/inference-core.ts and contracts/libraries/AnswerVerifier.sol verify the same.
 */
import { TypedDataEncoder } from 'ethers'
import { keccak256 as keccak } from 'js-sha3'

export const EIP712_DOMAIN = { name: 'onnx-oracle', version: '2' } as const

export const INFERENCE_TYPES = {
  Inference: [
    { name: 'modelHash', type: 'bytes32' },
    { name: 'manifestHash', type: 'bytes32' },
    { name: 'inputHash', type: 'bytes32' },
    { name: 'result', type: 'uint256' },
    { name: 'jobRunId', type: 'string' },
  ],
}

export const INFERENCE_BATCH_TYPES = {
  InferenceBatch: [{ name: 'root', type: 'bytes32' }],
}

export interface InferenceMessage {
  /** sha256 of model.onnx, `0x` + 64 hex. */
  modelHash: string
  /** sha256 of the JCS canonical JSON of manifest.json (protocol/manifest.ts), `0x` + 64 hex. */
  manifestHash: string
  /** `0x` + 64 hex. */
  inputHash: string
  result: bigint
  jobRunId: string
}

/** Thrown for a result that is not a uint256 (it cannot be signed). */
export class Uint256RangeError extends RangeError {
  constructor(readonly value: bigint) {
    super(`result ${value} is not a uint256 and cannot be signed`)
    this.name = 'Uint256RangeError'
  }
}

/** Thrown for a field that is not `0x` + 64 hex where a bytes32 is signed. */
export class Bytes32FormatError extends TypeError {
  constructor(readonly field: string) {
    super(`${field} must be 0x + 64 hex to be signed`)
    this.name = 'Bytes32FormatError'
  }
}

const BYTES32 = /^0x[0-9a-fA-F]{64}$/
const UINT256_MAX = (1n << 256n) - 1n

/**
 * keccak256 of bytes, with js-sha3 (unrolled keccak-f): about three times faster here than the
 * noble code ethers uses, and an answer costs four keccak-f permutations (the job run id, the
 * 192-byte struct, one tree node), which is most of what signing costs per answer once the
 * signature is shared by a batch. Checked against noble in test/protocol/answer-digest.test.ts.
 */
export function keccak256Bytes(data: Uint8Array): Uint8Array {
  return new Uint8Array(keccak.arrayBuffer(data))
}

const hexBytes = (hex: string): Buffer => Buffer.from(hex.slice(2), 'hex')
/** `0x` + lowercase hex of bytes. */
export const toHex = (bytes: Uint8Array): string =>
  `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`

/** `0x` + hex of the domain separator, the `Inference` and the `InferenceBatch` type hashes. */
export const DOMAIN_SEPARATOR_HEX = TypedDataEncoder.hashDomain(EIP712_DOMAIN)
export const TYPE_HASH_HEX = toHex(
  keccak256Bytes(
    Buffer.from(TypedDataEncoder.from(INFERENCE_TYPES).encodeType('Inference'), 'utf8'),
  ),
)
export const BATCH_TYPE_HASH_HEX = toHex(
  keccak256Bytes(
    Buffer.from(TypedDataEncoder.from(INFERENCE_BATCH_TYPES).encodeType('InferenceBatch'), 'utf8'),
  ),
)
const DOMAIN_SEPARATOR = hexBytes(DOMAIN_SEPARATOR_HEX)
const TYPE_HASH = hexBytes(TYPE_HASH_HEX)
const BATCH_TYPE_HASH = hexBytes(BATCH_TYPE_HASH_HEX)

/** The result as 64 hex digits (a uint256 word); throws Uint256RangeError if it is not a uint256. */
export function uint256Hex(result: bigint): string {
  if (result < 0n || result > UINT256_MAX) throw new Uint256RangeError(result)
  return result.toString(16).padStart(64, '0')
}

/** Throws a typed error unless `msg` can be signed (its hashes are bytes32, its result a uint256). */
export function checkSignable(msg: InferenceMessage): void {
  for (const field of ['modelHash', 'manifestHash', 'inputHash'] as const) {
    if (!BYTES32.test(msg[field])) throw new Bytes32FormatError(field)
  }
  uint256Hex(msg.result)
}

/** The answer's leaf: the EIP-712 struct hash of its `Inference` (32 bytes). */
export function inferenceLeaf(msg: InferenceMessage): Uint8Array {
  checkSignable(msg)
  const struct = Buffer.alloc(192)
  struct.set(TYPE_HASH, 0)
  struct.write(msg.modelHash.slice(2), 32, 'hex')
  struct.write(msg.manifestHash.slice(2), 64, 'hex')
  struct.write(msg.inputHash.slice(2), 96, 'hex')
  struct.write(uint256Hex(msg.result), 128, 'hex')
  struct.set(keccak256Bytes(Buffer.from(msg.jobRunId, 'utf8')), 160)
  return keccak256Bytes(struct)
}

/** keccak256(0x1901 ‖ domain separator ‖ struct hash): the EIP-712 digest of a struct hash. */
function typedDataDigest(structHash: Uint8Array): Uint8Array {
  const outer = Buffer.alloc(66)
  outer[0] = 0x19
  outer[1] = 0x01
  outer.set(DOMAIN_SEPARATOR, 2)
  outer.set(structHash, 34)
  return keccak256Bytes(outer)
}

/** The EIP-712 digest of `InferenceBatch(root)`. */
export function batchDigest(root: Uint8Array): Uint8Array {
  const struct = Buffer.alloc(64)
  struct.set(BATCH_TYPE_HASH, 0)
  struct.set(root, 32)
  return typedDataDigest(keccak256Bytes(struct))
}

/** A Merkle node: keccak256 of the two children, the smaller first. */
export function hashPair(a: Uint8Array, b: Uint8Array): Uint8Array {
  const pair = Buffer.alloc(64)
  const aFirst = Buffer.compare(a, b) <= 0
  pair.set(aFirst ? a : b, 0)
  pair.set(aFirst ? b : a, 32)
  return keccak256Bytes(pair)
}

/** Folds a proof onto a leaf: the root the proof claims (the leaf itself for an empty proof). */
export function processProof(leaf: Uint8Array, proof: readonly Uint8Array[]): Uint8Array {
  let node = leaf
  for (const sibling of proof) node = hashPair(node, sibling)
  return node
}

/**
 * The digest the operator signed for an answer with this leaf and proof: the leaf's own EIP-712
 * digest when the proof is empty (a batch of one), else that of `InferenceBatch(root)`.
 */
export function answerDigest(leaf: Uint8Array, proof: readonly Uint8Array[]): Uint8Array {
  return proof.length === 0 ? typedDataDigest(leaf) : batchDigest(processProof(leaf, proof))
}

/**
 * The digest an operator signs for a batch of `size` answers whose Merkle root is `root`: the
 * answer's own EIP-712 digest for a batch of one (its root is its leaf), else `InferenceBatch`'s.
 */
export function batchSigningDigest(root: Uint8Array, size: number): Uint8Array {
  return size === 1 ? typedDataDigest(root) : batchDigest(root)
}

/** The EIP-712 digest (`0x` + 64 hex) of one answer signed alone (a batch of one). */
export function inferenceDigest(msg: InferenceMessage): string {
  return toHex(typedDataDigest(inferenceLeaf(msg)))
}

export interface MerkleTree {
  root: Uint8Array
  /** Per leaf, in order: its siblings from the leaf up to the root (empty for a single leaf). */
  proofs: Uint8Array[][]
}

/**
 * The Merkle tree of `leaves` (at least one): level by level, neighbours paired in order with
 * `hashPair`, an odd last node carried up unchanged. Every leaf of two or more has a proof.
 */
export function merkleTree(leaves: readonly Uint8Array[]): MerkleTree {
  if (leaves.length === 0) throw new RangeError('a Merkle tree needs at least one leaf')
  const proofs: Uint8Array[][] = leaves.map(() => [])
  // For each node of the current level, the leaves below it.
  let level = [...leaves]
  let below: number[][] = leaves.map((_, i) => [i])
  while (level.length > 1) {
    const next: Uint8Array[] = []
    const nextBelow: number[][] = []
    for (let i = 0; i < level.length; i += 2) {
      const left = level[i] as Uint8Array
      const right = level[i + 1]
      const leftBelow = below[i] as number[]
      if (right === undefined) {
        next.push(left)
        nextBelow.push(leftBelow)
        continue
      }
      const rightBelow = below[i + 1] as number[]
      for (const leaf of leftBelow) (proofs[leaf] as Uint8Array[]).push(right)
      for (const leaf of rightBelow) (proofs[leaf] as Uint8Array[]).push(left)
      next.push(hashPair(left, right))
      nextBelow.push(leftBelow.concat(rightBelow))
    }
    level = next
    below = nextBelow
  }
  return { root: level[0] as Uint8Array, proofs }
}
