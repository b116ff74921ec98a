// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {FunctionsResponse} from "@chainlink/contracts/src/v0.8/functions/v1_0_0/libraries/FunctionsResponse.sol";
import {OCR2Base} from "@chainlink/contracts/src/v0.8/functions/v1_3_0/ocr/OCR2Base.sol";
import {FunctionsClient} from "@chainlink/contracts/src/v0.8/functions/v1_0_0/FunctionsClient.sol";
import {FunctionsDonTest} from "./helpers/FunctionsDonTest.sol";
import {IInferenceConsumer} from "../../contracts/interfaces/IInferenceConsumer.sol";
import {InferenceConsumer} from "../../contracts/InferenceConsumer.sol";
import {InferenceResult} from "../../contracts/libraries/InferenceResult.sol";
import {ClaimsInsurance} from "../../contracts/examples/ClaimsInsurance.sol";

/// @notice The Coordinator's DON signature threshold, in front of the consumer: only a report with
/// exactly (n + f) / 2 + 1 valid signatures from a configured transmitter reaches the consumer.
contract DonSignatureThresholdTest is FunctionsDonTest {
    uint256 internal s_claimId;
    Sent internal s_sent;
    bytes internal s_valid;

    function setUp() public override {
        super.setUp();
        (s_claimId, s_sent) = _buyAndClaim();
        s_valid = InferenceResult.encode(_result(2));
    }

    function _assertUntouched() internal view {
        assertEq(insurance.getPending(s_sent.requestId).modelId, DAMAGE, "still pending");
        assertEq(uint8(insurance.getClaim(s_claimId).status), uint8(ClaimsInsurance.ClaimStatus.Pending));
        assertEq(insurance.s_pool(), POOL_FUNDING + insurance.premiumFor(COVERAGE));
        assertEq(insurance.s_totalPaid(), 0);
    }

    function test_AcceptsReportWithRequiredSignatures() public {
        uint256 before = HOLDER.balance;
        FunctionsResponse.FulfillResult code = _deliver(s_sent, s_valid, "");
        assertEq(uint8(code), uint8(FunctionsResponse.FulfillResult.FULFILLED));
        assertEq(insurance.getPending(s_sent.requestId).modelId, bytes32(0));
        assertEq(HOLDER.balance - before, COVERAGE / 2, "moderate damage pays 50%");
    }

    function test_RevertWhen_TooFewSignatures() public {
        vm.expectRevert(abi.encodeWithSelector(OCR2Base.ReportInvalid.selector, "wrong number of signatures"));
        _transmit(s_sent, s_valid, "", _signerKeys(REQUIRED_SIGNATURES - 1), s_transmitters[0]);
        _assertUntouched();
    }

    function test_RevertWhen_TooManySignatures() public {
        vm.expectRevert(abi.encodeWithSelector(OCR2Base.ReportInvalid.selector, "wrong number of signatures"));
        _transmit(s_sent, s_valid, "", _signerKeys(N), s_transmitters[0]);
        _assertUntouched();
    }

    function test_RevertWhen_ASignerIsForged() public {
        uint256[] memory keys = _signerKeys(REQUIRED_SIGNATURES);
        keys[2] = 0xBAD;
        vm.expectRevert(abi.encodeWithSelector(OCR2Base.ReportInvalid.selector, "address not authorized to sign"));
        _transmit(s_sent, s_valid, "", keys, s_transmitters[0]);
        _assertUntouched();
    }

    function test_RevertWhen_ASignatureIsRepeated() public {
        uint256[] memory keys = _signerKeys(REQUIRED_SIGNATURES);
        keys[2] = keys[0];
        vm.expectRevert(abi.encodeWithSelector(OCR2Base.ReportInvalid.selector, "non-unique signature"));
        _transmit(s_sent, s_valid, "", keys, s_transmitters[0]);
        _assertUntouched();
    }

    function test_RevertWhen_TransmitterIsUnknown() public {
        vm.expectRevert(abi.encodeWithSelector(OCR2Base.ReportInvalid.selector, "unauthorized transmitter"));
        _transmit(s_sent, s_valid, "", _signerKeys(REQUIRED_SIGNATURES), makeAddr("stranger"));
        _assertUntouched();
    }

    function test_RevertWhen_SignaturesAreOverADifferentResult() public {
        (bytes memory report, bytes32[3] memory context) = _report(s_sent, s_valid, "");
        (bytes memory tampered,) = _report(s_sent, InferenceResult.encode(_result(4)), "");
        (bytes32[] memory rs, bytes32[] memory ss, bytes32 vs) = _sign(report, context, _signerKeys(REQUIRED_SIGNATURES));
        vm.prank(s_transmitters[0], s_transmitters[0]);
        vm.expectRevert(abi.encodeWithSelector(OCR2Base.ReportInvalid.selector, "address not authorized to sign"));
        fn.coordinator.transmit(context, tampered, rs, ss, vs);
        _assertUntouched();
    }

    function test_ReplayedReportChangesNothing() public {
        _deliver(s_sent, s_valid, "");
        uint256 pool = insurance.s_pool();
        uint256 balance = HOLDER.balance;
        // The Coordinator drops a report whose requests are all settled, before checking signatures.
        _transmit(s_sent, s_valid, "", _signerKeys(REQUIRED_SIGNATURES), s_transmitters[1]);
        assertEq(insurance.s_pool(), pool);
        assertEq(HOLDER.balance, balance);
    }

    function test_RevertWhen_CallerIsNotRouter() public {
        vm.expectRevert(FunctionsClient.OnlyRouterCanFulfill.selector);
        insurance.handleOracleFulfillment(s_sent.requestId, s_valid, "");
        _assertUntouched();
    }
}

/// @notice The acceptance matrix: every delivered answer goes through the real DON path; all but the
/// valid one are rejected with their reason, pay nothing and leave the router's callback successful.
contract AcceptanceMatrixTest is FunctionsDonTest {
    uint256 internal s_claimId;
    Sent internal s_sent;
    uint256 internal s_poolBefore;
    uint256 internal s_holderBefore;

    function setUp() public override {
        super.setUp();
        (s_claimId, s_sent) = _buyAndClaim();
        s_poolBefore = insurance.s_pool();
        s_holderBefore = HOLDER.balance;
    }

    function _expectRejected(bytes memory response, bytes memory err, IInferenceConsumer.RejectReason reason)
        internal
    {
        vm.expectEmit(true, true, false, true, address(insurance));
        emit InferenceRejected(s_sent.requestId, DAMAGE, reason);
        FunctionsResponse.FulfillResult code = _deliver(s_sent, response, err);
        assertEq(uint8(code), uint8(FunctionsResponse.FulfillResult.FULFILLED), "callback never reverts");
        assertEq(insurance.getPending(s_sent.requestId).modelId, bytes32(0), "settled");
        assertEq(uint8(insurance.getClaim(s_claimId).status), uint8(ClaimsInsurance.ClaimStatus.Rejected));
        assertEq(insurance.s_pool(), s_poolBefore, "pool unchanged");
        assertEq(HOLDER.balance, s_holderBefore, "nothing paid");
    }

    function test_AcceptsValidResult() public {
        InferenceResult.Data memory r = _result(3);
        vm.expectEmit(true, true, false, true, address(insurance));
        emit InferenceAccepted(s_sent.requestId, DAMAGE, 3, MODEL_HASH, 3);
        FunctionsResponse.FulfillResult code = _deliver(s_sent, InferenceResult.encode(r), "");
        assertEq(uint8(code), uint8(FunctionsResponse.FulfillResult.FULFILLED));
        uint256 payout = (uint256(COVERAGE) * 7_500) / 10_000;
        assertEq(HOLDER.balance - s_holderBefore, payout);
        assertEq(s_poolBefore - insurance.s_pool(), payout);
        assertEq(uint8(insurance.getClaim(s_claimId).status), uint8(ClaimsInsurance.ClaimStatus.Settled));
    }

    function test_AcceptsResultAtExactThreshold() public {
        InferenceResult.Data memory r = _result(1);
        r.agreed = THRESHOLD;
        _deliver(s_sent, InferenceResult.encode(r), "");
        assertEq(HOLDER.balance - s_holderBefore, uint256(COVERAGE) / 4);
    }

    function test_RejectsUnapprovedModel() public {
        InferenceResult.Data memory r = _result(4);
        r.modelHash = sha256("a model nobody approved");
        _expectRejected(InferenceResult.encode(r), "", IInferenceConsumer.RejectReason.ModelNotApproved);
    }

    function test_RejectsProposedButNotApprovedModel() public {
        bytes32 candidate = sha256("damage-v2 candidate");
        _proposeOnly(DAMAGE, candidate);
        InferenceResult.Data memory r = _result(4);
        r.modelHash = candidate;
        _expectRejected(InferenceResult.encode(r), "", IInferenceConsumer.RejectReason.ModelNotApproved);
    }

    function test_RejectsModelRevokedAfterRequest() public {
        vm.prank(SECOND_APPROVER);
        registry.proposeRevocation(DAMAGE, MODEL_HASH);
        vm.prank(APPROVER);
        registry.revoke(DAMAGE, MODEL_HASH);
        _expectRejected(InferenceResult.encode(_result(4)), "", IInferenceConsumer.RejectReason.ModelNotApproved);
    }

    function test_RejectsModelDeprecatedAfterRequest() public {
        vm.prank(SECOND_APPROVER);
        registry.proposeDeprecation(DAMAGE, MODEL_HASH);
        vm.prank(APPROVER);
        registry.deprecate(DAMAGE, MODEL_HASH);
        _expectRejected(InferenceResult.encode(_result(4)), "", IInferenceConsumer.RejectReason.ModelNotApproved);
    }

    function test_RejectsModelApprovedForAnotherModelId() public {
        InferenceResult.Data memory r = _result(4);
        r.modelHash = RISK_HASH;
        _expectRejected(InferenceResult.encode(r), "", IInferenceConsumer.RejectReason.ModelNotApproved);
    }

    function test_RejectsWrongInputHash() public {
        InferenceResult.Data memory r = _result(4);
        r.inputHash = sha256("another photo");
        _expectRejected(InferenceResult.encode(r), "", IInferenceConsumer.RejectReason.InputHashMismatch);
    }

    function test_RejectsDonError() public {
        _expectRejected("", bytes("only 1 of 3 adapters agreed"), IInferenceConsumer.RejectReason.OracleError);
    }

    function test_RejectsShortResult() public {
        bytes memory short = new bytes(160);
        _expectRejected(short, "", IInferenceConsumer.RejectReason.MalformedResult);
    }

    function test_RejectsEmptyResult() public {
        _expectRejected("", "", IInferenceConsumer.RejectReason.MalformedResult);
    }

    function test_RejectsMalformedFields() public {
        bytes memory bad = abi.encode(uint256(4), MODEL_HASH, PHOTO_SHA, uint256(2), uint256(3), block.timestamp);
        _expectRejected(bad, "", IInferenceConsumer.RejectReason.MalformedResult);
    }

    function test_RejectsAgreementBelowThreshold() public {
        InferenceResult.Data memory r = _result(4);
        r.agreed = THRESHOLD - 1;
        _expectRejected(InferenceResult.encode(r), "", IInferenceConsumer.RejectReason.InsufficientAgreement);
    }

    function test_RejectsStaleResult() public {
        InferenceResult.Data memory r = _result(4);
        vm.warp(block.timestamp + MAX_AGE + 1);
        _expectRejected(InferenceResult.encode(r), "", IInferenceConsumer.RejectReason.StaleResult);
    }

    function test_RejectsResultFromTheFuture() public {
        InferenceResult.Data memory r = _result(4);
        r.observedAt = uint64(block.timestamp + insurance.MAX_CLOCK_SKEW() + 1);
        _expectRejected(InferenceResult.encode(r), "", IInferenceConsumer.RejectReason.StaleResult);
    }

    function test_RejectsUnknownRequestId() public {
        bytes32 unknown = keccak256("never requested");
        vm.expectEmit(true, true, false, true, address(insurance));
        emit InferenceRejected(unknown, bytes32(0), IInferenceConsumer.RejectReason.UnknownRequest);
        vm.prank(address(fn.router));
        insurance.handleOracleFulfillment(unknown, InferenceResult.encode(_result(4)), "");
        assertEq(insurance.s_pool(), s_poolBefore);
        assertEq(uint8(insurance.getClaim(s_claimId).status), uint8(ClaimsInsurance.ClaimStatus.Pending));
    }

    function test_RejectsAlreadyFulfilledRequestId() public {
        _deliver(s_sent, InferenceResult.encode(_result(2)), "");
        uint256 pool = insurance.s_pool();
        uint256 balance = HOLDER.balance;
        vm.expectEmit(true, true, false, true, address(insurance));
        emit InferenceRejected(
            s_sent.requestId, bytes32(0), IInferenceConsumer.RejectReason.UnknownRequest
        );
        vm.prank(address(fn.router));
        insurance.handleOracleFulfillment(s_sent.requestId, InferenceResult.encode(_result(4)), "");
        assertEq(insurance.s_pool(), pool, "paid once");
        assertEq(HOLDER.balance, balance);
    }

    function testFuzz_ArbitraryResultBytesNeverPay(bytes calldata response) public {
        // Anything that is not a well-formed result for this request must pay nothing.
        vm.assume(response.length != InferenceResult.ENCODED_LENGTH);
        _deliver(s_sent, response, "");
        assertEq(insurance.s_pool(), s_poolBefore);
        assertEq(HOLDER.balance, s_holderBefore);
    }

    function testFuzz_WellFormedResultForOtherInputNeverPays(uint256 result, bytes32 modelHash, bytes32 inputHash)
        public
    {
        vm.assume(inputHash != PHOTO_SHA);
        bytes memory response = abi.encode(result, modelHash, inputHash, uint8(3), uint8(3), uint64(block.timestamp));
        _deliver(s_sent, response, "");
        assertEq(insurance.s_pool(), s_poolBefore);
        assertEq(HOLDER.balance, s_holderBefore);
    }
}

/// @notice Configuration of the consumer: owner only, with range checks.
contract ConsumerConfigTest is FunctionsDonTest {
    function test_RevertWhen_StrangerConfigures() public {
        vm.prank(HOLDER);
        vm.expectRevert("Only callable by owner");
        insurance.setAcceptancePolicy(address(registry), 1, 0, 60);
    }

    function test_RevertWhen_ThresholdIsZero() public {
        vm.expectRevert(InferenceConsumer.InvalidConfig.selector);
        insurance.setAcceptancePolicy(address(registry), 0, 0, 60);
    }

    function test_RevertWhen_CallbackGasAboveFunctionsLimit() public {
        vm.expectRevert(InferenceConsumer.InvalidConfig.selector);
        insurance.setRequestConfig(DON_ID, fn.subscriptionId, 300_001);
    }

    function test_RevertWhen_NoActiveVersion() public {
        vm.prank(SECOND_APPROVER);
        registry.proposeDeprecation(DAMAGE, MODEL_HASH);
        vm.prank(APPROVER);
        registry.deprecate(DAMAGE, MODEL_HASH);
        vm.startPrank(HOLDER);
        uint256 policyId = insurance.buyPolicy{value: insurance.premiumFor(COVERAGE)}(COVERAGE, TERM);
        vm.expectRevert(abi.encodeWithSelector(InferenceConsumer.NoActiveModelVersion.selector, DAMAGE));
        insurance.fileClaim(policyId, PHOTO_URI, PHOTO_SHA);
        vm.stopPrank();
    }

    function test_SetsDonHostedSecrets() public {
        insurance.setDonHostedSecrets(0, 1_700_000_000);
        (,,, bytes memory secrets) = insurance.getConfig();
        assertGt(secrets.length, 0);
        (, Sent memory sent) = _buyAndClaim();
        // The request ends with the secrets reference, exactly as FunctionsRequest encodes it.
        bytes memory tail = new bytes(secrets.length);
        for (uint256 i = 0; i < secrets.length; ++i) {
            tail[i] = sent.data[sent.data.length - secrets.length + i];
        }
        assertEq(tail, secrets);
    }
}
