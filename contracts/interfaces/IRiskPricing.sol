// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {IInferenceOracleEvents} from "./IInferenceOracle.sol";

/// @title IRiskPricingEvents
/// @notice Events of the `RiskPricing` example (functions-free so that tests can inherit it).
interface IRiskPricingEvents {
    /// @notice Emitted when the owner sets the premium at zero risk.
    event BasePremiumSet(uint128 basePremium);
    /// @notice Emitted when the owner allows or disallows a customer to request quotes for free.
    event CustomerSet(address indexed customer, bool allowed);
    /// @notice Emitted when a quote is requested; `featuresSha256` is the input hash the answer must
    /// name (by-hash requests: the hash they were given).
    event QuoteRequested(bytes32 indexed requestId, address indexed customer, bytes32 featuresSha256);
    /// @notice Emitted when an accepted `risk-v1` result prices a quote.
    event QuotePriced(bytes32 indexed requestId, uint256 lossProbabilityBps, uint256 premium);
    /// @notice Emitted when a quote's inference was rejected (request a new quote).
    event QuoteFailed(bytes32 indexed requestId, IInferenceOracleEvents.RejectReason reason);
}
