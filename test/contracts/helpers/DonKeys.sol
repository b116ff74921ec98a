// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

/// @title DonKeys
/// @notice The node keys of the 4-node test DONs (Functions, CRE, federated), written once: which of
/// them sign a report.
library DonKeys {
    /// @dev The first `count` of a DON's node keys, in node order: the keys a report is signed with.
    function first(uint256[4] storage keys, uint256 count) internal view returns (uint256[] memory signers) {
        signers = new uint256[](count);
        for (uint256 i = 0; i < count; ++i) {
            signers[i] = keys[i];
        }
        return signers;
    }
}
