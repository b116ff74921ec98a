// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {IInferenceClient} from "./interfaces/IInferenceClient.sol";
import {IInferenceOracle, IInferenceOracleEvents} from "./interfaces/IInferenceOracle.sol";
import {InferenceResult} from "./libraries/InferenceResult.sol";

/// @title InferenceClient
/// @notice Base for dApps that want verified ONNX inference. It talks to one inference oracle,
/// chosen at deployment (`FunctionsInferenceOracle`, `CreInferenceOracle`, ...), so the same dApp
/// runs unchanged on any transport. A dApp calls `_requestInference` and overrides `_onInference`
/// (and optionally `_onInferenceRejected`); the oracle has already applied every acceptance check.
/// @dev The oracle must allow this contract as a client (`InferenceOracle.setClient`). The oracle
/// calls the hooks under try/catch with its callback gas limit: a reverting hook does not undo the
/// settlement; the oracle keeps the outcome and anyone may `redeliver` it.
abstract contract InferenceClient is IInferenceClient {
    /// @notice The oracle this dApp sends requests to and takes results from.
    IInferenceOracle internal immutable i_oracle;

    /// @notice Thrown by the constructor on a zero oracle address.
    error ZeroOracle();
    /// @notice Thrown by the callbacks when the caller is not this client's oracle.
    error CallerIsNotOracle(address caller);

    /// @param oracleAddress The inference oracle (any transport).
    constructor(address oracleAddress) {
        if (oracleAddress == address(0)) {
            revert ZeroOracle();
        }
        i_oracle = IInferenceOracle(oracleAddress);
    }

    /// @notice The oracle this dApp uses.
    function oracle() external view returns (address) {
        return address(i_oracle);
    }

    /// @notice The fee (native currency, wei) each inference request costs; the functions that send
    /// one are payable and forward exactly this.
    function requestFee() public view returns (uint256) {
        return i_oracle.requestFee();
    }

    /// @inheritdoc IInferenceClient
    function onInferenceAccepted(bytes32 requestId, bytes32 modelId, InferenceResult.Data calldata result)
        external
    {
        if (!_isOracle(msg.sender)) {
            revert CallerIsNotOracle(msg.sender);
        }
        _onInference(requestId, modelId, result);
    }

    /// @inheritdoc IInferenceClient
    function onInferenceRejected(
        bytes32 requestId,
        bytes32 modelId,
        IInferenceOracleEvents.RejectReason reason
    ) external {
        if (!_isOracle(msg.sender)) {
            revert CallerIsNotOracle(msg.sender);
        }
        _onInferenceRejected(requestId, modelId, reason);
    }

    /// @notice Whether `caller` may deliver outcomes to the hooks. Default: this client's oracle only;
    /// a dApp that also sends requests to a second oracle (e.g. a review oracle with another adapter
    /// set) accepts that one too, and tells them apart in its hooks by `msg.sender`.
    /// @param caller The account calling `onInferenceAccepted` / `onInferenceRejected`.
    function _isOracle(address caller) internal view virtual returns (bool) {
        return caller == address(i_oracle);
    }

    /// @notice Sends an inference request for the registry's active version of `modelId`, paying the
    /// oracle's fee with `msg.value` (call it at most once per transaction).
    /// @param modelId Model id as a short string (`bytes32("damage-v1")`).
    /// @param input JSON of the adapter's `data` fields besides `model` (docs/protocol.md).
    /// @param inputHash sha256 of the input (the image bytes, or the JCS of the features).
    /// @return requestId The id the hooks will be called with.
    function _requestInference(bytes32 modelId, string memory input, bytes32 inputHash)
        internal
        returns (bytes32 requestId)
    {
        return _requestInference(modelId, input, inputHash, msg.value);
    }

    /// @notice Like `_requestInference(modelId, input, inputHash)`, paying `fee` from this contract.
    /// @param fee Wei sent with the request; must equal the oracle's `requestFee()`.
    function _requestInference(bytes32 modelId, string memory input, bytes32 inputHash, uint256 fee)
        internal
        returns (bytes32 requestId)
    {
        return i_oracle.requestInference{value: fee}(modelId, input, inputHash);
    }

    /// @notice Called once per request with its accepted result.
    /// @param requestId The id `_requestInference` returned.
    /// @param modelId The requested model id.
    /// @param result The result (median of the agreeing adapters, fixed point by the model's scale),
    /// its model and input hash, the adapter counts and its observation time.
    function _onInference(bytes32 requestId, bytes32 modelId, InferenceResult.Data memory result)
        internal
        virtual;

    /// @notice Called once per request whose answer was rejected (the request is over; a new one may
    /// be sent). Default: nothing.
    /// @param requestId The id `_requestInference` returned.
    /// @param modelId The requested model id.
    /// @param reason Why the answer was rejected.
    function _onInferenceRejected(
        bytes32 requestId,
        bytes32 modelId,
        IInferenceOracleEvents.RejectReason reason
    ) internal virtual {}
}
