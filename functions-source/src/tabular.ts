/*
 * onnx-oracle: tabular inference (Chainlink Functions source).
 *
 * Asks up to five onnx-oracle adapters, in parallel, to run the approved tabular model (e.g.
 * `risk-v1`) on the given features, keeps only the answers that prove they used the requested model
 * on the requested input (and, when a signer is configured, that the adapter's key signed them),
 * takes their median and returns it only if a majority of the adapters agree. Formats:
 * docs/protocol.md.
 *
 * args (all strings):
 *   [0] model id, at most 31 ASCII characters, e.g. "risk-v1"
 *   [1] expected model hash: sha256 of model.onnx, 0x + 64 hex (the registry's approved hash)
 *   [2] expected input hash: sha256 of the RFC 8785 (JCS) canonical JSON of the features, 0x + 64
 *       hex; with inline features this source recomputes it from args[3] and refuses a mismatch
 *   [3] adapter input: JSON of the request `data` fields besides `model`: {"features": {...}}, or
 *       {"inputRef": "<ref>"} (RiskPricing.requestQuoteByHash: the features never go on-chain; each
 *       adapter fetches them by the reference from its operator's input store, INPUT_STORE_URL, and
 *       its answer counts only if it names args[2], so only the hashed features can be priced)
 *   [4] agreement threshold: minimum number of agreeing adapters, 1 to 5; it must be a strict
 *       majority of the configured adapters (more than half of them), else the source throws
 *   [5] tolerance: absolute, in result units (base-10 integer); 0 means exact agreement
 * bytesArgs: unused.
 * secrets:
 *   ADAPTERS: JSON array of 1 to 5 {"url": "https://...", "apiKey"?: "...", "signer"?: "0x<address>"}.
 *     apiKey is sent as the `x-api-key` header; with signer set, that adapter's answer counts only
 *     if its EIP-712 signature (docs/protocol.md, version 2: over the model hash, manifest hash,
 *     input hash, result and job run id, alone or through the answer's Merkle proof when the
 *     adapter signed a batch; high-s refused) recovers to that address.
 *     Duplicate URLs or signers are refused; an entry without a signer is logged as a warning
 *     (signers are needed for the byzantine guarantee: without them, answers altered in transit
 *     cannot be told from honest ones).
 *
 * Every adapter receives the same request, POST {"id": jobRunId, "data": {"model": args[0], ...args[3]}}
 * with jobRunId = "fn-" + the first 16 hex digits of args[2]: deterministic, so every DON node sends
 * identical requests, and bound into the adapter's signature.
 *
 * An answer is dropped when the request failed or took longer than ADAPTER_TIMEOUT_MS, its
 * modelHash differs from args[1], its inputHash differs from args[2], its result is not a base-10
 * unsigned integer below 2^256, or (signer configured) its signature does not recover to the
 * signer. `result` is the lower median of the valid answers; `agreed` counts valid answers within
 * args[5] of it. Fewer than args[4] agreeing adapters: throws Error (the on-chain `err`).
 *
 * Returns 192 bytes, abi.encode(uint256 result, bytes32 modelHash, bytes32 inputHash,
 * uint8 responded, uint8 agreed, uint64 observedAt): six big-endian 32-byte words; result is
 * fixed point by the model manifest's scale; responded = valid answers; observedAt = unix seconds.
 * The result leads, so the DON's byte-wise median across nodes is the node answer with the median
 * result. Decoded on-chain by contracts/libraries/InferenceResult.sol.
 */
import { checkTabularInput } from '../../don-core/inference-core'
import { ARG_LABELS, runFunctionsInference } from './functions-runtime'

/** The source's body: the build appends `return runJob()`. */
export function runJob(): Promise<Uint8Array> {
  return runFunctionsInference((request, crypto) => checkTabularInput(request, crypto, ARG_LABELS))
}
