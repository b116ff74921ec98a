// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

/// @title IInferenceConsumer
/// @notice Events and reasons shared by both paths that deliver inference results on-chain:
/// Chainlink Functions (`InferenceConsumer`) and direct request (`QuorumConsumer`).
/// @dev Both call `_onInference(requestId, modelId, result)` on an accepted result and
/// `_onInferenceRejected(requestId, modelId, uint8(reason))` on a rejected one (docs/protocol.md).
interface IInferenceConsumer {
    /// @notice Why a delivered result was not accepted. `None` is never emitted.
    enum RejectReason {
        None,
        /// The request id is not pending (never sent by this contract, or already settled).
        UnknownRequest,
        /// The oracle (DON or operator) returned an error instead of a result.
        OracleError,
        /// The result does not decode under the layout of `InferenceResult`.
        MalformedResult,
        /// The result's model hash is not approved (unknown, proposed, deprecated, revoked, or
        /// approved only for another model id) for the requested model id.
        ModelNotApproved,
        /// The result's input hash is not the one requested.
        InputHashMismatch,
        /// Fewer adapters (or operators) agreed than the configured threshold.
        InsufficientAgreement,
        /// The result's observation time is older than the maximum age, or in the future.
        StaleResult,
        /// The request timed out before enough answers arrived (direct request path).
        Expired
    }

    /// @notice Emitted when an inference request is sent.
    event InferenceRequested(
        bytes32 indexed requestId, bytes32 indexed modelId, bytes32 modelHash, bytes32 inputHash
    );

    /// @notice Emitted when a delivered result passed every check and was handed to `_onInference`.
    event InferenceAccepted(
        bytes32 indexed requestId, bytes32 indexed modelId, uint256 result, bytes32 modelHash, uint8 agreed
    );

    /// @notice Emitted when a delivered result was not accepted; nothing was acted upon.
    event InferenceRejected(bytes32 indexed requestId, bytes32 indexed modelId, RejectReason reason);
}
