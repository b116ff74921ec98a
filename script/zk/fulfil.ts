/**
 * Answering a `ZkInferenceOracle` request with a proof, for whoever proves (the customer's machine,
 * or an operator offering proving as a service): read the request from its `InferenceRequested`
 * event, check the features and salt open its commitment, prove, check the oracle would accept
 * (a static call that names the oracle's custom error when it would not), then send `fulfill`.
 * `npm run zk -- fulfil` and the zk demo (script/zk/zk-demo.ts) use it.
 */
import {
  Contract,
  Interface,
  isCallException,
  type ContractRunner,
  type Provider,
  type TransactionReceipt,
} from 'ethers'

import { ZkError, ZkInputError } from '../../zk/src/errors'
import type { ProofBundle } from '../../zk/src/prover'

/**
 * What the prover calls and reads on the oracle (contracts/oracles/ZkInferenceOracle.sol and its
 * interfaces; test/zk/zk-demo.test.ts checks every fragment against the compiled ABI).
 */
export const ZK_ORACLE_ABI = [
  'event InferenceRequested(bytes32 indexed requestId, bytes32 indexed modelId, address indexed client, bytes32 modelHash, bytes32 inputHash, string input, uint8 threshold, uint32 tolerance)',
  'event InferenceProven(bytes32 indexed requestId, address indexed prover, bytes32 weightsCommitment)',
  'function fulfill(bytes32 requestId, (address client, bytes32 modelId, bytes32 inputHash) request, (uint256 result, bytes32 modelHash, bytes32 inputCommitment, bytes32 weightsCommitment, bytes proof) answer)',
  'function isPending(bytes32 requestId) view returns (bool)',
  'function fulfilmentGas() view returns (uint256)',
  'error RequestNotPending(bytes32 requestId)',
  'error InputCommitmentMismatch(bytes32 requestId, bytes32 requested, bytes32 proven)',
  'error WeightsCommitmentNotApproved(bytes32 modelId, bytes32 modelHash, bytes32 proven, bytes32 approved)',
  'error VerifierNotSet(bytes32 modelId, bytes32 weightsCommitment)',
  'error ThresholdUnreachable(uint8 threshold)',
  'error InvalidProof(bytes32 requestId)',
  'error InsufficientGas(uint256 gasLeft, uint256 required)',
  'error ProofLengthInvalid(uint256 length)',
] as const

export const zkOracleInterface = new Interface(ZK_ORACLE_ABI)

/**
 * Gas sent with a fulfilment when the caller names none: above `fulfilmentGas()` (about 650,000:
 * the verifier's cap and the client's callback limit, each whole) plus the entry work. Unused gas is
 * refunded. Not estimated: the oracle reverts below its requirement, so an estimate would also
 * work, but an explicit limit does not depend on the node's estimator.
 */
export const DEFAULT_FULFIL_GAS_LIMIT = 1_000_000n
const FULFIL_GAS_MARGIN = 100_000n

/** 404: no `InferenceRequested` with this id from this oracle. */
export class ZkRequestNotFoundError extends ZkError {
  constructor(readonly requestId: string) {
    super(`no InferenceRequested for request ${requestId} from this oracle`, 404)
  }
}

/** 409: the oracle refuses the fulfilment; `errorName` and `args` are its custom error. */
export class ZkFulfilmentRefusedError extends ZkError {
  constructor(
    readonly errorName: string,
    readonly args: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(`the oracle refuses the proof: ${errorName}(${args.join(', ')})`, 409, options)
  }
}

/** A request as its `InferenceRequested` event states it. */
export interface ZkRequest {
  requestId: string
  client: string
  modelId: string
  /** The model version active at request time; the proof names it. */
  modelHash: string
  /** The input commitment the dApp asked with. */
  inputHash: string
  blockNumber: number
  /** Whether the oracle still waits for an answer (false once settled). */
  pending: boolean
}

/** Finds a request's `InferenceRequested` event (from `fromBlock`, default the chain's start). */
export async function readZkRequest(
  provider: Provider,
  oracle: string,
  requestId: string,
  fromBlock = 0,
): Promise<ZkRequest> {
  const event = zkOracleInterface.getEvent('InferenceRequested')
  if (event === null) throw new Error('ZK_ORACLE_ABI has no InferenceRequested')
  const logs = await provider.getLogs({
    address: oracle,
    topics: [event.topicHash, requestId],
    fromBlock,
    toBlock: 'latest',
  })
  const log = logs[0]
  if (log === undefined) throw new ZkRequestNotFoundError(requestId)
  const parsed = zkOracleInterface.parseLog(log)
  if (parsed === null) throw new ZkRequestNotFoundError(requestId)
  const contract = new Contract(oracle, ZK_ORACLE_ABI, provider)
  const pending = (await contract.getFunction('isPending')(requestId)) as boolean
  return {
    requestId,
    client: String(parsed.args.getValue('client')),
    modelId: String(parsed.args.getValue('modelId')),
    modelHash: String(parsed.args.getValue('modelHash')),
    inputHash: String(parsed.args.getValue('inputHash')),
    blockNumber: log.blockNumber,
    pending,
  }
}

/** Throws `ZkInputError` unless `inputCommitment` (of the features and salt) is the request's. */
export function assertOpens(request: ZkRequest, inputCommitment: string): void {
  if (inputCommitment.toLowerCase() !== request.inputHash.toLowerCase()) {
    throw new ZkInputError(
      `the features and salt commit to ${inputCommitment}, the request asked for ` +
        `${request.inputHash}: not this request's input`,
    )
  }
}

/** `fulfill`'s two structs for a proof of `request`; the proof must open the request's commitment. */
export function fulfilArguments(
  request: ZkRequest,
  bundle: Pick<ProofBundle, 'result' | 'inputCommitment' | 'weightsCommitment' | 'proofBytes'>,
): {
  request: { client: string; modelId: string; inputHash: string }
  answer: {
    result: bigint
    modelHash: string
    inputCommitment: string
    weightsCommitment: string
    proof: string
  }
} {
  assertOpens(request, bundle.inputCommitment)
  return {
    request: { client: request.client, modelId: request.modelId, inputHash: request.inputHash },
    answer: {
      result: BigInt(bundle.result),
      modelHash: request.modelHash,
      inputCommitment: bundle.inputCommitment,
      weightsCommitment: bundle.weightsCommitment,
      proof: bundle.proofBytes,
    },
  }
}

export interface FulfilOutcome {
  hash: string
  blockNumber: number
  gasUsed: number
}

/**
 * Sends `fulfill` for `request` with the proof in `bundle`, after a static call with the same gas
 * limit: a refusal throws `ZkFulfilmentRefusedError` (with the oracle's custom error) and sends
 * nothing. `gasLimit` defaults to `max(fulfilmentGas() + margin, DEFAULT_FULFIL_GAS_LIMIT)`.
 */
export async function fulfilRequest(
  signer: ContractRunner,
  oracle: string,
  request: ZkRequest,
  bundle: Pick<ProofBundle, 'result' | 'inputCommitment' | 'weightsCommitment' | 'proofBytes'>,
  options: { gasLimit?: bigint } = {},
): Promise<FulfilOutcome> {
  const args = fulfilArguments(request, bundle)
  const contract = new Contract(oracle, ZK_ORACLE_ABI, signer)
  let gasLimit = options.gasLimit
  if (gasLimit === undefined) {
    const required = (await contract.getFunction('fulfilmentGas')()) as bigint
    gasLimit =
      required + FULFIL_GAS_MARGIN > DEFAULT_FULFIL_GAS_LIMIT
        ? required + FULFIL_GAS_MARGIN
        : DEFAULT_FULFIL_GAS_LIMIT
  }
  const fulfill = contract.getFunction('fulfill')
  try {
    await fulfill.staticCall(request.requestId, args.request, args.answer, { gasLimit })
  } catch (err) {
    if (isCallException(err) && err.revert !== null) {
      throw new ZkFulfilmentRefusedError(err.revert.name, err.revert.args.map(String), {
        cause: err,
      })
    }
    throw err
  }
  const tx = (await fulfill(request.requestId, args.request, args.answer, { gasLimit })) as {
    hash: string
    wait(): Promise<TransactionReceipt | null>
  }
  const receipt = await tx.wait()
  if (receipt === null) throw new Error(`fulfil transaction ${tx.hash} was dropped`)
  return { hash: tx.hash, blockNumber: receipt.blockNumber, gasUsed: Number(receipt.gasUsed) }
}
