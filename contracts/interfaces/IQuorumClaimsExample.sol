// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {IInferenceOracleEvents} from "./IInferenceOracle.sol";

/// @title IQuorumClaimsExampleEvents
/// @notice Events of the `QuorumClaimsExample` example (functions-free so that tests can inherit it).
interface IQuorumClaimsExampleEvents {
    /// @notice Emitted when a claim's assessment is requested.
    event AssessmentRequested(bytes32 indexed claimId, bytes32 indexed requestId, bytes32 modelId);
    /// @notice Emitted when the operators agreed on a claim's assessment.
    event ClaimAssessed(
        bytes32 indexed claimId, bytes32 indexed requestId, uint256 result, bytes32 modelHash
    );
    /// @notice Emitted when a claim's assessment failed (no agreement, or expired); it may be retried.
    event AssessmentFailed(
        bytes32 indexed claimId, bytes32 indexed requestId, IInferenceOracleEvents.RejectReason reason
    );
}
