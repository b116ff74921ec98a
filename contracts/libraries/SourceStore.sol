// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

/// @title SourceStore
/// @notice Keeps a blob (a Functions source, already CBOR-encoded) as the code of a data contract and
/// reads it back with EXTCODECOPY (the SSTORE2 pattern). Reading N bytes costs about 2,600 + 3 per
/// word instead of 2,100 per word with SLOAD: with a few-kilobyte source this is most of a request's
/// gas.
/// @dev The data contract's code is `0x00 ‖ blob`: the leading STOP makes it impossible to call.
library SourceStore {
    /// @notice EIP-170: the largest code a contract may have.
    uint256 internal constant MAX_CODE_SIZE = 24_576;

    /// @notice Thrown by `write()` when the blob does not fit in one contract's code.
    error BlobTooLarge(uint256 length);
    /// @notice Thrown by `write()` when CREATE fails.
    error BlobDeploymentFailed();

    /// @notice Deploys `blob` as a data contract and returns its address.
    function write(bytes memory blob) internal returns (address pointer) {
        if (blob.length + 1 > MAX_CODE_SIZE) {
            revert BlobTooLarge(blob.length);
        }
        // Creation code: PUSH2 size, DUP1, PUSH1 0x0c (this header's length), PUSH1 0, CODECOPY, PUSH1 0,
        // RETURN; followed by the runtime code `0x00 ‖ blob`.
        bytes memory creation = abi.encodePacked(
            hex"61", uint16(blob.length + 1), hex"80600c6000396000f3", hex"00", blob
        );
        assembly {
            pointer := create(0, add(creation, 0x20), mload(creation))
        }
        if (pointer == address(0)) {
            revert BlobDeploymentFailed();
        }
        return pointer;
    }

    /// @notice Reads the whole blob kept at `pointer`.
    function read(address pointer) internal view returns (bytes memory blob) {
        uint256 size = pointer.code.length;
        if (size == 0) {
            return blob;
        }
        blob = new bytes(size - 1);
        assembly {
            extcodecopy(pointer, add(blob, 0x20), 1, sub(size, 1))
        }
        return blob;
    }
}
