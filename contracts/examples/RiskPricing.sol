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
/// @dev Two ways to ask. `requestQuote(featuresJson, featuresSha256)` puts the customer's features
/// on-chain in plain text (the request event carries them); the adapters check their hash of the
/// features' RFC 8785 canonical form against `featuresSha256`, and the oracle checks the result names
/// that hash, so a quote always prices exactly the features that were hashed.
/// `requestQuoteByHash(inputHash, inputRef)` puts only the hash and an opaque reference on-chain:
/// the request's input is `{"inputRef":"<ref>"}` and the oracle accepts only a result naming
/// `inputHash`, so an answer over any other features is rejected; with an empty reference the input
/// is empty (a zero-knowledge oracle proves over the committed features instead). Off-chain
/// resolution of the reference by the DON and the adapters is not part of this contract
/// (docs/security.md, "Privacy", says what exists). Who pays: every quote pays the oracle's
/// request fee (`requestFee()`); while that fee is zero, only customers the owner allowed may ask, so
/// nobody else can spend the owner's oracle subscription.
contract RiskPricing is InferenceClient, ConfirmedOwner, IRiskPricingEvents {
    /// @notice The model that scores the risk.
    bytes32 public constant RISK_MODEL = bytes32("risk-v1");
    /// @notice Fixed-point scale of `risk-v1`'s result (basis points of probability).
    uint256 public constant SCALE = 10_000;
    /// @notice Longest input reference accepted.
    uint256 public constant MAX_INPUT_REF_LENGTH = 128;
    /// @notice Gas the oracle must give this contract's callback: what pricing a quote measurably needs,
    /// cold (32,950; `test_CallbackGasRequiredCoversPricing`), plus about 35%. Requests are refused
    /// when the oracle's callback gas limit is below it.
    uint32 public constant CALLBACK_GAS_REQUIRED = 45_000;

    /// @notice A requested quote; `premium` is zero until priced.
    struct Quote {
        address customer;
        uint40 pricedAt;
        uint128 premium;
    }

    uint128 internal s_basePremium;
    mapping(bytes32 => Quote) internal s_quotes;
    mapping(address customer => bool allowed) internal s_customers;

    /// @notice Thrown by the constructor and `setBasePremium()` on a zero base premium.
    error ZeroBasePremium();
    /// @notice Thrown by the request functions while the oracle's request fee is zero and `caller` is
    /// not an allowed customer (nobody may spend the owner's subscription for free).
    error CustomerNotAllowed(address caller);
    /// @notice Thrown by `requestQuoteByHash()` on a zero input hash.
    error ZeroInputHash();
    /// @notice Thrown by `requestQuoteByHash()` on a reference longer than `max`.
    error InvalidInputRefLength(uint256 length, uint256 max);
    /// @notice Thrown by `requestQuoteByHash()` on a reference character outside `[A-Za-z0-9._:/-]`
    /// at `index`.
    error InvalidInputRefCharacter(uint256 index, bytes1 character);
    /// @notice Thrown by `setCustomer()` on the zero address.
    error ZeroCustomer();
    /// @notice Thrown by the request functions when the oracle would give this contract's callback
    /// less gas than pricing a quote needs.
    error OracleCallbackGasTooLow(uint32 callbackGasLimit, uint32 required);

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

    /// @notice Allows or disallows `customer` to request quotes while the oracle charges no fee.
    /// @param customer The customer's address.
    /// @param allowed Whether it may request quotes for free.
    function setCustomer(address customer, bool allowed) external onlyOwner {
        if (customer == address(0)) {
            revert ZeroCustomer();
        }
        s_customers[customer] = allowed;
        emit CustomerSet(customer, allowed);
    }

    /// @notice The premium at zero risk (wei).
    function basePremium() external view returns (uint128) {
        return s_basePremium;
    }

    /// @notice Whether `customer` may request quotes while the oracle charges no fee.
    /// @param customer The customer's address.
    function isCustomer(address customer) external view returns (bool) {
        return s_customers[customer];
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
        _checkCaller();
        requestId = _requestInference(
            RISK_MODEL, string.concat('{"features":', featuresJson, "}"), featuresSha256
        );
        s_quotes[requestId].customer = msg.sender;
        emit QuoteRequested(requestId, msg.sender, featuresSha256);
        return requestId;
    }

    /// @notice Requests a risk-priced quote whose features never appear on-chain: only their hash and
    /// an opaque reference do. `msg.value` pays the oracle's request fee.
    /// @param inputHash The hash the answer must name: sha256 of the JCS canonical JSON of the
    /// features (whoever resolves `inputRef` must produce features with this hash), or a
    /// zero-knowledge oracle's input commitment.
    /// @param inputRef An opaque reference to the features in an off-chain input store
    /// (`[A-Za-z0-9._:/-]`, at most MAX_INPUT_REF_LENGTH bytes; the store's location and credentials
    /// never go on-chain); empty sends an empty input.
    /// @return requestId The quote's id (its inference request).
    function requestQuoteByHash(bytes32 inputHash, string calldata inputRef)
        external
        payable
        returns (bytes32 requestId)
    {
        _checkCaller();
        if (inputHash == bytes32(0)) {
            revert ZeroInputHash();
        }
        bytes calldata ref = bytes(inputRef);
        if (ref.length > MAX_INPUT_REF_LENGTH) {
            revert InvalidInputRefLength(ref.length, MAX_INPUT_REF_LENGTH);
        }
        for (uint256 i = 0; i < ref.length; ++i) {
            bytes1 c = ref[i];
            bool ok = (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "."
                || c == "_" || c == ":" || c == "/" || c == "-";
            if (!ok) {
                revert InvalidInputRefCharacter(i, c);
            }
        }
        string memory input = ref.length == 0 ? "" : string.concat('{"inputRef":"', inputRef, '"}');
        requestId = _requestInference(RISK_MODEL, input, inputHash);
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

    /// @dev The caller pays the oracle's fee, or the owner allowed it to ask for free; and the oracle
    /// gives the callback enough gas to price the quote.
    function _checkCaller() private view {
        if (i_oracle.requestFee() == 0 && !s_customers[msg.sender]) {
            revert CustomerNotAllowed(msg.sender);
        }
        uint32 limit = i_oracle.callbackGasLimit();
        if (limit < CALLBACK_GAS_REQUIRED) {
            revert OracleCallbackGasTooLow(limit, CALLBACK_GAS_REQUIRED);
        }
    }

    function _setBasePremium(uint128 newBasePremium) private {
        if (newBasePremium == 0) {
            revert ZeroBasePremium();
        }
        s_basePremium = newBasePremium;
        emit BasePremiumSet(newBasePremium);
    }
}
