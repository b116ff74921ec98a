/** `npm run cre -- simulate` as the CRE tests run it in-process. */
import {
  simulateCommand,
  type CreSimulateOptions,
  type CreSimulateReport,
} from '../../script/cre/cli'

/**
 * Runs `simulate <job>` and checks that it exited 0 with the nodes' consensus agreed; returns its
 * report for the caller's own checks.
 */
export async function simulateAgreed(
  job: string,
  options: CreSimulateOptions,
  env: NodeJS.ProcessEnv,
): Promise<CreSimulateReport['report']> {
  const { exitCode, report } = await simulateCommand(job, options, env)
  expect(exitCode).toBe(0)
  expect(report).toMatchObject({ ok: true, consensus: 'agreed' })
  return report
}
