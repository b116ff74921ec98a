/**
 * Unit tests of the DON-side core (don-core/inference-core.ts), the one module both transports run:
 * the result and CRE payload encodings match the shared vectors and ethers' AbiCoder, the EIP-712
 * digest and signature recovery agree with ethers, every drop and refusal rule holds, including
 * the strict-majority quorum rule and the refusal of duplicate adapters (issue 13.6).
 * The same code runs end to end through simulateScript (test/functions-source) and the CRE SDK's
 * test runtime (test/cre-workflow, under bun).
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { secp256k1 } from '@noble/curves/secp256k1'
import { keccak_256 } from '@noble/hashes/sha3'
import { sha256 } from '@noble/hashes/sha256'
import canonicalize from 'canonicalize'
import { AbiCoder, TypedDataEncoder, Wallet, getBytes, hexlify } from 'ethers'
import ts from 'typescript'

import {
  AdapterConfigError,
  CRE_PAYLOAD_BYTES,
  InferenceRequestError,
  MAX_UINT256,
  QuorumError,
  RESULT_BYTES,
  adapterUrlKey,
  aggregate,
  canonicalJson,
  checkImageInput,
  checkJobInput,
  checkQuorumRule,
  checkTabularInput,
  cryptoFromNoble,
  decideQuorum,
  encodeCrePayload,
  encodeResult,
  answerDigest,
  inferenceDigest,
  inferenceLeaf,
  jobRunIdFor,
  MAX_PROOF_LENGTH,
  SECP256K1_HALF_ORDER,
  judgeAnswer,
  judgeRound,
  parseAdapters,
  parseInferenceRequest,
  planRound,
  recoverSigner,
  verdictLine,
  type AdapterReply,
  type InferenceRequest,
} from '../../don-core/inference-core'
import {
  answerDigest as protocolAnswerDigest,
  inferenceDigest as protocolDigest,
  inferenceLeaf as protocolLeaf,
  merkleTree,
} from '../../protocol/answer-digest'
import { canonicalJson as protocolCanonicalJson } from '../../protocol/canonical-json'
import { encodeCrePayload as protocolCrePayload } from '../../protocol/cre-payload'
import { decodeInferenceResult, encodeInferenceResult } from '../../protocol/inference-result'
import { tabularInputHash } from '../../protocol/input-hash'
import { functionsJobRunId } from '../../protocol/job-run-id'
import { CRE_LABELS } from '../../cre-workflow/onnx-inference/node-round'
import { REPO_ROOT } from '../../script/local/repo-root'
import { RESULT_LAYOUT_VECTORS as VECTORS, vectorFields } from '../vectors/result-layout'
import {
  loadAnswerSignatureVectors,
  vectorMessage,
  type AnswerVector,
} from '../vectors/answer-signatures'

const crypto = cryptoFromNoble({ secp256k1, keccak_256, sha256 })
const MODEL_HASH = '0x' + 'ab'.repeat(32)
const INPUT_HASH = '0x' + 'cd'.repeat(32)
const MANIFEST_HASH = '0x' + '12'.repeat(32)
/** The ten fields of a CRE report payload: a risk-v1 answer, 2 of 3 adapters agreeing. */
const CRE_FIELDS = {
  requestId: '0x' + '01'.repeat(32),
  client: '0x' + 'ee'.repeat(20),
  modelId: '0x' + Buffer.from('risk-v1').toString('hex').padEnd(64, '0'),
  requestedInputHash: INPUT_HASH,
  result: 7250n,
  modelHash: MODEL_HASH,
  inputHash: INPUT_HASH,
  responded: 3,
  agreed: 2,
  observedAt: 1_764_000_000n,
}
const EIP712_DOMAIN = { name: 'onnx-oracle', version: '2' }
const EIP712_TYPES = {
  Inference: [
    { name: 'modelHash', type: 'bytes32' },
    { name: 'manifestHash', type: 'bytes32' },
    { name: 'inputHash', type: 'bytes32' },
    { name: 'result', type: 'uint256' },
    { name: 'jobRunId', type: 'string' },
  ],
}
const BATCH_TYPES = { InferenceBatch: [{ name: 'root', type: 'bytes32' }] }
/** secp256k1 group order. */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

/** The high-s twin of a low-s 65-byte signature: s -> n - s, v flipped (the same signer). */
function highS(signature: string): string {
  const s = BigInt('0x' + signature.slice(66, 130))
  const v = parseInt(signature.slice(130), 16)
  return (
    signature.slice(0, 66) +
    (SECP256K1_N - s).toString(16).padStart(64, '0') +
    (v === 27 ? '1c' : '1b')
  )
}
const OPERATOR = new Wallet('0x' + '11'.repeat(32))
const OTHER = new Wallet('0x' + '22'.repeat(32))

function request(overrides: Partial<InferenceRequest> = {}): InferenceRequest {
  return {
    modelId: 'risk-v1',
    modelHash: MODEL_HASH,
    inputHash: INPUT_HASH,
    input: { features: { a: 1 } },
    threshold: 2,
    tolerance: 0n,
    ...overrides,
  }
}

describe('the module', () => {
  const text = readFileSync(join(REPO_ROOT, 'don-core', 'inference-core.ts'), 'utf8')
  const source = ts.createSourceFile('core.ts', text, ts.ScriptTarget.ES2022, true)

  it('has no imports and declares only (no top-level side effects)', () => {
    for (const statement of source.statements) {
      expect(ts.isImportDeclaration(statement) || ts.isImportEqualsDeclaration(statement)).toBe(
        false,
      )
      const declaration =
        ts.isFunctionDeclaration(statement) ||
        ts.isClassDeclaration(statement) ||
        ts.isInterfaceDeclaration(statement) ||
        ts.isTypeAliasDeclaration(statement) ||
        (ts.isVariableStatement(statement) &&
          (statement.declarationList.flags & ts.NodeFlags.Const) !== 0)
      expect(declaration).toBe(true)
    }
    expect(text).not.toMatch(/\bimport\s*\(|\brequire\s*\(/)
  })

  it('reads no clock and no environment', () => {
    expect(text).not.toMatch(/Date\.now|new Date|process\.|Math\.random|setTimeout|fetch\(/)
  })
})

describe('encodeResult', () => {
  it.each(VECTORS.map((v) => [v.name, v] as const))('matches the shared vector: %s', (_, v) => {
    const encoded = encodeResult(vectorFields(v))
    expect(encoded.length).toBe(RESULT_BYTES)
    expect(hexlify(encoded)).toBe(v.encoded)
    expect(decodeInferenceResult(v.encoded).result).toBe(BigInt(v.result))
  })

  it('refuses values that do not fit their ABI types', () => {
    const fields = {
      result: 1n,
      modelHash: MODEL_HASH,
      inputHash: INPUT_HASH,
      responded: 3,
      agreed: 2,
      observedAt: 1n,
    }
    expect(() => encodeResult({ ...fields, result: MAX_UINT256 + 1n })).toThrow(/fit/)
    expect(() => encodeResult({ ...fields, responded: 256 })).toThrow(/fit/)
    expect(() => encodeResult({ ...fields, observedAt: 1n << 64n })).toThrow(/fit/)
    expect(() => encodeResult({ ...fields, modelHash: '0x12' })).toThrow(/modelHash/)
  })
})

describe('encodeCrePayload', () => {
  const fields = CRE_FIELDS

  it('equals abi.encode of the ten DESIGN.md fields (ethers AbiCoder)', () => {
    const encoded = hexlify(encodeCrePayload(fields))
    const expected = AbiCoder.defaultAbiCoder().encode(
      [
        'bytes32',
        'address',
        'bytes32',
        'bytes32',
        'uint256',
        'bytes32',
        'bytes32',
        'uint8',
        'uint8',
        'uint64',
      ],
      [
        fields.requestId,
        fields.client,
        fields.modelId,
        fields.requestedInputHash,
        fields.result,
        fields.modelHash,
        fields.inputHash,
        fields.responded,
        fields.agreed,
        fields.observedAt,
      ],
    )
    expect(encoded).toBe(expected)
    expect((encoded.length - 2) / 2).toBe(CRE_PAYLOAD_BYTES)
  })

  it('ends with the 192-byte InferenceResult layout', () => {
    const encoded = encodeCrePayload(fields)
    expect(hexlify(encoded.subarray(128))).toBe(hexlify(encodeResult(fields)))
  })

  it('refuses a client that is not an address', () => {
    expect(() => encodeCrePayload({ ...fields, client: '0x1234' })).toThrow(/client/)
  })
})

describe('EIP-712 operator signature (version 2)', () => {
  const fields = (result: bigint, jobRunId: string) => ({
    modelHash: MODEL_HASH,
    manifestHash: MANIFEST_HASH,
    inputHash: INPUT_HASH,
    result,
    jobRunId,
  })

  it.each([0n, 7250n, MAX_UINT256])('digest equals ethers TypedDataEncoder for %s', (result) => {
    const message = fields(result, jobRunIdFor('fn-', INPUT_HASH))
    expect(hexlify(inferenceDigest(crypto, message))).toBe(
      TypedDataEncoder.hash(EIP712_DOMAIN, EIP712_TYPES, message),
    )
    expect(hexlify(inferenceLeaf(crypto, message))).toBe(
      TypedDataEncoder.from(EIP712_TYPES).hash(message),
    )
  })

  it('the digest of a proof is that of InferenceBatch(root), the root folded as OpenZeppelin does', () => {
    const leaf = inferenceLeaf(crypto, fields(1n, 'a'))
    const sibling = inferenceLeaf(crypto, fields(2n, 'b'))
    const [lo, hi] = hexlify(leaf) < hexlify(sibling) ? [leaf, sibling] : [sibling, leaf]
    const root = hexlify(keccak_256(new Uint8Array([...lo, ...hi])))
    expect(hexlify(answerDigest(crypto, leaf, [sibling]))).toBe(
      TypedDataEncoder.hash(EIP712_DOMAIN, BATCH_TYPES, { root }),
    )
    expect(hexlify(answerDigest(crypto, sibling, [leaf]))).toBe(
      hexlify(answerDigest(crypto, leaf, [sibling])),
    )
  })

  it('recovers the signer of an ethers signTypedData signature, and only that', async () => {
    const message = fields(7250n, jobRunIdFor('cre-', INPUT_HASH))
    const signature = await OPERATOR.signTypedData(EIP712_DOMAIN, EIP712_TYPES, message)
    const digest = inferenceDigest(crypto, message)
    expect(recoverSigner(crypto, digest, signature)).toBe(OPERATOR.address.toLowerCase())
    const other = inferenceDigest(crypto, { ...message, result: 7251n })
    expect(recoverSigner(crypto, other, signature)).not.toBe(OPERATOR.address.toLowerCase())
    expect(recoverSigner(crypto, digest, signature.slice(0, -2) + '1d')).toBeUndefined()
    expect(recoverSigner(crypto, digest, '0x1234')).toBeUndefined()
    expect(recoverSigner(crypto, digest, 42)).toBeUndefined()
  })

  it('refuses the high-s twin of a valid signature (malleability), which ecrecover would accept', async () => {
    const message = fields(7250n, 'job')
    const signature = await OPERATOR.signTypedData(EIP712_DOMAIN, EIP712_TYPES, message)
    const digest = inferenceDigest(crypto, message)
    const twin = highS(signature)
    // The twin is a valid ECDSA signature by the same key: plain recovery finds the operator.
    const s = secp256k1.Signature.fromCompact(getBytes(twin).subarray(0, 64)).addRecoveryBit(
      parseInt(twin.slice(130), 16) - 27,
    )
    const raw = s.recoverPublicKey(digest).toRawBytes(false)
    expect(hexlify(keccak_256(raw.subarray(1)).subarray(12))).toBe(OPERATOR.address.toLowerCase())
    expect(recoverSigner(crypto, digest, twin)).toBeUndefined()
    expect(SECP256K1_HALF_ORDER).toBe(SECP256K1_N / 2n)
  })

  it('derives the job run id from a transport prefix and the input hash', () => {
    expect(jobRunIdFor('fn-', INPUT_HASH)).toBe('fn-' + 'cd'.repeat(8))
    expect(jobRunIdFor('cre-', INPUT_HASH)).toBe('cre-' + 'cd'.repeat(8))
  })
})

describe('the shared signature vectors (test/vectors/answer-signatures.json)', () => {
  const vectors = loadAnswerSignatureVectors()
  const signer = vectors.signer.toLowerCase()
  const judgeVector = (v: AnswerVector, data: Record<string, unknown> = {}) =>
    judgeAnswer(
      crypto,
      request({ modelHash: v.modelHash, inputHash: v.inputHash }),
      { url: 'http://a', signer },
      v.jobRunId,
      {
        body: {
          data: {
            result: v.result,
            modelHash: v.modelHash,
            manifestHash: v.manifestHash,
            inputHash: v.inputHash,
            signer: vectors.signer,
            signature: v.signature,
            leaf: v.leaf,
            proof: v.proof,
            ...data,
          },
        },
      },
    )

  it('every answer of every batch is accepted alone, with its own proof', () => {
    expect(vectors.answers.length).toBeGreaterThan(10)
    for (const v of vectors.answers) {
      expect(hexlify(inferenceLeaf(crypto, vectorMessage(v)))).toBe(v.leaf)
      expect(judgeVector(v)).toEqual({ result: BigInt(v.result) })
      // The leaf an answer carries is never read: the core recomputes it.
      expect(judgeVector(v, { leaf: undefined })).toEqual({ result: BigInt(v.result) })
      expect(judgeVector(v, { leaf: MANIFEST_HASH })).toEqual({ result: BigInt(v.result) })
    }
  })

  it('refuses a proof lent by another answer, a changed proof or field, a high-s signature', () => {
    const batch = vectors.answers.filter((v) => v.batch === 'batch-of-5')
    const [a, b] = batch as [AnswerVector, AnswerVector]
    const refused = 'signature does not recover to the configured signer'
    expect(judgeVector(a, { proof: b.proof })).toEqual({ reason: refused })
    const flipped = a.proof.map((p, i) =>
      i === 0 ? '0x' + (p[2] === 'f' ? '0' : 'f') + p.slice(3) : p,
    )
    expect(judgeVector(a, { proof: flipped })).toEqual({ reason: refused })
    expect(judgeVector(a, { proof: a.proof.slice(1) })).toEqual({ reason: refused })
    expect(judgeVector(a, { proof: [] })).toEqual({ reason: refused })
    expect(judgeVector(a, { proof: [...a.proof, a.leaf] })).toEqual({ reason: refused })
    expect(judgeVector(a, { signature: highS(a.signature) })).toEqual({ reason: refused })
    // Another manifest hash, or a batch mate's result and leaf, does not pass.
    expect(judgeVector(a, { manifestHash: MANIFEST_HASH })).toEqual({ reason: refused })
    expect(judgeVector(a, { result: b.result, leaf: b.leaf })).toEqual({ reason: refused })
    // A batch of one: a plain signature, refused with a proof added or in its high-s form.
    const single = vectors.answers.find((v) => v.batch === 'single') as AnswerVector
    expect(judgeVector(single)).toEqual({ result: BigInt(single.result) })
    expect(judgeVector(single, { proof: [a.leaf] })).toEqual({ reason: refused })
    expect(judgeVector(single, { signature: highS(single.signature) })).toEqual({ reason: refused })
  })

  it.each([
    ['no manifest hash', { manifestHash: undefined }, 'no manifest hash'],
    ['a short manifest hash', { manifestHash: '0x12' }, 'no manifest hash'],
    ['no proof', { proof: undefined }, /proof is not a list/],
    ['a proof that is not a list', { proof: '0x' + '00'.repeat(32) }, /proof is not a list/],
    ['a proof of non-hashes', { proof: ['0x1234'] }, /proof is not a list/],
    [
      'a proof past MAX_PROOF_LENGTH',
      { proof: Array.from({ length: MAX_PROOF_LENGTH + 1 }, () => '0x' + '00'.repeat(32)) },
      /at most 16 hashes/,
    ],
  ])('drops a signed answer with %s', (_, data, reason) => {
    const v = vectors.answers[0] as AnswerVector
    const verdict = judgeVector(v, data)
    expect('reason' in verdict && verdict.reason).toMatch(reason)
  })
})

describe('judgeAnswer', () => {
  const jobRunId = jobRunIdFor('fn-', INPUT_HASH)
  const answer = (data: Record<string, unknown>): AdapterReply => ({
    body: { jobRunID: jobRunId, statusCode: 200, result: data.result, data },
  })
  const honest = { result: '7250', modelHash: MODEL_HASH, inputHash: INPUT_HASH }

  it('accepts an unsigned answer when no signer is configured (hashes compared case-blind)', () => {
    const upper = { ...honest, modelHash: MODEL_HASH.toUpperCase().replace('0X', '0x') }
    expect(judgeAnswer(crypto, request(), { url: 'http://a' }, jobRunId, answer(upper))).toEqual({
      result: 7250n,
    })
  })

  it.each([
    ['a failed request', { failed: '500' }, /request failed \(500\)/],
    ['a body without data', { body: { result: '1' } }, /no data object/],
    ['a body that is not JSON', { body: undefined }, /no data object/],
    ['a different model hash', answer({ ...honest, modelHash: INPUT_HASH }), /model hash/],
    ['a different input hash', answer({ ...honest, inputHash: MODEL_HASH }), /input hash/],
    ['a fractional result', answer({ ...honest, result: '72.5' }), /unsigned integer/],
    ['a negative result', answer({ ...honest, result: '-1' }), /unsigned integer/],
    ['a numeric result', answer({ ...honest, result: 7250 }), /unsigned integer/],
    ['a leading zero', answer({ ...honest, result: '07250' }), /unsigned integer/],
    ['a result past uint256', answer({ ...honest, result: (1n << 256n).toString() }), /uint256/],
  ])('drops %s', (_, reply, reason) => {
    const verdict = judgeAnswer(crypto, request(), { url: 'http://a' }, jobRunId, reply)
    expect('result' in verdict).toBe(false)
    expect(verdictLine(2, verdict)).toMatch(reason)
  })

  it('with a signer configured, accepts only answers that key signed for this job run id', async () => {
    const sign = (result: bigint, id = jobRunId) =>
      OPERATOR.signTypedData(EIP712_DOMAIN, EIP712_TYPES, {
        modelHash: MODEL_HASH,
        manifestHash: MANIFEST_HASH,
        inputHash: INPUT_HASH,
        result,
        jobRunId: id,
      })
    const signature = await sign(7250n)
    const signed = { ...honest, manifestHash: MANIFEST_HASH, proof: [] }
    const judge = (signer: string, data: Record<string, unknown>) =>
      judgeAnswer(crypto, request(), { url: 'http://a', signer }, jobRunId, answer(data))
    const signer = OPERATOR.address.toLowerCase()
    expect(judge(signer, { ...signed, signature })).toEqual({ result: 7250n })
    expect(judge(OTHER.address.toLowerCase(), { ...signed, signature })).toEqual({
      reason: 'signature does not recover to the configured signer',
    })
    expect(judge(signer, { ...signed, result: '9999', signature })).toHaveProperty('reason')
    expect(judge(signer, signed)).toHaveProperty('reason')
    // The manifest hash is signed: another manifest, another digest.
    expect(
      judge(signer, { ...signed, manifestHash: '0x' + '13'.repeat(32), signature }),
    ).toHaveProperty('reason')
    const otherRun = await sign(7250n, 'cre-' + 'cd'.repeat(8))
    expect(judge(signer, { ...signed, signature: otherRun })).toHaveProperty('reason')
  })
})

describe('aggregate and decideQuorum', () => {
  it('takes the median of an odd count and counts the exact matches', () => {
    expect(aggregate([7250n, 1n, 7250n], 0n)).toEqual({ median: 7250n, agreed: 2 })
  })

  it('takes the lower median of an even count', () => {
    expect(aggregate([40n, 10n, 30n, 20n], 0n)).toEqual({ median: 20n, agreed: 1 })
  })

  it('counts answers within the tolerance on both sides', () => {
    expect(aggregate([95n, 100n, 105n, 106n, 200n], 5n)).toEqual({ median: 105n, agreed: 3 })
  })

  it('orders results past 2^53 exactly', () => {
    const big = 1n << 200n
    expect(aggregate([big + 1n, big, big + 2n], 0n)).toEqual({ median: big + 1n, agreed: 1 })
  })

  it('meets the quorum with enough agreeing answers and reports the counts', () => {
    const verdicts = [{ result: 5n }, { reason: 'x' }, { result: 5n }]
    expect(decideQuorum(request(), 3, verdicts)).toEqual({ result: 5n, responded: 2, agreed: 2 })
  })

  it('throws QuorumError with the counts when too few agree, or none is valid', () => {
    const split = [{ result: 1n }, { result: 2n }, { result: 3n }]
    expect(() => decideQuorum(request(), 3, split)).toThrow(
      'quorum not met: 1 of 3 adapters agree, threshold 2 (3 valid)',
    )
    try {
      decideQuorum(request(), 3, split)
    } catch (error) {
      expect(error).toBeInstanceOf(QuorumError)
      expect((error as QuorumError).valid).toBe(3)
      expect((error as QuorumError).agreed).toBe(1)
    }
    expect(() => decideQuorum(request(), 3, [{ reason: 'a' }, { reason: 'b' }])).toThrow(
      'no valid answer from 3 adapters',
    )
  })
})

describe('parseInferenceRequest', () => {
  const raw = {
    modelId: 'risk-v1',
    modelHash: MODEL_HASH.toUpperCase().replace('0X', '0x'),
    inputHash: INPUT_HASH,
    input: JSON.stringify({ features: { a: 1 } }),
    threshold: 2,
    tolerance: 0n,
  }

  it('returns typed, lower-cased values from numbers, bigints or strings', () => {
    const expected = request()
    expect(parseInferenceRequest(raw, CRE_LABELS)).toEqual(expected)
    expect(parseInferenceRequest({ ...raw, threshold: '2', tolerance: '0' }, CRE_LABELS)).toEqual(
      expected,
    )
    expect(parseInferenceRequest({ ...raw, tolerance: 7 }, CRE_LABELS).tolerance).toBe(7n)
  })

  it.each([
    ['an empty model id', { modelId: '' }, /modelId must be a model id/],
    ['a 32-character model id', { modelId: 'm'.repeat(32) }, /modelId/],
    ['a model id with a control character', { modelId: 'risk\n' }, /modelId/],
    ['a short model hash', { modelHash: '0x1234' }, /modelHash must be a model hash/],
    ['a non-hex input hash', { inputHash: '0x' + 'zz'.repeat(32) }, /inputHash/],
    ['input that is not JSON', { input: '{features' }, /input is not valid JSON/],
    ['input that is an array', { input: '[]' }, /input must be a JSON object/],
    ['input naming the model', { input: '{"model":"x"}' }, /must not contain "model"/],
    ['a zero threshold', { threshold: 0 }, /threshold must be a threshold from 1 to 5/],
    ['a threshold of 6', { threshold: 6 }, /threshold/],
    ['a fractional threshold', { threshold: 1.5 }, /threshold/],
    ['a threshold string with a sign', { threshold: '+2' }, /threshold/],
    ['a negative tolerance', { tolerance: -1n }, /tolerance must be a tolerance/],
    ['a fractional tolerance', { tolerance: '0.5' }, /tolerance/],
    ['a tolerance past uint256', { tolerance: MAX_UINT256 + 1n }, /tolerance/],
  ])('refuses %s', (_, override, message) => {
    expect(() => parseInferenceRequest({ ...raw, ...override }, CRE_LABELS)).toThrow(message)
    expect(() => parseInferenceRequest({ ...raw, ...override }, CRE_LABELS)).toThrow(
      InferenceRequestError,
    )
  })
})

describe('parseAdapters', () => {
  const secret = (list: unknown) => JSON.stringify(list)
  const signer = OPERATOR.address

  it('accepts 1 to 5 adapters with optional key and signer, lower-casing signers', () => {
    expect(
      parseAdapters(
        secret([{ url: 'https://a.example' }, { url: 'http://b', apiKey: 'k', signer }]),
      ),
    ).toEqual({
      adapters: [
        { url: 'https://a.example' },
        { url: 'http://b', apiKey: 'k', signer: signer.toLowerCase() },
      ],
      warnings: [expect.stringMatching(/^ADAPTERS\[0\] has no signer: .*byzantine guarantee/)],
    })
  })

  it('warns once per adapter without a signer, and not at all when every adapter has one', () => {
    const unsigned = parseAdapters(secret([{ url: 'http://a' }, { url: 'http://b' }]))
    expect(unsigned.warnings).toHaveLength(2)
    const signed = parseAdapters(
      secret([
        { url: 'http://a', signer },
        { url: 'http://b', signer: OTHER.address },
      ]),
    )
    expect(signed.warnings).toEqual([])
  })

  it.each([
    ['no secret', undefined, /ADAPTERS is missing/],
    ['invalid JSON', '[{', /not valid JSON/],
    ['an empty list', secret([]), /1 to 5 adapters/],
    [
      'six adapters',
      secret(Array.from({ length: 6 }, (_, i) => ({ url: `http://a${i}` }))),
      /1 to 5/,
    ],
    ['a non-http URL', secret([{ url: 'ftp://a' }]), /ADAPTERS\[0\]\.url/],
    ['an entry that is an array', secret([[]]), /ADAPTERS\[0\] must be an object/],
    ['a numeric API key', secret([{ url: 'http://a', apiKey: 5 }]), /ADAPTERS\[0\]\.apiKey/],
    ['a bad signer', secret([{ url: 'http://a', signer: '0x12' }]), /ADAPTERS\[0\]\.signer/],
    [
      'the same URL twice',
      secret([{ url: 'http://a:8080/' }, { url: 'http://b' }, { url: 'http://a:8080' }]),
      'secret ADAPTERS[2].url repeats ADAPTERS[0].url',
    ],
    [
      'the same URL in another case and with the default port',
      secret([{ url: 'https://Adapter.example:443/ea/' }, { url: 'https://adapter.example/ea' }]),
      'secret ADAPTERS[1].url repeats ADAPTERS[0].url',
    ],
    [
      'the same signer twice (one operator behind two URLs)',
      secret([
        { url: 'http://a', signer },
        { url: 'http://b', signer: signer.toLowerCase() },
      ]),
      'secret ADAPTERS[1].signer repeats ADAPTERS[0].signer',
    ],
  ])('refuses %s', (_, value, message) => {
    expect(() => parseAdapters(value)).toThrow(message)
    expect(() => parseAdapters(value)).toThrow(AdapterConfigError)
  })

  it('tells different paths and ports apart', () => {
    expect(adapterUrlKey('http://a:8080/x')).not.toBe(adapterUrlKey('http://a:8081/x'))
    expect(adapterUrlKey('http://a/x')).not.toBe(adapterUrlKey('http://a/y'))
    expect(adapterUrlKey('http://A:80//')).toBe(adapterUrlKey('http://a'))
  })

  it('never quotes a secret value in its errors (they can go on-chain)', () => {
    const key = 'sk-very-secret-key'
    for (const bad of [
      secret([{ url: `ftp://${key}`, apiKey: key }]),
      secret([{ url: `http://${key}` }, { url: `http://${key}/` }]),
    ]) {
      expect(() => parseAdapters(bad)).toThrow(AdapterConfigError)
      try {
        parseAdapters(bad)
      } catch (error) {
        expect((error as Error).message).not.toContain(key)
      }
    }
  })
})

describe('the quorum rule: a strict majority of the configured adapters', () => {
  it.each([
    [1, 1],
    [2, 2],
    [2, 3],
    [3, 4],
    [3, 5],
    [5, 5],
  ])('accepts threshold %i of %i adapters', (threshold, adapters) => {
    expect(() => checkQuorumRule(threshold, adapters)).not.toThrow()
  })

  it.each([
    [1, 2, 'threshold 1 is not a strict majority of the 2 adapters (needs at least 2)'],
    [1, 3, 'threshold 1 is not a strict majority of the 3 adapters (needs at least 2)'],
    [2, 4, 'threshold 2 is not a strict majority of the 4 adapters (needs at least 3)'],
    [2, 5, 'threshold 2 is not a strict majority of the 5 adapters (needs at least 3)'],
    [3, 2, 'threshold 3 exceeds the 2 adapters'],
  ])('refuses threshold %i of %i adapters', (threshold, adapters, message) => {
    expect(() => checkQuorumRule(threshold, adapters)).toThrow(message)
  })

  it('is checked when a round is planned', () => {
    const adapters = [{ url: 'http://a' }, { url: 'http://b' }, { url: 'http://c' }]
    expect(() =>
      planRound(request({ threshold: 1 }), adapters, { jobRunIdPrefix: 'x-', maxBodyBytes: 2048 }),
    ).toThrow(/strict majority/)
  })
})

describe('planRound and judgeRound', () => {
  const adapters = [{ url: 'http://a', apiKey: 'key-a' }, { url: 'http://b' }, { url: 'http://c' }]

  it('sends every adapter the same body, with its own API key header', () => {
    const plan = planRound(request(), adapters, { jobRunIdPrefix: 'cre-', maxBodyBytes: 2048 })
    expect(plan.jobRunId).toBe('cre-' + 'cd'.repeat(8))
    expect(JSON.parse(plan.bodyText)).toEqual({
      id: plan.jobRunId,
      data: { features: { a: 1 }, model: 'risk-v1' },
    })
    expect(plan.headers).toEqual([
      { 'content-type': 'application/json', 'x-api-key': 'key-a' },
      { 'content-type': 'application/json' },
      { 'content-type': 'application/json' },
    ])
  })

  it('refuses a body over the transport limit', () => {
    const big = request({ input: { features: { text: 'x'.repeat(3000) } } })
    expect(() => planRound(big, adapters, { jobRunIdPrefix: 'fn-', maxBodyBytes: 2048 })).toThrow(
      /adapter request is \d+ bytes, over 2048/,
    )
  })

  it('judges replies in adapter order and refuses a reply count that does not match', () => {
    const plan = planRound(request(), adapters, { jobRunIdPrefix: 'fn-', maxBodyBytes: 2048 })
    const ok = {
      body: { data: { result: '3', modelHash: MODEL_HASH, inputHash: INPUT_HASH } },
    }
    expect(judgeRound(crypto, plan, [ok, { failed: '401' }, ok])).toEqual([
      { result: 3n },
      { reason: 'request failed (401)' },
      { result: 3n },
    ])
    expect(() => judgeRound(crypto, plan, [ok])).toThrow(/1 replies for 3 adapters/)
  })
})

describe('job input checks', () => {
  const features = {
    driver_age: 34,
    annual_mileage_km: 12000,
    ratio: 0.1,
    huge: 1e21,
    tiny: 5e-7,
    negative_zero: -0,
    ünïcode: 'ß',
    nested: { b: [1, 'two', null, true], a: false },
  }
  const canonicalHash =
    '0x' +
    createHash('sha256')
      .update(canonicalize(features) ?? '')
      .digest('hex')

  it('tabular: accepts the input hash RFC 8785 (canonicalize) gives, and only that', () => {
    const tabular = request({ input: { features }, inputHash: canonicalHash })
    expect(() => checkTabularInput(tabular, crypto, CRE_LABELS)).not.toThrow()
    expect(() => checkJobInput(tabular, crypto, CRE_LABELS)).not.toThrow()
    const other = request({
      input: { features: { ...features, driver_age: 35 } },
      inputHash: canonicalHash,
    })
    expect(() => checkTabularInput(other, crypto, CRE_LABELS)).toThrow(
      /inputHash is not the sha256 of the canonical features/,
    )
  })

  it('tabular: refuses input without a features object, or with more', () => {
    expect(() =>
      checkTabularInput(request({ input: { features: [1] } }), crypto, CRE_LABELS),
    ).toThrow('input must be {"features": {...}}')
    expect(() =>
      checkTabularInput(request({ input: { features, x: 1 } }), crypto, CRE_LABELS),
    ).toThrow('input must hold only "features"')
  })

  it('tabular by reference: accepts a plain reference, whatever the input hash', () => {
    // The DON never sees referenced features; the answers must name the request's input hash.
    for (const inputRef of ['quotes/0001', 'a', 'ns:q/2026-12/x_y.json', 'q'.repeat(128)]) {
      const byRef = request({ input: { inputRef }, inputHash: canonicalHash })
      expect(() => checkTabularInput(byRef, crypto, CRE_LABELS)).not.toThrow()
      expect(() => checkJobInput(byRef, crypto, CRE_LABELS)).not.toThrow()
    }
  })

  it.each([
    ['a path that climbs', { inputRef: '../secrets' }, /inputRef must be/],
    ['a dot segment', { inputRef: 'q/./x' }, /inputRef must be/],
    ['an empty segment', { inputRef: 'q//x' }, /inputRef must be/],
    ['a quote', { inputRef: 'q"x' }, /inputRef must be/],
    ['an empty reference', { inputRef: '' }, /inputRef must be/],
    ['a long reference', { inputRef: 'q'.repeat(129) }, /inputRef must be/],
    ['a number', { inputRef: 7 }, /inputRef must be/],
    ['features besides', { inputRef: 'q', features }, 'input must hold only "inputRef"'],
  ])('tabular by reference: refuses %s', (_, input, message) => {
    expect(() => checkTabularInput(request({ input }), crypto, CRE_LABELS)).toThrow(message)
  })

  it('image: accepts one image by URL or base64 whose sha256 is the input hash', () => {
    for (const image of [
      { url: 'https://x/a.png', sha256: INPUT_HASH },
      { base64: 'AAAA', sha256: INPUT_HASH.toUpperCase().replace('0X', '0x') },
    ]) {
      expect(() => checkImageInput(request({ input: { image } }), CRE_LABELS)).not.toThrow()
      expect(() => checkJobInput(request({ input: { image } }), crypto, CRE_LABELS)).not.toThrow()
    }
  })

  it.each([
    ['no image object', { image: 'x' }, /"image"/],
    [
      'both url and base64',
      { image: { url: 'u', base64: 'AA', sha256: INPUT_HASH } },
      /exactly one/,
    ],
    ['neither url nor base64', { image: { sha256: INPUT_HASH } }, /exactly one/],
    [
      'another sha256',
      { image: { url: 'u', sha256: MODEL_HASH } },
      'input.image.sha256 must equal inputHash',
    ],
    ['no sha256', { image: { url: 'u' } }, /must equal inputHash/],
    ['extra fields', { image: { url: 'u', sha256: INPUT_HASH }, other: 1 }, /only "image"/],
  ])('image: refuses %s', (_, input, message) => {
    expect(() => checkImageInput(request({ input }), CRE_LABELS)).toThrow(message)
  })

  it('checkJobInput refuses input that is neither tabular nor image', () => {
    expect(() => checkJobInput(request({ input: { text: 'hi' } }), crypto, CRE_LABELS)).toThrow(
      'input must hold "features" or "inputRef" (tabular models) or "image" (image models)',
    )
  })
})

describe('agrees with protocol/ (the same formats, written once for the Node side)', () => {
  // don-core runs on the DONs and imports nothing; protocol/ serves the adapter, scripts and
  // tests. They encode the same formats and must never drift apart.
  const features = { b: [1, 'two', null], a: 0.1, c: -0, d: 1e21, ü: 'ß' }
  const fields = {
    ...CRE_FIELDS,
    modelId: '0x' + Buffer.from('damage-v1').toString('hex').padEnd(64, '0'),
    result: 2n,
    agreed: 3,
  }

  it('the JCS text and the tabular input hash', () => {
    expect(canonicalJson(features)).toBe(protocolCanonicalJson(features))
    const tabular = request({ input: { features }, inputHash: tabularInputHash(features) })
    expect(() => checkTabularInput(tabular, crypto, CRE_LABELS)).not.toThrow()
  })

  it('the Functions job run id and the EIP-712 answer digest', () => {
    expect(jobRunIdFor('fn-', INPUT_HASH)).toBe(functionsJobRunId(INPUT_HASH))
    const message = {
      modelHash: MODEL_HASH,
      manifestHash: MANIFEST_HASH,
      inputHash: INPUT_HASH,
      result: 7250n,
      jobRunId: jobRunIdFor('cre-', INPUT_HASH),
    }
    expect(hexlify(inferenceDigest(crypto, message))).toBe(protocolDigest(message))
    const leaves = [1n, 2n, 3n].map((result) => protocolLeaf({ ...message, result }))
    const { proofs } = merkleTree(leaves)
    leaves.forEach((leaf, i) => {
      const proof = proofs[i] as Uint8Array[]
      expect(hexlify(answerDigest(crypto, leaf, proof))).toBe(
        hexlify(protocolAnswerDigest(leaf, proof)),
      )
    })
  })

  it('the InferenceResult and CRE payload layouts', () => {
    expect(hexlify(encodeResult(fields))).toBe(encodeInferenceResult(fields))
    expect(hexlify(encodeCrePayload(fields))).toBe(protocolCrePayload(fields))
  })
})
