// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {FunctionsClient} from "@chainlink/contracts/src/v0.8/functions/v1_0_0/FunctionsClient.sol";
import {FunctionsRequest} from "@chainlink/contracts/src/v0.8/functions/v1_0_0/libraries/FunctionsRequest.sol";
import {CBOR} from "@chainlink/contracts/src/v0.8/vendor/solidity-cborutils/v2.0.0/CBOR.sol";
import {ConfirmedOwner} from "@chainlink/contracts/src/v0.8/shared/access/ConfirmedOwner.sol";
import {IInferenceConsumer} from "./interfaces/IInferenceConsumer.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {InferenceResult} from "./libraries/InferenceResult.sol";
import {FunctionsArgs} from "./libraries/FunctionsArgs.sol";
import {SourceStore} from "./libraries/SourceStore.sol";

/// @title InferenceConsumer
/// @notice Base for dApps that want ONNX inference through Chainlink Functions. A dApp calls
/// `_requestInference` and overrides `_onInference` (and optionally `_onInferenceRejected`).
/// @dev A delivered result is accepted only when it came from the router (so it passed the
/// Coordinator's DON signature threshold), answers a pending request of this contract, carries no
/// error, decodes under `InferenceResult`, names the requested input hash, has at least `threshold`
/// agreeing adapters, is fresh, and names a model hash the registry approves for the requested model
/// id. Anything else emits `InferenceRejected(reason)`; the router's callback never reverts here.
/// The source is kept pre-encoded (CBOR) as the code of a data contract (`SourceStore`), so a request
/// copies it with one EXTCODECOPY instead of reading it from storage word by word.
abstract contract InferenceConsumer is IInferenceConsumer, FunctionsClient, ConfirmedOwner {
    using CBOR for CBOR.CBORBuffer;
    using FunctionsRequest for FunctionsRequest.Request;

    /// @notice How far in the future (seconds) a result's `observedAt` may lie (DON node clock skew).
    uint256 public constant MAX_CLOCK_SKEW = 300;
    /// @notice Callback gas limit ceiling of Chainlink Functions.
    uint32 public constant MAX_CALLBACK_GAS = 300_000;
    /// @notice Initial capacity of the CBOR buffer for the request args.
    uint256 private constant ARGS_BUFFER_SIZE = 512;

    /// @notice What a request asked for; deleted when its answer arrives.
    struct Pending {
        bytes32 modelId;
        bytes32 inputHash;
    }

    /// @notice Checks applied to delivered results (one storage slot).
    struct AcceptancePolicy {
        IModelRegistry registry;
        uint8 threshold;
        uint32 maxResultAge;
        uint32 callbackGasLimit;
    }

    /// @notice Where requests go and what they carry besides the args (one storage slot).
    struct Routing {
        address source;
        uint64 subscriptionId;
        uint32 tolerance;
    }

    AcceptancePolicy internal s_policy;
    Routing internal s_routing;
    bytes32 internal s_donId;
    /// @dev CBOR of `secretsLocation` and `secrets`, appended as-is to every request; empty if none.
    bytes internal s_encodedSecrets;
    mapping(bytes32 => Pending) internal s_pending;

    /// @notice Emitted when the owner sets where requests go.
    event RequestConfigSet(bytes32 donId, uint64 subscriptionId, uint32 callbackGasLimit);
    /// @notice Emitted when the owner sets the acceptance policy.
    event AcceptancePolicySet(address registry, uint8 threshold, uint32 tolerance, uint32 maxResultAge);
    /// @notice Emitted when the owner sets the Functions source; `pointer` is its data contract.
    event SourceSet(address pointer, bytes32 sourceHash);
    /// @notice Emitted when the owner sets (or clears, with empty bytes) the secrets reference.
    event SecretsSet(bytes encodedSecrets);

    /// @notice Thrown by `_requestInference()` when the registry has no active version of `modelId`.
    error NoActiveModelVersion(bytes32 modelId);
    /// @notice Thrown by `_requestInference()` before the owner has set a source.
    error SourceNotSet();
    /// @notice Thrown by the setters on a value outside its allowed range.
    error InvalidConfig();

    constructor(address router) FunctionsClient(router) ConfirmedOwner(msg.sender) {}

    // ---------------------------------------------------------------- owner configuration

    /// @notice Sets the DON id, the billing subscription and the callback gas limit.
    function setRequestConfig(bytes32 donId, uint64 subscriptionId, uint32 callbackGasLimit) external onlyOwner {
        if (callbackGasLimit == 0 || callbackGasLimit > MAX_CALLBACK_GAS || subscriptionId == 0) {
            revert InvalidConfig();
        }
        s_donId = donId;
        s_routing.subscriptionId = subscriptionId;
        s_policy.callbackGasLimit = callbackGasLimit;
        emit RequestConfigSet(donId, subscriptionId, callbackGasLimit);
    }

    /// @notice Sets the registry, the minimum number of agreeing adapters, the tolerance (absolute,
    /// in result units) sent to the source, and the maximum age in seconds of an accepted result.
    function setAcceptancePolicy(address registry, uint8 threshold, uint32 tolerance, uint32 maxResultAge)
        external
        onlyOwner
    {
        if (registry == address(0) || threshold == 0 || maxResultAge == 0) {
            revert InvalidConfig();
        }
        s_policy.registry = IModelRegistry(registry);
        s_policy.threshold = threshold;
        s_policy.maxResultAge = maxResultAge;
        s_routing.tolerance = tolerance;
        emit AcceptancePolicySet(registry, threshold, tolerance, maxResultAge);
    }

    /// @notice Sets the JavaScript source the DON runs (functions-source/); stored as contract code.
    function setSource(string calldata source) external onlyOwner {
        if (bytes(source).length == 0) {
            revert InvalidConfig();
        }
        FunctionsRequest.Request memory req;
        req.initializeRequestForInlineJavaScript(source);
        address pointer = SourceStore.write(req.encodeCBOR());
        s_routing.source = pointer;
        emit SourceSet(pointer, keccak256(bytes(source)));
    }

    /// @notice Uses DON-hosted secrets (uploaded with functions-toolkit) from `slotId` at `version`.
    function setDonHostedSecrets(uint8 slotId, uint64 version) external onlyOwner {
        FunctionsRequest.Request memory req;
        req.addDONHostedSecrets(slotId, version);
        _setEncodedSecrets(req.secretsLocation, req.encryptedSecretsReference);
    }

    /// @notice Uses remotely hosted secrets: `encryptedSecretsUrls` as produced by functions-toolkit.
    /// Empty bytes clear the secrets.
    function setRemoteSecrets(bytes calldata encryptedSecretsUrls) external onlyOwner {
        _setEncodedSecrets(FunctionsRequest.Location.Remote, encryptedSecretsUrls);
    }

    // ---------------------------------------------------------------- views

    /// @notice The current acceptance policy and routing (for tooling and tests).
    function getConfig()
        external
        view
        returns (AcceptancePolicy memory policy, Routing memory routing, bytes32 donId, bytes memory encodedSecrets)
    {
        return (s_policy, s_routing, s_donId, s_encodedSecrets);
    }

    /// @notice What a pending request asked for (zero model id if not pending).
    function getPending(bytes32 requestId) external view returns (Pending memory) {
        return s_pending[requestId];
    }

    /// @notice The CBOR-encoded Functions source kept in the source's data contract.
    function encodedSource() external view returns (bytes memory) {
        return SourceStore.read(s_routing.source);
    }

    // ---------------------------------------------------------------- requests

    /// @notice Sends an inference request for the active version of `modelId`.
    /// @param modelId Model id as a short string (`bytes32("damage-v1")`).
    /// @param input JSON of the adapter's `data` fields besides `model` (args[3] in docs/protocol.md).
    /// @param inputHash sha256 of the input (the image bytes, or the JCS of the features).
    function _requestInference(bytes32 modelId, string memory input, bytes32 inputHash)
        internal
        returns (bytes32 requestId)
    {
        AcceptancePolicy memory policy = s_policy;
        Routing memory routing = s_routing;
        if (routing.source == address(0)) {
            revert SourceNotSet();
        }
        bytes32 modelHash = policy.registry.activeVersion(modelId);
        if (modelHash == bytes32(0)) {
            revert NoActiveModelVersion(modelId);
        }
        bytes memory data = abi.encodePacked(
            SourceStore.read(routing.source),
            _encodeArgs(modelId, modelHash, inputHash, input, policy.threshold, routing.tolerance),
            s_encodedSecrets
        );
        requestId = _sendRequest(data, routing.subscriptionId, policy.callbackGasLimit, s_donId);
        s_pending[requestId] = Pending({modelId: modelId, inputHash: inputHash});
        emit InferenceRequested(requestId, modelId, modelHash, inputHash);
        return requestId;
    }

    /// @dev CBOR of `"args"` and the six string args of docs/protocol.md, byte for byte what
    /// `FunctionsRequest.encodeCBOR` writes for them.
    function _encodeArgs(
        bytes32 modelId,
        bytes32 modelHash,
        bytes32 inputHash,
        string memory input,
        uint8 threshold,
        uint32 tolerance
    ) private pure returns (bytes memory) {
        CBOR.CBORBuffer memory buffer = CBOR.create(ARGS_BUFFER_SIZE);
        buffer.writeString("args");
        buffer.startArray();
        buffer.writeString(FunctionsArgs.shortString(modelId));
        buffer.writeString(FunctionsArgs.hexString(modelHash));
        buffer.writeString(FunctionsArgs.hexString(inputHash));
        buffer.writeString(input);
        buffer.writeString(FunctionsArgs.decimal(threshold));
        buffer.writeString(FunctionsArgs.decimal(tolerance));
        buffer.endSequence();
        return buffer.buf.buf;
    }

    // ---------------------------------------------------------------- fulfilment

    /// @inheritdoc FunctionsClient
    /// @dev Reached only through `handleOracleFulfillment`, which checks the caller is the router.
    function fulfillRequest(bytes32 requestId, bytes memory response, bytes memory err) internal override {
        Pending memory pending = s_pending[requestId];
        if (pending.modelId == bytes32(0)) {
            emit InferenceRejected(requestId, bytes32(0), RejectReason.UnknownRequest);
            return;
        }
        delete s_pending[requestId];
        (RejectReason reason, InferenceResult.Data memory result) = _check(pending, response, err);
        if (reason != RejectReason.None) {
            emit InferenceRejected(requestId, pending.modelId, reason);
            _onInferenceRejected(requestId, pending.modelId, uint8(reason));
            return;
        }
        emit InferenceAccepted(requestId, pending.modelId, result.result, result.modelHash, result.agreed);
        _onInference(requestId, pending.modelId, result);
    }

    /// @dev Every acceptance check but the request id's; cheap ones first, the registry call last.
    function _check(Pending memory pending, bytes memory response, bytes memory err)
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
        if (result.inputHash != pending.inputHash) {
            return (RejectReason.InputHashMismatch, result);
        }
        AcceptancePolicy memory policy = s_policy;
        if (result.agreed < policy.threshold) {
            return (RejectReason.InsufficientAgreement, result);
        }
        if (
            block.timestamp > uint256(result.observedAt) + policy.maxResultAge
                || uint256(result.observedAt) > block.timestamp + MAX_CLOCK_SKEW
        ) {
            return (RejectReason.StaleResult, result);
        }
        try policy.registry.isApproved(pending.modelId, result.modelHash) returns (bool approved) {
            if (!approved) {
                return (RejectReason.ModelNotApproved, result);
            }
        } catch {
            return (RejectReason.ModelNotApproved, result);
        }
        return (RejectReason.None, result);
    }

    /// @notice Called with every accepted result. Overrides must not revert: a revert undoes this
    /// fulfilment (the router records a callback error) and leaves the request pending.
    function _onInference(bytes32 requestId, bytes32 modelId, InferenceResult.Data memory result) internal virtual;

    /// @notice Called with every rejected answer to a pending request (`reason` is a `RejectReason`),
    /// e.g. to let a claim be retried. Default: nothing.
    function _onInferenceRejected(bytes32 requestId, bytes32 modelId, uint8 reason) internal virtual {}

    function _setEncodedSecrets(FunctionsRequest.Location location, bytes memory secretsReference) private {
        bytes memory encoded;
        if (secretsReference.length != 0) {
            CBOR.CBORBuffer memory buffer = CBOR.create(secretsReference.length + 32);
            buffer.writeString("secretsLocation");
            buffer.writeUInt256(uint256(location));
            buffer.writeString("secrets");
            buffer.writeBytes(secretsReference);
            encoded = buffer.buf.buf;
        }
        s_encodedSecrets = encoded;
        emit SecretsSet(encoded);
    }
}
