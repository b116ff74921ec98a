// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {ConfirmedOwner} from "@chainlink/contracts/src/v0.8/shared/access/ConfirmedOwner.sol";
import {InferenceClient} from "../InferenceClient.sol";
import {IInferenceOracleEvents} from "../interfaces/IInferenceOracle.sol";
import {IRiskPricingEvents} from "../interfaces/IRiskPricing.sol";
import {InferenceResult} from "../libraries/InferenceResult.sol";

/// @title RiskPricing
/// @notice Example dApp: prices a policy premium from `risk-v1`, a tabular model whose result is the
/// probability of a loss in basis points (manifest scale 10,000). Premium = base x (1 + p(loss)),
/// i.e. `basePremium * (SCALE + result) / SCALE`, the result capped at SCALE. Runs on any inference
/// oracle (Chainlink Functions or CRE), chosen at deployment.
/// @dev `featuresJson` is the customer's own input (`{"driver_age":34,...}`); the adapters check
/// their hash of its RFC 8785 canonical form against `featuresSha256`, and the oracle checks the
/// result names that hash, so a quote always prices exactly the features that were hashed. A quote
/// request pays the oracle's request fee (`requestFee()`, zero by default).
contract RiskPricing is InferenceClient, ConfirmedOwner, IRiskPricingEvents {
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

    uint128 internal s_basePremium;
    mapping(bytes32 => Quote) internal s_quotes;

    /// @notice Thrown by the constructor and `setBasePremium()` on a zero base premium.
    error ZeroBasePremium();

    /// @param oracleAddress The inference oracle (any transport); it must allow this contract as a client.
    /// @param initialBasePremium The premium at zero risk (wei), not zero.
    constructor(address oracleAddress, uint128 initialBasePremium)
        InferenceClient(oracleAddress)
        ConfirmedOwner(msg.sender)
    {
        _setBasePremium(initialBasePremium);
    }

    /// @notice Sets the premium at zero risk. Owner only.
    /// @param newBasePremium The premium at zero risk (wei), not zero.
    function setBasePremium(uint128 newBasePremium) external onlyOwner {
        _setBasePremium(newBasePremium);
    }

    /// @notice The premium at zero risk (wei).
    function basePremium() external view returns (uint128) {
        return s_basePremium;
    }

    /// @notice Requests a risk-priced quote for the caller; `msg.value` pays the oracle's request fee.
    /// @param featuresJson The features object as JSON, e.g. `{"driver_age":34,...}`.
    /// @param featuresSha256 sha256 of the JCS canonical JSON of the features (docs/protocol.md).
    /// @return requestId The quote's id (its inference request).
    function requestQuote(string calldata featuresJson, bytes32 featuresSha256)
        external
        payable
        returns (bytes32 requestId)
    {
        requestId = _requestInference(
            RISK_MODEL, string.concat('{"features":', featuresJson, "}"), featuresSha256
        );
        s_quotes[requestId].customer = msg.sender;
        emit QuoteRequested(requestId, msg.sender, featuresSha256);
        return requestId;
    }

    /// @notice Requests a risk-priced quote without putting the features on-chain: only `inputHash`
    /// (on the zero-knowledge oracle, the salted Poseidon commitment to the features, see
    /// docs/zk.md) and an optional reference the oracle network resolves; `msg.value` pays the
    /// oracle's request fee.
    /// @param inputHash The input's hash or commitment, as the oracle's transport expects it.
    /// @param inputRef The input the oracle network receives in place of the features (empty for
    /// the zero-knowledge oracle).
    /// @return requestId The quote's id (its inference request).
    function requestQuoteByHash(bytes32 inputHash, string calldata inputRef)
        external
        payable
        returns (bytes32 requestId)
    {
        requestId = _requestInference(RISK_MODEL, inputRef, inputHash);
        s_quotes[requestId].customer = msg.sender;
        emit QuoteRequested(requestId, msg.sender, inputHash);
        return requestId;
    }

    /// @notice A quote by request id.
    /// @param requestId The id `requestQuote` returned.
    function getQuote(bytes32 requestId) external view returns (Quote memory) {
        return s_quotes[requestId];
    }

    /// @inheritdoc InferenceClient
    function _onInference(bytes32 requestId, bytes32, InferenceResult.Data memory result) internal override {
        Quote storage quote = s_quotes[requestId];
        uint256 risk = result.result > SCALE ? SCALE : result.result;
        uint256 premium = (uint256(s_basePremium) * (SCALE + risk)) / SCALE;
        quote.premium = uint128(premium);
        quote.pricedAt = uint40(block.timestamp);
        emit QuotePriced(requestId, risk, premium);
    }

    /// @inheritdoc InferenceClient
    function _onInferenceRejected(bytes32 requestId, bytes32, IInferenceOracleEvents.RejectReason reason)
        internal
        override
    {
        emit QuoteFailed(requestId, reason);
    }

    function _setBasePremium(uint128 newBasePremium) private {
        if (newBasePremium == 0) {
            revert ZeroBasePremium();
        }
        s_basePremium = newBasePremium;
        emit BasePremiumSet(newBasePremium);
    }
}
