import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'

import { REPO_ROOT } from './repo-root'

/** `deployments/<chainid>.json`, written by the forge deploy scripts (docs/contracts.md). */
export function deploymentFilePath(chainId: number): string {
  return join(REPO_ROOT, 'deployments', `${chainId}.json`)
}

/** The deploy scripts write into deployments/ but do not create it. */
export function ensureDeploymentsDir(): void {
  mkdirSync(join(REPO_ROOT, 'deployments'), { recursive: true })
}

export function readDeploymentFile(chainId: number): Record<string, unknown> {
  const path = deploymentFilePath(chainId)
  if (!existsSync(path)) throw new Error(`no deployment file at ${path}`)
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>
}

/** Removes the deployment file of a throwaway chain (tests and the demo use their own chain ids). */
export function removeDeploymentFile(chainId: number): void {
  rmSync(deploymentFilePath(chainId), { force: true })
}

/**
 * A chain id for a throwaway anvil: distinct per process so that parallel runs never write the
 * same deployments/<chainid>.json (anvil's default 31337 is left to `npm run don`).
 */
export function throwawayChainId(): number {
  return 3_133_700_000 + (process.pid % 1_000_000) * 10 + Math.floor(Math.random() * 10)
}
