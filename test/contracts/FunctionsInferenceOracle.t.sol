// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {
    FunctionsResponse
} from "@chainlink/contracts/src/v0.8/functions/v1_0_0/libraries/FunctionsResponse.sol";
import {OCR2Base} from "@chainlink/contracts/src/v0.8/functions/v1_3_0/ocr/OCR2Base.sol";
import {FunctionsClient} from "@chainlink/contracts/src/v0.8/functions/v1_0_0/FunctionsClient.sol";
import {FunctionsDonTest} from "./helpers/FunctionsDonTest.sol";
import {IFunctionsInferenceOracle} from "../../contracts/interfaces/IFunctionsInferenceOracle.sol";
import {FunctionsInferenceOracle} from "../../contracts/oracles/FunctionsInferenceOracle.sol";
import {InferenceResult} from "../../contracts/libraries/InferenceResult.sol";
import {ClaimsInsurance} from "../../contracts/examples/ClaimsInsurance.sol";

/// @dev The Functions oracle under test, typed.
abstract contract FunctionsOracleTest is FunctionsDonTest, IFunctionsInferenceOracle {
    function _functionsOracle() internal view returns (FunctionsInferenceOracle) {
        return FunctionsInferenceOracle(address(oracle));
    }
}

/// @notice The Coordinator's DON signature threshold, in front of the oracle: only a report with
/// exactly (n + f) / 2 + 1 valid signatures from a configured transmitter reaches it.
contract DonSignatureThresholdTest is FunctionsOracleTest {
    uint256 internal s_claimId;
    bytes32 internal s_requestId;
    bytes internal s_valid;

    function setUp() public override {
        super.setUp();
        (s_claimId, s_requestId) = _buyAndClaim();
        s_valid = InferenceResult.encode(_result(2));
    }

    function _assertUntouched() internal view {
        assertTrue(oracle.isPending(s_requestId), "still pending");
        assertEq(_functionsOracle().getRequest(s_requestId).client, address(insurance));
        assertEq(uint8(insurance.getClaim(s_claimId).status), uint8(ClaimsInsurance.ClaimStatus.Pending));
        assertEq(insurance.pool(), POOL_FUNDING + insurance.premiumFor(COVERAGE));
        assertEq(insurance.totalPaid(), 0);
    }

    function test_AcceptsReportWithRequiredSignatures() public {
        uint256 before = HOLDER.balance;
        FunctionsResponse.FulfillResult code = _deliver(s_sent[s_requestId], s_valid, "");
        assertEq(uint8(code), uint8(FunctionsResponse.FulfillResult.FULFILLED));
        assertFalse(oracle.isPending(s_requestId));
        assertEq(_functionsOracle().getRequest(s_requestId).client, address(0), "record deleted");
        assertEq(HOLDER.balance - before, (uint256(COVERAGE) * 6_000) / 10_000, "moderate damage pays 60%");
    }

    function test_RevertWhen_TooFewSignatures() public {
        vm.expectRevert(abi.encodeWithSelector(OCR2Base.ReportInvalid.selector, "wrong number of signatures"));
        _transmit(s_sent[s_requestId], s_valid, "", _signerKeys(REQUIRED_SIGNATURES - 1), s_transmitters[0]);
        _assertUntouched();
    }

    function test_RevertWhen_TooManySignatures() public {
        vm.expectRevert(abi.encodeWithSelector(OCR2Base.ReportInvalid.selector, "wrong number of signatures"));
        _transmit(s_sent[s_requestId], s_valid, "", _signerKeys(N), s_transmitters[0]);
        _assertUntouched();
    }

    function test_RevertWhen_ASignerIsForged() public {
        uint256[] memory keys = _signerKeys(REQUIRED_SIGNATURES);
        keys[2] = 0xBAD;
        vm.expectRevert(
            abi.encodeWithSelector(OCR2Base.ReportInvalid.selector, "address not authorized to sign")
        );
        _transmit(s_sent[s_requestId], s_valid, "", keys, s_transmitters[0]);
        _assertUntouched();
    }

    function test_RevertWhen_ASignatureIsRepeated() public {
        uint256[] memory keys = _signerKeys(REQUIRED_SIGNATURES);
        keys[2] = keys[0];
        vm.expectRevert(abi.encodeWithSelector(OCR2Base.ReportInvalid.selector, "non-unique signature"));
        _transmit(s_sent[s_requestId], s_valid, "", keys, s_transmitters[0]);
        _assertUntouched();
    }

    function test_RevertWhen_TransmitterIsUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(OCR2Base.ReportInvalid.selector, "unauthorized transmitter"));
        _transmit(s_sent[s_requestId], s_valid, "", _signerKeys(REQUIRED_SIGNATURES), makeAddr("stranger"));
        _assertUntouched();
    }

    function test_RevertWhen_SignaturesAreOverADifferentResult() public {
        Sent memory sent = s_sent[s_requestId];
        (bytes memory report, bytes32[3] memory context) = _report(sent, s_valid, "");
        (bytes memory tampered,) = _report(sent, InferenceResult.encode(_result(SEVERE)), "");
        (bytes32[] memory rs, bytes32[] memory ss, bytes32 vs) =
            _sign(report, context, _signerKeys(REQUIRED_SIGNATURES));
        vm.prank(s_transmitters[0], s_transmitters[0]);
        vm.expectRevert(
            abi.encodeWithSelector(OCR2Base.ReportInvalid.selector, "address not authorized to sign")
        );
        fn.coordinator.transmit(context, tampered, rs, ss, vs);
        _assertUntouched();
    }

    function test_ReplayedReportChangesNothing() public {
        _deliver(s_sent[s_requestId], s_valid, "");
        uint256 pool = insurance.pool();
        uint256 balance = HOLDER.balance;
        // The Coordinator drops a report whose requests are all settled, before checking signatures.
        _transmit(s_sent[s_requestId], s_valid, "", _signerKeys(REQUIRED_SIGNATURES), s_transmitters[1]);
        assertEq(insurance.pool(), pool);
        assertEq(HOLDER.balance, balance);
    }

    function test_RevertWhen_CallerIsNotRouter() public {
        vm.expectRevert(FunctionsClient.OnlyRouterCanFulfill.selector);
        _functionsOracle().handleOracleFulfillment(s_requestId, s_valid, "");
        _assertUntouched();
    }
}

/// @notice What only the Functions transport has: the DON's error channel, and a router callback
/// that succeeds whatever the answer.
contract FunctionsFulfilmentTest is FunctionsOracleTest {
    uint256 internal s_claimId;
    bytes32 internal s_requestId;

    function setUp() public override {
        super.setUp();
        (s_claimId, s_requestId) = _buyAndClaim();
    }

    function test_RejectsDonError() public {
        vm.expectEmit(true, true, false, true, address(oracle));
        emit InferenceRejected(s_requestId, DAMAGE, RejectReason.OracleError);
        FunctionsResponse.FulfillResult code =
            _deliver(s_sent[s_requestId], "", bytes("only 1 of 3 adapters agreed"));
        assertEq(uint8(code), uint8(FunctionsResponse.FulfillResult.FULFILLED));
        assertEq(uint8(insurance.getClaim(s_claimId).status), uint8(ClaimsInsurance.ClaimStatus.Rejected));
        assertEq(insurance.totalPaid(), 0);
    }

    function testFuzz_RouterCallbackNeverFails(bytes calldata response, bool withError) public {
        FunctionsResponse.FulfillResult code =
            _deliver(s_sent[s_requestId], response, withError ? bytes("error") : bytes(""));
        assertEq(uint8(code), uint8(FunctionsResponse.FulfillResult.FULFILLED));
        assertFalse(oracle.isPending(s_requestId));
    }

    function test_RequestCarriesTheProtocolArgs() public view {
        bytes memory data = s_sent[s_requestId].data;
        // args per docs/protocol.md: model id, approved hash, input hash, input JSON, threshold, tolerance.
        assertTrue(_contains(data, bytes("damage-v1")));
        assertTrue(_contains(data, bytes(vm.toString(MODEL_HASH))));
        assertTrue(_contains(data, bytes(vm.toString(PHOTO_SHA))));
        assertTrue(
            _contains(
                data,
                bytes(
                    string.concat(
                        '{"image":{"url":"', PHOTO_URI, '","sha256":"', vm.toString(PHOTO_SHA), '"}}'
                    )
                )
            )
        );
    }

    function test_KeepsTheRequestForTheCallbackThatNamesOnlyItsId() public view {
        FunctionsInferenceOracle.Request memory r = _functionsOracle().getRequest(s_requestId);
        assertEq(r.client, address(insurance));
        assertEq(r.modelId, DAMAGE);
        assertEq(r.inputHash, PHOTO_SHA);
    }
}

/// @notice Configuration of the Functions transport: owner only, with range checks.
contract FunctionsOracleConfigTest is FunctionsOracleTest {
    function test_RevertWhen_StrangerConfigures() public {
        vm.startPrank(HOLDER);
        vm.expectRevert("Only callable by owner");
        _functionsOracle().setRequestConfig(DON_ID, fn.subscriptionId, FULFILLMENT_GAS);
        vm.expectRevert("Only callable by owner");
        _functionsOracle().setSource("return 1");
        vm.expectRevert("Only callable by owner");
        _functionsOracle().setDonHostedSecrets(0, 1);
        vm.stopPrank();
    }

    function test_RevertWhen_FulfillmentGasAboveFunctionsLimit() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IFunctionsInferenceOracle.InvalidFulfillmentGasLimit.selector, 300_001, 300_000
            )
        );
        _functionsOracle().setRequestConfig(DON_ID, fn.subscriptionId, 300_001);
        vm.expectRevert(
            abi.encodeWithSelector(IFunctionsInferenceOracle.InvalidFulfillmentGasLimit.selector, 0, 300_000)
        );
        _functionsOracle().setRequestConfig(DON_ID, fn.subscriptionId, 0);
    }

    function test_RevertWhen_SubscriptionOrDonIsZero() public {
        vm.expectRevert(IFunctionsInferenceOracle.ZeroSubscriptionId.selector);
        _functionsOracle().setRequestConfig(DON_ID, 0, FULFILLMENT_GAS);
        vm.expectRevert(IFunctionsInferenceOracle.ZeroDonId.selector);
        _functionsOracle().setRequestConfig(bytes32(0), fn.subscriptionId, FULFILLMENT_GAS);
    }

    function test_RevertWhen_SourceIsEmpty() public {
        vm.expectRevert(IFunctionsInferenceOracle.EmptySource.selector);
        _functionsOracle().setSource("");
    }

    function test_RevertWhen_NoSourceIsSet() public {
        FunctionsInferenceOracle bare = new FunctionsInferenceOracle(address(fn.router));
        bare.setAcceptancePolicy(address(registry), THRESHOLD, 0, MAX_AGE);
        bare.setClient(address(this), true);
        vm.expectRevert(IFunctionsInferenceOracle.SourceNotSet.selector);
        bare.requestInference(DAMAGE, "{}", PHOTO_SHA);
    }

    function test_SetsDonHostedSecrets() public {
        vm.expectEmit(false, false, false, false, address(oracle));
        emit SecretsSet("");
        _functionsOracle().setDonHostedSecrets(0, 1_700_000_000);
        (,, bytes memory secrets) = _functionsOracle().getRequestConfig();
        assertGt(secrets.length, 0);
        (, bytes32 requestId) = _buyAndClaim();
        bytes memory data = s_sent[requestId].data;
        // The request ends with the secrets reference, exactly as FunctionsRequest encodes it.
        bytes memory tail = new bytes(secrets.length);
        for (uint256 i = 0; i < secrets.length; ++i) {
            tail[i] = data[data.length - secrets.length + i];
        }
        assertEq(tail, secrets);
    }
}
