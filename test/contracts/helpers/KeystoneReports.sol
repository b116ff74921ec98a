// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {Vm} from "forge-std/Vm.sol";

/// @title KeystoneReports
/// @notice Builds the raw report a KeystoneForwarder (1.2.0) reads and signs it with DON node keys,
/// as a CRE DON does, for tests that deliver reports through the real forwarder.
/// @dev Raw report: `version (1) ‖ workflow_execution_id (32) ‖ timestamp (4) ‖ don_id (4) ‖
/// don_config_version (4) ‖ workflow_cid (32) ‖ workflow_name (10) ‖ workflow_owner (20) ‖
/// report_id (2) ‖ payload`; the receiver gets bytes 45..109 as `metadata` and the rest as `report`.
/// Each signature is `r ‖ s ‖ (v - 27)` over `keccak256(keccak256(rawReport) ‖ reportContext)`.
library KeystoneReports {
    Vm private constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    /// @notice The report format version KeystoneForwarder 1.2.0 reads.
    uint8 internal constant VERSION = 1;
    /// @notice Length of the report context (config digest, sequence number, zero padding) OCR3 signs.
    uint256 internal constant REPORT_CONTEXT_LENGTH = 96;

    /// @notice The fields of a report besides its payload.
    struct Header {
        bytes32 executionId;
        uint32 timestamp;
        uint32 donId;
        uint32 configVersion;
        bytes32 workflowCid;
        bytes10 workflowName;
        address workflowOwner;
        bytes2 reportId;
    }

    /// @notice The raw report the forwarder's `report` takes.
    function rawReport(Header memory h, bytes memory payload) internal pure returns (bytes memory) {
        return
            abi.encodePacked(
                VERSION, h.executionId, h.timestamp, h.donId, h.configVersion, metadata(h), payload
            );
    }

    /// @notice What the forwarder passes to `onReport` as `metadata` (64 bytes).
    function metadata(Header memory h) internal pure returns (bytes memory) {
        return abi.encodePacked(h.workflowCid, h.workflowName, h.workflowOwner, h.reportId);
    }

    /// @notice A report context: OCR3's config digest and sequence number, zero-padded to 96 bytes.
    function context(bytes32 configDigest, uint64 sequence) internal pure returns (bytes memory) {
        return abi.encodePacked(configDigest, bytes32(uint256(sequence)), bytes32(0));
    }

    /// @notice Signs `report` under `reportContext` with each key, in order.
    function sign(bytes memory report, bytes memory reportContext, uint256[] memory keys)
        internal
        pure
        returns (bytes[] memory signatures)
    {
        bytes32 digest = keccak256(abi.encodePacked(keccak256(report), reportContext));
        signatures = new bytes[](keys.length);
        for (uint256 i = 0; i < keys.length; ++i) {
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(keys[i], digest);
            signatures[i] = abi.encodePacked(r, s, uint8(v - 27));
        }
        return signatures;
    }
}
