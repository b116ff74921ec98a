// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {FunctionsClient} from "@chainlink/contracts/src/v0.8/functions/v1_0_0/FunctionsClient.sol";
import {
    FunctionsRequest
} from "@chainlink/contracts/src/v0.8/functions/v1_0_0/libraries/FunctionsRequest.sol";
import {CBOR} from "@chainlink/contracts/src/v0.8/vendor/solidity-cborutils/v2.0.0/CBOR.sol";
import {IFunctionsInferenceOracle} from "../interfaces/IFunctionsInferenceOracle.sol";
import {InferenceOracle} from "./InferenceOracle.sol";
import {FunctionsArgs} from "../libraries/FunctionsArgs.sol";
import {SourceStore} from "../libraries/SourceStore.sol";

/// @title FunctionsInferenceOracle
/// @notice The Chainlink Functions transport: each request runs the onnx-oracle source
/// (functions-source/) on the DON with the six `args` of docs/protocol.md; the DON's answer reaches
/// `fulfillRequest` through the v1_0_0 router (so it passed the Coordinator's DON signature
/// threshold) and goes through the shared checks of `InferenceOracle`.
/// @dev The source is kept pre-encoded (CBOR) as the code of a data contract (`SourceStore`), so a
/// request copies it with one EXTCODECOPY instead of reading it from storage word by word. The
/// router's callback names only the request id, so the request's client, model id and input hash
/// are kept here besides the shared one-slot commitment.
contract FunctionsInferenceOracle is InferenceOracle, FunctionsClient, IFunctionsInferenceOracle {
    using CBOR for CBOR.CBORBuffer;
    using FunctionsRequest for FunctionsRequest.Request;

    /// @notice Callback gas limit ceiling of Chainlink Functions.
    uint32 public constant MAX_FULFILLMENT_GAS_LIMIT = 300_000;
    /// @notice Initial capacity of the CBOR buffer for the request args.
    uint256 private constant ARGS_BUFFER_SIZE = 512;

    /// @notice Where requests go (one storage slot).
    /// @param source The data contract holding the CBOR-encoded source.
    /// @param subscriptionId The Functions subscription that pays for requests.
    /// @param fulfillmentGasLimit Gas the router gives `fulfillRequest` (checks + client callback).
    struct Routing {
        address source;
        uint64 subscriptionId;
        uint32 fulfillmentGasLimit;
    }

    Routing internal s_routing;
    bytes32 internal s_donId;
    /// @dev CBOR of `secretsLocation` and `secrets`, appended as-is to every request; empty if none.
    bytes internal s_encodedSecrets;
    mapping(bytes32 requestId => Request request) internal s_requests;

    /// @param router The Functions router (v1_0_0).
    constructor(address router) FunctionsClient(router) {}

    // ---------------------------------------------------------------- owner configuration

    /// @notice Sets the DON, the billing subscription and the gas the router gives each fulfilment.
    /// @param donId The DON id (short string, e.g. `fun-ethereum-sepolia-1`).
    /// @param subscriptionId A subscription that has this oracle as a consumer.
    /// @param fulfillmentGasLimit Gas for `fulfillRequest`: the checks (about 50,000 cold) plus the
    /// client's `callbackGasLimit` plus `DELIVERY_RECORD_GAS`; at most 300,000.
    function setRequestConfig(bytes32 donId, uint64 subscriptionId, uint32 fulfillmentGasLimit)
        external
        onlyOwner
    {
        if (donId == bytes32(0)) {
            revert ZeroDonId();
        }
        if (subscriptionId == 0) {
            revert ZeroSubscriptionId();
        }
        if (fulfillmentGasLimit == 0 || fulfillmentGasLimit > MAX_FULFILLMENT_GAS_LIMIT) {
            revert InvalidFulfillmentGasLimit(fulfillmentGasLimit, MAX_FULFILLMENT_GAS_LIMIT);
        }
        s_donId = donId;
        s_routing.subscriptionId = subscriptionId;
        s_routing.fulfillmentGasLimit = fulfillmentGasLimit;
        emit RequestConfigSet(donId, subscriptionId, fulfillmentGasLimit);
    }

    /// @notice Sets the JavaScript source the DON runs (functions-source/); stored as contract code.
    /// @param source The source text.
    function setSource(string calldata source) external onlyOwner {
        if (bytes(source).length == 0) {
            revert EmptySource();
        }
        FunctionsRequest.Request memory req;
        req.initializeRequestForInlineJavaScript(source);
        address pointer = SourceStore.write(req.encodeCBOR());
        s_routing.source = pointer;
        emit SourceSet(pointer, keccak256(bytes(source)));
    }

    /// @notice Uses DON-hosted secrets (uploaded with functions-toolkit) from `slotId` at `version`.
    /// @param slotId The DON-hosted secrets slot.
    /// @param version The version the upload returned.
    function setDonHostedSecrets(uint8 slotId, uint64 version) external onlyOwner {
        FunctionsRequest.Request memory req;
        req.addDONHostedSecrets(slotId, version);
        _setEncodedSecrets(req.secretsLocation, req.encryptedSecretsReference);
    }

    /// @notice Uses remotely hosted secrets: `encryptedSecretsUrls` as produced by functions-toolkit.
    /// @param encryptedSecretsUrls The encrypted URLs; empty bytes clear the secrets.
    function setRemoteSecrets(bytes calldata encryptedSecretsUrls) external onlyOwner {
        _setEncodedSecrets(FunctionsRequest.Location.Remote, encryptedSecretsUrls);
    }

    // ---------------------------------------------------------------- views

    /// @notice Where requests go: routing, DON id and the encoded secrets reference.
    function getRequestConfig()
        external
        view
        returns (Routing memory routing, bytes32 donId, bytes memory encodedSecrets)
    {
        return (s_routing, s_donId, s_encodedSecrets);
    }

    /// @notice What a pending request asked for (zero fields if not pending).
    /// @param requestId The Functions request id.
    function getRequest(bytes32 requestId) external view returns (Request memory) {
        return s_requests[requestId];
    }

    /// @notice The CBOR-encoded Functions source kept in the source's data contract.
    function encodedSource() external view returns (bytes memory) {
        return SourceStore.read(s_routing.source);
    }

    // ---------------------------------------------------------------- transport

    /// @inheritdoc InferenceOracle
    function _dispatch(
        Request memory request,
        bytes32 modelHash,
        string calldata input,
        AcceptancePolicy memory policy,
        uint64
    ) internal override returns (bytes32 requestId) {
        Routing memory routing = s_routing;
        if (routing.source == address(0)) {
            revert SourceNotSet();
        }
        if (routing.subscriptionId == 0) {
            revert RequestConfigNotSet();
        }
        bytes memory data = abi.encodePacked(
            SourceStore.read(routing.source),
            _encodeArgs(
                request.modelId, modelHash, request.inputHash, input, policy.threshold, policy.tolerance
            ),
            s_encodedSecrets
        );
        requestId = _sendRequest(data, routing.subscriptionId, routing.fulfillmentGasLimit, s_donId);
        s_requests[requestId] = request;
        return requestId;
    }

    /// @inheritdoc FunctionsClient
    /// @dev Reached only through `handleOracleFulfillment`, which checks the caller is the router.
    function fulfillRequest(bytes32 requestId, bytes memory response, bytes memory err) internal override {
        Request memory request = s_requests[requestId];
        if (request.client != address(0)) {
            delete s_requests[requestId];
        }
        _deliver(requestId, request, response, err);
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
