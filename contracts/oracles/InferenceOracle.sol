// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {ConfirmedOwner} from "@chainlink/contracts/src/v0.8/shared/access/ConfirmedOwner.sol";
import {IInferenceOracle} from "../interfaces/IInferenceOracle.sol";
import {IInferenceClient} from "../interfaces/IInferenceClient.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {InferenceResult} from "../libraries/InferenceResult.sol";

/// @title InferenceOracle
/// @notice What every transport shares, written once: allowed clients, the request fee, the
/// acceptance policy, the pending requests, and `_deliver`, which checks an answer, settles its
/// request and hands the outcome to the client. A transport (`FunctionsInferenceOracle`,
/// `CreInferenceOracle`) only moves requests out (`_dispatch`) and answers in (`_deliver`).
/// @dev An answer is accepted only when it names a pending request (the same client, model id and
/// input hash that were committed to), carries no oracle error, decodes under `InferenceResult`,
/// names the requested input hash, has at least `threshold` agreeing adapters and a strict majority
/// of those that answered validly, is fresh, and names a model hash the registry approves for the
/// requested model id at delivery time. The client's callback runs under try/catch with
/// `callbackGasLimit`: a failing client never makes the transport revert, and its outcome is kept
/// for `redeliver` so an accepted result is never lost.
abstract contract InferenceOracle is IInferenceOracle, ConfirmedOwner {
    /// @notice How far in the future (seconds) a result's `observedAt` may lie (node clock skew).
    uint256 public constant MAX_CLOCK_SKEW = 300;
    /// @notice Highest gas a client's callback may be given.
    uint32 public constant MAX_CALLBACK_GAS_LIMIT = 2_000_000;
    /// @notice Gas a client's callback gets until the owner sets another limit.
    uint32 public constant DEFAULT_CALLBACK_GAS_LIMIT = 200_000;
    /// @notice Gas kept back from a client's callback so that a failed callback can always be
    /// recorded for `redeliver` (a new storage slot and the `DeliveryFailed` event).
    uint256 public constant DELIVERY_RECORD_GAS = 40_000;
    /// @notice Gas `redeliver` needs besides the callback (the kept outcome's slot and event).
    uint256 public constant REDELIVERY_OVERHEAD_GAS = 20_000;

    /// @notice A request as committed to: who asked, for which model and input.
    struct Request {
        address client;
        bytes32 modelId;
        bytes32 inputHash;
    }

    /// @dev What requests pay, what callbacks get, and how many requests were sent (one slot).
    struct Billing {
        uint96 requestFee;
        uint32 callbackGasLimit;
        uint64 requestCount;
    }

    AcceptancePolicy internal s_policy;
    Billing internal s_billing;
    mapping(address client => bool allowed) internal s_clients;
    /// @dev keccak256(abi.encode(client, modelId, inputHash)) of each pending request (one slot).
    mapping(bytes32 requestId => bytes32 commitment) internal s_pending;
    /// @dev keccak256 of each outcome whose client callback failed (see `_deliveryHash`).
    mapping(bytes32 requestId => bytes32 deliveryHash) internal s_undelivered;

    constructor() ConfirmedOwner(msg.sender) {
        s_billing.callbackGasLimit = DEFAULT_CALLBACK_GAS_LIMIT;
    }

    // ---------------------------------------------------------------- owner configuration

    /// @notice Allows or disallows `client` to send requests (requests already sent still answer).
    /// @param client The dApp contract (an `InferenceClient`).
    /// @param allowed Whether it may send requests.
    function setClient(address client, bool allowed) external onlyOwner {
        if (client == address(0)) {
            revert ZeroClient();
        }
        s_clients[client] = allowed;
        emit ClientSet(client, allowed);
    }

    /// @notice Sets the fee (native currency) each request pays: the one who causes a request pays
    /// for it; the owner withdraws the fees to pay the oracle network (LINK, CRE billing).
    /// @param fee Wei per request; zero makes requests free.
    function setRequestFee(uint96 fee) external onlyOwner {
        s_billing.requestFee = fee;
        emit RequestFeeSet(fee);
    }

    /// @notice Sends `amount` of the collected fees to `to`.
    /// @param to The recipient.
    /// @param amount Wei to send.
    function withdrawFees(address payable to, uint256 amount) external onlyOwner {
        uint256 balance = address(this).balance;
        if (amount > balance) {
            revert InsufficientFees(balance, amount);
        }
        emit FeesWithdrawn(to, amount);
        (bool sent,) = to.call{value: amount}("");
        if (!sent) {
            revert FeeTransferFailed(to, amount);
        }
    }

    /// @notice Sets the checks applied to answers; applies to answers delivered from now on.
    /// @param registry The model registry.
    /// @param threshold Adapters that must agree (at least 1; the oracle network also requires a
    /// strict majority of its configured adapters).
    /// @param tolerance Absolute distance from the median, in result units, within which adapters agree.
    /// @param maxResultAge Oldest acceptable result, in seconds after its `observedAt` (at least 1).
    function setAcceptancePolicy(address registry, uint8 threshold, uint32 tolerance, uint32 maxResultAge)
        external
        onlyOwner
    {
        if (registry == address(0)) {
            revert ZeroRegistry();
        }
        if (threshold == 0) {
            revert ZeroThreshold();
        }
        if (maxResultAge == 0) {
            revert ZeroMaxResultAge();
        }
        s_policy = AcceptancePolicy({
            registry: registry, threshold: threshold, tolerance: tolerance, maxResultAge: maxResultAge
        });
        emit AcceptancePolicySet(registry, threshold, tolerance, maxResultAge);
    }

    /// @notice Sets the gas a client's callback may use.
    /// @param gasLimit Gas for `onInferenceAccepted` / `onInferenceRejected`, in (0, MAX_CALLBACK_GAS_LIMIT].
    function setCallbackGasLimit(uint32 gasLimit) external onlyOwner {
        if (gasLimit == 0 || gasLimit > MAX_CALLBACK_GAS_LIMIT) {
            revert InvalidCallbackGasLimit(gasLimit, MAX_CALLBACK_GAS_LIMIT);
        }
        s_billing.callbackGasLimit = gasLimit;
        emit CallbackGasLimitSet(gasLimit);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IInferenceOracle
    function requestFee() external view returns (uint256) {
        return s_billing.requestFee;
    }

    /// @inheritdoc IInferenceOracle
    function callbackGasLimit() external view returns (uint32) {
        return s_billing.callbackGasLimit;
    }

    /// @notice How many requests this oracle has sent.
    function requestCount() external view returns (uint64) {
        return s_billing.requestCount;
    }

    /// @inheritdoc IInferenceOracle
    function isClient(address client) external view returns (bool) {
        return s_clients[client];
    }

    /// @inheritdoc IInferenceOracle
    function isPending(bytes32 requestId) external view returns (bool) {
        return s_pending[requestId] != bytes32(0);
    }

    /// @inheritdoc IInferenceOracle
    function acceptancePolicy() external view returns (AcceptancePolicy memory) {
        return s_policy;
    }

    /// @notice The hash of a kept outcome whose callback failed (zero if none).
    /// @param requestId The request.
    function undelivered(bytes32 requestId) external view returns (bytes32) {
        return s_undelivered[requestId];
    }

    // ---------------------------------------------------------------- requests

    /// @inheritdoc IInferenceOracle
    function requestInference(bytes32 modelId, string calldata input, bytes32 inputHash)
        external
        payable
        returns (bytes32 requestId)
    {
        if (!s_clients[msg.sender]) {
            revert ClientNotAllowed(msg.sender);
        }
        Billing memory billing = s_billing;
        if (msg.value != billing.requestFee) {
            revert WrongRequestFee(billing.requestFee, msg.value);
        }
        AcceptancePolicy memory policy = s_policy;
        if (policy.registry == address(0)) {
            revert AcceptancePolicyNotSet();
        }
        bytes32 modelHash = IModelRegistry(policy.registry).activeVersion(modelId);
        if (modelHash == bytes32(0)) {
            revert NoActiveModelVersion(modelId);
        }
        uint64 nonce = billing.requestCount + 1;
        s_billing.requestCount = nonce;
        Request memory request = Request({client: msg.sender, modelId: modelId, inputHash: inputHash});
        requestId = _dispatch(request, modelHash, input, policy, nonce);
        s_pending[requestId] = _commitment(request);
        emit InferenceRequested(
            requestId, modelId, msg.sender, modelHash, inputHash, input, policy.threshold, policy.tolerance
        );
        return requestId;
    }

    /// @notice Sends the request out over the transport and returns its id.
    /// @param request Who asks, for which model and input.
    /// @param modelHash The registry's active version of the model.
    /// @param input The adapter input JSON.
    /// @param policy The acceptance policy (threshold and tolerance travel with the request).
    /// @param nonce This request's number at this oracle (1, 2, ...).
    function _dispatch(
        Request memory request,
        bytes32 modelHash,
        string calldata input,
        AcceptancePolicy memory policy,
        uint64 nonce
    ) internal virtual returns (bytes32 requestId);

    // ---------------------------------------------------------------- delivery

    /// @inheritdoc IInferenceOracle
    function redeliver(
        bytes32 requestId,
        address client,
        bytes32 modelId,
        RejectReason reason,
        InferenceResult.Data calldata result
    ) external {
        bytes32 kept = s_undelivered[requestId];
        if (kept == bytes32(0) || kept != _deliveryHash(client, modelId, reason, result)) {
            revert NothingToRedeliver(requestId);
        }
        // The client must get at least what the original delivery would have given it, after the
        // 1/64 a call keeps back and this function's own remaining work.
        uint256 required = (uint256(s_billing.callbackGasLimit) * 64) / 63 + REDELIVERY_OVERHEAD_GAS;
        if (gasleft() < required) {
            revert InsufficientGasForRedelivery(gasleft(), required);
        }
        delete s_undelivered[requestId];
        emit Redelivered(requestId, client);
        // No cap and no try/catch: the caller pays, and a revert restores the kept outcome.
        if (reason == RejectReason.None) {
            IInferenceClient(client).onInferenceAccepted(requestId, modelId, result);
        } else {
            IInferenceClient(client).onInferenceRejected(requestId, modelId, reason);
        }
    }

    /// @notice Checks an answer to `requestId` and, if it names a pending request, settles it and
    /// hands the outcome to the client. Never reverts because of the answer's content.
    /// @param requestId The request the answer names.
    /// @param request The client, model id and input hash the answer claims for it (from the
    /// transport's own record, or from the answer itself); must match the commitment.
    /// @param response The result bytes (`InferenceResult` layout).
    /// @param err The oracle network's error, empty if none.
    /// @return accepted Whether the result was accepted.
    function _deliver(bytes32 requestId, Request memory request, bytes memory response, bytes memory err)
        internal
        returns (bool accepted)
    {
        bytes32 commitment = s_pending[requestId];
        if (commitment == bytes32(0) || commitment != _commitment(request)) {
            emit ReportRejected(requestId, msg.sender, RejectReason.UnknownRequest);
            return false;
        }
        delete s_pending[requestId];
        (RejectReason reason, InferenceResult.Data memory result) = _check(request, response, err);
        if (reason == RejectReason.None) {
            emit InferenceAccepted(requestId, request.modelId, result.result, result.modelHash, result.agreed);
        } else {
            emit InferenceRejected(requestId, request.modelId, reason);
            result = InferenceResult.Data(0, bytes32(0), bytes32(0), 0, 0, 0);
        }
        _callClient(requestId, request, reason, result);
        return reason == RejectReason.None;
    }

    /// @dev Every acceptance check but the pending request's; cheap ones first, the registry call last.
    function _check(Request memory request, bytes memory response, bytes memory err)
        private
        view
        returns (RejectReason reason, InferenceResult.Data memory result)
    {
        if (err.length != 0) {
            return (RejectReason.OracleError, result);
        }
        bool ok;
        (ok, result) = InferenceResult.tryDecode(response);
        if (!ok) {
            return (RejectReason.MalformedResult, result);
        }
        if (result.inputHash != request.inputHash) {
            return (RejectReason.InputHashMismatch, result);
        }
        AcceptancePolicy memory policy = s_policy;
        if (result.agreed < policy.threshold || uint256(result.agreed) * 2 <= result.responded) {
            return (RejectReason.InsufficientAgreement, result);
        }
        if (
            block.timestamp > uint256(result.observedAt) + policy.maxResultAge
                || uint256(result.observedAt) > block.timestamp + MAX_CLOCK_SKEW
        ) {
            return (RejectReason.StaleResult, result);
        }
        try IModelRegistry(policy.registry).isApproved(request.modelId, result.modelHash) returns (
            bool approved
        ) {
            if (!approved) {
                return (RejectReason.ModelNotApproved, result);
            }
        } catch {
            return (RejectReason.ModelNotApproved, result);
        }
        return (RejectReason.None, result);
    }

    /// @dev Calls the client's callback with at most `callbackGasLimit`, always keeping
    /// `DELIVERY_RECORD_GAS` back; when the callback reverts, runs out of gas, or the client has no
    /// code, keeps the outcome for `redeliver`. The revert data is not copied, so a client cannot
    /// make this step cost more.
    function _callClient(
        bytes32 requestId,
        Request memory request,
        RejectReason reason,
        InferenceResult.Data memory result
    ) private {
        uint256 gasLimit = s_billing.callbackGasLimit;
        uint256 available = gasleft();
        available = available > DELIVERY_RECORD_GAS ? available - DELIVERY_RECORD_GAS : 0;
        if (gasLimit > available) {
            gasLimit = available;
        }
        bool delivered;
        if (request.client.code.length != 0) {
            if (reason == RejectReason.None) {
                try IInferenceClient(request.client).onInferenceAccepted{gas: gasLimit}(
                    requestId, request.modelId, result
                ) {
                    delivered = true;
                } catch {}
            } else {
                try IInferenceClient(request.client).onInferenceRejected{gas: gasLimit}(
                    requestId, request.modelId, reason
                ) {
                    delivered = true;
                } catch {}
            }
        }
        if (!delivered) {
            s_undelivered[requestId] = _deliveryHash(request.client, request.modelId, reason, result);
            emit DeliveryFailed(requestId, request.client, request.modelId, reason, result);
        }
    }

    function _commitment(Request memory request) internal pure returns (bytes32) {
        return keccak256(abi.encode(request.client, request.modelId, request.inputHash));
    }

    function _deliveryHash(
        address client,
        bytes32 modelId,
        RejectReason reason,
        InferenceResult.Data memory result
    ) private pure returns (bytes32) {
        return keccak256(abi.encode(client, modelId, reason, result));
    }
}
