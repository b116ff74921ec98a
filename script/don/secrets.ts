import { z } from 'zod'

import { Location, type SecretsReference } from './request-data'

/**
 * DON-hosted secrets as the local DON holds them. On a real network, a dApp developer encrypts
 * secrets to the DON's threshold key and uploads them to the DON's gateway, which stores them under
 * (slot id, version); each request carries only that reference, and nodes decrypt at execution.
 * The local DON has no gateway: it is given the plaintext secrets per (slot id, version) in its
 * configuration, which plays the part of the gateway's storage. A request that references a slot
 * and version it does not hold fails the way a DON node fails to fetch secrets.
 */
export interface HostedSecretsEntry {
  slotId: number
  version: bigint
  secrets: Record<string, string>
}

export const hostedSecretsSchema = z.array(
  z.object({
    slotId: z.number().int().min(0).max(255),
    version: z
      .union([z.number().int().min(0), z.string().regex(/^\d+$/)])
      .transform((v) => BigInt(v)),
    secrets: z.record(z.string(), z.string()),
  }),
)

/** The outcome of resolving a request's secrets reference on a node. */
export type SecretsResolution =
  { ok: true; secrets: Record<string, string> | undefined } | { ok: false; error: string }

export class HostedSecretsStore {
  private readonly entries = new Map<string, Record<string, string>>()

  constructor(entries: HostedSecretsEntry[] = []) {
    for (const e of entries) this.put(e)
  }

  put(entry: HostedSecretsEntry): void {
    this.entries.set(`${entry.slotId}:${entry.version}`, { ...entry.secrets })
  }

  /** Resolves what a node passes to the source as `secrets`. */
  resolve(ref: SecretsReference | undefined): SecretsResolution {
    if (ref === undefined) return { ok: true, secrets: undefined }
    if (ref.location === Location.Remote) {
      return {
        ok: false,
        error: 'remote (URL) secrets are not supported by the local DON: use DON-hosted secrets',
      }
    }
    const secrets = this.entries.get(`${ref.slotId}:${ref.version}`)
    if (secrets === undefined) {
      return {
        ok: false,
        error: `DON-hosted secrets not found for slot ${ref.slotId} version ${ref.version}`,
      }
    }
    return { ok: true, secrets: { ...secrets } }
  }
}
