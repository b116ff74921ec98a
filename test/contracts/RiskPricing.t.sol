// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {Vm} from "forge-std/Vm.sol";
import {ExamplesDeployer} from "../../script/deploy/ExamplesDeployer.sol";
import {RiskPricing} from "../../contracts/examples/RiskPricing.sol";
import {IRiskPricingEvents} from "../../contracts/interfaces/IRiskPricing.sol";
import {InferenceOracle} from "../../contracts/oracles/InferenceOracle.sol";
import {IInferenceOracle} from "../../contracts/interfaces/IInferenceOracle.sol";
import {InferenceResult} from "../../contracts/libraries/InferenceResult.sol";
import {InferenceTestBase} from "./helpers/InferenceTestBase.sol";
import {FunctionsDonTest} from "./helpers/FunctionsDonTest.sol";
import {CreDonTest} from "./helpers/CreDonTest.sol";

/// @notice RiskPricing on its own oracle (one per dApp), written once and run on each transport.
abstract contract RiskPricingSuite is InferenceTestBase, IRiskPricingEvents {
    uint128 internal constant BASE = 0.1 ether;
    uint32 internal constant RISK_TOLERANCE = 100;
    string internal constant FEATURES = '{"annual_mileage_km":12000,"driver_age":34}';
    bytes32 internal FEATURES_SHA = sha256(bytes(FEATURES));

    InferenceOracle internal pricingOracle;
    RiskPricing internal pricing;

    function setUp() public virtual override {
        super.setUp();
        pricingOracle = _newOracle(RISK_TOLERANCE);
        pricing = ExamplesDeployer.deployRiskPricing(address(pricingOracle), BASE);
        // The oracle charges no fee in these tests: only allowed customers may ask.
        pricing.setCustomer(HOLDER, true);
    }

    function _quote() internal returns (bytes32 requestId) {
        vm.recordLogs();
        vm.prank(HOLDER);
        requestId = pricing.requestQuote(FEATURES, FEATURES_SHA);
        _noteRequest(requestId, vm.getRecordedLogs());
        return requestId;
    }

    function _risk(uint256 bps) internal view returns (bytes memory) {
        return InferenceResult.encode(
            InferenceResult.Data({
                result: bps,
                modelHash: RISK_HASH,
                inputHash: FEATURES_SHA,
                responded: 3,
                agreed: 3,
                observedAt: uint64(block.timestamp)
            })
        );
    }

    function test_PricesPremiumFromRisk() public {
        vm.recordLogs();
        vm.prank(HOLDER);
        bytes32 requestId = pricing.requestQuote(FEATURES, FEATURES_SHA);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        (,, address client,) = _requestedEvent(logs);
        assertEq(client, address(pricing), "the request names the dApp");
        assertEq(_requestedLog(logs).emitter, address(pricingOracle), "on the dApp's own oracle");
        _noteRequest(requestId, logs);
        vm.expectEmit(true, false, false, true, address(pricing));
        emit QuotePriced(requestId, 7_250, (uint256(BASE) * 17_250) / 10_000);
        _answer(requestId, _risk(7_250));
        RiskPricing.Quote memory q = pricing.getQuote(requestId);
        assertEq(q.customer, HOLDER);
        assertEq(q.premium, (uint256(BASE) * 17_250) / 10_000);
        assertEq(q.pricedAt, block.timestamp);
    }

    function test_RiskAboveScaleIsCapped() public {
        bytes32 requestId = _quote();
        _answer(requestId, _risk(50_000));
        assertEq(pricing.getQuote(requestId).premium, uint256(BASE) * 2);
    }

    function test_DamageModelCannotPriceRisk() public {
        bytes32 requestId = _quote();
        bytes memory response =
            abi.encode(uint256(1), MODEL_HASH, FEATURES_SHA, uint8(3), uint8(3), uint64(block.timestamp));
        vm.expectEmit(true, false, false, true, address(pricing));
        emit QuoteFailed(requestId, RejectReason.ModelNotApproved);
        _answer(requestId, response);
        assertEq(pricing.getQuote(requestId).premium, 0);
    }

    function test_TheInsuranceOracleDoesNotServeRiskPricing() public {
        vm.expectRevert();
        vm.prank(address(pricing));
        oracle.requestInference(RISK, FEATURES, FEATURES_SHA);
        assertFalse(oracle.isClient(address(pricing)));
        assertTrue(pricingOracle.isClient(address(pricing)));
    }

    /// Issue 13.4: with a free oracle, a stranger's quote would be billed to the owner's subscription.
    function test_RevertWhen_AStrangerAsksForAFreeQuote() public {
        address stranger = makeAddr("stranger");
        vm.expectRevert(abi.encodeWithSelector(RiskPricing.CustomerNotAllowed.selector, stranger));
        vm.prank(stranger);
        pricing.requestQuote(FEATURES, FEATURES_SHA);
        vm.expectRevert(abi.encodeWithSelector(RiskPricing.CustomerNotAllowed.selector, stranger));
        vm.prank(stranger);
        pricing.requestQuoteByHash(FEATURES_SHA, "quotes/abc");
        assertEq(pricingOracle.requestCount(), 0, "nothing reached the oracle network");
    }

    /// With a fee, anyone may ask, and the asker pays for the request.
    function test_AnyonePayingTheFeeMayAsk() public {
        uint96 fee = 0.001 ether;
        pricingOracle.setRequestFee(fee);
        address stranger = makeAddr("stranger");
        vm.deal(stranger, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.WrongRequestFee.selector, fee, 0));
        vm.prank(stranger);
        pricing.requestQuote(FEATURES, FEATURES_SHA);
        vm.prank(stranger);
        pricing.requestQuote{value: fee}(FEATURES, FEATURES_SHA);
        assertEq(address(pricingOracle).balance, fee);
    }

    function test_OwnerRevokesACustomer() public {
        vm.expectEmit(true, false, false, true, address(pricing));
        emit CustomerSet(HOLDER, false);
        pricing.setCustomer(HOLDER, false);
        assertFalse(pricing.isCustomer(HOLDER));
        vm.expectRevert(abi.encodeWithSelector(RiskPricing.CustomerNotAllowed.selector, HOLDER));
        vm.prank(HOLDER);
        pricing.requestQuote(FEATURES, FEATURES_SHA);
        vm.expectRevert(RiskPricing.ZeroCustomer.selector);
        pricing.setCustomer(address(0), true);
        vm.expectRevert("Only callable by owner");
        vm.prank(HOLDER);
        pricing.setCustomer(HOLDER, true);
    }

    /// Issue 13.11: by hash, the features never reach the chain; the request carries only the hash and
    /// an opaque reference, and the answer is checked against that hash as usual.
    function test_QuoteByHashKeepsTheFeaturesOffChain() public {
        vm.recordLogs();
        vm.prank(HOLDER);
        bytes32 requestId = pricing.requestQuoteByHash(FEATURES_SHA, "quotes/0001");
        Vm.Log[] memory logs = vm.getRecordedLogs();
        (,,, bytes32 inputHash) = _requestedEvent(logs);
        assertEq(inputHash, FEATURES_SHA);
        (,, string memory input,,) = abi.decode(_requestedLog(logs).data, (bytes32, bytes32, string, uint8, uint32));
        assertEq(input, '{"inputRef":"quotes/0001"}');
        for (uint256 i = 0; i < logs.length; ++i) {
            assertFalse(_contains(logs[i].data, bytes("driver_age")), "no feature in any event");
        }
        _noteRequest(requestId, logs);
        _answer(requestId, _risk(2_000));
        assertEq(pricing.getQuote(requestId).premium, (uint256(BASE) * 12_000) / 10_000);
        assertEq(pricing.getQuote(requestId).customer, HOLDER);
    }

    /// The zero-knowledge path: an input commitment and no reference send an empty input.
    function test_QuoteByHashWithoutAReferenceSendsAnEmptyInput() public {
        bytes32 commitment = bytes32(uint256(0x1234));
        vm.recordLogs();
        vm.prank(HOLDER);
        pricing.requestQuoteByHash(commitment, "");
        Vm.Log[] memory logs = vm.getRecordedLogs();
        (,,, bytes32 inputHash) = _requestedEvent(logs);
        (,, string memory input,,) = abi.decode(_requestedLog(logs).data, (bytes32, bytes32, string, uint8, uint32));
        assertEq(inputHash, commitment);
        assertEq(bytes(input).length, 0);
    }

    function test_RevertWhen_TheReferenceCouldBreakTheInput() public {
        vm.startPrank(HOLDER);
        vm.expectRevert(abi.encodeWithSelector(RiskPricing.InvalidInputRefCharacter.selector, 6, bytes1('"')));
        pricing.requestQuoteByHash(FEATURES_SHA, 'quotes"x');
        vm.expectRevert(abi.encodeWithSelector(RiskPricing.InvalidInputRefCharacter.selector, 0, bytes1(0x20)));
        pricing.requestQuoteByHash(FEATURES_SHA, " x");
        vm.expectRevert(abi.encodeWithSelector(RiskPricing.InvalidInputRefLength.selector, 129, 128));
        pricing.requestQuoteByHash(FEATURES_SHA, string(new bytes(129)));
        vm.expectRevert(RiskPricing.ZeroInputHash.selector);
        pricing.requestQuoteByHash(bytes32(0), "quotes/1");
        vm.stopPrank();
    }

    function testFuzz_ReferenceCharactersAreAllowListed(bytes1 c) public {
        bool ok = (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "."
            || c == "_" || c == ":" || c == "/" || c == "-";
        if (!ok) {
            vm.expectRevert(abi.encodeWithSelector(RiskPricing.InvalidInputRefCharacter.selector, 1, c));
        }
        vm.prank(HOLDER);
        pricing.requestQuoteByHash(FEATURES_SHA, string(abi.encodePacked("q", c)));
    }

    function test_RevertWhen_TheOracleCallbackGasIsBelowWhatPricingNeeds() public {
        uint32 required = pricing.CALLBACK_GAS_REQUIRED();
        pricingOracle.setCallbackGasLimit(required - 1);
        vm.expectRevert(
            abi.encodeWithSelector(RiskPricing.OracleCallbackGasTooLow.selector, required - 1, required)
        );
        vm.prank(HOLDER);
        pricing.requestQuote(FEATURES, FEATURES_SHA);
    }

    /// The callback's requirement is derived from measurement: a priced quote, cold, fits it, and it is
    /// within 1.5x of what it uses.
    function test_CallbackGasRequiredCoversPricing() public {
        bytes32 requestId = _quote();
        InferenceResult.Data memory r = abi.decode(_risk(7_000), (InferenceResult.Data));
        vm.cool(address(pricing));
        vm.prank(address(pricingOracle));
        uint256 start = gasleft();
        pricing.onInferenceAccepted(requestId, RISK, r);
        uint256 used = start - gasleft();
        assertGt(pricing.getQuote(requestId).premium, 0);
        uint256 required = pricing.CALLBACK_GAS_REQUIRED();
        assertLe(used, required);
        assertGe(used * 3, required * 2);
    }

    function test_SetsBasePremium() public {
        vm.expectEmit(false, false, false, true, address(pricing));
        emit BasePremiumSet(0.2 ether);
        pricing.setBasePremium(0.2 ether);
        assertEq(pricing.basePremium(), 0.2 ether);
        vm.expectRevert(RiskPricing.ZeroBasePremium.selector);
        pricing.setBasePremium(0);
    }
}

contract FunctionsRiskPricingTest is FunctionsDonTest, RiskPricingSuite {
    function setUp() public override(InferenceTestBase, RiskPricingSuite) {
        RiskPricingSuite.setUp();
    }
}

contract CreRiskPricingTest is CreDonTest, RiskPricingSuite {
    function setUp() public override(InferenceTestBase, RiskPricingSuite) {
        RiskPricingSuite.setUp();
    }
}
