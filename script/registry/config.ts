/**
 * The registry CLI's environment, declared once and validated together. The private key is
 * sensitive: it is never printed, not even in an error (only the variable's name is).
 */
import { existsSync } from 'node:fs'

import { getAddress, isAddress } from 'ethers'
import { z } from 'zod'

import { deploymentFilePath, readDeploymentFile } from '../local/deployment-file'

/** Thrown for a missing or malformed setting; the CLI exits 2. */
export class RegistryConfigError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RegistryConfigError'
  }
}

/** Every variable the CLI reads. */
export const REGISTRY_ENV = {
  REGISTRY_RPC_URL: { description: 'JSON-RPC URL of the chain', sensitive: false },
  REGISTRY_PRIVATE_KEY: {
    description: 'key that signs transactions (0x + 64 hex); not needed by `status`',
    sensitive: true,
  },
  REGISTRY_ADDRESS: {
    description: 'registry proxy; default: `contracts.registry` of deployments/<chainid>.json',
    sensitive: false,
  },
  REGISTRY_POLLING_INTERVAL_MS: {
    description: 'receipt polling interval (default: ethers, 4000; e.g. 100 on a local chain)',
    sensitive: false,
  },
} as const

const EnvSchema = z.object({
  REGISTRY_RPC_URL: z
    .string({ error: 'REGISTRY_RPC_URL is not set' })
    .trim()
    .regex(/^(https?|wss?):\/\/\S+$/, {
      error: 'REGISTRY_RPC_URL: expected an http(s) or ws(s) URL',
    }),
  REGISTRY_PRIVATE_KEY: z
    .string()
    .trim()
    .regex(/^0x[0-9a-fA-F]{64}$/, { error: 'REGISTRY_PRIVATE_KEY: expected 0x + 64 hex digits' })
    .optional(),
  REGISTRY_ADDRESS: z
    .string()
    .trim()
    .refine((v) => isAddress(v), { error: 'REGISTRY_ADDRESS: expected an address' })
    .optional(),
  REGISTRY_POLLING_INTERVAL_MS: z.coerce
    .number({ error: 'REGISTRY_POLLING_INTERVAL_MS: expected a number' })
    .int({ error: 'REGISTRY_POLLING_INTERVAL_MS: expected an integer' })
    .min(1, { error: 'REGISTRY_POLLING_INTERVAL_MS: expected at least 1' })
    .max(600_000, { error: 'REGISTRY_POLLING_INTERVAL_MS: expected at most 600000' })
    .optional(),
})

export interface RegistryEnv {
  rpcUrl: string
  /** Absent for read-only use. */
  privateKey?: string
  registry?: string
  pollingIntervalMs?: number
}

/** Reads and validates the environment; every problem is reported at once, no value is echoed. */
export function registryEnv(env: NodeJS.ProcessEnv, options: { needsKey: boolean }): RegistryEnv {
  const present = (name: keyof typeof REGISTRY_ENV): string | undefined => {
    const value = env[name]
    return value === undefined || value.trim() === '' ? undefined : value
  }
  const parsed = EnvSchema.safeParse({
    REGISTRY_RPC_URL: present('REGISTRY_RPC_URL'),
    REGISTRY_PRIVATE_KEY: present('REGISTRY_PRIVATE_KEY'),
    REGISTRY_ADDRESS: present('REGISTRY_ADDRESS'),
    REGISTRY_POLLING_INTERVAL_MS: present('REGISTRY_POLLING_INTERVAL_MS'),
  })
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => i.message)
  if (options.needsKey && present('REGISTRY_PRIVATE_KEY') === undefined) {
    problems.push('REGISTRY_PRIVATE_KEY is not set (this command sends a transaction)')
  }
  if (!parsed.success || problems.length > 0) throw new RegistryConfigError(problems.join('; '))
  const v = parsed.data
  return {
    rpcUrl: v.REGISTRY_RPC_URL,
    ...(v.REGISTRY_PRIVATE_KEY === undefined ? {} : { privateKey: v.REGISTRY_PRIVATE_KEY }),
    ...(v.REGISTRY_ADDRESS === undefined ? {} : { registry: getAddress(v.REGISTRY_ADDRESS) }),
    ...(v.REGISTRY_POLLING_INTERVAL_MS === undefined
      ? {}
      : { pollingIntervalMs: v.REGISTRY_POLLING_INTERVAL_MS }),
  }
}

/** The registry address: REGISTRY_ADDRESS, else the deployment file of `chainId`. */
export function registryAddress(env: RegistryEnv, chainId: number): string {
  if (env.registry !== undefined) return env.registry
  if (!existsSync(deploymentFilePath(chainId))) {
    throw new RegistryConfigError(
      `REGISTRY_ADDRESS is not set and there is no ${deploymentFilePath(chainId)} for chain ${chainId}`,
    )
  }
  const contracts = readDeploymentFile(chainId).contracts as { registry?: unknown } | undefined
  const address = contracts?.registry
  if (typeof address !== 'string' || !isAddress(address)) {
    throw new RegistryConfigError(
      `REGISTRY_ADDRESS is not set and ${deploymentFilePath(chainId)} has no contracts.registry`,
    )
  }
  return getAddress(address)
}
