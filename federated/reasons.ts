/**
 * Why a submission was not accepted, as a stable code (the round report carries the code; a
 * contract can map it to an event). `accepted` is 0. Which reasons are slashable is decided by the
 * aggregation rule (aggregation.ts), not here.
 */

export const STATUS_CODES = {
  accepted: 0,
  /** The bytes are not an update of this protocol (magic, version, kind, fraction bits). */
  malformed: 1,
  /** The update names another task, round or participant than the one it was revealed for. */
  wrongBinding: 2,
  /** The update is for another model shape (layout hash or parameter count). */
  wrongShape: 3,
  /** The byte length does not match the declared parameter count. */
  wrongSize: 4,
  /** A value was NaN or infinite (refused when encoding floats). */
  nonFinite: 5,
  /** A coordinate is beyond the protocol's range (|x| > 16.0). */
  outOfRange: 6,
  /** The bytes do not hash to the content hash the participant revealed. */
  hashMismatch: 7,
  /** The same participant submitted more than once in the round. */
  duplicateParticipant: 8,
  /** Two or more participants submitted byte-identical update values (Sybils, copying). */
  duplicateUpdate: 9,
  /** The update's L2 norm is above the task's bound (clip norm plus the noise allowance). */
  normBound: 10,
  /** The update's L2 norm is below the task's floor: no contribution (a free rider). */
  tooSmall: 11,
  /** Far from the robust reference (coordinate-wise median) compared to the other updates. */
  distanceOutlier: 12,
  /** Applied alone it raises the validation loss by a lot, and far more than the other updates. */
  harmful: 13,
  /**
   * Committed on-chain but not revealed in time: never reaches the rule; the round report lists it
   * (slashed) so the training contract can check it against its own record (contracts/federated).
   */
  notRevealed: 14,
} as const

export type SubmissionStatus = keyof typeof STATUS_CODES
export type RejectReason = Exclude<SubmissionStatus, 'accepted'>

/** Thrown by the decoders and encoders; `reason` is the code the report carries. */
export class UpdateRejectedError extends Error {
  constructor(
    readonly reason: RejectReason,
    message: string,
  ) {
    super(message)
    this.name = 'UpdateRejectedError'
  }
}
