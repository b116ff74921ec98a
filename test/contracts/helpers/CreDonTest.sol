// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {Vm} from "forge-std/Vm.sol";
import {OnnxOracleDeployer} from "../../../script/deploy/OnnxOracleDeployer.sol";
import {InferenceOracle} from "../../../contracts/oracles/InferenceOracle.sol";
import {CreInferenceOracle} from "../../../contracts/oracles/CreInferenceOracle.sol";
import {CrePayload} from "../../../contracts/libraries/CrePayload.sol";
import {InferenceResult} from "../../../contracts/libraries/InferenceResult.sol";
import {InferenceTestBase} from "./InferenceTestBase.sol";
import {KeystoneDonTest} from "./KeystoneDonTest.sol";

/// @notice The CRE transport for `InferenceTestBase`: Chainlink's real KeystoneForwarder (1.2.0,
/// solc 0.8.24) configured with a 4-signer DON (f = 1), and CRE oracles that accept only its
/// reports from one workflow (owner + name). Reports are built and signed here as a CRE DON would
/// (`KeystoneDonTest`).
abstract contract CreDonTest is InferenceTestBase, KeystoneDonTest {
    string internal constant WORKFLOW = "onnx-oracle-inference";
    bytes32 internal constant WORKFLOW_CID = keccak256("onnx-oracle workflow binary");

    bytes10 internal WORKFLOW_NAME = CrePayload.workflowName(WORKFLOW);

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
        _deployForwarder();
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

    function _workflowCid() internal pure override returns (bytes32) {
        return WORKFLOW_CID;
    }

    function _workflowName() internal view override returns (bytes10) {
        return WORKFLOW_NAME;
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
