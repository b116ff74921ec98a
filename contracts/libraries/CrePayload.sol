// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {InferenceResult} from "./InferenceResult.sol";

/// @title CrePayload
/// @notice The one layout of what the onnx-oracle CRE workflow reports (`runtime.report(...)`, which
/// `CreInferenceOracle.onReport` receives as `report`), its decoder, and the report metadata fields
/// the receiver checks. docs/protocol.md describes both.
/// @dev Payload: 10 ABI words, 320 bytes,
/// `abi.encode(bytes32 requestId, address client, bytes32 modelId, bytes32 requestedInputHash,
/// uint256 result, bytes32 modelHash, bytes32 inputHash, uint8 responded, uint8 agreed,
/// uint64 observedAt)`. The first four words repeat the request (from its `InferenceRequested`
/// event); the last six are exactly the `InferenceResult` layout. Metadata (the forwarder's
/// `rawReport[45:109]`): `workflow_cid (32) ‖ workflow_name (10) ‖ workflow_owner (20) ‖
/// report_id (2)`, 64 bytes.
library CrePayload {
    /// @notice Length in bytes of an encoded payload.
    uint256 internal constant ENCODED_LENGTH = 320;
    /// @notice Where the `InferenceResult` part starts.
    uint256 internal constant RESULT_OFFSET = 128;
    /// @notice Length in bytes of the metadata a KeystoneForwarder passes to `onReport`.
    uint256 internal constant METADATA_LENGTH = 64;
    /// @notice Offsets of the workflow name and owner in the metadata.
    uint256 internal constant WORKFLOW_NAME_OFFSET = 32;
    uint256 internal constant WORKFLOW_OWNER_OFFSET = 42;

    /// @notice A decoded payload.
    /// @param requestId The request answered.
    /// @param client The client that asked (from the request event).
    /// @param modelId The requested model id (from the request event).
    /// @param requestedInputHash The requested input hash (from the request event).
    /// @param result The aggregated result.
    struct Data {
        bytes32 requestId;
        address client;
        bytes32 modelId;
        bytes32 requestedInputHash;
        InferenceResult.Data result;
    }

    /// @notice Reads the request part (first four words) of a payload without reverting.
    /// @dev `ok` is false when the payload is not exactly `ENCODED_LENGTH` bytes or the client word
    /// does not hold an address; `requestId` is the first word whenever there is one (for events).
    function decodeRequest(bytes calldata payload)
        internal
        pure
        returns (bool ok, bytes32 requestId, address client, bytes32 modelId, bytes32 requestedInputHash)
    {
        if (payload.length >= 32) {
            requestId = bytes32(payload[0:32]);
        }
        if (payload.length != ENCODED_LENGTH) {
            return (false, requestId, address(0), bytes32(0), bytes32(0));
        }
        uint256 clientWord = uint256(bytes32(payload[32:64]));
        if (clientWord > type(uint160).max) {
            return (false, requestId, address(0), bytes32(0), bytes32(0));
        }
        return
            (true, requestId, address(uint160(clientWord)), bytes32(payload[64:96]), bytes32(payload[96:128]));
    }

    /// @notice Decodes a whole payload without reverting: `ok` is false exactly when the request part
    /// or the result part (`InferenceResult.tryDecode`) is malformed.
    function tryDecode(bytes calldata payload) internal pure returns (bool ok, Data memory data) {
        (ok, data.requestId, data.client, data.modelId, data.requestedInputHash) = decodeRequest(payload);
        if (!ok) {
            return (false, data);
        }
        (ok, data.result) = InferenceResult.tryDecode(payload[RESULT_OFFSET:]);
        return (ok, data);
    }

    /// @notice Encodes `data` under the documented layout (used by tests and tooling).
    function encode(Data memory data) internal pure returns (bytes memory) {
        return abi.encodePacked(
            abi.encode(data.requestId, data.client, data.modelId, data.requestedInputHash),
            InferenceResult.encode(data.result)
        );
    }

    /// @notice The workflow name and owner in a report's metadata; `ok` is false when the metadata is
    /// not `METADATA_LENGTH` bytes long.
    function decodeMetadata(bytes calldata metadata)
        internal
        pure
        returns (bool ok, bytes10 name, address owner)
    {
        if (metadata.length != METADATA_LENGTH) {
            return (false, bytes10(0), address(0));
        }
        name = bytes10(metadata[WORKFLOW_NAME_OFFSET:WORKFLOW_OWNER_OFFSET]);
        owner = address(bytes20(metadata[WORKFLOW_OWNER_OFFSET:WORKFLOW_OWNER_OFFSET + 20]));
        return (true, name, owner);
    }

    /// @notice The `workflow_name` field CRE writes for a workflow called `name`: the first 10
    /// characters of the lowercase hex of sha256(name), as ASCII bytes.
    function workflowName(string memory name) internal pure returns (bytes10 encoded) {
        bytes32 digest = sha256(bytes(name));
        bytes16 hexDigits = "0123456789abcdef";
        bytes memory out = new bytes(10);
        for (uint256 i = 0; i < 5; ++i) {
            out[2 * i] = hexDigits[uint8(digest[i]) >> 4];
            out[2 * i + 1] = hexDigits[uint8(digest[i]) & 0x0f];
        }
        return bytes10(out);
    }
}
