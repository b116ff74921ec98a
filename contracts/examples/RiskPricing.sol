// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {InferenceConsumer} from "../InferenceConsumer.sol";
import {InferenceResult} from "../libraries/InferenceResult.sol";

/// @title RiskPricing
/// @notice Example dApp: prices a policy premium from `risk-v1`, a tabular model whose result is the
/// probability of a loss in basis points (manifest scale 10,000). Premium = base x (1 + p(loss)),
/// i.e. `basePremium * (SCALE + result) / SCALE`, the result capped at SCALE.
/// @dev `featuresJson` is the customer's own input (`{"driver_age":34,...}`); the adapters check
/// their hash of its RFC 8785 canonical form against `featuresSha256`, and the consumer checks the
/// result names that hash, so a quote always prices exactly the features that were hashed.
contract RiskPricing is InferenceConsumer {
    /// @notice The model that scores the risk.
    bytes32 public constant RISK_MODEL = bytes32("risk-v1");
    /// @notice Fixed-point scale of `risk-v1`'s result (basis points of probability).
    uint256 public constant SCALE = 10_000;

    /// @notice A requested quote; `premium` is zero until priced.
    struct Quote {
        address customer;
        uint40 pricedAt;
        uint128 premium;
    }

    uint128 public s_basePremium;
    mapping(bytes32 => Quote) internal s_quotes;

    /// @notice Emitted when a quote is requested.
    event QuoteRequested(bytes32 indexed requestId, address indexed customer, bytes32 featuresSha256);
    /// @notice Emitted when an accepted `risk-v1` result prices a quote.
    event QuotePriced(bytes32 indexed requestId, uint256 lossProbabilityBps, uint256 premium);
    /// @notice Emitted when a quote's inference was rejected (request a new quote).
    event QuoteFailed(bytes32 indexed requestId, uint8 reason);

    /// @notice Thrown by `setBasePremium()` on zero.
    error InvalidBasePremium();

    constructor(address router, uint128 basePremium) InferenceConsumer(router) {
        if (basePremium == 0) {
            revert InvalidBasePremium();
        }
        s_basePremium = basePremium;
    }

    /// @notice Sets the premium at zero risk. Owner only.
    function setBasePremium(uint128 basePremium) external onlyOwner {
        if (basePremium == 0) {
            revert InvalidBasePremium();
        }
        s_basePremium = basePremium;
    }

    /// @notice Requests a risk-priced quote for the caller.
    /// @param featuresJson The features object as JSON, e.g. `{"driver_age":34,...}`.
    /// @param featuresSha256 sha256 of the JCS canonical JSON of the features (docs/protocol.md).
    function requestQuote(string calldata featuresJson, bytes32 featuresSha256) external returns (bytes32 requestId) {
        requestId = _requestInference(RISK_MODEL, string.concat('{"features":', featuresJson, "}"), featuresSha256);
        s_quotes[requestId].customer = msg.sender;
        emit QuoteRequested(requestId, msg.sender, featuresSha256);
        return requestId;
    }

    /// @notice A quote by request id.
    function getQuote(bytes32 requestId) external view returns (Quote memory) {
        return s_quotes[requestId];
    }

    /// @inheritdoc InferenceConsumer
    function _onInference(bytes32 requestId, bytes32, InferenceResult.Data memory result) internal override {
        Quote storage quote = s_quotes[requestId];
        uint256 risk = result.result > SCALE ? SCALE : result.result;
        uint256 premium = (uint256(s_basePremium) * (SCALE + risk)) / SCALE;
        quote.premium = uint128(premium);
        quote.pricedAt = uint40(block.timestamp);
        emit QuotePriced(requestId, risk, premium);
    }

    /// @inheritdoc InferenceConsumer
    function _onInferenceRejected(bytes32 requestId, bytes32, uint8 reason) internal override {
        emit QuoteFailed(requestId, reason);
    }
}
