/**
 * `npm run don`: a local Chainlink Functions DON in front of the real FunctionsCoordinator.
 *
 * With DON_RPC_URL and DON_COORDINATOR set, it serves that deployment. Otherwise it starts anvil
 * (DON_ANVIL_PORT, default 8545), deploys Chainlink Functions there (script/DeployLocalFunctions.s.sol)
 * and prints the addresses a consumer needs. It then watches for requests until SIGINT/SIGTERM.
 * Environment: script/don/config.ts and docs/local-don.md.
 *
 * `npm run don -- rounds [N]` instead measures N rounds, request to accepted result, on a stack of
 * its own (script/don/rounds-command.ts) and exits.
 */
import { startAnvil, type LocalChain } from '../local/anvil'
import { deployLocalFunctions } from '../local/functions-deployment'
import { loadDonConfig } from './config'
import { DonConfigError } from './errors'
import { LocalDon, type DonEvent } from './local-don'
import { runRoundsCommand } from './rounds-command'
import { HostedSecretsStore } from './secrets'
import { describeDonEvent } from './event-log'

async function main(): Promise<void> {
  const config = loadDonConfig(process.env)
  let chain: LocalChain | undefined
  let rpcUrl: string
  let coordinator: string
  let keyring: string[]
  if (config.attach) {
    ;({ rpcUrl, coordinator } = config.attach)
    if (!config.keys) throw new DonConfigError('DON_KEYS is required with DON_RPC_URL')
    keyring = config.keys
  } else {
    chain = await startAnvil({ port: config.anvilPort })
    process.stdout.write(`anvil listening at ${chain.rpcUrl} (chain id ${chain.chainId})\n`)
    const deployment = await deployLocalFunctions(chain.rpcUrl, chain.chainId)
    rpcUrl = chain.rpcUrl
    coordinator = deployment.coordinator
    keyring = config.keys ?? deployment.donKeyring
    process.stdout.write(
      [
        'Chainlink Functions deployed:',
        `  router          ${deployment.router}`,
        `  coordinator     ${deployment.coordinator}`,
        `  LINK            ${deployment.link}`,
        `  DON id          ${deployment.donId}`,
        `  subscription    ${deployment.subscriptionId}`,
        '',
      ].join('\n'),
    )
  }

  const don = new LocalDon({
    rpcUrl,
    coordinator,
    keyring,
    secrets: new HostedSecretsStore(config.hostedSecrets),
    faults: config.faults,
    onEvent: (e: DonEvent) => process.stdout.write(`${describeDonEvent(e)}\n`),
  })
  await don.start()

  let stopping = false
  const shutdown = (signal: string): void => {
    if (stopping) return
    stopping = true
    process.stdout.write(`${signal}: stopping the DON\n`)
    void don
      .stop()
      .then(() => chain?.stop())
      .then(() => process.exit(0))
  }
  process.on('SIGINT', () => shutdown('SIGINT'))
  process.on('SIGTERM', () => shutdown('SIGTERM'))
}

const rounds = process.argv[2] === 'rounds'
const run = rounds ? runRoundsCommand(process.argv.slice(3)) : main()
run.then(
  () => {
    if (rounds) process.exit(0)
  },
  (err: unknown) => {
    process.stderr.write(`local DON: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exit(1)
  },
)
