/**
 * How the project's commander CLIs end (`npm run cre`, `npm run functions`): a usage error the CLI
 * names (a typed argument or configuration error) prints `error: <message>` and exits 2;
 * commander's own exits (help, an unknown option) keep their code, commander having printed its
 * message; anything else is a bug and propagates.
 */
import type { Command } from 'commander'

export async function runCli(
  program: Command,
  isUsageError: (error: unknown) => error is Error,
  argv: readonly string[] = process.argv,
): Promise<void> {
  try {
    await program.parseAsync([...argv])
  } catch (error) {
    if (isUsageError(error)) {
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
