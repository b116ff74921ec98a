import { parseEther } from 'ethers'

/**
 * The demo's numbers, in one place: the insurance terms the story buys and claims against, and the
 * acceptance policy of its oracle. ClaimsInsurance's own economics (premium rate, payout table per
 * severity class) live in the contract and its deployer; the demo reads them from the chain.
 */
export const DEMO_TERMS = {
  /** Adapters that must agree for ClaimsInsurance's oracle to accept an assessment. */
  agreementThreshold: 2,
  /** Absolute tolerance of the agreement, in result units (severity classes: exact). */
  tolerance: 0,
  /** What the insurer puts into the pool before any policy is sold. */
  poolFunding: parseEther('10'),
  /** Coverage of each policy the holder buys. */
  coverage: parseEther('1'),
  /** Term of each policy, seconds. */
  policyTermSeconds: 30 * 24 * 3600,
} as const

/** How long the demo waits for one DON round before it gives up on a claim. */
export const DON_ROUND_TIMEOUT_MS = 60_000
