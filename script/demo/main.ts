/**
 * `npm run demo`: the whole project end to end on this machine, with no configuration. Starts anvil,
 * four adapters (three operators on the approved damage-v1, one on an unapproved version), the
 * local DON in front of the real Chainlink Functions contracts; deploys; registers and approves the
 * demo models; funds the insurance pool; and files three claims with a locally served damage photo.
 * Prints each step with its transaction hashes, then shuts everything down (also on Ctrl-C).
 */
import { formatEther } from 'ethers'

import { runDemo } from './run-demo'

// A bound so that the demo can never hang. A warm run takes about 40 s; the very first run also
// compiles the contracts into cache/local-forge (about a minute more on an idle machine).
const DEMO_TIMEOUT_MS = 300_000

async function main(): Promise<number> {
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
  const started = Date.now()
  try {
    const report = await runDemo({
      log: (line) =>
        process.stdout.write(
          `[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}\n`,
        ),
      verboseDon: true,
      signal: controller.signal,
    })
    const [a, b, c] = report.scenarios
    // The demo's own check: the outcomes the narration promised.
    const ok =
      a?.accepted === true &&
      a.payout > 0n &&
      b?.accepted === true &&
      b.agreed === 2 &&
      c?.accepted === false &&
      c.payout === 0n &&
      report.teardownFailures.length === 0
    process.stdout.write(
      `\ndemo ${ok ? 'completed' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s; paid ${formatEther(
        report.scenarios.reduce((sum, s) => sum + s.payout, 0n),
      )} ETH in total\n`,
    )
    return ok ? 0 : 1
  } finally {
    clearTimeout(timer)
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exit(1)
  },
)
