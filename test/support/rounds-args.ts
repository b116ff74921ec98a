/** The argument contract every round-timing command shares: `[N] [--warmup W] [--json]`. */
import type { RoundsArgs } from '../../script/don/rounds-command'

/** `parse` defaults to 20 rounds after 2 warm-up rounds, and reads `N --warmup 0 --json`. */
export function expectRoundsArgDefaults(
  parse: (args: readonly string[]) => RoundsArgs,
  rounds: number,
): void {
  expect(parse([])).toEqual({ rounds: 20, warmup: 2, json: false })
  expect(parse([String(rounds), '--warmup', '0', '--json'])).toEqual({
    rounds,
    warmup: 0,
    json: true,
  })
}
