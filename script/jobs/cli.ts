// `npm run job-spec -- --operator 0x... --model damage-v1 --evm-chain-id 1 [--out dir]`
// Generates the bridge definition and the `directrequest` job spec for one node operator and model,
// validated, and prints the on-chain job id to put in the consumer's OracleConfig.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { Command, InvalidArgumentError } from 'commander'

import { JOB_SPEC_DEFAULTS, JobSpecError, renderJob, type JobSpecOptions } from './job-spec'

function integer(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a non-negative integer')
  return Number(value)
}

/** Builds the command; `run` is separate so tests can drive it without a process. */
export function buildCommand(
  write: (text: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Command {
  const program = new Command('job-spec')
    .description('Generate the onnx-oracle bridge and directrequest job spec for a Chainlink node')
    .requiredOption('--operator <address>', 'your Operator contract address')
    .requiredOption('--model <id>', 'model id the job serves, e.g. damage-v1')
    .requiredOption('--evm-chain-id <id>', 'chain id of the Operator contract')
    .option('--bridge-name <name>', 'bridge name in the node', JOB_SPEC_DEFAULTS.bridgeName)
    .option('--bridge-url <url>', 'adapter URL as the node reaches it', JOB_SPEC_DEFAULTS.bridgeUrl)
    .option('--external-job-id <uuid>', 'job UUID (random if omitted)')
    .option('--job-name <name>', 'job name (default: "onnx-oracle <model>")')
    .option(
      '--min-payment <juels>',
      'smallest LINK payment accepted',
      JOB_SPEC_DEFAULTS.minPaymentJuels,
    )
    .option(
      '--min-confirmations <n>',
      'block confirmations before acting on a request',
      integer,
      JOB_SPEC_DEFAULTS.minIncomingConfirmations,
    )
    .option(
      '--gas-limit <gas>',
      'gas limit of the fulfilment transaction',
      integer,
      JOB_SPEC_DEFAULTS.gasLimit,
    )
    .option('--bridge-timeout <duration>', 'adapter call timeout', JOB_SPEC_DEFAULTS.bridgeTimeout)
    .option(
      '--max-task-duration <duration>',
      'whole-run timeout',
      JOB_SPEC_DEFAULTS.maxTaskDuration,
    )
    .option(
      '--out <dir>',
      'write <bridge>.bridge.json and <model>.job.toml here instead of printing',
    )
    .option(
      '--api-key-env <name>',
      'environment variable holding the adapter API key the bridge task sends (needs --out)',
    )
    .action((o: Record<string, string | number | undefined>) => {
      const options: JobSpecOptions = {
        operator: String(o.operator),
        model: String(o.model),
        evmChainId: String(o.evmChainId),
        bridgeName: String(o.bridgeName),
        bridgeUrl: String(o.bridgeUrl),
        externalJobId: o.externalJobId === undefined ? undefined : String(o.externalJobId),
        jobName: o.jobName === undefined ? undefined : String(o.jobName),
        minPaymentJuels: String(o.minPayment),
        minIncomingConfirmations: Number(o.minConfirmations),
        gasLimit: Number(o.gasLimit),
        bridgeTimeout: String(o.bridgeTimeout),
        maxTaskDuration: String(o.maxTaskDuration),
      }
      if (o.apiKeyEnv !== undefined) {
        const name = String(o.apiKeyEnv)
        const key = env[name]
        if (key === undefined || key === '')
          throw new JobSpecError(`${name} is not set`, 'apiKeyEnv')
        // a secret goes to a private file only, never to the terminal
        if (o.out === undefined) throw new JobSpecError('an API key needs --out', 'apiKeyEnv')
        options.apiKey = key
      }
      const job = renderJob(options)
      if (o.out !== undefined) {
        const dir = String(o.out)
        mkdirSync(dir, { recursive: true })
        const bridgeFile = join(dir, `${options.bridgeName}.bridge.json`)
        const jobFile = join(dir, `${options.model}.job.toml`)
        writeFileSync(bridgeFile, job.bridgeJson)
        writeFileSync(jobFile, job.jobToml, { mode: 0o600 })
        chmodSync(jobFile, 0o600) // also when the file already existed
        write(`wrote ${bridgeFile}\nwrote ${jobFile}\n`)
      } else {
        write(
          `# bridge (chainlink bridges create)\n${job.bridgeJson}\n# job (chainlink jobs create)\n`,
        )
        write(job.jobToml)
      }
      write(`externalJobID: ${job.externalJobId}\n`)
      write(`on-chain job id (QuorumConsumer.OracleConfig.jobId): ${job.onchainJobId}\n`)
    })
  return program
}

/** Runs the CLI; returns the process exit code (0 ok, 2 invalid options or spec). */
export function run(
  argv: readonly string[],
  out: (t: string) => void,
  err: (t: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): number {
  const program = buildCommand(out, env)
  program.exitOverride().configureOutput({ writeOut: out, writeErr: err })
  try {
    program.parse(argv, { from: 'user' })
    return 0
  } catch (e) {
    if (e instanceof JobSpecError) {
      err(`job-spec: ${e.message}\n`)
      return 2
    }
    const code = (e as { exitCode?: unknown }).exitCode
    if (typeof code === 'number') return code === 0 ? 0 : 2
    throw e
  }
}

if (require.main === module) {
  process.exitCode = run(
    process.argv.slice(2),
    (t) => process.stdout.write(t),
    (t) => process.stderr.write(t),
  )
}
