/**
 * How the project's commander CLIs end (`npm run cre`, `npm run functions`): a usage error the CLI
 * names (a typed argument or configuration error) prints `error: <message>` and exits 2;
 * commander's own exits (help, an unknown option) keep their code, commander having printed its
 * message; anything else is a bug and propagates.
 */
import type { Command } from 'commander'

/**
 * An error the CLI names as a usage error: its class, or its `name` (for a class in a module the
 * CLI loads only when a command needs it).
 */
export type UsageError = (abstract new (...args: never[]) => Error) | string

function isUsageError(error: unknown, usageErrors: readonly UsageError[]): error is Error {
  return (
    error instanceof Error &&
    usageErrors.some((u) => (typeof u === 'string' ? error.name === u : error instanceof u))
  )
}

export async function runCli(
  program: Command,
  usageErrors: readonly UsageError[],
  argv: readonly string[] = process.argv,
): Promise<void> {
  try {
    await program.parseAsync([...argv])
  } catch (error) {
    if (isUsageError(error, usageErrors)) {
      process.stderr.write(`error: ${error.message}\n`)
      process.exitCode = 2
      return
    }
    const code = (error as { exitCode?: unknown }).exitCode
    if (typeof code === 'number') {
      process.exitCode = code
      return
    }
    throw error
  }
}
