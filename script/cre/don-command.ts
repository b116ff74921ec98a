/**
 * `npm run cre -- don`: a local CRE DON until SIGINT/SIGTERM.
 *
 * With CRE_RPC_URL (and CRE_FORWARDER, CRE_ORACLES, CRE_WORKFLOW_OWNER, CRE_DON_KEYS,
 * CRE_TRANSMITTER_KEYS) it serves that deployment. Otherwise it starts anvil (CRE_ANVIL_PORT,
 * default 8545), deploys Chainlink's KeystoneForwarder with a 4-node DON (f = 1), the registry and
 * the example dApps on CRE oracles, registers and approves the bundled models, and prints the
 * addresses. The ADAPTERS secret comes from ADAPTERS_JSON or CRE_ADAPTERS_FILE (script/cre/config.ts).
 */
import { localWorkflowConfig, startLocalCreStack, type LocalCreStack } from './local-stack'
import { loadCreDonConfig } from './config'
import { describeCreDonEvent } from './event-log'
import { ADAPTERS_SECRET, LocalCreDon, type CreDonEvent } from './local-cre-don'

export async function runDonCommand(env: NodeJS.ProcessEnv): Promise<void> {
  const config = loadCreDonConfig(env)
  const out = (line: string): void => void process.stdout.write(`${line}\n`)
  const onEvent = (e: CreDonEvent): void => out(describeCreDonEvent(e))
  if (config.adaptersSecret === undefined) {
    out(
      'warning: no ADAPTERS secret (ADAPTERS_JSON or CRE_ADAPTERS_FILE): every round will report "no result"',
    )
  }
  let stop: () => Promise<unknown>
  if (config.attach) {
    const a = config.attach
    const don = new LocalCreDon({
      rpcUrl: a.rpcUrl,
      forwarder: a.forwarder,
      workflow: { owner: a.workflowOwner, name: a.workflowName },
      configs: a.oracles.map((oracle) => localWorkflowConfig(oracle, config.workflow.overrides)),
      keyring: a.donKeys,
      transmitterKeys: a.transmitterKeys,
      secrets:
        config.adaptersSecret === undefined ? {} : { [ADAPTERS_SECRET]: config.adaptersSecret },
      faults: config.faults,
      onEvent,
    })
    await don.start()
    stop = () => don.stop()
  } else {
    const stack: LocalCreStack = await startLocalCreStack({
      adapters: [],
      port: config.anvilPort,
      chainId: 31_337,
      workflow: config.workflow.overrides,
      faults: config.faults,
      ...(config.adaptersSecret === undefined ? {} : { adaptersSecret: config.adaptersSecret }),
      log: out,
      onEvent,
    })
    out(
      [
        'CRE deployed:',
        `  KeystoneForwarder   ${stack.cre.forwarder} (DON ${stack.cre.donId}, f = ${stack.cre.f})`,
        `  workflow            "${stack.cre.workflowName}" of ${stack.cre.workflowOwner}`,
        `  ModelRegistry       ${stack.project.registry}`,
        `  ClaimsInsurance     ${stack.project.insurance} (oracle ${stack.project.insuranceOracle})`,
        `  RiskPricing         ${stack.project.pricing} (oracle ${stack.project.pricingOracle})`,
        `  models              ${stack.models.map((m) => `${m.modelId} ${m.modelHash}`).join(', ')}`,
      ].join('\n'),
    )
    stop = () => stack.stop()
  }
  let stopping = false
  const shutdown = (signal: string): void => {
    if (stopping) return
    stopping = true
    out(`${signal}: stopping the CRE DON`)
    void stop().then(() => process.exit(0))
  }
  process.on('SIGINT', () => shutdown('SIGINT'))
  process.on('SIGTERM', () => shutdown('SIGTERM'))
}
