// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {IInferenceOracleEvents} from "./IInferenceOracle.sol";

/// @title IClaimsInsuranceEvents
/// @notice Events of the `ClaimsInsurance` example (functions-free so that tests can inherit it).
interface IClaimsInsuranceEvents {
    /// @notice How the insurer challenges an assessment under review.
    enum DisputeRoute {
        None,
        /// A fresh inference round on the review oracle (another adapter set), fixed at deployment.
        ReviewOracle,
        /// A decision by the arbiter named in the policy's terms.
        Arbiter
    }

    /// @notice Emitted when the pool receives funds.
    event PoolFunded(address indexed from, uint256 amount);
    /// @notice Emitted when the insurer takes free (unreserved) funds out of the pool.
    event PoolWithdrawn(address indexed to, uint256 amount);
    /// @notice Emitted when the insurer sets new terms; policies sold from now on carry `termsId`.
    /// @param termsId The new terms' id (1, 2, ...).
    /// @param premiumBps Premium, basis points of the coverage (rounded up).
    /// @param payoutRatioBps Payout per severity class, basis points of the coverage.
    /// @param waitingPeriod Seconds between a policy's purchase and its first possible claim.
    /// @param reviewWindow Seconds a payout above `reviewThreshold` waits before the holder collects.
    /// @param reviewThreshold Payouts (wei) above this wait out the review window.
    /// @param minCoverage Smallest coverage sold (wei).
    /// @param arbiter Who decides a dispute sent to arbitration (zero: no arbitration).
    event TermsSet(
        uint32 indexed termsId,
        uint16 premiumBps,
        uint16[] payoutRatioBps,
        uint32 waitingPeriod,
        uint32 reviewWindow,
        uint96 reviewThreshold,
        uint96 minCoverage,
        address arbiter
    );
    /// @notice Emitted when a policy is bought; `reserved` of the pool now backs it.
    event PolicyPurchased(
        uint256 indexed policyId,
        address indexed holder,
        uint256 coverage,
        uint256 premium,
        uint256 end,
        uint32 termsId,
        uint256 reserved
    );
    /// @notice Emitted when a policy's reservation returns to the free pool (its claim is over, or it
    /// ended without one).
    event ReservationReleased(uint256 indexed policyId, uint256 amount);
    /// @notice Emitted when a claim is filed or retried; `requestId` is its inference request.
    event ClaimRequested(
        uint256 indexed claimId,
        uint256 indexed policyId,
        bytes32 indexed requestId,
        string photoUri,
        bytes32 photoSha256
    );
    /// @notice Emitted when a claim is paid (or credited) and closed: `payout` from the pool, plus
    /// `bond` when the insurer lost a dispute.
    event ClaimSettled(uint256 indexed claimId, uint256 severity, uint256 payout);
    /// @notice Emitted when an accepted assessment's payout is above the terms' review threshold: the
    /// holder collects it after `reviewEndsAt` unless the insurer disputes it first.
    event ClaimUnderReview(uint256 indexed claimId, uint256 severity, uint256 payout, uint256 reviewEndsAt);
    /// @notice Emitted when the insurer disputes a claim under review, posting `bond`.
    event ClaimDisputed(uint256 indexed claimId, DisputeRoute route, uint256 bond, bytes32 requestId);
    /// @notice Emitted when a dispute ends: `payout` is what the holder gets; the bond goes back to the
    /// pool when `insurerWon` (the review paid less), else to the holder.
    event DisputeResolved(uint256 indexed claimId, bool insurerWon, uint256 payout, uint256 bond);
    /// @notice Emitted when a claim's assessment was rejected; it may be retried.
    event ClaimRejected(uint256 indexed claimId, IInferenceOracleEvents.RejectReason reason);
    /// @notice Emitted when a claim can no longer be retried.
    event ClaimExpired(uint256 indexed claimId);
    /// @notice Emitted when a payout could not be pushed and was credited for `withdraw()`.
    event PayoutDeferred(address indexed holder, uint256 amount);
}
