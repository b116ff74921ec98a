/**
 * `npm run demo [-- --transport cre|functions|zk]`: the whole project end to end on this machine,
 * with no configuration. Starts anvil, four adapters (three operators on the approved damage-v1, one
 * on an unapproved version) and a local DON in front of the real Chainlink contracts of the chosen
 * transport; deploys; registers and approves the demo models; funds the insurance pool; and files
 * three claims, each with its own locally served damage photo. Prints each step with its transaction hashes,
 * then shuts everything down (also on Ctrl-C). Exit 0 when the story ended as told, 1 when it did
 * not, 2 for a usage error or a transport that is not available.
 */
import { Command, InvalidArgumentError } from 'commander'
import { formatEther } from 'ethers'

import { runDemo, storyHeld } from './run-demo'
import { DEFAULT_DEMO_TRANSPORT, DEMO_TRANSPORTS, type DemoTransportName } from './transport'
import { DemoUnavailableError, loadZkDemo, zkDemoSucceeded } from './zk'

// A bound so that the demo can never hang. A warm run takes about 40 s; the very first run also
// compiles the contracts into cache/local-forge (about a minute more on an idle machine).
const DEMO_TIMEOUT_MS = 300_000

const HELP_AFTER = `
Transports:
  cre        (default) Chainlink CRE: the workflow's node-mode code on a 4-node local DON, consensus
             by fields, a report signed by 2 node keys through Chainlink's KeystoneForwarder to a
             CreInferenceOracle. The default because Chainlink Functions is shut down on public
             networks (testnets June 2, mainnets September 1, 2026): CRE is what a dApp deploys on.
  functions  Chainlink Functions: the generated source on a 4-node local DON, a report signed by 3
             nodes through the real Router v1.0.0 and Coordinator v1.3.0. For self-hosted and
             private DONs, and for existing Functions users.
  zk         the zero-knowledge demo (script/zk/zk-demo.ts): a quote priced through a proof.

Both DON transports tell the same story: three honest adapters (paid), one on an unapproved model
(dropped, still paid), two misbehaving (nothing paid). docs/cre.md, docs/local-don.md.`

function parseTransport(value: string): DemoTransportName {
  if (!(DEMO_TRANSPORTS as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`expected one of ${DEMO_TRANSPORTS.join(', ')}`)
  }
  return value as DemoTransportName
}

async function demo(transport: DemoTransportName, signal: AbortSignal): Promise<number> {
  const started = Date.now()
  const log = (line: string): void =>
    void process.stdout.write(
      `[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}\n`,
    )
  const elapsed = (): string => `${((Date.now() - started) / 1000).toFixed(1)} s`
  if (transport === 'zk') {
    const runZkDemo = await loadZkDemo()
    const ok = zkDemoSucceeded(await runZkDemo({ log, signal }))
    process.stdout.write(`\nzk demo ${ok ? 'completed' : 'FAILED'} in ${elapsed()}\n`)
    return ok ? 0 : 1
  }
  const report = await runDemo({ transport, log, verboseDon: true, signal })
  const ok = storyHeld(report)
  const paid = report.scenarios.reduce((sum, s) => sum + s.payout, 0n)
  process.stdout.write(
    `\ndemo (${transport}) ${ok ? 'completed' : 'FAILED'} in ${elapsed()}; paid ${formatEther(paid)} ETH in total\n`,
  )
  return ok ? 0 : 1
}

async function main(argv: string[]): Promise<number> {
  const program = new Command('demo')
    .description('onnx-oracle end to end on this machine: the insurance story on a local DON')
    .option(
      '--transport <name>',
      'cre, functions or zk (see below)',
      parseTransport,
      DEFAULT_DEMO_TRANSPORT,
    )
    .addHelpText('after', HELP_AFTER)
    .exitOverride()
  try {
    program.parse(argv)
  } catch (err) {
    const code = (err as { exitCode?: unknown }).exitCode
    return typeof code === 'number' ? (code === 0 ? 0 : 2) : 2
  }
  const { transport } = program.opts<{ transport: DemoTransportName }>()

  const controller = new AbortController()
  const onSignal = (signal: string): void => {
    process.stdout.write(`\n${signal}: stopping the demo\n`)
    controller.abort()
  }
  process.once('SIGINT', () => onSignal('SIGINT'))
  process.once('SIGTERM', () => onSignal('SIGTERM'))
  const timer = setTimeout(
    () => onSignal(`timeout after ${DEMO_TIMEOUT_MS / 1000} s`),
    DEMO_TIMEOUT_MS,
  )
  try {
    return await demo(transport, controller.signal)
  } catch (err) {
    if (err instanceof DemoUnavailableError) {
      process.stderr.write(`demo: ${err.message}\n`)
      return 2
    }
    throw err
  } finally {
    clearTimeout(timer)
  }
}

if (require.main === module) {
  main(process.argv).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`)
      process.exit(1)
    },
  )
}
