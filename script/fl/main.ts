/**
 * `npm run fl:demo`: federated learning on-chain end to end on this machine (run-fl-demo.ts).
 * Prints each round (validation AUC, who was accepted, rewards, slashes), the registered model and
 * an inference from it; exits 0 when the outcomes hold (every attacker slashed at least once, no
 * honest client ever slashed, the final model approved and served), 1 otherwise.
 */
import { runFlDemo } from './run-fl-demo'

const DEMO_TIMEOUT_MS = 300_000

async function main(): Promise<number> {
  const controller = new AbortController()
  process.once('SIGINT', () => controller.abort())
  process.once('SIGTERM', () => controller.abort())
  const timer = setTimeout(() => controller.abort(), DEMO_TIMEOUT_MS)
  const started = Date.now()
  try {
    const result = await runFlDemo({
      log: (line) =>
        process.stdout.write(
          `[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}\n`,
        ),
      signal: controller.signal,
    })
    const slashedEver = new Set(result.rounds.flatMap((r) => Object.keys(r.slashed)))
    const attackers = result.identities.filter((i) => i.role !== 'honest').map((i) => i.label)
    const honest = result.identities.filter((i) => i.role === 'honest').map((i) => i.label)
    const ok =
      attackers.every((a) => slashedEver.has(a)) &&
      honest.every((h) => !slashedEver.has(h)) &&
      result.registryStatus === 2 &&
      result.inference.modelHash === result.finalModelHash
    process.stdout.write(
      `${ok ? 'OK' : 'FAILED'}: attackers slashed ${attackers.filter((a) => slashedEver.has(a)).length}/${attackers.length}, honest slashed ${honest.filter((h) => slashedEver.has(h)).length}, final AUC ${result.rounds.at(-1)?.auc.toFixed(4) ?? '?'}\n`,
    )
    return ok ? 0 : 1
  } catch (err) {
    process.stderr.write(
      `fl demo failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    )
    return 1
  } finally {
    clearTimeout(timer)
  }
}

void main().then((code) => process.exit(code))
