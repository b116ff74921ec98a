// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {InferenceResult} from "../libraries/InferenceResult.sol";

/// @title IInferenceOracleEvents
/// @notice The one `RejectReason` enum and the events every inference oracle emits, whatever its
/// transport (Chainlink Functions, CRE), plus the direct-request `QuorumConsumer`.
/// @dev Functions-free so that contracts and tests can inherit it (solc 0.8.19 can emit only events
/// declared in the emitting contract or one of its bases).
interface IInferenceOracleEvents {
    /// @notice Why an answer was not accepted. `None` is never emitted.
    /// @dev Values are appended only: off-chain decoders index this list.
    enum RejectReason {
        None,
        /// The answer names no pending request of this oracle (never sent, already settled, or its
        /// request fields differ from the ones committed to at request time).
        UnknownRequest,
        /// The oracle network (DON or operator) returned an error instead of a result.
        OracleError,
        /// The answer does not decode under its documented layout (`InferenceResult`, CRE payload).
        MalformedResult,
        /// The result's model hash is not approved (unknown, proposed, deprecated, revoked, or
        /// approved only for another model id) for the requested model id.
        ModelNotApproved,
        /// The result's input hash is not the one requested.
        InputHashMismatch,
        /// Fewer adapters (or operators) agreed than the threshold, or not a strict majority of
        /// those that answered validly.
        InsufficientAgreement,
        /// The result's observation time is older than the maximum age, or in the future.
        StaleResult,
        /// The request timed out before enough answers arrived (direct request path).
        Expired,
        /// A report did not come from the configured transport contract (CRE: the forwarder).
        UnauthorizedSender,
        /// A report came from another workflow than the configured owner and name (CRE).
        UnauthorizedWorkflow
    }

    /// @notice Emitted for every request; carries everything an oracle network needs to answer it
    /// (the CRE workflow's EVM log trigger decodes exactly this event).
    /// @param requestId The request's id, named again by its answer.
    /// @param modelId The requested model id (short string).
    /// @param client The contract that asked and that the answer is delivered to.
    /// @param modelHash The registry's active (approved) version of `modelId` at request time.
    /// @param inputHash sha256 of the input (image bytes, or the JCS of the features).
    /// @param input The adapter input: JSON of the `data` fields besides `model`.
    /// @param threshold Adapters that must agree.
    /// @param tolerance Absolute distance from the median, in result units, within which they agree.
    event InferenceRequested(
        bytes32 indexed requestId,
        bytes32 indexed modelId,
        address indexed client,
        bytes32 modelHash,
        bytes32 inputHash,
        string input,
        uint8 threshold,
        uint32 tolerance
    );

    /// @notice Emitted when an answer passed every check; the request is settled and the result is
    /// handed to the client.
    event InferenceAccepted(
        bytes32 indexed requestId, bytes32 indexed modelId, uint256 result, bytes32 modelHash, uint8 agreed
    );

    /// @notice Emitted when an answer to a pending request failed a check; the request is settled
    /// without a result (the client hears of it and may send a new request).
    event InferenceRejected(bytes32 indexed requestId, bytes32 indexed modelId, RejectReason reason);

    /// @notice Emitted when an answer reached no pending request (unknown or finished request id,
    /// wrong sender or workflow, undecodable report): nothing changed, any pending request stays open.
    /// @param requestId The request id the answer named (zero when it could not be read).
    /// @param sender The caller that delivered the answer.
    event ReportRejected(bytes32 indexed requestId, address indexed sender, RejectReason reason);

    /// @notice Emitted when the client's callback reverted or ran out of its gas. The outcome is kept
    /// and anyone may deliver it again with `redeliver` (all fields needed are in this event).
    /// @param reason `None` for an accepted result, else why the request was rejected.
    /// @param result The accepted result (zero fields for a rejection).
    event DeliveryFailed(
        bytes32 indexed requestId,
        address indexed client,
        bytes32 indexed modelId,
        RejectReason reason,
        InferenceResult.Data result
    );

    /// @notice Emitted when a kept outcome reached its client through `redeliver`.
    event Redelivered(bytes32 indexed requestId, address indexed client);

    /// @notice Emitted when the owner allows or disallows a client.
    event ClientSet(address indexed client, bool allowed);

    /// @notice Emitted when the owner sets the fee (native currency) each request pays.
    event RequestFeeSet(uint256 fee);

    /// @notice Emitted when the owner takes collected fees out.
    event FeesWithdrawn(address indexed to, uint256 amount);

    /// @notice Emitted when the owner sets the acceptance policy.
    event AcceptancePolicySet(address registry, uint8 threshold, uint32 tolerance, uint32 maxResultAge);

    /// @notice Emitted when the owner sets the gas the client's callback may use.
    event CallbackGasLimitSet(uint32 callbackGasLimit);
}

/// @title IInferenceOracle
/// @notice What a dApp (an `InferenceClient`) calls on an inference oracle. Every transport
/// implements it through `InferenceOracle`: the acceptance checks exist once.
interface IInferenceOracle is IInferenceOracleEvents {
    /// @notice The checks applied to every answer (one storage slot).
    /// @param registry Says which model hashes are approved for a model id.
    /// @param threshold Adapters that must agree (sent to the oracle network, checked on the result).
    /// @param tolerance Absolute distance from the median within which adapters agree (result units).
    /// @param maxResultAge Oldest acceptable result, in seconds after its `observedAt`.
    struct AcceptancePolicy {
        address registry;
        uint8 threshold;
        uint32 tolerance;
        uint32 maxResultAge;
    }

    /// @notice Thrown by `requestInference()` when the caller is not an allowed client.
    error ClientNotAllowed(address caller);
    /// @notice Thrown by `requestInference()` when `msg.value` is not the request fee.
    error WrongRequestFee(uint256 expected, uint256 sent);
    /// @notice Thrown by `requestInference()` before the owner has set an acceptance policy.
    error AcceptancePolicyNotSet();
    /// @notice Thrown by `requestInference()` when the registry has no active version of `modelId`.
    error NoActiveModelVersion(bytes32 modelId);
    /// @notice Thrown by `setAcceptancePolicy()` on a zero registry.
    error ZeroRegistry();
    /// @notice Thrown by `setAcceptancePolicy()` on a zero threshold.
    error ZeroThreshold();
    /// @notice Thrown by `setAcceptancePolicy()` on a zero maximum result age.
    error ZeroMaxResultAge();
    /// @notice Thrown by `setCallbackGasLimit()` outside (0, max].
    error InvalidCallbackGasLimit(uint32 callbackGasLimit, uint32 max);
    /// @notice Thrown by `setClient()` on the zero address.
    error ZeroClient();
    /// @notice Thrown by `withdrawFees()` when the oracle holds less than `amount`.
    error InsufficientFees(uint256 balance, uint256 amount);
    /// @notice Thrown by `withdrawFees()` when sending fails.
    error FeeTransferFailed(address to, uint256 amount);
    /// @notice Thrown by `redeliver()` when no failed delivery with exactly these fields is kept.
    error NothingToRedeliver(bytes32 requestId);
    /// @notice Thrown by `redeliver()` when less gas is left than the client's callback needs (its
    /// callback gas limit, what a call keeps back, and `redeliver`'s own work).
    error InsufficientGasForRedelivery(uint256 gasLeft, uint256 required);

    /// @notice Sends an inference request for the registry's active version of `modelId`, on behalf
    /// of the calling client, which must be allowed and pay exactly `requestFee()`.
    /// @param modelId Model id as a short string (`bytes32("damage-v1")`).
    /// @param input JSON of the adapter's `data` fields besides `model` (docs/protocol.md).
    /// @param inputHash sha256 of the input (the image bytes, or the JCS of the features).
    /// @return requestId The id the answer will name.
    function requestInference(bytes32 modelId, string calldata input, bytes32 inputHash)
        external
        payable
        returns (bytes32 requestId);

    /// @notice Delivers again an outcome whose client callback failed (see `DeliveryFailed`), with
    /// all the gas the caller gives (at least the callback gas limit); reverts if the client reverts.
    /// @param requestId The request.
    /// @param client The client the outcome belongs to.
    /// @param modelId The requested model id.
    /// @param reason `None` for an accepted result, else the rejection reason.
    /// @param result The accepted result, as emitted in `DeliveryFailed`.
    function redeliver(
        bytes32 requestId,
        address client,
        bytes32 modelId,
        RejectReason reason,
        InferenceResult.Data calldata result
    ) external;

    /// @notice The fee (native currency, wei) each request pays.
    function requestFee() external view returns (uint256);

    /// @notice Whether `client` may send requests.
    function isClient(address client) external view returns (bool);

    /// @notice Whether `requestId` waits for its answer.
    function isPending(bytes32 requestId) external view returns (bool);

    /// @notice The checks applied to answers.
    function acceptancePolicy() external view returns (AcceptancePolicy memory);

    /// @notice The gas the client's callback may use.
    function callbackGasLimit() external view returns (uint32);
}
