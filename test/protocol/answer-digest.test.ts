import { TypedDataEncoder } from 'ethers'

import {
  DOMAIN_SEPARATOR_HEX,
  EIP712_DOMAIN,
  INFERENCE_TYPES,
  TYPE_HASH_HEX,
  Uint256RangeError,
  inferenceDigest,
  uint256Hex,
  type InferenceMessage,
} from '../../protocol/answer-digest'

const MESSAGE: InferenceMessage = {
  modelHash: `0x${'ab'.repeat(32)}`,
  inputHash: `0x${'cd'.repeat(32)}`,
  result: 7250n,
  jobRunId: 'job-éü-42',
}

describe('EIP-712 answer digest', () => {
  it('the hand-built digest equals ethers TypedDataEncoder.hash', () => {
    for (const msg of [
      MESSAGE,
      { ...MESSAGE, result: 0n, jobRunId: '' },
      { ...MESSAGE, result: (1n << 256n) - 1n },
      { ...MESSAGE, jobRunId: 'fn-0123456789abcdef' },
    ]) {
      expect(inferenceDigest(msg)).toBe(TypedDataEncoder.hash(EIP712_DOMAIN, INFERENCE_TYPES, msg))
    }
  })

  it('domain separator and type hash are those of docs/protocol.md', () => {
    expect(DOMAIN_SEPARATOR_HEX).toBe(
      TypedDataEncoder.hashDomain({ name: 'onnx-oracle', version: '1' }),
    )
    expect(TypedDataEncoder.from(INFERENCE_TYPES).encodeType('Inference')).toBe(
      'Inference(bytes32 modelHash,bytes32 inputHash,uint256 result,string jobRunId)',
    )
    expect(TYPE_HASH_HEX).toMatch(/^0x[0-9a-f]{64}$/)
  })

  it('refuses results that are not uint256 with a typed error', () => {
    expect(() => inferenceDigest({ ...MESSAGE, result: -1n })).toThrow(Uint256RangeError)
    expect(() => uint256Hex(1n << 256n)).toThrow(/not a uint256/)
    expect(uint256Hex(255n)).toBe(`${'0'.repeat(62)}ff`)
  })
})
