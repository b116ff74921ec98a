/*
 * onnx-oracle: verified ONNX inference (Chainlink CRE workflow, @chainlink/cre-sdk 1.21.1).
 *
 * Every DON node asks up to five onnx-oracle adapters to run the approved model on the requested
 * input, keeps only the answers that prove they used that model on that input (and, with a signer
 * configured, that the adapter's key signed them), takes their lower median and counts the answers
 * within the tolerance of it; the DON combines the nodes' observations by fields and writes one
 * DON-signed report to the oracle. The per-answer checks, the median, the tolerance and the
 * quorum are don-core's, the same code the Chainlink Functions sources run. docs/cre.md.
 *
 * Triggers (handler index: the CLI's --trigger-index):
 *   0. EVM log trigger on the oracle's
 *      InferenceRequested(bytes32 indexed requestId, bytes32 indexed modelId,
 *        address indexed client, bytes32 modelHash, bytes32 inputHash, string input,
 *        uint8 threshold, uint32 tolerance)
 *      modelId is the manifest id as a bytes32 short string; modelHash the registry's approved
 *      sha256 of model.onnx; inputHash the sha256 of the JCS features (tabular, recomputed and
 *      checked here) or of the image bytes (image: the adapters hash what they fetch); input the
 *      JSON of the adapter request's `data` fields besides `model`; threshold the minimum number of
 *      agreeing adapters, which must be a strict majority of the configured adapters; tolerance
 *      absolute, in result units. A log that is not exactly this event of the configured oracle
 *      fails the execution (nothing reported).
 *   1. HTTP trigger (only when the config has httpTrigger): POST JSON
 *      {"modelId", "modelHash", "inputHash", "input": {...}, "threshold": n, "tolerance": "n"},
 *      signed by one of httpTrigger.authorizedKeys. Nothing is written on-chain; the execution
 *      returns the result and a DON-signed report over its 192-byte InferenceResult encoding.
 *
 * Config (config.*.json, checked at start by config.ts): chainSelectorName, isTestnet,
 * oracleAddress (the CreInferenceOracle), gasLimit (of the report write, at most 5,000,000),
 * logConfidence (FINALIZED by default), adapterTimeoutMs (4000 by default, at most 10000),
 * httpTrigger.authorizedKeys (optional).
 *
 * Secrets (Vault DON; secrets.yaml maps them to environment variables for simulation):
 *   ADAPTERS: JSON array of 1 to 5 {"url": "https://...", "apiKey"?: "...", "signer"?: "0x<address>"},
 *     the same format as the Functions secret. apiKey goes in the `x-api-key` header; with signer
 *     set, that adapter's answer counts only if its EIP-712 signature (docs/protocol.md, version 2:
 *     the manifest hash included, alone or through the answer's Merkle proof, high-s refused)
 *     recovers to it. Duplicate URLs or signers are refused; an adapter without a signer is logged
 *     as a warning. Adapter URLs, keys and signers never come from the chain.
 *
 * Each node sends every adapter the same request, POST {"id": jobRunId, "data": {"model": <modelId>,
 * ...input}} with jobRunId = "cre-" + the first 16 hex digits of inputHash (bound into each
 * adapter's signature), one HTTP call per adapter (CRE allows 5 per execution). An answer is dropped
 * when the call failed, its modelHash or inputHash differs from the request's, its result is not a
 * base-10 integer below 2^256, or its signature does not recover to the configured signer. Fewer
 * than threshold answers within tolerance of the lower median: that node reports an error.
 *
 * Consensus by fields: IDENTICAL requestId, client, modelId, requestedInputHash, modelHash,
 * inputHash; MEDIAN result, responded, agreed, observedAt. Without consensus (e.g. the quorum is
 * not met on the nodes) the default observation reports responded = agreed = 0 and result 0, which
 * the oracle rejects: the client is told instead of left waiting.
 *
 * Report (the payload the oracle's onReport receives through the KeystoneForwarder), 320 bytes:
 *   abi.encode(bytes32 requestId, address client, bytes32 modelId, bytes32 requestedInputHash,
 *              uint256 result, bytes32 modelHash, bytes32 inputHash, uint8 responded,
 *              uint8 agreed, uint64 observedAt)
 * The first four words are the request event's; the last six are the InferenceResult layout of
 * contracts/libraries/InferenceResult.sol (result fixed point by the manifest's scale, observedAt
 * unix seconds).
 *
 * Runs in CRE's WebAssembly (Javy/QuickJS) runtime: no Node built-ins, no fetch, no timers; an
 * ESLint block enforces it over cre-workflow/ and don-core/ (docs/cre.md).
 */
import { Runner } from '@chainlink/cre-sdk'

import { configSchema } from './config'
import { initWorkflow } from './workflow'

export async function main(): Promise<void> {
  const runner = await Runner.newRunner({ configSchema })
  await runner.run(initWorkflow)
}

main()
