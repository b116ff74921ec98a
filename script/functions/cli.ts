/**
 * `npm run functions -- <command>`: what a dApp developer does with the Functions sources.
 *
 *   simulate tabular --model risk-v1 --features '{"driver_age":34,...}' [--threshold 2] [--tolerance 0]
 *   simulate image --model damage-v1 --image-url <url> (--image-file <path> | --image-sha256 <0x..>)
 *
 * The adapters (the ADAPTERS secret) come from the environment, never from the command line:
 * `FUNCTIONS_ADAPTERS` (the JSON itself) or `FUNCTIONS_ADAPTERS_FILE` (a file holding it).
 * Prints the decoded result as JSON (exit 0) or the source's error (exit 1); `--json` prints the
 * args, the raw bytes and the source's log as well. Runs offline: only the adapters are contacted.
 * The real-network steps (secrets, subscription, request) are in docs/functions.md.
 */
import { readFileSync } from 'node:fs'

import { Command, InvalidArgumentError, Option } from 'commander'

import { decodeInferenceResult } from './inference-result'
import {
  RequestArgsError,
  imageArgs,
  parseAdaptersJson,
  sha256Hex,
  tabularArgs,
  type CommonOptions,
} from './request-args'
import { FUNCTIONS_SOURCES, simulateSource, type JobKind } from './simulate'

interface SimulateOptions {
  model: string
  modelHash?: string
  threshold: number
  tolerance: bigint
  features?: string
  imageUrl?: string
  imageFile?: string
  imageSha256?: string
  json?: boolean
}

function parseThreshold(value: string): number {
  if (!/^[1-5]$/.test(value)) throw new InvalidArgumentError('expected 1 to 5')
  return Number(value)
}

function parseTolerance(value: string): bigint {
  if (!/^(0|[1-9][0-9]*)$/.test(value)) throw new InvalidArgumentError('expected an integer >= 0')
  return BigInt(value)
}

function adaptersFromEnv(env: NodeJS.ProcessEnv): string {
  const inline = env.FUNCTIONS_ADAPTERS
  const file = env.FUNCTIONS_ADAPTERS_FILE
  let text: string
  if (inline !== undefined && inline.trim() !== '') text = inline
  else if (file !== undefined && file.trim() !== '') text = readFileSync(file, 'utf8')
  else throw new RequestArgsError('set FUNCTIONS_ADAPTERS or FUNCTIONS_ADAPTERS_FILE')
  // Checked here for a clear message; the source checks it again, as the DON would.
  parseAdaptersJson(text)
  return text
}

function buildArgs(job: JobKind, options: SimulateOptions): string[] {
  const common: CommonOptions = {
    model: options.model,
    threshold: options.threshold,
    tolerance: options.tolerance,
    ...(options.modelHash === undefined ? {} : { modelHash: options.modelHash }),
  }
  if (job === 'tabular') {
    if (options.features === undefined) throw new RequestArgsError('--features is required')
    let features: unknown
    try {
      features = JSON.parse(options.features)
    } catch {
      throw new RequestArgsError('--features is not valid JSON')
    }
    return tabularArgs({ ...common, features })
  }
  if (options.imageUrl === undefined) throw new RequestArgsError('--image-url is required')
  const imageSha256 =
    options.imageSha256 ??
    (options.imageFile === undefined ? undefined : sha256Hex(readFileSync(options.imageFile)))
  if (imageSha256 === undefined) {
    throw new RequestArgsError('--image-file or --image-sha256 is required')
  }
  return imageArgs({ ...common, imageUrl: options.imageUrl, imageSha256 })
}

async function simulateCommand(job: string, options: SimulateOptions): Promise<number> {
  if (job !== 'tabular' && job !== 'image') {
    throw new RequestArgsError('job must be "tabular" or "image"')
  }
  const args = buildArgs(job, options)
  const adapters = adaptersFromEnv(process.env)
  const outcome = await simulateSource({
    sourcePath: FUNCTIONS_SOURCES[job],
    args,
    secrets: { ADAPTERS: adapters },
  })
  const decoded =
    outcome.responseHex === undefined ? undefined : decodeInferenceResult(outcome.responseHex)
  const report = {
    ok: decoded !== undefined,
    ...(decoded === undefined
      ? { error: outcome.error ?? 'no result' }
      : {
          result: decoded.result.toString(),
          modelHash: decoded.modelHash,
          inputHash: decoded.inputHash,
          responded: decoded.responded,
          agreed: decoded.agreed,
          observedAt: decoded.observedAt.toString(),
        }),
    durationMs: outcome.durationMs,
    ...(options.json ? { args, responseHex: outcome.responseHex, log: outcome.log } : {}),
  }
  process.stdout.write(JSON.stringify(report, null, 2) + '\n')
  return decoded === undefined ? 1 : 0
}

export function buildProgram(): Command {
  const program = new Command('functions')
    .description('Chainlink Functions tooling for the onnx-oracle sources')
    .exitOverride()
  program
    .command('simulate')
    .description('run a source through the toolkit simulator against the adapters in ADAPTERS')
    .argument('<job>', 'tabular or image')
    .requiredOption('--model <id>', 'model id, e.g. risk-v1 or damage-v1')
    .option('--model-hash <0x..>', 'expected model hash (default: the bundled manifest)')
    .option('--threshold <n>', 'minimum agreeing adapters', parseThreshold, 2)
    .addOption(
      new Option('--tolerance <n>', 'absolute tolerance in result units')
        .argParser(parseTolerance)
        .default(0n, '0'),
    )
    .option('--features <json>', 'tabular: the features object')
    .option('--image-url <url>', 'image: URL the adapters fetch')
    .option('--image-file <path>', 'image: local copy of the image, to hash')
    .option('--image-sha256 <0x..>', 'image: sha256 of the image bytes')
    .option('--json', 'also print args, raw bytes and the source log')
    .action(async (job: string, options: SimulateOptions) => {
      process.exitCode = await simulateCommand(job, options)
    })
  return program
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv)
  } catch (error) {
    if (error instanceof RequestArgsError) {
      process.stderr.write(`error: ${error.message}\n`)
      process.exitCode = 2
      return
    }
    const code = (error as { exitCode?: unknown }).exitCode
    if (typeof code === 'number') {
      // commander already printed its message (help, unknown option, ...)
      process.exitCode = code
      return
    }
    throw error
  }
}

if (require.main === module) void main()
