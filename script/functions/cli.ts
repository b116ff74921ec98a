/**
 * `npm run functions -- <command>`: what a dApp developer does with the Functions sources.
 *
 *   simulate tabular --model risk-v1 --features '{"driver_age":34,...}' [--threshold 2] [--tolerance 0]
 *   simulate image --model damage-v1 --image-url <url> (--image-file <path> | --image-sha256 <0x..>)
 *
 *   sub:create --router <0x..> --link <0x..> [--consumer <0x..>]
 *   sub:fund --router <0x..> --link <0x..> --sub <id> --juels <amount>
 *   sub:add-consumer --router <0x..> --link <0x..> --sub <id> --consumer <0x..>
 *   sub:info --router <0x..> --link <0x..> --sub <id>
 *   secrets:encrypt --router <0x..> --don-id <id> [--out <file>]
 *
 * Secrets come from the environment, never from the command line: the adapters (the ADAPTERS
 * secret) from `FUNCTIONS_ADAPTERS` (the JSON itself) or `FUNCTIONS_ADAPTERS_FILE` (a file holding
 * it); the chain from `FUNCTIONS_RPC_URL` and `FUNCTIONS_PRIVATE_KEY`.
 * `simulate` prints the decoded result as JSON (exit 0) or the source's error (exit 1); `--json`
 * prints the args, the raw bytes and the source's log as well. It runs offline: only the adapters
 * are contacted. Every command prints one JSON object; a usage or configuration error exits 2.
 * Uploading secrets (needs the DON's gateway) and sending a request: docs/functions.md.
 */
import { readFileSync, writeFileSync } from 'node:fs'

import { Command, InvalidArgumentError } from 'commander'

import { decodeInferenceResult } from '../../protocol/inference-result'
import { RequestArgsError, checkThreshold, parseAdaptersJson } from './request-args'
import { addRequestOptions, requestArgs, type RequestOptions } from './request-options'
import { runCli } from '../local/cli-main'
import { FUNCTIONS_SOURCES, simulateSource } from '../local/functions-simulator'

export interface SimulateOptions extends RequestOptions {
  json?: boolean
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

export interface SimulateReport {
  exitCode: 0 | 1
  report: Record<string, unknown>
}

/**
 * The `simulate` command without its printing: runs the job's source and reports the decoded result
 * (exit code 0) or the source's error (1). Throws RequestArgsError for a request it cannot build.
 */
export async function simulateCommand(
  job: string,
  options: SimulateOptions,
  env: NodeJS.ProcessEnv,
): Promise<SimulateReport> {
  if (job !== 'tabular' && job !== 'image') {
    throw new RequestArgsError('job must be "tabular" or "image"')
  }
  const args = requestArgs(job, options)
  const adapters = adaptersFromEnv(env)
  checkThreshold(options.threshold, parseAdaptersJson(adapters).length)
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
  return { exitCode: decoded === undefined ? 1 : 0, report }
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/

function parseAddress(value: string): string {
  if (!ADDRESS.test(value)) throw new InvalidArgumentError('expected an address, 0x + 40 hex')
  return value
}

function parseSubscriptionId(value: string): string {
  if (!/^[1-9][0-9]*$/.test(value)) throw new InvalidArgumentError('expected a subscription id')
  return value
}

function parseJuels(value: string): bigint {
  if (!/^[1-9][0-9]*$/.test(value)) throw new InvalidArgumentError('expected a positive integer')
  return BigInt(value)
}

function print(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n')
}

interface SubOptions {
  router: string
  link: string
  sub?: string
  consumer?: string
  juels?: bigint
}

/** The network module loads the toolkit's package root (about 1.5 s): only when needed. */
async function network() {
  // eccrypto (inside the toolkit) announces its JavaScript fallback with console.info, on stdout,
  // where this CLI prints its JSON: silence it while the module loads.
  const info = console.info
  console.info = () => undefined
  let module: typeof import('./network.js')
  try {
    module = await import('./network.js')
  } finally {
    console.info = info
  }
  return { ...module, env: module.networkEnv(process.env) }
}

/** A subscription command: the Router and LINK token, and with `sub`, the subscription id. */
function subscriptionCommand(
  program: Command,
  name: string,
  description: string,
  { sub }: { sub: boolean },
): Command {
  const command = program
    .command(name)
    .description(description)
    .requiredOption('--router <0x..>', 'FunctionsRouter address', parseAddress)
    .requiredOption('--link <0x..>', 'LINK token address', parseAddress)
  return sub
    ? command.requiredOption('--sub <id>', 'subscription id', parseSubscriptionId)
    : command
}

type NetworkModule = Awaited<ReturnType<typeof network>>

/** An action that changes a subscription (if `change` is given), then prints its state. */
function thenPrintSubscription<O extends SubOptions & { sub: string }>(
  change?: (net: NetworkModule, options: O) => Promise<unknown>,
): (options: O) => Promise<void> {
  return async (options) => {
    const net = await network()
    await change?.(net, options)
    print(await net.subscriptionInfo(net.env, options, options.sub))
  }
}

function addNetworkCommands(program: Command): void {
  subscriptionCommand(program, 'sub:create', 'create a Functions billing subscription', {
    sub: false,
  })
    .option('--consumer <0x..>', 'first consumer contract', parseAddress)
    .action(async (options: SubOptions) => {
      const { env, createSubscription } = await network()
      print({ subscriptionId: await createSubscription(env, options, options.consumer) })
    })
  subscriptionCommand(program, 'sub:fund', 'send LINK to a subscription', { sub: true })
    .requiredOption('--juels <amount>', 'LINK amount in juels (1 LINK = 1e18)', parseJuels)
    .action(
      thenPrintSubscription((net, o: SubOptions & { sub: string; juels: bigint }) =>
        net.fundSubscription(net.env, o, o.sub, o.juels),
      ),
    )
  subscriptionCommand(
    program,
    'sub:add-consumer',
    'allow a consumer contract to use a subscription',
    { sub: true },
  )
    .requiredOption('--consumer <0x..>', 'consumer contract', parseAddress)
    .action(
      thenPrintSubscription((net, o: SubOptions & { sub: string; consumer: string }) =>
        net.addConsumer(net.env, o, o.sub, o.consumer),
      ),
    )
  subscriptionCommand(program, 'sub:info', 'owner, balance and consumers of a subscription', {
    sub: true,
  }).action(thenPrintSubscription())
  program
    .command('secrets:encrypt')
    .description('encrypt the ADAPTERS secret to the DON keys, for DON-hosted secrets')
    .requiredOption('--router <0x..>', 'FunctionsRouter address', parseAddress)
    .requiredOption('--don-id <id>', 'DON id, e.g. fun-ethereum-sepolia-1')
    .option('--out <file>', 'also write the encrypted secrets to this file')
    .action(async (options: { router: string; donId: string; out?: string }) => {
      const adapters = adaptersFromEnv(process.env)
      const { env, encryptSecrets } = await network()
      const encrypted = await encryptSecrets(env, options.router, options.donId, {
        ADAPTERS: adapters,
      })
      if (options.out !== undefined) writeFileSync(options.out, encrypted + '\n', { mode: 0o600 })
      print({ encryptedSecrets: encrypted, bytes: (encrypted.length - 2) / 2 })
    })
}

export function buildProgram(): Command {
  const program = new Command('functions')
    .description('Chainlink Functions tooling for the onnx-oracle sources')
    .exitOverride()
  const simulate = program
    .command('simulate')
    .description('run a source through the toolkit simulator against the adapters in ADAPTERS')
    .argument('<job>', 'tabular or image')
    .requiredOption('--model <id>', 'model id, e.g. risk-v1 or damage-v1')
  addRequestOptions(simulate)
    .option('--json', 'also print args, raw bytes and the source log')
    .action(async (job: string, options: SimulateOptions) => {
      const { exitCode, report } = await simulateCommand(job, options, process.env)
      print(report)
      process.exitCode = exitCode
    })
  addNetworkCommands(program)
  return program
}

if (require.main === module) {
  // NetworkConfigError by name: ./network.ts loads only for the network commands.
  void runCli(buildProgram(), [RequestArgsError, 'NetworkConfigError'])
}
