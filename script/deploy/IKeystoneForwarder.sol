// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {IRouter} from "@chainlink/contracts/src/v0.8/keystone/interfaces/IRouter.sol";

/// @title IKeystoneForwarderEvents
/// @notice The events of Chainlink's KeystoneForwarder 1.2.0, declared with the same signatures so
/// that 0.8.19 code and tests can match them (the forwarder itself is `pragma solidity 0.8.24`).
interface IKeystoneForwarderEvents {
    /// @notice Emitted by the forwarder for each report it routed; `result` is whether the
    /// receiver's `onReport` returned without reverting.
    event ReportProcessed(
        address indexed receiver, bytes32 indexed workflowExecutionId, bytes2 indexed reportId, bool result
    );
    /// @notice Emitted by the forwarder when a DON's signer set is set.
    event ConfigSet(uint32 indexed donId, uint32 indexed configVersion, uint8 f, address[] signers);
}

/// @title IKeystoneForwarder
/// @notice What this project calls on Chainlink's KeystoneForwarder 1.2.0
/// (src/v0.8/keystone/KeystoneForwarder.sol of the contracts package), with its errors, for 0.8.19
/// code: deploy scripts configure the real contract (built with solc 0.8.24 from
/// test/contracts/KeystoneToolchain.t.sol) through it, and tests expect its reverts by selector.
interface IKeystoneForwarder is IRouter, IKeystoneForwarderEvents {
    /// @notice The report is shorter than the forwarder's metadata.
    error InvalidReport();
    /// @notice `report` got `received` signatures instead of f + 1.
    error InvalidSignatureCount(uint256 expected, uint256 received);
    /// @notice The report names a (DON id, config version) with no config.
    error InvalidConfig(uint64 configId);
    /// @notice A signature recovers to an address that is not a configured signer.
    error InvalidSigner(address signer);
    /// @notice A signature is not 65 bytes.
    error InvalidSignature(bytes signature);
    /// @notice The same signer signed twice (or appears twice in a config).
    error DuplicateSigner(address signer);
    /// @notice `setConfig` with f = 0.
    error FaultToleranceMustBePositive();
    /// @notice `setConfig` with more than 31 signers.
    error ExcessSigners(uint256 numSigners, uint256 maxSigners);
    /// @notice `setConfig` with at most 3f signers.
    error InsufficientSigners(uint256 numSigners, uint256 minSigners);

    /// @notice Sets the signer set and fault tolerance of a DON's config version.
    function setConfig(uint32 donId, uint32 configVersion, uint8 f, address[] calldata signers) external;

    /// @notice Checks f + 1 signatures over `keccak256(keccak256(rawReport) ‖ reportContext)` and
    /// routes the payload to `receiver.onReport(metadata, payload)`, once per transmission id.
    function report(
        address receiver,
        bytes calldata rawReport,
        bytes calldata reportContext,
        bytes[] calldata signatures
    ) external;

    /// @notice "Forwarder and Router 1.0.0" for the 1.2.0 package.
    function typeAndVersion() external view returns (string memory);
}
