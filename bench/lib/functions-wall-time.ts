/**
 * Wall time of the tabular Functions source run through the toolkit's `simulateScript` (Deno
 * sandbox, the Functions limits; via script/local/functions-simulator.ts) against 3 and against 5
 * local adapter processes (already running; the caller owns them). Each run's 192-byte result is
 * decoded to check that every adapter answered and agreed.
 */
import { tabularInputHash } from '../../protocol/input-hash'
import type { Manifest } from '../../protocol/manifest'
import { FUNCTIONS_SOURCES, simulateSource } from '../../script/local/functions-simulator'
import { tabularFeatures } from '../../script/local/model-inputs'

export interface FunctionsRun {
  adapters: number
  wallMs: number[]
  medianMs: number
  /** `agreed/responded` from the last run's result. */
  agreed: string
}

export interface FunctionsFigures {
  source: string
  runs: FunctionsRun[]
}

/** The `responded` and `agreed` words (4th and 5th) of the 192-byte result. */
function decodeCounts(hex: string): { responded: number; agreed: number } {
  const body = hex.replace(/^0x/, '')
  if (body.length !== 384) throw new Error(`expected 192 bytes, got ${body.length / 2}`)
  return {
    responded: Number.parseInt(body.slice(3 * 64, 4 * 64), 16),
    agreed: Number.parseInt(body.slice(4 * 64, 5 * 64), 16),
  }
}

export async function measureFunctions(
  manifest: Manifest,
  adapterUrls: string[],
  repeats: number,
): Promise<FunctionsFigures> {
  const features = tabularFeatures(manifest, 4242)
  const inputHash = tabularInputHash(features)
  const runs: FunctionsRun[] = []
  for (const n of [3, 5]) {
    const wallMs: number[] = []
    let agreed = ''
    for (let r = 0; r < repeats; r++) {
      const outcome = await simulateSource({
        sourcePath: FUNCTIONS_SOURCES.tabular,
        args: [
          manifest.id,
          manifest.file.sha256,
          inputHash,
          JSON.stringify({ features }),
          String(Math.floor(n / 2) + 1),
          '0',
        ],
        secrets: { ADAPTERS: JSON.stringify(adapterUrls.slice(0, n).map((url) => ({ url }))) },
      })
      if (outcome.responseHex === undefined) {
        throw new Error(`simulateScript failed with ${n} adapters: ${outcome.error ?? '?'}`)
      }
      const counts = decodeCounts(outcome.responseHex)
      agreed = `${counts.agreed}/${counts.responded}`
      wallMs.push(outcome.durationMs)
    }
    const sorted = [...wallMs].sort((a, b) => a - b)
    runs.push({ adapters: n, wallMs, medianMs: sorted[Math.floor(sorted.length / 2)] ?? 0, agreed })
  }
  return { source: 'functions-source/tabular-inference.js', runs }
}
