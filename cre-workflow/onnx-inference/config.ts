/**
 * The workflow's config (config.*.json, passed by the CRE CLI; docs/cre.md): one schema, checked
 * when the workflow starts (`Runner.newRunner({ configSchema })`), every problem reported at once.
 * Nothing secret lives here: adapter URLs, API keys and signers come from the ADAPTERS secret.
 * No SDK import, so the local CRE DON (Node.js) can read the same file.
 */
import { z } from 'zod'

/** PerWorkflow.ChainWrite.EVM.TransactionGasLimit (CRE service quotas). */
export const MAX_GAS_LIMIT = 5_000_000n
/** Below this the forwarder's signature checks alone would not fit. */
export const MIN_GAS_LIMIT = 100_000n
/** PerWorkflow.HTTPAction.ConnectionTimeout is 10 s; Functions uses 4 s per adapter too. */
export const MAX_ADAPTER_TIMEOUT_MS = 10_000
export const DEFAULT_ADAPTER_TIMEOUT_MS = 4_000

const ADDRESS = /^0x[0-9a-fA-F]{40}$/
const ZERO_ADDRESS = /^0x0{40}$/

const address = (what: string) =>
  z
    .string()
    .regex(ADDRESS, `${what} must be an address, 0x + 40 hex`)
    .refine((value) => !ZERO_ADDRESS.test(value), `${what} is the zero address`)

export const configSchema = z.strictObject({
  /** CRE chain selector name of the oracle's chain, e.g. "ethereum-testnet-sepolia". */
  chainSelectorName: z.string().min(1, 'chainSelectorName is required'),
  /** Whether that chain is a testnet (the SDK's network lookup needs it). */
  isTestnet: z.boolean(),
  /**
   * The CreInferenceOracle: its InferenceRequested events start the workflow, and the report
   * goes back to it (it implements IReceiver) through the chain's KeystoneForwarder.
   */
  oracleAddress: address('oracleAddress'),
  /** Gas for the forwarder's report call (signature checks, onReport, the client callback). */
  gasLimit: z
    .string()
    .regex(/^[1-9][0-9]*$/, 'gasLimit must be a base-10 integer string')
    .refine(
      (value) => BigInt(value) >= MIN_GAS_LIMIT && BigInt(value) <= MAX_GAS_LIMIT,
      `gasLimit must be from ${MIN_GAS_LIMIT} to ${MAX_GAS_LIMIT}`,
    ),
  /** Finality the log trigger waits for; money moves on the result, so FINALIZED by default. */
  logConfidence: z.enum(['SAFE', 'LATEST', 'FINALIZED']).default('FINALIZED'),
  /** Per adapter request. */
  adapterTimeoutMs: z
    .number()
    .int()
    .min(1_000, 'adapterTimeoutMs must be at least 1000')
    .max(MAX_ADAPTER_TIMEOUT_MS, `adapterTimeoutMs must be at most ${MAX_ADAPTER_TIMEOUT_MS}`)
    .default(DEFAULT_ADAPTER_TIMEOUT_MS),
  /**
   * Present: the HTTP trigger is registered, for off-chain callers whose requests are signed by
   * one of these EVM keys (CRE requires authorized keys for a deployed HTTP trigger).
   */
  httpTrigger: z
    .strictObject({
      authorizedKeys: z
        .array(address('httpTrigger.authorizedKeys[]'))
        .min(1, 'httpTrigger.authorizedKeys needs at least one address'),
    })
    .optional(),
})

/** The config as the workflow reads it (defaults applied). */
export type WorkflowConfig = z.output<typeof configSchema>

/** Thrown for a config the workflow cannot run with (beyond the schema: e.g. an unknown chain). */
export class WorkflowConfigError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'WorkflowConfigError'
  }
}

/** Parses a config value; every problem in one message. */
export function parseWorkflowConfig(value: unknown): WorkflowConfig {
  const parsed = configSchema.safeParse(value)
  if (!parsed.success) {
    throw new WorkflowConfigError(
      parsed.error.issues
        .map((issue) => `${issue.path.join('.') || 'config'}: ${issue.message}`)
        .join('; '),
    )
  }
  return parsed.data
}
