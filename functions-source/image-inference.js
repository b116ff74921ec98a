/* global Functions, args, secrets, TextEncoder */
/*
 * onnx-oracle: image inference (Chainlink Functions source).
 *
 * Asks up to five onnx-oracle adapters, in parallel, to run the approved image model (e.g.
 * `damage-v1`) on one image, keeps only the answers that prove they used the requested model on
 * the requested image bytes (and, when a signer is configured, that the adapter's key signed them),
 * takes their median and returns it only if enough adapters agree. Formats: docs/protocol.md.
 *
 * args (all strings):
 *   [0] model id, at most 31 ASCII characters, e.g. "damage-v1"
 *   [1] expected model hash: sha256 of model.onnx, 0x + 64 hex (the registry's approved hash)
 *   [2] expected input hash: sha256 of the image file's bytes, 0x + 64 hex
 *   [3] adapter input: JSON of the request `data` fields besides `model`:
 *       {"image": {"url": "https://... | ipfs://...", "sha256": args[2]}} or
 *       {"image": {"base64": "...", "sha256": args[2]}}; the whole adapter request must stay within
 *       2048 bytes, so in practice images go by URL
 *   [4] agreement threshold: minimum number of agreeing adapters, 1 to 5
 *   [5] tolerance: absolute, in result units (base-10 integer); 0 means exact agreement
 * bytesArgs: unused.
 * secrets:
 *   ADAPTERS: JSON array of 1 to 5 {"url": "https://...", "apiKey"?: "...", "signer"?: "0x<address>"}.
 *     apiKey is sent as the `x-api-key` header; with signer set, that adapter's answer counts only
 *     if its EIP-712 signature recovers to that address.
 *
 * Every adapter receives the same request, POST {"id": jobRunId, "data": {"model": args[0], ...args[3]}}
 * with jobRunId = "fn-" + the first 16 hex digits of args[2]: deterministic, so every DON node sends
 * identical requests, and bound into the adapter's signature.
 *
 * An answer is dropped when the request failed or took longer than ADAPTER_TIMEOUT_MS, its
 * modelHash differs from args[1], its inputHash differs from args[2] (the adapter hashes the bytes
 * it fetched), its result is not a base-10 unsigned integer below 2^256, or (signer configured) its
 * signature does not recover to the signer. `result` is the lower median of the valid answers;
 * `agreed` counts valid answers within args[5] of it. Fewer than args[4] agreeing adapters: throws
 * Error (the on-chain `err`).
 *
 * Returns 192 bytes, abi.encode(uint256 result, bytes32 modelHash, bytes32 inputHash,
 * uint8 responded, uint8 agreed, uint64 observedAt): six big-endian 32-byte words; result is
 * fixed point by the model manifest's scale; responded = valid answers; observedAt = unix seconds.
 * The result leads, so the DON's byte-wise median across nodes is the node answer with the median
 * result. Decoded on-chain by contracts/libraries/InferenceResult.sol.
 */

// ---- job-specific: image ----

/** Checks args[3] for an image model: one image by URL or base64, whose sha256 is args[2]. */
function checkJobInput(input, expectedInputHash) {
  const image = input.image
  if (typeof image !== 'object' || image === null || Array.isArray(image)) {
    throw Error('args[3] must be {"image": {"url" or "base64", "sha256"}}')
  }
  if (Object.keys(input).length !== 1) {
    throw Error('args[3] must hold only "image"')
  }
  if ((typeof image.url === 'string') === (typeof image.base64 === 'string')) {
    throw Error('args[3].image needs exactly one of "url" and "base64"')
  }
  if (typeof image.sha256 !== 'string' || image.sha256.toLowerCase() !== expectedInputHash) {
    throw Error('args[3].image.sha256 must equal args[2]')
  }
}

// ---- shared core: identical in every functions-source/*-inference.js (a test checks) ----

const NOBLE_SECP256K1 = 'npm:@noble/curves@1.2.0/secp256k1'
const NOBLE_SHA3 = 'npm:@noble/hashes@1.3.2/sha3'
const NOBLE_SHA256 = 'npm:@noble/hashes@1.3.2/sha256'
const ARG_COUNT = 6
const MAX_ADAPTERS = 5
const ADAPTER_TIMEOUT_MS = 4000
const MAX_REQUEST_BODY_BYTES = 2048
const API_KEY_HEADER = 'x-api-key'
const JOB_RUN_ID_PREFIX = 'fn-'
const JOB_RUN_ID_HEX_DIGITS = 16
const RESULT_WORDS = 6
const WORD_BYTES = 32
const MAX_UINT256 = (1n << 256n) - 1n
const MODEL_ID_PATTERN = /^[\x20-\x7e]{1,31}$/
const HASH_PATTERN = /^0x[0-9a-fA-F]{64}$/
const ADDRESS_PATTERN = /^0x[0-9a-fA-F]{40}$/
const UINT_PATTERN = /^(0|[1-9][0-9]*)$/
const URL_PATTERN = /^https?:\/\/[^\s]+$/
const EIP712_DOMAIN_TYPE = 'EIP712Domain(string name,string version)'
const EIP712_DOMAIN_NAME = 'onnx-oracle'
const EIP712_DOMAIN_VERSION = '1'
const INFERENCE_TYPE =
  'Inference(bytes32 modelHash,bytes32 inputHash,uint256 result,string jobRunId)'

/** Loads the hash and signature functions from pinned npm versions (the sandbox allows npm:). */
async function loadCrypto() {
  const [{ secp256k1 }, { keccak_256 }, { sha256 }] = await Promise.all([
    import(NOBLE_SECP256K1),
    import(NOBLE_SHA3),
    import(NOBLE_SHA256),
  ])
  return { secp256k1, keccak256: keccak_256, sha256 }
}

/** Validates `args` (docs/protocol.md) into a typed request. */
function parseRequest(rawArgs) {
  if (!Array.isArray(rawArgs) || rawArgs.length !== ARG_COUNT) {
    throw Error(`expected ${ARG_COUNT} args, got ${Array.isArray(rawArgs) ? rawArgs.length : 0}`)
  }
  const [modelId, modelHash, inputHash, inputJson, thresholdArg, toleranceArg] = rawArgs
  if (!MODEL_ID_PATTERN.test(modelId)) {
    throw Error('args[0] must be a model id of 1 to 31 ASCII characters')
  }
  if (!HASH_PATTERN.test(modelHash)) {
    throw Error('args[1] must be a model hash, 0x + 64 hex')
  }
  if (!HASH_PATTERN.test(inputHash)) {
    throw Error('args[2] must be an input hash, 0x + 64 hex')
  }
  let input
  try {
    input = JSON.parse(inputJson)
  } catch {
    throw Error('args[3] is not valid JSON')
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw Error('args[3] must be a JSON object')
  }
  if ('model' in input) {
    throw Error('args[3] must not contain "model" (args[0] names the model)')
  }
  if (!/^[1-5]$/.test(thresholdArg)) {
    throw Error(`args[4] must be a threshold from 1 to ${MAX_ADAPTERS}`)
  }
  if (!UINT_PATTERN.test(toleranceArg) || BigInt(toleranceArg) > MAX_UINT256) {
    throw Error('args[5] must be a tolerance, a base-10 unsigned integer')
  }
  return {
    modelId,
    modelHash: modelHash.toLowerCase(),
    inputHash: inputHash.toLowerCase(),
    input,
    threshold: Number(thresholdArg),
    tolerance: BigInt(toleranceArg),
  }
}

/** Validates the ADAPTERS secret. Messages never quote secret values: errors end up on-chain. */
function parseAdapters(rawSecrets) {
  if (typeof rawSecrets !== 'object' || rawSecrets === null) {
    throw Error('secret ADAPTERS is missing')
  }
  if (typeof rawSecrets.ADAPTERS !== 'string') {
    throw Error('secret ADAPTERS is missing')
  }
  let adapters
  try {
    adapters = JSON.parse(rawSecrets.ADAPTERS)
  } catch {
    throw Error('secret ADAPTERS is not valid JSON')
  }
  if (!Array.isArray(adapters) || adapters.length < 1 || adapters.length > MAX_ADAPTERS) {
    throw Error(`secret ADAPTERS must be a JSON array of 1 to ${MAX_ADAPTERS} adapters`)
  }
  return adapters.map((adapter, index) => {
    if (typeof adapter !== 'object' || adapter === null) {
      throw Error(`secret ADAPTERS[${index}] must be an object`)
    }
    if (typeof adapter.url !== 'string' || !URL_PATTERN.test(adapter.url)) {
      throw Error(`secret ADAPTERS[${index}].url must be an http(s) URL`)
    }
    if (adapter.apiKey !== undefined && typeof adapter.apiKey !== 'string') {
      throw Error(`secret ADAPTERS[${index}].apiKey must be a string`)
    }
    if (adapter.signer !== undefined && !ADDRESS_PATTERN.test(adapter.signer)) {
      throw Error(`secret ADAPTERS[${index}].signer must be an address, 0x + 40 hex`)
    }
    return {
      url: adapter.url,
      apiKey: adapter.apiKey,
      signer: adapter.signer === undefined ? undefined : adapter.signer.toLowerCase(),
    }
  })
}

/** The job run id every adapter receives: derived from the input hash only (see header). */
function jobRunIdFor(inputHash) {
  return JOB_RUN_ID_PREFIX + inputHash.slice(2, 2 + JOB_RUN_ID_HEX_DIGITS)
}

function hexToBytes(hex) {
  const digits = hex.slice(2)
  const bytes = new Uint8Array(digits.length / 2)
  for (let i = 0; i < bytes.length; i++) {
    bytes[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16)
  }
  return bytes
}

function bytesToHex(bytes) {
  return '0x' + Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
}

function concatBytes(parts) {
  const out = new Uint8Array(parts.reduce((length, part) => length + part.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

/** A uint256 as a 32-byte big-endian word. */
function uint256Word(value) {
  const word = new Uint8Array(WORD_BYTES)
  let rest = value
  for (let i = WORD_BYTES - 1; i >= 0 && rest > 0n; i--) {
    word[i] = Number(rest & 0xffn)
    rest >>= 8n
  }
  return word
}

/** The EIP-712 digest an adapter signs (docs/protocol.md, "Operator signature"). */
function inferenceDigest(crypto, modelHash, inputHash, result, jobRunId) {
  const utf8 = (text) => new TextEncoder().encode(text)
  const domainSeparator = crypto.keccak256(
    concatBytes([
      crypto.keccak256(utf8(EIP712_DOMAIN_TYPE)),
      crypto.keccak256(utf8(EIP712_DOMAIN_NAME)),
      crypto.keccak256(utf8(EIP712_DOMAIN_VERSION)),
    ]),
  )
  const structHash = crypto.keccak256(
    concatBytes([
      crypto.keccak256(utf8(INFERENCE_TYPE)),
      hexToBytes(modelHash),
      hexToBytes(inputHash),
      uint256Word(result),
      crypto.keccak256(utf8(jobRunId)),
    ]),
  )
  return crypto.keccak256(concatBytes([new Uint8Array([0x19, 0x01]), domainSeparator, structHash]))
}

/** The address whose key made a 65-byte r||s||v signature over `digest`, or undefined. */
function recoverSigner(crypto, digest, signature) {
  if (typeof signature !== 'string' || !/^0x[0-9a-fA-F]{130}$/.test(signature)) {
    return undefined
  }
  const bytes = hexToBytes(signature)
  const v = bytes[64]
  const recovery = v >= 27 ? v - 27 : v
  if (recovery !== 0 && recovery !== 1) {
    return undefined
  }
  try {
    const publicKey = crypto.secp256k1.Signature.fromCompact(bytes.subarray(0, 64))
      .addRecoveryBit(recovery)
      .recoverPublicKey(digest)
      .toRawBytes(false)
    return bytesToHex(crypto.keccak256(publicKey.subarray(1)).subarray(12))
  } catch {
    return undefined
  }
}

/** Judges one adapter's answer: {result} when valid, else {reason}. */
function judgeAnswer(crypto, request, adapter, jobRunId, response) {
  if (response.error) {
    return { reason: `request failed (${response.code ?? 'no response or timeout'})` }
  }
  const data = response.data && response.data.data
  if (typeof data !== 'object' || data === null) {
    return { reason: 'no data object' }
  }
  if (typeof data.modelHash !== 'string' || data.modelHash.toLowerCase() !== request.modelHash) {
    return { reason: 'different model hash' }
  }
  if (typeof data.inputHash !== 'string' || data.inputHash.toLowerCase() !== request.inputHash) {
    return { reason: 'different input hash' }
  }
  if (typeof data.result !== 'string' || !UINT_PATTERN.test(data.result)) {
    return { reason: 'result is not an unsigned integer' }
  }
  const result = BigInt(data.result)
  if (result > MAX_UINT256) {
    return { reason: 'result exceeds uint256' }
  }
  if (adapter.signer !== undefined) {
    const digest = inferenceDigest(crypto, request.modelHash, request.inputHash, result, jobRunId)
    if (recoverSigner(crypto, digest, data.signature) !== adapter.signer) {
      return { reason: 'signature does not recover to the configured signer' }
    }
  }
  return { result }
}

/** Lower median of the valid results and how many lie within `tolerance` of it. */
function aggregate(results, tolerance) {
  const sorted = [...results].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  const median = sorted[(sorted.length - 1) >> 1]
  const agreed = sorted.filter((value) => {
    const distance = value > median ? value - median : median - value
    return distance <= tolerance
  }).length
  return { median, agreed }
}

/** abi.encode(uint256, bytes32, bytes32, uint8, uint8, uint64): the 192-byte result layout. */
function encodeResult(fields) {
  const encoded = concatBytes([
    uint256Word(fields.result),
    hexToBytes(fields.modelHash),
    hexToBytes(fields.inputHash),
    uint256Word(BigInt(fields.responded)),
    uint256Word(BigInt(fields.agreed)),
    uint256Word(BigInt(fields.observedAt)),
  ])
  if (encoded.length !== RESULT_WORDS * WORD_BYTES) {
    throw Error('internal: encoded result has the wrong length')
  }
  return encoded
}

/** Runs one inference request end to end; `checkInput` is the job-specific input check. */
async function runInference(checkInput) {
  const request = parseRequest(args)
  const adapters = parseAdapters(secrets)
  if (request.threshold > adapters.length) {
    throw Error(`threshold ${request.threshold} exceeds the ${adapters.length} adapters`)
  }
  const crypto = await loadCrypto()
  checkInput(request.input, request.inputHash, crypto)
  const jobRunId = jobRunIdFor(request.inputHash)
  const body = { id: jobRunId, data: { ...request.input, model: request.modelId } }
  const bodyBytes = new TextEncoder().encode(JSON.stringify(body)).length
  if (bodyBytes > MAX_REQUEST_BODY_BYTES) {
    throw Error(`adapter request is ${bodyBytes} bytes, over ${MAX_REQUEST_BODY_BYTES}`)
  }
  const responses = await Promise.all(
    adapters.map((adapter) =>
      Functions.makeHttpRequest({
        url: adapter.url,
        method: 'POST',
        headers:
          adapter.apiKey === undefined
            ? { 'content-type': 'application/json' }
            : { 'content-type': 'application/json', [API_KEY_HEADER]: adapter.apiKey },
        data: body,
        timeout: ADAPTER_TIMEOUT_MS,
      }),
    ),
  )
  const verdicts = responses.map((response, index) =>
    judgeAnswer(crypto, request, adapters[index], jobRunId, response),
  )
  verdicts.forEach((verdict, index) => {
    console.log(`adapter ${index}: ${verdict.reason ?? `result ${verdict.result}`}`)
  })
  const results = verdicts.filter((verdict) => verdict.reason === undefined)
  const valid = results.map((verdict) => verdict.result)
  if (valid.length === 0) {
    throw Error(`no valid answer from ${adapters.length} adapters`)
  }
  const { median, agreed } = aggregate(valid, request.tolerance)
  if (agreed < request.threshold) {
    throw Error(
      `quorum not met: ${agreed} of ${adapters.length} adapters agree, threshold ${request.threshold} (${valid.length} valid)`,
    )
  }
  return encodeResult({
    result: median,
    modelHash: request.modelHash,
    inputHash: request.inputHash,
    responded: valid.length,
    agreed,
    observedAt: Math.floor(Date.now() / 1000),
  })
}

// ---- end shared core ----

return runInference(checkJobInput)
