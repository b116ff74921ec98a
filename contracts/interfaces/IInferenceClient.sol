// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {IInferenceOracleEvents} from "./IInferenceOracle.sol";
import {InferenceResult} from "../libraries/InferenceResult.sol";

/// @title IInferenceClient
/// @notice The callbacks an inference oracle makes on the dApp that asked (`InferenceClient`
/// implements them, callable only by its oracle).
/// @dev The oracle calls them under try/catch with a gas cap: a reverting client never makes the
/// transport revert, and a failed callback is kept for `IInferenceOracle.redeliver`.
interface IInferenceClient {
    /// @notice Called once per request with its accepted result.
    /// @param requestId The id `requestInference` returned.
    /// @param modelId The requested model id.
    /// @param result The result every acceptance check passed.
    function onInferenceAccepted(bytes32 requestId, bytes32 modelId, InferenceResult.Data calldata result)
        external;

    /// @notice Called once per request when its answer failed a check (the request is over; send a
    /// new one to retry).
    /// @param requestId The id `requestInference` returned.
    /// @param modelId The requested model id.
    /// @param reason Why the answer was rejected.
    function onInferenceRejected(
        bytes32 requestId,
        bytes32 modelId,
        IInferenceOracleEvents.RejectReason reason
    ) external;
}
