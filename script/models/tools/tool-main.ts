/**
 * How the one-argument model tools run from the command line (`cid.ts <file>`,
 * `seal-manifest.ts <model folder>`): without the argument, the usage line and exit code 2; else
 * the line `run` resolves with on stdout, or `<what> failed: <message>` on stderr and exit code 1.
 */
export function runTool(
  usage: string,
  what: string,
  run: (arg: string) => Promise<string>,
  argv: readonly string[] = process.argv,
): void {
  const arg = argv[2]
  if (!arg) {
    process.stderr.write(`usage: ${usage}\n`)
    process.exitCode = 2
    return
  }
  run(arg)
    .then((line) => process.stdout.write(`${line}\n`))
    .catch((err: unknown) => {
      process.stderr.write(`${what} failed: ${err instanceof Error ? err.message : String(err)}\n`)
      process.exitCode = 1
    })
}
