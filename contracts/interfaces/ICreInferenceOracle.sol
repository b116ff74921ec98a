// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

/// @title ICreInferenceOracle
/// @notice Events and errors of the CRE transport (`CreInferenceOracle`).
/// @dev Functions-free so that tests can inherit it.
interface ICreInferenceOracle {
    /// @notice Emitted when the owner sets the workflow whose reports are accepted.
    /// @param workflowOwner The workflow owner address in the report metadata.
    /// @param workflowName The metadata's `workflow_name` (see `CrePayload.workflowName`).
    event WorkflowSet(address workflowOwner, bytes10 workflowName);

    /// @notice Thrown by the constructor on a zero forwarder address.
    error ZeroForwarder();
    /// @notice Thrown by `setWorkflow()` on a zero workflow owner.
    error ZeroWorkflowOwner();
    /// @notice Thrown by `setWorkflow()` on a zero workflow name.
    error ZeroWorkflowName();
}
