// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {FunctionsDonTest} from "./helpers/FunctionsDonTest.sol";
import {RiskPricing} from "../../contracts/examples/RiskPricing.sol";
import {InferenceResult} from "../../contracts/libraries/InferenceResult.sol";

contract RiskPricingTest is FunctionsDonTest {
    uint128 internal constant BASE = 0.1 ether;
    string internal constant FEATURES = '{"annual_mileage_km":12000,"driver_age":34}';
    bytes32 internal FEATURES_SHA = sha256(bytes(FEATURES));

    RiskPricing internal pricing;

    function setUp() public override {
        super.setUp();
        pricing = new RiskPricing(address(fn.router), BASE);
        pricing.setRequestConfig(DON_ID, fn.subscriptionId, CALLBACK_GAS);
        pricing.setAcceptancePolicy(address(registry), THRESHOLD, 100, MAX_AGE);
        pricing.setSource(PLACEHOLDER_SOURCE);
        fn.router.addConsumer(fn.subscriptionId, address(pricing));
    }

    function _quote() internal returns (Sent memory sent) {
        vm.recordLogs();
        vm.prank(HOLDER);
        pricing.requestQuote(FEATURES, FEATURES_SHA);
        return _sentFromLogs(vm.getRecordedLogs());
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
        Sent memory sent = _quote();
        assertTrue(_contains(sent.data, bytes(string.concat('{"features":', FEATURES, "}"))));
        assertTrue(_contains(sent.data, bytes("risk-v1")));
        _deliver(sent, _risk(7_250), "");
        RiskPricing.Quote memory q = pricing.getQuote(sent.requestId);
        assertEq(q.customer, HOLDER);
        assertEq(q.premium, (uint256(BASE) * 17_250) / 10_000);
        assertEq(q.pricedAt, block.timestamp);
    }

    function test_RiskAboveScaleIsCapped() public {
        Sent memory sent = _quote();
        _deliver(sent, _risk(50_000), "");
        assertEq(pricing.getQuote(sent.requestId).premium, uint256(BASE) * 2);
    }

    function test_DamageModelCannotPriceRisk() public {
        Sent memory sent = _quote();
        bytes memory response = abi.encode(uint256(1), MODEL_HASH, FEATURES_SHA, uint8(3), uint8(3), uint64(block.timestamp));
        _deliver(sent, response, "");
        assertEq(pricing.getQuote(sent.requestId).premium, 0);
    }
}
