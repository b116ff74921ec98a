// Test harness that plays a Chainlink node's `directrequest` job: it picks the OracleRequest logs the
// job would answer (emitted by its Operator, specId = the job's externalJobID, payment at least the
// job's minimum), then interprets the job spec's own pipeline task by task in dependency order.
// It is not a Chainlink node: no job database, no retries, no gas bumping, no confirmations wait,
// no forwarders; see docs/operators.md for the split.
import { AbiCoder, getAddress, hexlify, toUtf8Bytes, zeroPadValue } from 'ethers'

import { parentsOf } from '../../../script/jobs/dot-pipeline'
import type { ValidatedJob } from '../../../script/jobs/job-spec'
import { runTask, TaskRunError, type TaskEnvironment } from './tasks'
import type { PipelineValue, PipelineVars } from './values'

/** A log as an RPC returns it. */
export interface ChainLog {
  address: string
  topics: readonly string[]
  data: string
  blockHash: string
  blockNumber: number
  transactionHash: string
}

/** The finished run: every task's result, in execution order. */
export interface PipelineRun {
  order: string[]
  values: Map<string, PipelineValue>
}

/** `OracleRequest(bytes32 indexed specId, ...)`'s non-indexed fields, as Operator.sol emits them. */
const ORACLE_REQUEST_FIELDS = [
  'address',
  'bytes32',
  'uint256',
  'address',
  'bytes4',
  'uint256',
  'uint256',
  'bytes',
] as const

/** The two `bytes32` forms of an external job id a node accepts as specId (string and UUID bytes). */
export function specIdsOf(externalJobId: string): [string, string] {
  const hex = externalJobId.replaceAll('-', '')
  return [hexlify(toUtf8Bytes(hex)), zeroPadValue(`0x${hex}`, 32)]
}

/**
 * Whether the job answers this log, as the directrequest listener decides before starting a run:
 * `null` if it does, else why not.
 */
export function whyNotAnswered(job: ValidatedJob, log: ChainLog): string | null {
  if (getAddress(log.address) !== getAddress(job.spec.contractAddress)) return 'another contract'
  const specId = log.topics[1]?.toLowerCase()
  if (specId === undefined || !specIdsOf(job.spec.externalJobID).includes(specId))
    return 'another job'
  const fields = AbiCoder.defaultAbiCoder().decode([...ORACLE_REQUEST_FIELDS], log.data)
  const payment = fields[2] as bigint
  if (payment < BigInt(job.spec.minContractPaymentLinkJuels)) {
    return `payment ${payment} below minContractPaymentLinkJuels ${job.spec.minContractPaymentLinkJuels}`
  }
  return null
}

/** Runs the pipeline with the given built-in variables; throws `TaskRunError` at the first failure. */
export async function runPipeline(
  job: ValidatedJob,
  builtins: Readonly<Record<'jobSpec' | 'jobRun', Record<string, PipelineValue>>>,
  env: TaskEnvironment,
): Promise<PipelineRun> {
  const vars: PipelineVars = new Map<string, PipelineValue>([
    ['jobSpec', builtins.jobSpec],
    ['jobRun', builtins.jobRun],
  ])
  const values = new Map<string, PipelineValue>()
  for (const name of job.order) {
    const task = job.pipeline.tasks.get(name)
    if (task === undefined) throw new TaskRunError(name, 'not in the pipeline')
    const inputs = parentsOf(job.pipeline, name).map((p) => values.get(p) ?? null)
    let value: PipelineValue
    try {
      value = await runTask(task, vars, inputs, env)
    } catch (cause) {
      throw new TaskRunError(name, (cause as Error).message, { cause })
    }
    values.set(name, value)
    vars.set(name, value)
  }
  return { order: job.order, values }
}

/** Plays the node for one OracleRequest log: checks the job answers it, then runs the pipeline. */
export async function runDirectRequest(
  job: ValidatedJob,
  log: ChainLog,
  env: TaskEnvironment,
): Promise<PipelineRun> {
  const reason = whyNotAnswered(job, log)
  if (reason !== null)
    throw new TaskRunError('(job)', `the job does not answer this log: ${reason}`)
  const fields = AbiCoder.defaultAbiCoder().decode([...ORACLE_REQUEST_FIELDS], log.data)
  // jobRun.meta as the directrequest delegate builds it (oracleRequestToMap: strings throughout)
  const oracleRequest: Record<string, PipelineValue> = {
    specId: (log.topics[1] as string).toLowerCase(),
    requester: getAddress(fields[0] as string),
    requestId: (fields[1] as string).toLowerCase(),
    payment: (fields[2] as bigint).toString(),
    callbackAddr: getAddress(fields[3] as string),
    callbackFunctionId: (fields[4] as string).toLowerCase(),
    cancelExpiration: (fields[5] as bigint).toString(),
    dataVersion: (fields[6] as bigint).toString(),
    data: (fields[7] as string).toLowerCase(),
  }
  return runPipeline(
    job,
    {
      jobSpec: {
        databaseID: 1n,
        externalJobID: job.spec.externalJobID,
        name: job.spec.name,
        evmChainID: job.spec.evmChainID,
      },
      jobRun: {
        meta: { oracleRequest },
        logBlockHash: log.blockHash,
        logBlockNumber: BigInt(log.blockNumber),
        logTxHash: log.transactionHash,
        logAddress: getAddress(log.address),
        logTopics: [...log.topics],
        logData: log.data,
      },
    },
    env,
  )
}
