/**
 * The shared operator-signature vectors (answer-signatures.json): batches of answers signed by the
 * adapter's own batch signer (adapter/src/signing/batch-signature.ts) with a public test key, each
 * answer with its leaf, proof and the batch's one signature. Read by the protocol, adapter and
 * don-core tests and by the forge test of contracts/libraries/AnswerVerifier.sol, so the adapter,
 * both DON transports and a contract are held to the same bytes. Signing is deterministic
 * (RFC 6979), so a fresh build equals the committed file (a jest test checks it).
 *
 *   node --import tsx test/vectors/answer-signatures.ts     # rewrites answer-signatures.json
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { computeAddress, SigningKey } from 'ethers'

import { signBatch } from '../../adapter/src/signing/batch-signature'
import {
  BATCH_TYPE_HASH_HEX,
  DOMAIN_SEPARATOR_HEX,
  TYPE_HASH_HEX,
  merkleTree,
  toHex,
  inferenceLeaf,
  type InferenceMessage,
} from '../../protocol/answer-digest'

/** A public test key (anvil's account 2): never used for value. */
export const VECTOR_SIGNER_KEY =
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a'

export interface AnswerVector {
  /** Which batch the answer belongs to, and its index there. */
  batch: string
  index: number
  modelHash: string
  manifestHash: string
  inputHash: string
  /** Decimal. */
  result: string
  jobRunId: string
  leaf: string
  proof: string[]
  signature: string
}

export interface AnswerSignatureVectors {
  generatedBy: string
  signer: string
  domainSeparator: string
  typeHash: string
  batchTypeHash: string
  /** Batch name -> its size and Merkle root. */
  batches: Record<string, { size: number; root: string }>
  answers: AnswerVector[]
}

export const ANSWER_SIGNATURES_PATH = join(__dirname, 'answer-signatures.json')

const MAX_UINT256 = (1n << 256n) - 1n
const hash = (seed: number, fill: string): string =>
  `0x${seed.toString(16).padStart(8, '0')}${fill.repeat(28)}`

/** The i-th answer of batch `b`: distinct fields, with edge values (0, 2^256 - 1, '', non-ASCII). */
function message(b: number, i: number): InferenceMessage {
  const k = b * 100 + i
  const results = [0n, 7250n, MAX_UINT256, 10n ** 30n + BigInt(k)]
  const runs = ['', 'fn-0123456789abcdef', 'cre-fedcba9876543210', `job-${k}-üé`]
  return {
    modelHash: hash(k, 'ab'),
    manifestHash: hash(k, 'cd'),
    inputHash: hash(k, 'ef'),
    result: results[k % results.length] as bigint,
    jobRunId: runs[k % runs.length] as string,
  }
}

/** Batches of 1 (a plain signature), 2, 3 (an odd node carried up), 5 and 8 answers. */
const BATCH_SIZES = [1, 2, 3, 5, 8]

export function buildAnswerSignatureVectors(): AnswerSignatureVectors {
  const key = Buffer.from(VECTOR_SIGNER_KEY.slice(2), 'hex')
  const batches: AnswerSignatureVectors['batches'] = {}
  const answers: AnswerVector[] = []
  BATCH_SIZES.forEach((size, b) => {
    const name = size === 1 ? 'single' : `batch-of-${size}`
    const items = Array.from({ length: size }, (_, i) => message(b, i))
    const signed = signBatch(items, key)
    batches[name] = { size, root: toHex(merkleTree(items.map(inferenceLeaf)).root) }
    items.forEach((m, index) => {
      answers.push({
        batch: name,
        index,
        modelHash: m.modelHash,
        manifestHash: m.manifestHash,
        inputHash: m.inputHash,
        result: m.result.toString(),
        jobRunId: m.jobRunId,
        leaf: signed.leaves[index] as string,
        proof: JSON.parse(signed.proofs[index] as string) as string[],
        signature: signed.signature,
      })
    })
  })
  return {
    generatedBy: 'node --import tsx test/vectors/answer-signatures.ts',
    signer: computeAddress(new SigningKey(VECTOR_SIGNER_KEY).publicKey),
    domainSeparator: DOMAIN_SEPARATOR_HEX,
    typeHash: TYPE_HASH_HEX,
    batchTypeHash: BATCH_TYPE_HASH_HEX,
    batches,
    answers,
  }
}

/** The committed vectors. */
export function loadAnswerSignatureVectors(): AnswerSignatureVectors {
  return JSON.parse(readFileSync(ANSWER_SIGNATURES_PATH, 'utf8')) as AnswerSignatureVectors
}

/** The vector's signed fields as the protocol code takes them. */
export function vectorMessage(v: AnswerVector): InferenceMessage {
  return {
    modelHash: v.modelHash,
    manifestHash: v.manifestHash,
    inputHash: v.inputHash,
    result: BigInt(v.result),
    jobRunId: v.jobRunId,
  }
}

/** The file's text: JSON formatted as `npm run lint` (prettier --check) expects. */
export async function answerSignaturesText(): Promise<string> {
  const prettier = await import('prettier')
  const options = (await prettier.resolveConfig(ANSWER_SIGNATURES_PATH)) ?? {}
  return prettier.format(JSON.stringify(buildAnswerSignatureVectors()), {
    ...options,
    filepath: ANSWER_SIGNATURES_PATH,
  })
}

if (require.main === module) {
  answerSignaturesText()
    .then((text) => {
      writeFileSync(ANSWER_SIGNATURES_PATH, text)
      process.stdout.write(`wrote ${ANSWER_SIGNATURES_PATH}\n`)
    })
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
      process.exitCode = 1
    })
}
