// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

/// @title IFunctionsInferenceOracle
/// @notice Events and errors of the Chainlink Functions transport (`FunctionsInferenceOracle`).
/// @dev Functions-free so that tests can inherit it.
interface IFunctionsInferenceOracle {
    /// @notice Emitted when the owner sets where requests go.
    event RequestConfigSet(bytes32 donId, uint64 subscriptionId, uint32 fulfillmentGasLimit);
    /// @notice Emitted when the owner sets the Functions source; `pointer` is its data contract.
    event SourceSet(address pointer, bytes32 sourceHash);
    /// @notice Emitted when the owner sets (or clears, with empty bytes) the secrets reference.
    event SecretsSet(bytes encodedSecrets);

    /// @notice Thrown by `requestInference()` before the owner has set a source.
    error SourceNotSet();
    /// @notice Thrown by `requestInference()` before the owner has set the request config.
    error RequestConfigNotSet();
    /// @notice Thrown by `setRequestConfig()` on a zero subscription id.
    error ZeroSubscriptionId();
    /// @notice Thrown by `setRequestConfig()` on a zero DON id.
    error ZeroDonId();
    /// @notice Thrown by `setRequestConfig()` on a fulfillment gas limit outside (0, max].
    error InvalidFulfillmentGasLimit(uint32 gasLimit, uint32 max);
    /// @notice Thrown by `setSource()` on an empty source.
    error EmptySource();
}
