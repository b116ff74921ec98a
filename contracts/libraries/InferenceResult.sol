// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

/// @title InferenceResult
/// @notice The one layout of the bytes a Chainlink Functions source returns for an inference, and its
/// decoder. The source (functions-source/) encodes exactly this; test/vectors/result-layout.json
/// holds vectors that both the JavaScript and the Solidity tests check.
/// @dev Layout: `abi.encode(uint256 result, bytes32 modelHash, bytes32 inputHash, uint8 responded,
/// uint8 agreed, uint64 observedAt)`, 192 bytes (6 words), within the 256-byte Functions limit.
/// `result` is the first word, as a fixed-width big-endian unsigned integer, because the DON picks
/// the median of its nodes' byte strings ordered by length and then bytes: every node's answer has
/// the same length, so the median string is the one with the median `result`.
library InferenceResult {
    /// @notice Length in bytes of an encoded result.
    uint256 internal constant ENCODED_LENGTH = 192;

    /// @notice A decoded inference result.
    /// @param result Primary model output as an integer, fixed-point by the model manifest's scale.
    /// @param modelHash sha256 of the ONNX file that every agreeing adapter reported.
    /// @param inputHash sha256 of the canonical input that every agreeing adapter reported.
    /// @param responded Adapters whose answers were valid (right model, input and signature).
    /// @param agreed Adapters whose result lay within the tolerance of the median.
    /// @param observedAt Unix time (seconds) at which the source aggregated the answers.
    struct Data {
        uint256 result;
        bytes32 modelHash;
        bytes32 inputHash;
        uint8 responded;
        uint8 agreed;
        uint64 observedAt;
    }

    /// @notice Thrown by `decode()` when `response` is not exactly `ENCODED_LENGTH` bytes long.
    error InvalidResultLength(uint256 length);

    /// @notice Thrown by `decode()` when a count or the timestamp does not fit its declared type, or
    /// when more adapters agreed than responded.
    error InvalidResultFields(uint256 responded, uint256 agreed, uint256 observedAt);

    /// @notice Decodes a Functions response under the documented layout.
    /// @dev Reverts with a custom error on any malformed input. The router callback must never
    /// revert, so consumers use `tryDecode`; this is `tryDecode` with the reason as an error.
    function decode(bytes memory response) internal pure returns (Data memory data) {
        if (response.length != ENCODED_LENGTH) {
            revert InvalidResultLength(response.length);
        }
        bool ok;
        (ok, data) = tryDecode(response);
        if (!ok) {
            (,,, uint256 responded, uint256 agreed, uint256 observedAt) =
                abi.decode(response, (uint256, bytes32, bytes32, uint256, uint256, uint256));
            revert InvalidResultFields(responded, agreed, observedAt);
        }
        return data;
    }

    /// @notice Decodes `response` without reverting: `ok` is false whenever `decode()` would revert.
    /// @dev What `fulfillRequest` uses, since the router's callback must never revert.
    function tryDecode(bytes memory response) internal pure returns (bool ok, Data memory data) {
        if (response.length != ENCODED_LENGTH) {
            return (false, data);
        }
        (
            uint256 result,
            bytes32 modelHash,
            bytes32 inputHash,
            uint256 responded,
            uint256 agreed,
            uint256 observedAt
        ) = abi.decode(response, (uint256, bytes32, bytes32, uint256, uint256, uint256));
        if (
            responded > type(uint8).max || agreed > responded || observedAt > type(uint64).max
        ) {
            return (false, data);
        }
        data = Data({
            result: result,
            modelHash: modelHash,
            inputHash: inputHash,
            responded: uint8(responded),
            agreed: uint8(agreed),
            observedAt: uint64(observedAt)
        });
        return (true, data);
    }

    /// @notice Encodes `data` under the documented layout (used by tests and tooling).
    function encode(Data memory data) internal pure returns (bytes memory) {
        return abi.encode(
            data.result, data.modelHash, data.inputHash, data.responded, data.agreed, data.observedAt
        );
    }
}
