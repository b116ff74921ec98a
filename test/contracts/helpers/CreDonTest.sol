// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {Vm} from "forge-std/Vm.sol";
import {IRouter} from "@chainlink/contracts/src/v0.8/keystone/interfaces/IRouter.sol";
import {IKeystoneForwarder} from "../../../script/deploy/IKeystoneForwarder.sol";
import {LocalCreDeployer} from "../../../script/deploy/LocalCreDeployer.sol";
import {OnnxOracleDeployer} from "../../../script/deploy/OnnxOracleDeployer.sol";
import {InferenceOracle} from "../../../contracts/oracles/InferenceOracle.sol";
import {CreInferenceOracle} from "../../../contracts/oracles/CreInferenceOracle.sol";
import {CrePayload} from "../../../contracts/libraries/CrePayload.sol";
import {InferenceResult} from "../../../contracts/libraries/InferenceResult.sol";
import {InferenceTestBase} from "./InferenceTestBase.sol";
import {KeystoneReports} from "./KeystoneReports.sol";
import {DonKeys} from "./DonKeys.sol";

/// @notice The CRE transport for `InferenceTestBase`: Chainlink's real KeystoneForwarder (1.2.0,
/// solc 0.8.24) configured with a 4-signer DON (f = 1), and CRE oracles that accept only its
/// reports from one workflow (owner + name). Reports are built and signed here as a CRE DON would
/// (`KeystoneReports`).
abstract contract CreDonTest is InferenceTestBase {
    uint256 internal constant N = 4;
    uint8 internal constant F = 1;
    /// f + 1
    uint256 internal constant REQUIRED_SIGNATURES = 2;
    uint32 internal constant CRE_DON_ID = 1;
    uint32 internal constant CONFIG_VERSION = 1;
    string internal constant WORKFLOW = "onnx-oracle-inference";
    bytes32 internal constant WORKFLOW_CID = keccak256("onnx-oracle workflow binary");
    bytes32 internal constant CONFIG_DIGEST = keccak256("local CRE DON config");
    bytes2 internal constant REPORT_ID = 0x0001;

    uint256[N] internal SIGNER_KEYS = [uint256(0x500), 0x501, 0x502, 0x503];
    address internal WORKFLOW_OWNER = makeAddr("workflow-owner");
    address internal TRANSMITTER = makeAddr("cre-transmitter");
    bytes10 internal WORKFLOW_NAME = CrePayload.workflowName(WORKFLOW);

    IKeystoneForwarder internal forwarder;
    uint64 internal s_sequence;

    /// What a report for a request repeats from its `InferenceRequested` event, and its oracle.
    struct Asked {
        address client;
        bytes32 modelId;
        bytes32 inputHash;
        address oracle;
    }

    mapping(bytes32 requestId => Asked) internal s_asked;

    // ------------------------------------------------------------ transport

    function _deployTransport() internal virtual override {
        address[] memory signers = new address[](N);
        for (uint256 i = 0; i < N; ++i) {
            signers[i] = vm.addr(SIGNER_KEYS[i]);
        }
        forwarder = LocalCreDeployer.deploy(
            LocalCreDeployer.Params({
                donId: CRE_DON_ID, configVersion: CONFIG_VERSION, f: F, signers: signers
            })
        );
    }

    function _newOracle(uint32 tolerance) internal virtual override returns (InferenceOracle) {
        return OnnxOracleDeployer.deployCreOracle(
            OnnxOracleDeployer.CreParams({
                forwarder: address(forwarder), workflowOwner: WORKFLOW_OWNER, workflowName: WORKFLOW_NAME
            }),
            _oracleParams(tolerance)
        );
    }

    function _noteRequest(bytes32 requestId, Vm.Log[] memory logs) internal virtual override {
        (bytes32 id, bytes32 modelId, address client, bytes32 inputHash) = _requestedEvent(logs);
        assertEq(id, requestId, "the oracle's request id");
        s_asked[requestId] = Asked({
            client: client, modelId: modelId, inputHash: inputHash, oracle: _requestedLog(logs).emitter
        });
    }

    function _answer(bytes32 requestId, bytes memory response) internal virtual override {
        _sendReport(
            _receiverOf(requestId), _header(), _payload(requestId, response), _signerKeys(REQUIRED_SIGNATURES)
        );
    }

    /// @dev The oracle `requestId` was sent to (the main oracle for ids never requested).
    function _receiverOf(bytes32 requestId) internal view returns (address) {
        address asked = s_asked[requestId].oracle;
        return asked == address(0) ? address(oracle) : asked;
    }

    /// @dev Through the forwarder as well: it is the CRE oracle's only trusted caller, and it routes
    /// any report its DON signed (a new execution id each time).
    function _answerDirectly(bytes32 requestId, bytes memory response) internal virtual override {
        Asked memory asked = s_asked[requestId];
        if (asked.client == address(0)) {
            asked = Asked({
                client: address(insurance), modelId: DAMAGE, inputHash: PHOTO_SHA, oracle: address(oracle)
            });
        }
        bytes memory payload =
            abi.encodePacked(abi.encode(requestId, asked.client, asked.modelId, asked.inputHash), response);
        _sendReport(asked.oracle, _header(), payload, _signerKeys(REQUIRED_SIGNATURES));
    }

    function _transportCaller() internal view virtual override returns (address) {
        return address(forwarder);
    }

    function _wrongLengthSettles() internal pure virtual override returns (bool) {
        return false;
    }

    // ------------------------------------------------------------ reports

    /// @dev The payload the workflow reports for `requestId`: the request fields from its event, then
    /// the result bytes (normally `InferenceResult.encode(...)`).
    function _payload(bytes32 requestId, bytes memory response) internal view returns (bytes memory) {
        Asked memory asked = s_asked[requestId];
        return abi.encodePacked(abi.encode(requestId, asked.client, asked.modelId, asked.inputHash), response);
    }

    /// @dev The configured workflow's report header, with a fresh execution id.
    function _header() internal returns (KeystoneReports.Header memory) {
        s_sequence += 1;
        return KeystoneReports.Header({
            executionId: keccak256(abi.encode("execution", s_sequence)),
            timestamp: uint32(block.timestamp),
            donId: CRE_DON_ID,
            configVersion: CONFIG_VERSION,
            workflowCid: WORKFLOW_CID,
            workflowName: WORKFLOW_NAME,
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

    /// @dev Signs the raw report with `keys`, makes `cold` cold (`_cool`, for the gas tests) and sends
    /// it through the forwarder to `receiver`: `forwarder.report` is the last call made.
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
        _cool(cold);
        vm.prank(TRANSMITTER);
        forwarder.report(receiver, raw, context, signatures);
    }

    /// @dev A result payload for `requestId` with `result` (the valid case).
    function _validPayload(bytes32 requestId, InferenceResult.Data memory result)
        internal
        view
        returns (bytes memory)
    {
        return _payload(requestId, InferenceResult.encode(result));
    }
}
