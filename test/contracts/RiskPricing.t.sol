// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {Vm} from "forge-std/Vm.sol";
import {ExamplesDeployer} from "../../script/deploy/ExamplesDeployer.sol";
import {RiskPricing} from "../../contracts/examples/RiskPricing.sol";
import {IRiskPricingEvents} from "../../contracts/interfaces/IRiskPricing.sol";
import {InferenceOracle} from "../../contracts/oracles/InferenceOracle.sol";
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
