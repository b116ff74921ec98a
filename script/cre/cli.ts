/**
 * `npm run cre -- <command>`: the CRE transport on this machine.
 *
 *   simulate tabular --model risk-v1 --features '{"driver_age":34,...}' [--threshold 2] [--tolerance 0]
 *   simulate image --model damage-v1 --image-url <url> (--image-file <path> | --image-sha256 <0x..>)
 *   simulate log --tx <0x..> [--log-index <n>]      (the request's transaction, on CRE_RPC_URL)
 *   don                                              (a local CRE DON; see script/cre/config.ts)
 *   rounds [--rounds 20] [--warmup 2]                (round latency, request to accepted result)
 *
 * `simulate` runs the workflow once, with --nodes simulated nodes (default 4) each running the
 * workflow's node-mode code against the adapters, and the DON's consensus by fields; nothing is
 * written on-chain. It prints the decoded report as JSON (exit 0), or why there is none (exit 1);
 * `--json` adds every node's observation and log and the encoded bytes. The adapters (the ADAPTERS
 * secret: URLs, API keys, signers) come from ADAPTERS_JSON or CRE_ADAPTERS_FILE, never from the
 * command line. A usage or configuration error exits 2. docs/cre.md and docs/local-don.md.
 */
import { Command, InvalidArgumentError } from 'commander'
import { JsonRpcProvider, getBytes, type Log } from 'ethers'

import { decodeCrePayload } from '../../protocol/cre-payload'
import { decodeInferenceResult } from '../../protocol/inference-result'
import { INFERENCE_REQUESTED_TOPIC } from '../../cre-workflow/onnx-inference/request-event'
import { RequestArgsError, checkThreshold } from '../functions/request-args'
import { addRequestOptions, requestArgs, type RequestOptions } from '../functions/request-options'
import { runCli } from '../local/cli-main'
import { CreCliConfigError, adaptersSecretFromEnv } from './config'
import type { ConsensusOutcome, NodeObservation } from './consensus'
import { SimulationError, simulateFields, simulateRequestLog, type SimulatedNode } from './simulate'

export interface CreSimulateOptions extends Omit<RequestOptions, 'model'> {
  /** Required for a tabular or image job; the log job reads the request from the chain. */
  model?: string
  tx?: string
  logIndex?: number
  nodes: number
  adapterTimeoutMs?: number
  json?: boolean
}

export interface CreSimulateReport {
  exitCode: 0 | 1
  report: Record<string, unknown>
}

function parseCount(value: string): number {
  if (!/^[1-9][0-9]*$/.test(value)) throw new InvalidArgumentError('expected a positive integer')
  return Number(value)
}

function parseIndex(value: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(value)) throw new InvalidArgumentError('expected an integer >= 0')
  return Number(value)
}

function parseTxHash(value: string): string {
  if (!/^0x[0-9a-fA-F]{64}$/.test(value)) throw new InvalidArgumentError('expected 0x + 64 hex')
  return value
}

const bigintsAsStrings = (_key: string, value: unknown): unknown =>
  typeof value === 'bigint' ? value.toString() : value

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, bigintsAsStrings, 2)}\n`)
}

/** Each node in short: its observation or its error. */
function nodeSummary<T>(nodes: SimulatedNode<T>[], json: boolean | undefined): unknown[] {
  return nodes.map((n) => ({
    node: n.node,
    ...(n.observation.ok ? { ok: true } : { ok: false, error: n.observation.error }),
    ...(json
      ? { observation: (n.observation as NodeObservation<T> & { value?: T }).value, log: n.log }
      : {}),
  }))
}

function consensusSummary<T>(c: ConsensusOutcome<T>): Record<string, unknown> {
  switch (c.kind) {
    case 'agreed':
      return {
        consensus: 'agreed',
        ...(c.defaulted.length > 0 ? { defaultedFields: c.defaulted } : {}),
      }
    case 'default':
      return { consensus: 'default', reason: c.reason }
    case 'failed':
      return { consensus: 'failed', reason: c.reason }
    case 'insufficient':
      return {
        consensus: 'insufficient',
        reason: `${c.observations} observations, ${c.required} needed`,
      }
  }
}

/** The request fields of a tabular or image job, built as the Functions CLI builds its args. */
function requestFields(job: 'tabular' | 'image', options: CreSimulateOptions) {
  if (options.model === undefined) throw new RequestArgsError('--model is required')
  const args = requestArgs(job, { ...options, model: options.model })
  const [modelId, modelHash, inputHash, inputJson, threshold, tolerance] = args as [
    string,
    string,
    string,
    string,
    string,
    string,
  ]
  return {
    modelId,
    modelHash,
    inputHash,
    input: inputJson,
    threshold: Number(threshold),
    tolerance,
  }
}

async function requestLogOf(
  env: NodeJS.ProcessEnv,
  tx: string,
  index: number,
): Promise<{ log: Log; oracle: string }> {
  const rpcUrl = env.CRE_RPC_URL?.trim()
  if (!rpcUrl)
    throw new CreCliConfigError(
      'simulate log: set CRE_RPC_URL (the chain of the request transaction)',
    )
  const provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true })
  try {
    const receipt = await provider.getTransactionReceipt(tx)
    if (receipt === null) throw new RequestArgsError(`no receipt for ${tx} on CRE_RPC_URL`)
    const logs = receipt.logs.filter((l) => l.topics[0] === INFERENCE_REQUESTED_TOPIC)
    const log = logs[index]
    if (log === undefined) {
      throw new RequestArgsError(
        `${tx} has ${logs.length} InferenceRequested logs; --log-index ${index} is out of range`,
      )
    }
    return { log, oracle: log.address }
  } finally {
    provider.destroy()
  }
}

/**
 * The `simulate` command without its printing: the decoded report (exit code 0), or why there is
 * none (1). Throws RequestArgsError / CreCliConfigError / SimulationError for a run it cannot start.
 */
export async function simulateCommand(
  job: string,
  options: CreSimulateOptions,
  env: NodeJS.ProcessEnv,
): Promise<CreSimulateReport> {
  if (job !== 'tabular' && job !== 'image' && job !== 'log') {
    throw new RequestArgsError('job must be "tabular", "image" or "log"')
  }
  const adaptersSecret = adaptersSecretFromEnv(env)
  if (adaptersSecret === undefined)
    throw new CreCliConfigError('set ADAPTERS_JSON or CRE_ADAPTERS_FILE')
  const sim = {
    adaptersSecret,
    nodes: options.nodes,
    ...(options.adapterTimeoutMs === undefined
      ? {}
      : { adapterTimeoutMs: options.adapterTimeoutMs }),
  }
  if (job === 'log') {
    if (options.tx === undefined) throw new RequestArgsError('--tx is required')
    const { log, oracle } = await requestLogOf(env, options.tx, options.logIndex ?? 0)
    const out = await simulateRequestLog(
      {
        address: getBytes(log.address),
        topics: log.topics.map((t) => getBytes(t)),
        data: getBytes(log.data),
        removed: log.removed,
      },
      oracle,
      sim,
    )
    const payload = out.payloadHex === undefined ? undefined : decodeCrePayload(out.payloadHex)
    const report = {
      ok: out.consensus.kind === 'agreed',
      trigger: 'log',
      oracle,
      request: {
        requestId: out.event.requestId,
        model: out.event.modelName,
        client: out.event.client,
        threshold: out.event.threshold,
      },
      ...consensusSummary(out.consensus),
      ...(payload === undefined
        ? {}
        : {
            report: {
              requestId: payload.requestId,
              client: payload.client,
              modelId: payload.modelId,
              requestedInputHash: payload.requestedInputHash,
              result: payload.result.toString(),
              modelHash: payload.modelHash,
              inputHash: payload.inputHash,
              responded: payload.responded,
              agreed: payload.agreed,
              observedAt: payload.observedAt.toString(),
            },
          }),
      nodes: nodeSummary(out.nodes, options.json),
      durationMs: Math.round(out.durationMs),
      ...(options.json ? { payloadHex: out.payloadHex } : {}),
    }
    return { exitCode: out.consensus.kind === 'agreed' ? 0 : 1, report }
  }

  const fields = requestFields(job, options)
  checkThreshold(options.threshold, (JSON.parse(adaptersSecret) as unknown[]).length)
  const out = await simulateFields(fields, sim)
  const result =
    out.encodedResult === undefined ? undefined : decodeInferenceResult(out.encodedResult)
  const report = {
    ok: result !== undefined,
    trigger: 'http',
    ...consensusSummary(out.consensus),
    ...(result === undefined
      ? {}
      : {
          result: result.result.toString(),
          modelHash: result.modelHash,
          inputHash: result.inputHash,
          responded: result.responded,
          agreed: result.agreed,
          observedAt: result.observedAt.toString(),
        }),
    nodes: nodeSummary(out.nodes, options.json),
    durationMs: Math.round(out.durationMs),
    ...(options.json ? { request: fields, encodedResult: out.encodedResult } : {}),
  }
  return { exitCode: result === undefined ? 1 : 0, report }
}

export function buildProgram(): Command {
  const program = new Command('cre')
    .description(
      'Chainlink CRE tooling for the onnx-oracle workflow: simulate, a local DON, round latency',
    )
    .exitOverride()
  const simulate = program
    .command('simulate')
    .description(
      'run the workflow once against the adapters in ADAPTERS_JSON / CRE_ADAPTERS_FILE; nothing is written on-chain',
    )
    .argument(
      '<job>',
      'tabular or image (the HTTP trigger), or log (the log trigger of a request transaction)',
    )
    .option('--model <id>', 'model id, e.g. risk-v1 or damage-v1')
  addRequestOptions(simulate)
    .option(
      '--tx <0x..>',
      'log: the transaction that emitted InferenceRequested (on CRE_RPC_URL)',
      parseTxHash,
    )
    .option(
      '--log-index <n>',
      "log: which of the transaction's InferenceRequested logs",
      parseIndex,
      0,
    )
    .option('--nodes <n>', 'simulated DON nodes (4 to 31; f = (n - 1) / 3)', parseCount, 4)
    .option(
      '--adapter-timeout-ms <ms>',
      'per adapter call (the workflow config default: 4000)',
      parseCount,
    )
    .option('--json', "also print every node's observation and log and the encoded bytes")
    .action(async (job: string, options: CreSimulateOptions) => {
      const { exitCode, report } = await simulateCommand(job, options, process.env)
      print(report)
      process.exitCode = exitCode
    })
  program
    .command('don')
    .description('a local CRE DON: starts anvil and deploys (or serves CRE_RPC_URL), until Ctrl-C')
    .action(async () => {
      const { runDonCommand } = await import('./don-command.js')
      await runDonCommand(process.env)
    })
  program
    .command('rounds')
    .description('round latency: request transaction to accepted result, on a local CRE stack')
    .option('--rounds <n>', 'measured rounds', parseCount, 20)
    .option('--warmup <n>', 'uncounted rounds first', parseIndex, 2)
    .option('--json', 'print the figures as JSON only')
    .action(async (options: { rounds: number; warmup: number; json?: boolean }) => {
      const { measureCreRounds } = await import('./round-latency.js')
      const figures = await measureCreRounds({
        rounds: options.rounds,
        warmup: options.warmup,
        ...(options.json ? {} : { log: (line: string) => process.stderr.write(`${line}\n`) }),
      })
      print({
        rounds: figures.rounds,
        p50Ms: Math.round(figures.p50Ms),
        p95Ms: Math.round(figures.p95Ms),
        maxMs: Math.round(figures.maxMs),
        allAccepted: figures.allAccepted,
        reportGasMedian:
          figures.reportGas.length === 0
            ? null
            : [...figures.reportGas].sort((a, b) => (a < b ? -1 : 1))[
                figures.reportGas.length >> 1
              ],
      })
      process.exitCode = figures.allAccepted ? 0 : 1
    })
  return program
}

if (require.main === module) {
  void runCli(buildProgram(), [RequestArgsError, CreCliConfigError, SimulationError])
}
