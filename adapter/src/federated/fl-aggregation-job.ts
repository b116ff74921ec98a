/**
 * The `fl-aggregate` job (docs/federated.md, "Aggregation job"): one federated round's robust
 * aggregation, run by every aggregator adapter of the DON on the same chain data. It fetches the
 * round's base model, the public validation set and every revealed update through the adapter's
 * SSRF-safe fetch (input/image-fetch.ts: the same address policies, caps and timeout as images),
 * checks the base and validation set against their on-chain hashes, runs the deterministic
 * integer rule (federated/aggregation.ts) and exports the new model to ONNX
 * (federated/model-export.ts). It answers the round report (federated/round-report.ts: the bytes
 * the DON reports to the training contract), its hash, the new model, every participant's status
 * and scores, and the operator's signature over it (signing/signer.ts: the EIP-712 answer with
 * modelHash = the spec hash, inputHash = the job input's hash, result = the report hash).
 *
 * Bad input of the request itself is a typed error (400 schema, 422 base or validation set that do
 * not match their hashes or do not decode, 502/504 when they cannot be fetched). A bad update is
 * never an error: the participant gets the rule's status (wrongShape, wrongSize, nonFinite,
 * outOfRange, hashMismatch, duplicateParticipant, duplicateUpdate, ...) and the round completes.
 * An update that cannot be fetched counts as bytes that do not match the revealed hash
 * (`hashMismatch`): a participant must serve its update until the round is reported.
 */
import { keccak256 } from 'ethers'

import { aggregateRound, type Submission } from '../../../federated/aggregation'
import { flJobInputHash } from '../../../federated/job-input'
import { exportFederatedOnnx } from '../../../federated/model-export'
import { UpdateRejectedError } from '../../../federated/reasons'
import { encodeRoundReport, roundReport } from '../../../federated/round-report'
import { taskSpecHash, type TaskSpec } from '../../../federated/task-spec'
import { decodeVector, ZERO_ADDRESS } from '../../../federated/update-codec'
import { decodeValidationSet, type ValidationSet } from '../../../federated/validation'
import { InputError, UnprocessableError } from '../errors'
import { fetchImage, type FetchSettings } from '../input/image-fetch'
import type { InferenceSigner } from '../signing/signer'
import { parseOrThrow } from '../validation'
import { FlJobSchema, type FlJobRequest } from './fl-job-schema'

/** The graph name of every federated ONNX export (part of its bytes). */
export const FL_GRAPH_NAME = 'risk-fl'

/** One participant's line of the answer. */
export interface FlParticipantAnswer {
  participant: string
  updateHash: string | null
  status: string
  slashed: boolean
  weightBps: number
  lossQ16: number
  distanceQ16: number
  detail: string
}

/** The answer's `data`. */
export interface FlAnswerData {
  job: 'fl-aggregate'
  taskId: string
  round: number
  specHash: string
  inputHash: string
  /** The round report (ABI hex) the DON reports, and its keccak256 (also `result`, as uint256). */
  report: string
  reportHash: string
  baseModelHash: string
  aggregateHash: string
  modelFileHash: string
  modelLossQ16: number
  baseLossQ16: number
  /** The new model, encoded (federated/update-codec.ts, kind model), hex. */
  model: string
  participants: FlParticipantAnswer[]
  /**
   * The operator's signature (absent when the adapter does not sign): the EIP-712 `Inference`
   * answer of docs/protocol.md with the task spec's hash as both model hash and manifest hash (the
   * spec is the job's whole configuration), the job input hash, the report hash as the result; one
   * signature per batch of answers, this answer's leaf and Merkle proof beside it.
   */
  signature?: string
  signer?: string
  manifestHash?: string
  leaf?: string
  proof?: string[]
}

/** What the route needs of a job: whether a body is one, and its serialised success body. */
export interface AdapterJob {
  handles(body: unknown): boolean
  answer(body: unknown, jobRunID: string): Promise<{ body: string; model: string }>
}

const hex = (bytes: Uint8Array): string => `0x${Buffer.from(bytes).toString('hex')}`

/** The spec's shape must be one the integer rule and the ONNX export support (risk's MLP). */
function checkSpec(spec: TaskSpec): void {
  const { sizes } = spec.layout
  if (sizes.length !== 3 || sizes[sizes.length - 1] !== 2) {
    throw new InputError(
      `"data.spec.layout.sizes" must be [features, hidden, 2] (one hidden layer, two classes), got [${sizes.join(', ')}]`,
    )
  }
  const features = sizes[0] as number
  const { mean, std } = spec.standardisation
  if (mean.length !== features || std.length !== features) {
    throw new InputError(
      `"data.spec.standardisation" must hold ${features} means and standard deviations`,
    )
  }
}

/** Answers (unsigned) kept per job input hash: every DON node asks every adapter the same job. */
const ANSWER_CACHE_ENTRIES = 16

export class FlAggregationJob implements AdapterJob {
  private readonly answers = new Map<string, Promise<FlAnswerData>>()

  constructor(
    private readonly fetch: FetchSettings,
    private readonly signer: InferenceSigner | undefined,
  ) {}

  handles(body: unknown): boolean {
    const data = (body as { data?: { job?: unknown } } | null | undefined)?.data
    return typeof data === 'object' && data !== null && data.job === 'fl-aggregate'
  }

  async answer(body: unknown, jobRunID: string): Promise<{ body: string; model: string }> {
    const data = await this.run(parseOrThrow(FlJobSchema, body).data, jobRunID)
    return {
      body: JSON.stringify({ jobRunID, statusCode: 200, result: data.reportHash, data }),
      model: 'fl-aggregate',
    }
  }

  /**
   * Runs the job on a validated request. The unsigned answer is computed once per input hash (the
   * same chain facts and spec) and shared by concurrent and later identical jobs; only the
   * signature is made per job run id. A failed run is not kept.
   */
  async run(data: FlJobRequest['data'], jobRunID: string): Promise<FlAnswerData> {
    const spec: TaskSpec = data.spec
    checkSpec(spec)
    const specHash = taskSpecHash(spec)
    const inputHash = flJobInputHash(data, specHash)
    let pending = this.answers.get(inputHash)
    if (pending === undefined) {
      pending = this.compute(data, specHash, inputHash)
      this.answers.set(inputHash, pending)
      pending.catch(() => this.answers.delete(inputHash))
      if (this.answers.size > ANSWER_CACHE_ENTRIES) {
        const oldest = this.answers.keys().next().value as string
        this.answers.delete(oldest)
      }
    }
    const answer: FlAnswerData = { ...(await pending) }
    if (this.signer !== undefined) {
      const signed = await this.signer.sign({
        modelHash: specHash,
        manifestHash: specHash,
        inputHash,
        result: BigInt(answer.reportHash),
        jobRunId: jobRunID,
      })
      answer.manifestHash = specHash
      answer.signature = signed.signature
      answer.leaf = signed.leaf
      answer.proof = signed.proof
      answer.signer = this.signer.address
    }
    return answer
  }

  private async compute(
    data: FlJobRequest['data'],
    specHash: string,
    inputHash: string,
  ): Promise<FlAnswerData> {
    const spec: TaskSpec = data.spec
    const revealed = new Set(data.updates.map((u) => u.participant))
    const clash = data.notRevealed.find((p) => revealed.has(p))
    if (clash !== undefined) {
      throw new InputError(`${clash} is both in "data.updates" and in "data.notRevealed"`)
    }
    if (new Set(data.notRevealed).size !== data.notRevealed.length) {
      throw new InputError('"data.notRevealed" names a participant twice')
    }
    const [baseBytes, validationBytes, updateBytes] = await Promise.all([
      fetchImage(data.base.uri, this.fetch),
      fetchImage(data.validation.uri, this.fetch),
      Promise.all(
        data.updates.map((u) =>
          fetchImage(u.uri, this.fetch).then(
            (b): Uint8Array => b,
            (): Uint8Array => new Uint8Array(0),
          ),
        ),
      ),
    ])
    const base = this.decodeBase(data, baseBytes)
    const validation = this.decodeValidation(data, validationBytes, spec)
    const submissions: Submission[] = data.updates.map((u, i) => ({
      participant: u.participant,
      revealedHash: u.hash,
      bytes: updateBytes[i] as Uint8Array,
    }))
    let result: ReturnType<typeof aggregateRound>
    try {
      result = aggregateRound({
        taskId: data.taskId,
        round: data.round,
        layout: spec.layout,
        base,
        submissions,
        validation,
        rule: spec.rule,
      })
    } catch (err) {
      // Only a round input the rule cannot take (e.g. a layout whose integer pass is not exact).
      if (!(err instanceof RangeError)) throw err
      throw new InputError(`the round cannot be aggregated: ${err.message}`, { cause: err })
    }
    const onnx = exportFederatedOnnx(
      spec.layout,
      result.model,
      {
        mean: Float64Array.from(spec.standardisation.mean),
        std: Float64Array.from(spec.standardisation.std),
      },
      FL_GRAPH_NAME,
    )
    const report = roundReport(result, {
      modelFileHash: onnx.sha256,
      notRevealed: data.notRevealed,
    })
    const reportHex = encodeRoundReport(report)
    const reportHash = keccak256(reportHex)
    const details = new Map(result.participants.map((p) => [p.participant, p]))
    const answer: FlAnswerData = {
      job: 'fl-aggregate',
      taskId: data.taskId,
      round: data.round,
      specHash,
      inputHash,
      report: reportHex,
      reportHash,
      baseModelHash: result.baseModelHash,
      aggregateHash: result.aggregateHash,
      modelFileHash: onnx.sha256,
      modelLossQ16: result.modelLossQ16,
      baseLossQ16: result.baseLossQ16,
      model: hex(result.modelBytes),
      participants: report.entries.map((e) => {
        const p = e.status === 'notRevealed' ? undefined : details.get(e.participant)
        return {
          participant: e.participant,
          updateHash: p?.updateHash ?? null,
          status: e.status,
          slashed: e.slashed,
          weightBps: e.weightBps,
          lossQ16: e.lossQ16,
          distanceQ16: e.distanceQ16,
          detail: p?.detail ?? (e.status === 'notRevealed' ? 'committed, not revealed' : ''),
        }
      }),
    }
    return answer
  }

  private decodeBase(data: FlJobRequest['data'], bytes: Uint8Array): Int32Array {
    const actual = keccak256(bytes)
    if (actual !== data.base.hash) {
      throw new UnprocessableError(
        `base model bytes hash to ${actual}, the task's model is ${data.base.hash}`,
      )
    }
    try {
      return decodeVector(bytes, {
        kind: 'model',
        taskId: data.taskId,
        round: data.round - 1,
        participant: ZERO_ADDRESS,
        layout: data.spec.layout,
      })
    } catch (err) {
      if (!(err instanceof UpdateRejectedError)) throw err
      throw new UnprocessableError(
        `base model is not version ${data.round - 1} of the task: ${err.message}`,
        {
          cause: err,
        },
      )
    }
  }

  private decodeValidation(
    data: FlJobRequest['data'],
    bytes: Uint8Array,
    spec: TaskSpec,
  ): ValidationSet {
    const actual = keccak256(bytes)
    if (actual !== data.validation.hash) {
      throw new UnprocessableError(
        `validation set bytes hash to ${actual}, the task's set is ${data.validation.hash}`,
      )
    }
    let set: ValidationSet
    try {
      set = decodeValidationSet(bytes)
    } catch (err) {
      throw new UnprocessableError(`validation set does not decode: ${(err as Error).message}`, {
        cause: err,
      })
    }
    if (set.features !== spec.layout.sizes[0]) {
      throw new UnprocessableError(
        `validation set has ${set.features} features, the model ${spec.layout.sizes[0]}`,
      )
    }
    return set
  }
}
