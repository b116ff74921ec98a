// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {Test} from "forge-std/Test.sol";
import {IRouter} from "@chainlink/contracts/src/v0.8/keystone/interfaces/IRouter.sol";
import {IKeystoneForwarder} from "../../../script/deploy/IKeystoneForwarder.sol";
import {LocalCreDeployer} from "../../../script/deploy/LocalCreDeployer.sol";
import {DonKeys} from "./DonKeys.sol";
import {KeystoneReports} from "./KeystoneReports.sol";

/// @notice A CRE DON in front of Chainlink's real KeystoneForwarder (1.2.0, solc 0.8.24): 4 signers
/// (f = 1) under one configuration, whose reports are built and signed here as a CRE DON does
/// (`KeystoneReports`) and sent by TRANSMITTER. The CRE transport (`CreDonTest`) and the
/// federated-training suites deliver their workflow's reports through it; each names its workflow
/// (`_workflowCid`, `_workflowName`), owned by WORKFLOW_OWNER.
abstract contract KeystoneDonTest is Test {
    uint256 internal constant N = 4;
    uint8 internal constant F = 1;
    /// f + 1
    uint256 internal constant REQUIRED_SIGNATURES = 2;
    uint32 internal constant DON_ID = 1;
    uint32 internal constant CONFIG_VERSION = 1;
    bytes32 internal constant CONFIG_DIGEST = keccak256("local CRE DON config");
    bytes2 internal constant REPORT_ID = 0x0001;

    uint256[N] internal SIGNER_KEYS = [uint256(0x500), 0x501, 0x502, 0x503];
    address internal WORKFLOW_OWNER = makeAddr("workflow-owner");
    address internal TRANSMITTER = makeAddr("cre-transmitter");

    IKeystoneForwarder internal forwarder;
    uint64 internal s_sequence;

    /// @dev The workflow's binary id (`workflow_cid`) in its reports.
    function _workflowCid() internal view virtual returns (bytes32);

    /// @dev The workflow's encoded name (`workflow_name`) in its reports.
    function _workflowName() internal view virtual returns (bytes10);

    /// @dev Deploys the forwarder, configured with the DON's signers.
    function _deployForwarder() internal {
        address[] memory signers = new address[](N);
        for (uint256 i = 0; i < N; ++i) {
            signers[i] = vm.addr(SIGNER_KEYS[i]);
        }
        forwarder = LocalCreDeployer.deploy(
            LocalCreDeployer.Params({donId: DON_ID, configVersion: CONFIG_VERSION, f: F, signers: signers})
        );
    }

    /// @dev The workflow's report header, with a fresh execution id.
    function _header() internal returns (KeystoneReports.Header memory) {
        s_sequence += 1;
        return KeystoneReports.Header({
            executionId: keccak256(abi.encode("execution", s_sequence)),
            timestamp: uint32(block.timestamp),
            donId: DON_ID,
            configVersion: CONFIG_VERSION,
            workflowCid: _workflowCid(),
            workflowName: _workflowName(),
            workflowOwner: WORKFLOW_OWNER,
            reportId: REPORT_ID
        });
    }

    function _signerKeys(uint256 count) internal view returns (uint256[] memory) {
        return DonKeys.first(SIGNER_KEYS, count);
    }

    /// @dev Signs the raw report with `keys` and sends it through the forwarder to `receiver`;
    /// returns whether the forwarder saw `onReport` succeed. Forwarder reverts bubble up.
    function _sendReport(
        address receiver,
        KeystoneReports.Header memory header,
        bytes memory payload,
        uint256[] memory keys
    ) internal returns (bool delivered) {
        _forward(receiver, header, payload, keys, new address[](0));
        return forwarder.getTransmissionState(receiver, header.executionId, header.reportId)
            == IRouter.TransmissionState.SUCCEEDED;
    }

    /// @dev Signs the raw report with `keys`, makes `cold` cold (for the gas tests: every account and
    /// slot, as at the start of a transaction) and sends it through the forwarder to `receiver`:
    /// `forwarder.report` is the last call made.
    function _forward(
        address receiver,
        KeystoneReports.Header memory header,
        bytes memory payload,
        uint256[] memory keys,
        address[] memory cold
    ) internal {
        bytes memory raw = KeystoneReports.rawReport(header, payload);
        bytes memory context = KeystoneReports.context(CONFIG_DIGEST, s_sequence);
        bytes[] memory signatures = KeystoneReports.sign(raw, context, keys);
        for (uint256 i = 0; i < cold.length; ++i) {
            vm.cool(cold[i]);
        }
        vm.prank(TRANSMITTER);
        forwarder.report(receiver, raw, context, signatures);
    }
}
