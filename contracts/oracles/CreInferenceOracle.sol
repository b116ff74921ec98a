// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {IReceiver} from "@chainlink/contracts/src/v0.8/keystone/interfaces/IReceiver.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {ICreInferenceOracle} from "../interfaces/ICreInferenceOracle.sol";
import {InferenceOracle} from "./InferenceOracle.sol";
import {CrePayload} from "../libraries/CrePayload.sol";

/// @title CreInferenceOracle
/// @notice The Chainlink CRE transport. A request stores a one-slot commitment and emits
/// `InferenceRequested`, which the onnx-oracle workflow's EVM log trigger reads; the workflow's
/// DON-signed report arrives through the configured KeystoneForwarder as `onReport(metadata,
/// report)` and goes through the shared checks of `InferenceOracle`.
/// @dev `onReport` never reverts because of a report's content: KeystoneForwarder 1.2.0 tries each
/// (receiver, workflow execution, report id) once, so a revert would lose that report for good. A
/// report from another sender or workflow, or one that does not decode, emits `ReportRejected` and
/// leaves every request as it was (a correct report may still come); a report for an unknown or
/// finished request emits `ReportRejected(UnknownRequest)`; a report for a pending request settles it
/// (`InferenceAccepted` or `InferenceRejected`). Only the client's callback can fail, and that is
/// caught and kept for `redeliver`.
contract CreInferenceOracle is InferenceOracle, IReceiver, IERC165, ICreInferenceOracle {
    /// @notice The workflow whose reports are accepted, as it appears in the report metadata (one slot).
    struct Workflow {
        address owner;
        bytes10 name;
    }

    /// @notice The only caller `onReport` accepts reports from.
    address internal immutable i_forwarder;
    Workflow internal s_workflow;

    /// @param forwarderAddress The KeystoneForwarder that delivers the workflow's reports.
    /// @param workflowOwner The workflow owner address in the report metadata.
    /// @param workflowName The metadata's `workflow_name` (`CrePayload.workflowName(name)`).
    constructor(address forwarderAddress, address workflowOwner, bytes10 workflowName) {
        if (forwarderAddress == address(0)) {
            revert ZeroForwarder();
        }
        i_forwarder = forwarderAddress;
        _setWorkflow(workflowOwner, workflowName);
    }

    /// @notice Sets the workflow whose reports are accepted (e.g. after deploying it anew).
    /// @param workflowOwner The workflow owner address in the report metadata.
    /// @param workflowName The metadata's `workflow_name` (`CrePayload.workflowName(name)`).
    function setWorkflow(address workflowOwner, bytes10 workflowName) external onlyOwner {
        _setWorkflow(workflowOwner, workflowName);
    }

    /// @notice The KeystoneForwarder reports must come from.
    function forwarder() external view returns (address) {
        return i_forwarder;
    }

    /// @notice The workflow owner and encoded name reports must carry.
    function workflow() external view returns (address workflowOwner, bytes10 workflowName) {
        Workflow memory w = s_workflow;
        return (w.owner, w.name);
    }

    /// @inheritdoc IERC165
    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == type(IReceiver).interfaceId || interfaceId == type(IERC165).interfaceId;
    }

    /// @inheritdoc IReceiver
    /// @dev Checks the sender, then the workflow, then the payload's layout, then hands the answer to
    /// `_deliver` (pending request, commitment, result checks); never reverts for content.
    function onReport(bytes calldata metadata, bytes calldata report) external {
        (bool ok, bytes32 requestId, address client, bytes32 modelId, bytes32 requestedInputHash) =
            CrePayload.decodeRequest(report);
        if (msg.sender != i_forwarder) {
            emit ReportRejected(requestId, msg.sender, RejectReason.UnauthorizedSender);
            return;
        }
        (bool hasMetadata, bytes10 workflowName, address workflowOwner) = CrePayload.decodeMetadata(metadata);
        Workflow memory expected = s_workflow;
        if (!hasMetadata || workflowOwner != expected.owner || workflowName != expected.name) {
            emit ReportRejected(requestId, msg.sender, RejectReason.UnauthorizedWorkflow);
            return;
        }
        if (!ok) {
            emit ReportRejected(requestId, msg.sender, RejectReason.MalformedResult);
            return;
        }
        _deliver(
            requestId,
            Request({client: client, modelId: modelId, inputHash: requestedInputHash}),
            report[CrePayload.RESULT_OFFSET:],
            ""
        );
    }

    /// @inheritdoc InferenceOracle
    /// @dev Nothing leaves the chain: the request event is the request. The id is unique per chain,
    /// oracle and request.
    function _dispatch(Request memory, bytes32, string calldata, AcceptancePolicy memory, uint64 nonce)
        internal
        view
        override
        returns (bytes32 requestId)
    {
        return keccak256(abi.encode(block.chainid, address(this), nonce));
    }

    function _setWorkflow(address workflowOwner, bytes10 workflowName) private {
        if (workflowOwner == address(0)) {
            revert ZeroWorkflowOwner();
        }
        if (workflowName == bytes10(0)) {
            revert ZeroWorkflowName();
        }
        s_workflow = Workflow({owner: workflowOwner, name: workflowName});
        emit WorkflowSet(workflowOwner, workflowName);
    }
}
