// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {IInferenceOracleEvents} from "./IInferenceOracle.sol";

/// @title IClaimsInsuranceEvents
/// @notice Events of the `ClaimsInsurance` example (functions-free so that tests can inherit it).
interface IClaimsInsuranceEvents {
    /// @notice Emitted when the pool receives funds.
    event PoolFunded(address indexed from, uint256 amount);
    /// @notice Emitted when the insurer takes funds out of the pool.
    event PoolWithdrawn(address indexed to, uint256 amount);
    /// @notice Emitted when the insurer sets the premium rate and the payout table.
    event TermsSet(uint16 premiumBps, uint16[] payoutRatioBps);
    /// @notice Emitted when a policy is bought.
    event PolicyPurchased(
        uint256 indexed policyId, address indexed holder, uint256 coverage, uint256 premium, uint256 end
    );
    /// @notice Emitted when a claim is filed or retried; `requestId` is its inference request.
    event ClaimRequested(
        uint256 indexed claimId,
        uint256 indexed policyId,
        bytes32 indexed requestId,
        string photoUri,
        bytes32 photoSha256
    );
    /// @notice Emitted when an accepted assessment settles a claim.
    event ClaimSettled(uint256 indexed claimId, uint256 severity, uint256 payout);
    /// @notice Emitted when a claim's assessment was rejected; it may be retried.
    event ClaimRejected(uint256 indexed claimId, IInferenceOracleEvents.RejectReason reason);
    /// @notice Emitted when a claim can no longer be retried.
    event ClaimExpired(uint256 indexed claimId);
    /// @notice Emitted when a payout could not be pushed and was credited for `withdraw()`.
    event PayoutDeferred(address indexed holder, uint256 amount);
}
