import { readFileSync } from 'node:fs'

import { z } from 'zod'

import { DonConfigError } from './errors'
import type { NodeFault } from './node-execution'
import { hostedSecretsSchema, type HostedSecretsEntry } from './secrets'

/**
 * Every environment variable of `npm run don`, declared once (description, default, sensitivity).
 * Sensitive values (keys, secrets) are never logged.
 */
export const DON_VARS = {
  DON_RPC_URL: {
    description:
      'JSON-RPC URL of a chain that already has Functions deployed. Unset: start anvil and deploy.',
    sensitive: false,
  },
  DON_COORDINATOR: {
    description: 'FunctionsCoordinator address (required with DON_RPC_URL).',
    sensitive: false,
  },
  DON_ANVIL_PORT: {
    description: 'Port of the anvil started when DON_RPC_URL is unset (default 8545).',
    sensitive: false,
  },
  DON_KEYS: {
    description:
      "Comma-separated private keys of the DON's signers and transmitters. Default: the local deployment's keys.",
    sensitive: true,
  },
  DON_HOSTED_SECRETS_FILE: {
    description:
      'JSON file [{"slotId", "version", "secrets": {...}}]: the DON-hosted secrets the DON holds.',
    sensitive: false,
  },
  DON_FAULTS: {
    description:
      'JSON fault injection per node index, e.g. {"1": {"kind": "error", "message": "down"}} (kinds: error, bytes, missing).',
    sensitive: false,
  },
  DON_TMPDIR: {
    description: 'Where node executions write their sandbox files; must be outside the repository.',
    sensitive: false,
  },
} as const

const HEX_KEY = /^0x[0-9a-fA-F]{64}$/
const ADDRESS = /^0x[0-9a-fA-F]{40}$/

const faultSchema = z.record(
  z.string().regex(/^\d+$/),
  z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('error'), message: z.string().min(1) }),
    z.object({ kind: z.literal('bytes'), hex: z.string().regex(/^0x([0-9a-fA-F]{2})*$/) }),
    z.object({ kind: z.literal('missing') }),
  ]),
)

export interface DonCliConfig {
  attach: { rpcUrl: string; coordinator: string } | undefined
  anvilPort: number
  keys: string[] | undefined
  hostedSecrets: HostedSecretsEntry[]
  faults: Record<number, NodeFault>
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new DonConfigError(`${what} is not valid JSON`, { cause: err })
  }
}

/** Validates the environment of `npm run don`; one error naming the bad variable. */
export function loadDonConfig(env: NodeJS.ProcessEnv): DonCliConfig {
  const rpcUrl = env.DON_RPC_URL?.trim()
  const coordinator = env.DON_COORDINATOR?.trim()
  if (rpcUrl && !(coordinator && ADDRESS.test(coordinator))) {
    throw new DonConfigError('DON_COORDINATOR must be an address when DON_RPC_URL is set')
  }
  const portText = env.DON_ANVIL_PORT?.trim() || '8545'
  const anvilPort = Number(portText)
  if (!Number.isInteger(anvilPort) || anvilPort < 1 || anvilPort > 65_535) {
    throw new DonConfigError(`DON_ANVIL_PORT=${JSON.stringify(portText)}: expected a port number`)
  }
  let keys: string[] | undefined
  if (env.DON_KEYS?.trim()) {
    keys = env.DON_KEYS.split(',').map((k) => k.trim())
    // The value is secret: say which entry is wrong, never what it is.
    const bad = keys.findIndex((k) => !HEX_KEY.test(k))
    if (bad >= 0) throw new DonConfigError(`DON_KEYS entry ${bad}: expected 0x + 64 hex digits`)
  }
  let hostedSecrets: HostedSecretsEntry[] = []
  if (env.DON_HOSTED_SECRETS_FILE?.trim()) {
    const file = env.DON_HOSTED_SECRETS_FILE.trim()
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (err) {
      throw new DonConfigError(`DON_HOSTED_SECRETS_FILE: cannot read ${file}`, { cause: err })
    }
    const parsed = hostedSecretsSchema.safeParse(parseJson(text, 'DON_HOSTED_SECRETS_FILE'))
    if (!parsed.success) {
      // Issue paths and messages only: the file holds secrets.
      throw new DonConfigError(
        `DON_HOSTED_SECRETS_FILE: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      )
    }
    hostedSecrets = parsed.data
  }
  let faults: Record<number, NodeFault> = {}
  if (env.DON_FAULTS?.trim()) {
    const parsed = faultSchema.safeParse(parseJson(env.DON_FAULTS, 'DON_FAULTS'))
    if (!parsed.success) throw new DonConfigError(`DON_FAULTS: ${parsed.error.message}`)
    faults = Object.fromEntries(Object.entries(parsed.data).map(([k, v]) => [Number(k), v]))
  }
  return {
    attach: rpcUrl && coordinator ? { rpcUrl, coordinator } : undefined,
    anvilPort,
    keys,
    hostedSecrets,
    faults,
  }
}
