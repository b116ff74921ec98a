// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

/// @title FunctionsArgs
/// @notice Turns on-chain values into the string `args` of a Functions request (docs/protocol.md):
/// `bytes32` short strings (model ids), `bytes32` hashes as `0x` + 64 lowercase hex, and decimals.
library FunctionsArgs {
    bytes16 private constant HEX_DIGITS = "0123456789abcdef";

    /// @notice The ASCII text of a `bytes32` short string: its bytes up to the first zero byte.
    function shortString(bytes32 value) internal pure returns (string memory text) {
        uint256 length = 0;
        while (length < 32 && value[length] != 0) {
            ++length;
        }
        bytes memory out = new bytes(length);
        for (uint256 i = 0; i < length; ++i) {
            out[i] = value[i];
        }
        return string(out);
    }

    /// @notice `value` as `0x` followed by 64 lowercase hex digits.
    function hexString(bytes32 value) internal pure returns (string memory text) {
        bytes memory out = new bytes(66);
        out[0] = "0";
        out[1] = "x";
        uint256 word = uint256(value);
        for (uint256 i = 65; i > 1; --i) {
            out[i] = HEX_DIGITS[word & 0xf];
            word >>= 4;
        }
        return string(out);
    }

    /// @notice `value` in base 10.
    function decimal(uint256 value) internal pure returns (string memory text) {
        if (value == 0) {
            return "0";
        }
        uint256 digits = 0;
        for (uint256 v = value; v != 0; v /= 10) {
            ++digits;
        }
        bytes memory out = new bytes(digits);
        for (uint256 i = digits; i > 0; --i) {
            out[i - 1] = bytes1(uint8(48 + (value % 10)));
            value /= 10;
        }
        return string(out);
    }
}
