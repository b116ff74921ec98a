/**
 * `npm run registry -- <command>`: model authors and registry operators on the ModelRegistry.
 *
 *   propose <folder> [--weights-commitment <0x..>]    a proposer records a verified model folder
 *   approve <folder> [--weights-commitment <0x..>]    an approver approves it if the on-chain record
 *                                                     is the manifest's (two-person rule)
 *   reject <folder | id --hash <0x..>>                an approver deletes a proposal (squatting remedy)
 *   revoke <folder | id --hash> [--replacement <0x..>] the active version: first run proposes, a second
 *                                                     approver's run confirms; or replace it at once
 *   deprecate <folder | id --hash>                    same two-person rule as revoke
 *   activate <folder | id --hash>                     make an approved version the active one
 *   amend <folder | id --hash> [--label-count <n>] [--weights-commitment <0x..>]
 *                                                     propose record extensions; a second person's
 *                                                     identical run confirms
 *   cancel <folder | id --hash> (--retirement | --amendment)
 *   status <folder | id> [--hash <0x..>]              active version, record, pending actions
 *
 * A folder is verified against its manifest first (as `npm run models:verify`); a folder that does
 * not verify is refused before anything is sent. Without --weights-commitment, a folder's weights
 * commitment is its zk format's (`zk/circuits/<id>/format.json`, when generated from this very
 * model file), else zero. Environment: REGISTRY_RPC_URL, REGISTRY_PRIVATE_KEY
 * (never printed; not needed by `status`), REGISTRY_ADDRESS (default: deployments/<chainid>.json),
 * REGISTRY_POLLING_INTERVAL_MS. Each command prints one JSON object: the transaction (hash, block,
 * gas, the registry events it emitted) and the on-chain record afterwards. Exit codes: 0 done, 1 the
 * registry refused (its custom error and values are printed) or the manifest/record check failed,
 * 2 usage or configuration.
 */
import { Command, InvalidArgumentError, Option } from 'commander'
import { JsonRpcProvider, Wallet } from 'ethers'

import { RegistryConfigError, registryAddress, registryEnv } from './config'
import { ManifestVerificationError, ProposalError } from './model-proposal'
import {
  activate,
  amend,
  approve,
  cancel,
  propose,
  RecordMismatchError,
  RegistryUsageError,
  reject,
  resolveTarget,
  retire,
  status,
  type CommandResult,
  type Target,
} from './operations'
import { ModelRegistryClient, RegistryRevertError } from './registry-client'

/** The exit code of a failure: 2 for usage and configuration, 1 for everything else. */
export function exitCodeOf(err: unknown): 1 | 2 {
  return err instanceof RegistryConfigError ||
    err instanceof RegistryUsageError ||
    err instanceof ProposalError
    ? 2
    : 1
}

/** One JSON object describing a failure (never the private key: no error carries it). */
export function describeFailure(err: unknown): Record<string, unknown> {
  if (err instanceof RegistryRevertError) {
    return {
      error: 'RegistryReverted',
      revert: err.errorName,
      args: err.args,
      message: err.message,
    }
  }
  if (err instanceof ManifestVerificationError) {
    return { error: err.name, dir: err.dir, problems: err.problems, message: err.message }
  }
  if (err instanceof RecordMismatchError) {
    return { error: err.name, mismatches: err.mismatches, message: err.message }
  }
  if (err instanceof Error) return { error: err.name, message: err.message }
  return { error: 'Error', message: String(err) }
}

interface Session {
  client: ModelRegistryClient
  signer: string | undefined
  chainId: number
  provider: JsonRpcProvider
}

async function openSession(env: NodeJS.ProcessEnv, needsKey: boolean): Promise<Session> {
  const config = registryEnv(env, { needsKey })
  // No request cache: a read right after a transaction must see its effect.
  const provider = new JsonRpcProvider(config.rpcUrl, undefined, {
    staticNetwork: true,
    cacheTimeout: -1,
  })
  if (config.pollingIntervalMs !== undefined) provider.pollingInterval = config.pollingIntervalMs
  let chainId: number
  try {
    chainId = Number((await provider.getNetwork()).chainId)
  } catch (err) {
    provider.destroy()
    throw new RegistryConfigError(
      `REGISTRY_RPC_URL: cannot reach the chain (${err instanceof Error ? err.message : String(err)})`,
    )
  }
  const address = registryAddress(config, chainId)
  if ((await provider.getCode(address)) === '0x') {
    provider.destroy()
    throw new RegistryConfigError(
      `no contract at the registry address ${address} on chain ${chainId}`,
    )
  }
  const wallet =
    config.privateKey === undefined ? undefined : new Wallet(config.privateKey, provider)
  return {
    client: new ModelRegistryClient(address, wallet ?? provider),
    signer: wallet?.address,
    chainId,
    provider,
  }
}

function parseLabelCount(value: string): number {
  if (!/^(0|[1-9][0-9]{0,4})$/.test(value) || Number(value) > 65_535) {
    throw new InvalidArgumentError('expected an integer from 0 to 65535')
  }
  return Number(value)
}

type Options = Record<string, unknown>
type Action = (session: Session, target: Target, opts: Options) => Promise<CommandResult>

export interface CliIo {
  env: NodeJS.ProcessEnv
  out: (text: string) => void
  err: (text: string) => void
}

/** Builds the program; `run` resolves to the exit code. */
export function buildProgram(io: CliIo): { program: Command; exitCode: () => number } {
  let exitCode = 0
  const program = new Command()
    .name('registry')
    .description('Propose, approve, revoke and inspect model versions in the ModelRegistry')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError()

  // Every command: resolve (and verify) the target, connect, act, print one JSON object.
  const run =
    (needsKey: boolean, action: Action) =>
    async (arg: string, opts: Options): Promise<void> => {
      let session: Session | undefined
      try {
        const target = await resolveTarget(arg, {
          ...stringOption(opts, 'hash', 'hash'),
          ...stringOption(opts, 'weightsCommitment', 'weightsCommitment'),
        })
        session = await openSession(io.env, needsKey)
        const result = await action(session, target, opts)
        io.out(
          JSON.stringify(
            {
              registry: session.client.address,
              chainId: session.chainId,
              signer: session.signer ?? null,
              ...result,
            },
            null,
            2,
          ) + '\n',
        )
      } catch (err) {
        exitCode = exitCodeOf(err)
        io.err(JSON.stringify(describeFailure(err), null, 2) + '\n')
      } finally {
        session?.provider.destroy()
      }
    }
  const signerOf = (s: Session): string => {
    if (s.signer === undefined) throw new RegistryConfigError('REGISTRY_PRIVATE_KEY is not set')
    return s.signer
  }
  const hashOption = new Option(
    '--hash <0x..>',
    'model hash of the version (sha256 of the ONNX file)',
  )
  const commitmentOption = new Option(
    '--weights-commitment <0x..>',
    "Poseidon commitment to the quantised weights (default: the model's zk format, else zero)",
  )

  program
    .command('propose')
    .description('record a verified model folder as a proposed version (PROPOSER_ROLE)')
    .argument('<folder>', 'model folder with manifest.json')
    .addOption(commitmentOption)
    .action(run(true, (s, t) => propose(s.client, t)))

  program
    .command('approve')
    .description(
      'approve a proposal whose on-chain record matches the verified folder (APPROVER_ROLE)',
    )
    .argument('<folder>', 'model folder with manifest.json')
    .addOption(commitmentOption)
    .action(run(true, (s, t) => approve(s.client, t)))

  program
    .command('reject')
    .description('delete a proposal so its (model id, hash) can be proposed again (APPROVER_ROLE)')
    .argument('<target>', 'model folder, or model id with --hash')
    .addOption(hashOption)
    .action(run(true, (s, t) => reject(s.client, t)))

  program
    .command('revoke')
    .description(
      'revoke a version; the active one takes two approvers or a --replacement (APPROVER_ROLE)',
    )
    .argument('<target>', 'model folder, or model id with --hash')
    .addOption(hashOption)
    .option('--replacement <0x..>', 'an approved version to activate in the same call')
    .action(
      run(true, (s, t, o) =>
        retire(s.client, signerOf(s), t, 'Revoked', stringOption(o, 'replacement', 'r').r),
      ),
    )

  program
    .command('deprecate')
    .description(
      'deprecate an approved version; the active one takes two approvers (APPROVER_ROLE)',
    )
    .argument('<target>', 'model folder, or model id with --hash')
    .addOption(hashOption)
    .action(run(true, (s, t) => retire(s.client, signerOf(s), t, 'Deprecated')))

  program
    .command('activate')
    .description('make an approved version the active one (APPROVER_ROLE)')
    .argument('<target>', 'model folder, or model id with --hash')
    .addOption(hashOption)
    .action(run(true, (s, t) => activate(s.client, t)))

  program
    .command('amend')
    .description(
      'propose (PROPOSER_ROLE) or confirm (APPROVER_ROLE, another person) a label count / weights commitment',
    )
    .argument('<target>', 'model folder, or model id with --hash')
    .addOption(hashOption)
    .option('--label-count <n>', 'classes the result indexes (0 for a scalar)', parseLabelCount)
    .addOption(commitmentOption)
    .action(
      run(true, (s, t, o) =>
        amend(s.client, signerOf(s), t, {
          ...(typeof o.labelCount === 'number' ? { labelCount: o.labelCount } : {}),
          ...stringOption(o, 'weightsCommitment', 'weightsCommitment'),
        }),
      ),
    )

  program
    .command('cancel')
    .description('withdraw a pending revocation/deprecation or amendment')
    .argument('<target>', 'model folder, or model id with --hash')
    .addOption(hashOption)
    .addOption(
      new Option('--retirement', 'the pending revocation or deprecation').conflicts('amendment'),
    )
    .addOption(new Option('--amendment', 'the pending amendment'))
    .action(
      run(true, (s, t, o) => {
        if (o.retirement !== true && o.amendment !== true) {
          throw new RegistryUsageError('cancel: say what, --retirement or --amendment')
        }
        return cancel(s.client, t, o.retirement === true ? 'retirement' : 'amendment')
      }),
    )

  program
    .command('status')
    .description('the active version, a version record and what is pending (read-only)')
    .argument('<target>', 'model folder or model id')
    .addOption(hashOption)
    .addOption(commitmentOption)
    .action(
      run(false, (s, t) => status(s.client, t, { compareWeightsCommitment: commitmentGiven(t) })),
    )

  return { program, exitCode: () => exitCode }
}

/** Whether the target's proposal carries a commitment given on the command line (non-zero). */
function commitmentGiven(t: Target): boolean {
  return t.model !== undefined && !/^0x0{64}$/.test(t.model.proposal.weightsCommitment)
}

/** `{ [as]: value }` when the string option `name` was given, else `{}`. */
function stringOption<K extends string>(opts: Options, name: string, as: K): { [P in K]?: string } {
  const value = opts[name]
  return (typeof value === 'string' ? { [as]: value } : {}) as { [P in K]?: string }
}

/** Runs the CLI with `argv` (without node and the script); resolves to the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const { program, exitCode } = buildProgram(io)
  try {
    await program.parseAsync(argv, { from: 'user' })
  } catch (err) {
    // commander's own usage errors (exitOverride): help and version exit 0.
    const code = (err as { exitCode?: number }).exitCode
    return code === 0 ? 0 : 2
  }
  return exitCode()
}

if (require.main === module) {
  runCli(process.argv.slice(2), {
    env: process.env,
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
  })
    .then((code) => {
      process.exitCode = code
    })
    .catch((err: unknown) => {
      process.stderr.write(JSON.stringify(describeFailure(err)) + '\n')
      process.exitCode = 1
    })
}
