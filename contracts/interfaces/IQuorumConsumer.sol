// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {IInferenceOracleEvents} from "./IInferenceOracle.sol";

/// @title IQuorumConsumerEvents
/// @notice Events of the direct-request path (`QuorumConsumer`) besides the shared ones of
/// `IInferenceOracleEvents` (functions-free so that tests can inherit it).
interface IQuorumConsumerEvents is IInferenceOracleEvents {
    /// @notice Emitted when the operators, threshold and tolerance for a model are set.
    event QuorumConfigured(bytes32 indexed modelId, uint8 oracles, uint8 threshold, uint32 tolerance);
    /// @notice Emitted for each operator asked, with its Chainlink request id.
    event OperatorRequested(
        bytes32 indexed quorumId, bytes32 indexed chainlinkRequestId, address indexed operator, uint96 fee
    );
    /// @notice Emitted when an operator's answer counts towards the quorum.
    event AnswerRecorded(
        bytes32 indexed quorumId, address indexed operator, uint256 result, bytes32 modelHash
    );
    /// @notice Emitted when an operator's answer arrived but does not count, and why.
    event AnswerRejected(bytes32 indexed quorumId, address indexed operator, RejectReason reason);
    /// @notice Emitted when an Operator refuses to cancel a leg (it no longer holds the request).
    event OperatorCancelFailed(
        bytes32 indexed quorumId, bytes32 indexed chainlinkRequestId, address operator
    );
    /// @notice Emitted when unanswered legs of an expired request are cancelled; `refunded` juels came
    /// back from the Operators.
    event QuorumCancelled(bytes32 indexed quorumId, uint256 refunded);
}
