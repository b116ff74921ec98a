// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {InferenceClient} from "../../contracts/InferenceClient.sol";
import {IInferenceOracle, IInferenceOracleEvents} from "../../contracts/interfaces/IInferenceOracle.sol";
import {InferenceOracle} from "../../contracts/oracles/InferenceOracle.sol";
import {ClaimsInsurance} from "../../contracts/examples/ClaimsInsurance.sol";
import {InferenceResult} from "../../contracts/libraries/InferenceResult.sol";
import {InferenceTestBase} from "./helpers/InferenceTestBase.sol";
import {FunctionsDonTest} from "./helpers/FunctionsDonTest.sol";
import {CreDonTest} from "./helpers/CreDonTest.sol";
import {PendingClaimTest} from "./helpers/PendingClaimTest.sol";

/// @notice The acceptance matrix, written once against `InferenceTestBase` and run through each
/// transport's full path (Functions: DON-signed OCR report through the real Coordinator and Router;
/// CRE: DON-signed report through the real KeystoneForwarder): every answer but the valid one is
/// rejected with its reason, settles the request, and pays nothing.
abstract contract AcceptanceMatrix is PendingClaimTest {
    function _expectRejected(bytes memory response, RejectReason reason) internal {
        vm.expectEmit(true, true, false, true, address(oracle));
        emit InferenceRejected(s_requestId, DAMAGE, reason);
        vm.expectEmit(true, false, false, true, address(insurance));
        emit ClaimRejected(s_claimId, reason);
        _answer(s_requestId, response);
        assertFalse(oracle.isPending(s_requestId), "settled");
        assertEq(uint8(insurance.getClaim(s_claimId).status), uint8(ClaimsInsurance.ClaimStatus.Rejected));
        assertEq(insurance.pool(), s_poolBefore, "pool unchanged");
        assertEq(HOLDER.balance, s_holderBefore, "nothing paid");
    }

    function test_AcceptsValidResult() public {
        vm.expectEmit(true, true, false, true, address(oracle));
        emit InferenceAccepted(s_requestId, DAMAGE, MODERATE, MODEL_HASH, 3);
        _answer(s_requestId, InferenceResult.encode(_result(MODERATE)));
        uint256 payout = (uint256(COVERAGE) * 6_000) / 10_000;
        assertEq(HOLDER.balance - s_holderBefore, payout);
        assertEq(s_poolBefore - insurance.pool(), payout);
        assertEq(uint8(insurance.getClaim(s_claimId).status), uint8(ClaimsInsurance.ClaimStatus.Settled));
        assertFalse(oracle.isPending(s_requestId));
    }

    function test_AcceptsResultAtExactThreshold() public {
        InferenceResult.Data memory r = _result(1);
        r.responded = THRESHOLD + 1;
        r.agreed = THRESHOLD;
        _answer(s_requestId, InferenceResult.encode(r));
        assertEq(HOLDER.balance - s_holderBefore, uint256(COVERAGE) / 4);
    }

    function test_RejectsUnapprovedModel() public {
        InferenceResult.Data memory r = _result(SEVERE);
        r.modelHash = sha256("a model nobody approved");
        _expectRejected(InferenceResult.encode(r), RejectReason.ModelNotApproved);
    }

    function test_RejectsProposedButNotApprovedModel() public {
        bytes32 candidate = sha256("damage-v2 candidate");
        _proposeOnly(DAMAGE, candidate);
        InferenceResult.Data memory r = _result(SEVERE);
        r.modelHash = candidate;
        _expectRejected(InferenceResult.encode(r), RejectReason.ModelNotApproved);
    }

    function test_RejectsModelRevokedAfterRequest() public {
        _retireDamageModel(true);
        _expectRejected(InferenceResult.encode(_result(SEVERE)), RejectReason.ModelNotApproved);
    }

    function test_RejectsModelDeprecatedAfterRequest() public {
        _retireDamageModel(false);
        _expectRejected(InferenceResult.encode(_result(SEVERE)), RejectReason.ModelNotApproved);
    }

    function test_RejectsModelApprovedForAnotherModelId() public {
        InferenceResult.Data memory r = _result(SEVERE);
        r.modelHash = RISK_HASH;
        _expectRejected(InferenceResult.encode(r), RejectReason.ModelNotApproved);
    }

    function test_RejectsWrongInputHash() public {
        InferenceResult.Data memory r = _result(SEVERE);
        r.inputHash = sha256("another photo");
        _expectRejected(InferenceResult.encode(r), RejectReason.InputHashMismatch);
    }

    /// A result of the wrong length: rejected and paying nothing on every transport; it settles the
    /// request where the transport can attribute it (Functions) and leaves it pending where it
    /// cannot (CRE: the whole payload has the wrong length).
    function _expectMalformedLength(bytes memory response) internal {
        if (_wrongLengthSettles()) {
            _expectRejected(response, RejectReason.MalformedResult);
            return;
        }
        vm.expectEmit(true, true, false, true, address(oracle));
        emit ReportRejected(s_requestId, _transportCaller(), RejectReason.MalformedResult);
        _answer(s_requestId, response);
        assertTrue(oracle.isPending(s_requestId), "still pending");
        assertEq(uint8(insurance.getClaim(s_claimId).status), uint8(ClaimsInsurance.ClaimStatus.Pending));
        assertEq(insurance.pool(), s_poolBefore, "pool unchanged");
        assertEq(HOLDER.balance, s_holderBefore, "nothing paid");
    }

    function test_RejectsShortResult() public {
        _expectMalformedLength(new bytes(160));
    }

    function test_RejectsEmptyResult() public {
        _expectMalformedLength("");
    }

    function test_RejectsLongResult() public {
        _expectMalformedLength(abi.encodePacked(InferenceResult.encode(_result(SEVERE)), uint256(0)));
    }

    function test_RejectsMalformedFields() public {
        // More adapters agreed than responded.
        bytes memory bad =
            abi.encode(uint256(4), MODEL_HASH, PHOTO_SHA, uint256(2), uint256(3), block.timestamp);
        _expectRejected(bad, RejectReason.MalformedResult);
    }

    function test_RejectsAgreementBelowThreshold() public {
        InferenceResult.Data memory r = _result(SEVERE);
        r.agreed = THRESHOLD - 1;
        r.responded = THRESHOLD - 1;
        _expectRejected(InferenceResult.encode(r), RejectReason.InsufficientAgreement);
    }

    function test_RejectsAgreementThatIsNoStrictMajority() public {
        // Two of four valid answers agree: at the threshold, but not a majority of those answering.
        InferenceResult.Data memory r = _result(SEVERE);
        r.responded = 4;
        r.agreed = THRESHOLD;
        _expectRejected(InferenceResult.encode(r), RejectReason.InsufficientAgreement);
    }

    function test_RejectsStaleResult() public {
        InferenceResult.Data memory r = _result(SEVERE);
        vm.warp(block.timestamp + MAX_AGE + 1);
        _expectRejected(InferenceResult.encode(r), RejectReason.StaleResult);
    }

    function test_RejectsResultFromTheFuture() public {
        InferenceResult.Data memory r = _result(SEVERE);
        r.observedAt = uint64(block.timestamp + oracle.MAX_CLOCK_SKEW() + 1);
        _expectRejected(InferenceResult.encode(r), RejectReason.StaleResult);
    }

    function test_UnknownRequestIdChangesNothing() public {
        bytes32 unknown = keccak256("never requested");
        vm.expectEmit(true, true, false, true, address(oracle));
        emit ReportRejected(unknown, _transportCaller(), RejectReason.UnknownRequest);
        _answerDirectly(unknown, InferenceResult.encode(_result(SEVERE)));
        assertEq(insurance.pool(), s_poolBefore);
        assertTrue(oracle.isPending(s_requestId), "the real request still waits");
        assertEq(uint8(insurance.getClaim(s_claimId).status), uint8(ClaimsInsurance.ClaimStatus.Pending));
    }

    function test_AnswerToAFinishedRequestChangesNothing() public {
        _answer(s_requestId, InferenceResult.encode(_result(2)));
        uint256 pool = insurance.pool();
        uint256 balance = HOLDER.balance;
        vm.expectEmit(true, true, false, true, address(oracle));
        emit ReportRejected(s_requestId, _transportCaller(), RejectReason.UnknownRequest);
        _answerDirectly(s_requestId, InferenceResult.encode(_result(SEVERE)));
        assertEq(insurance.pool(), pool, "paid once");
        assertEq(HOLDER.balance, balance);
    }

    function testFuzz_ArbitraryResultBytesNeverPay(bytes calldata response) public {
        // Anything that is not a well-formed result for this request must pay nothing.
        vm.assume(response.length != InferenceResult.ENCODED_LENGTH);
        _answer(s_requestId, response);
        assertEq(insurance.pool(), s_poolBefore);
        assertEq(HOLDER.balance, s_holderBefore);
        assertEq(oracle.isPending(s_requestId), !_wrongLengthSettles());
    }

    function testFuzz_WellFormedResultForOtherInputNeverPays(
        uint256 result,
        bytes32 modelHash,
        bytes32 inputHash
    ) public {
        vm.assume(inputHash != PHOTO_SHA);
        bytes memory response =
            abi.encode(result, modelHash, inputHash, uint8(3), uint8(3), uint64(block.timestamp));
        _answer(s_requestId, response);
        assertEq(insurance.pool(), s_poolBefore);
        assertEq(HOLDER.balance, s_holderBefore);
    }
}

contract FunctionsAcceptanceMatrixTest is FunctionsDonTest, AcceptanceMatrix {
    function setUp() public override(InferenceTestBase, PendingClaimTest) {
        PendingClaimTest.setUp();
    }
}

contract CreAcceptanceMatrixTest is CreDonTest, AcceptanceMatrix {
    function setUp() public override(InferenceTestBase, PendingClaimTest) {
        PendingClaimTest.setUp();
    }
}

/// @dev A client whose callbacks revert while `s_broken` is set, and burn gas while `s_greedy` is.
contract FlakyClient is InferenceClient {
    bool public s_broken;
    bool public s_greedy;
    uint256 public s_accepted;
    uint256 public s_rejected;
    InferenceResult.Data internal s_last;

    error ClientBroken();

    constructor(address oracleAddress) InferenceClient(oracleAddress) {}

    function setBroken(bool broken) external {
        s_broken = broken;
    }

    function setGreedy(bool greedy) external {
        s_greedy = greedy;
    }

    function request(bytes32 modelId, string calldata input, bytes32 inputHash)
        external
        payable
        returns (bytes32)
    {
        return _requestInference(modelId, input, inputHash);
    }

    function last() external view returns (InferenceResult.Data memory) {
        return s_last;
    }

    function _onInference(bytes32, bytes32, InferenceResult.Data memory result) internal override {
        _misbehave();
        s_accepted += 1;
        s_last = result;
    }

    function _onInferenceRejected(bytes32, bytes32, IInferenceOracleEvents.RejectReason) internal override {
        _misbehave();
        s_rejected += 1;
    }

    function _misbehave() internal view {
        if (s_broken) {
            revert ClientBroken();
        }
        if (s_greedy) {
            while (gasleft() > 1_000) {}
            revert ClientBroken();
        }
    }
}

/// @notice What every oracle does besides checking answers: allowed clients, the request fee and
/// its withdrawal, configuration, and the client callback under try/catch with kept outcomes.
/// Run on both transports.
abstract contract OracleBehaviour is InferenceTestBase {
    FlakyClient internal s_client;
    string internal constant INPUT = '{"image":{"url":"ipfs://photo"}}';

    function setUp() public virtual override {
        super.setUp();
        s_client = new FlakyClient(address(oracle));
        oracle.setClient(address(s_client), true);
        vm.deal(address(this), 10 ether);
    }

    function _clientRequest() internal returns (bytes32 requestId) {
        vm.recordLogs();
        requestId = s_client.request{value: oracle.requestFee()}(DAMAGE, INPUT, PHOTO_SHA);
        _noteRequest(requestId, vm.getRecordedLogs());
        return requestId;
    }

    function test_EmitsTheRequestEventTheWorkflowReads() public {
        vm.recordLogs();
        bytes32 requestId = s_client.request(DAMAGE, INPUT, PHOTO_SHA);
        (bytes32 id, bytes32 modelId, address client, bytes32 inputHash) =
            _requestedEvent(vm.getRecordedLogs());
        assertEq(id, requestId);
        assertEq(modelId, DAMAGE);
        assertEq(client, address(s_client));
        assertEq(inputHash, PHOTO_SHA);
        assertTrue(oracle.isPending(requestId));
        assertEq(oracle.requestCount(), 1);
    }

    function test_RevertWhen_ClientIsNotAllowed() public {
        FlakyClient stranger = new FlakyClient(address(oracle));
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.ClientNotAllowed.selector, address(stranger)));
        stranger.request(DAMAGE, INPUT, PHOTO_SHA);
    }

    function test_RevertWhen_ClientWasDisallowed() public {
        oracle.setClient(address(s_client), false);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.ClientNotAllowed.selector, address(s_client)));
        s_client.request(DAMAGE, INPUT, PHOTO_SHA);
    }

    function test_RevertWhen_AnyoneCallsTheOracleDirectly() public {
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.ClientNotAllowed.selector, HOLDER));
        vm.prank(HOLDER);
        oracle.requestInference(DAMAGE, INPUT, PHOTO_SHA);
    }

    function test_RevertWhen_FeeIsWrong() public {
        oracle.setRequestFee(0.01 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracle.WrongRequestFee.selector, 0.01 ether, 0.005 ether)
        );
        s_client.request{value: 0.005 ether}(DAMAGE, INPUT, PHOTO_SHA);
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracle.WrongRequestFee.selector, 0.01 ether, 0.02 ether)
        );
        s_client.request{value: 0.02 ether}(DAMAGE, INPUT, PHOTO_SHA);
    }

    function test_CallerPaysTheFeeAndOwnerWithdrawsIt() public {
        oracle.setRequestFee(0.01 ether);
        vm.prank(HOLDER);
        s_client.request{value: 0.01 ether}(DAMAGE, INPUT, PHOTO_SHA);
        assertEq(address(oracle).balance, 0.01 ether);
        address payable treasury = payable(makeAddr("treasury"));
        vm.expectEmit(true, false, false, true, address(oracle));
        emit FeesWithdrawn(treasury, 0.01 ether);
        oracle.withdrawFees(treasury, 0.01 ether);
        assertEq(treasury.balance, 0.01 ether);
        assertEq(address(oracle).balance, 0);
    }

    function test_ClaimantPaysTheFeeThroughTheDapp() public {
        oracle.setRequestFee(0.01 ether);
        assertEq(insurance.requestFee(), 0.01 ether);
        vm.startPrank(HOLDER);
        uint256 policyId = insurance.buyPolicy{value: insurance.premiumFor(COVERAGE)}(COVERAGE, TERM);
        uint256 pool = insurance.pool();
        insurance.fileClaim{value: 0.01 ether}(policyId, PHOTO_URI, PHOTO_SHA);
        vm.stopPrank();
        assertEq(address(oracle).balance, 0.01 ether, "the fee went to the oracle");
        assertEq(insurance.pool(), pool, "not into the pool");
    }

    function test_RevertWhen_WithdrawingMoreThanCollected() public {
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InsufficientFees.selector, 0, 1));
        oracle.withdrawFees(payable(HOLDER), 1);
    }

    function test_RevertWhen_StrangerWithdrawsFeesOrConfigures() public {
        vm.startPrank(HOLDER);
        vm.expectRevert("Only callable by owner");
        oracle.withdrawFees(payable(HOLDER), 0);
        vm.expectRevert("Only callable by owner");
        oracle.setRequestFee(0);
        vm.expectRevert("Only callable by owner");
        oracle.setClient(HOLDER, true);
        vm.expectRevert("Only callable by owner");
        oracle.setAcceptancePolicy(address(registry), 1, 0, 60);
        vm.expectRevert("Only callable by owner");
        oracle.setCallbackGasLimit(100_000);
        vm.stopPrank();
    }

    function test_RevertWhen_PolicyIsInvalid() public {
        vm.expectRevert(IInferenceOracle.ZeroRegistry.selector);
        oracle.setAcceptancePolicy(address(0), 1, 0, 60);
        vm.expectRevert(IInferenceOracle.ZeroThreshold.selector);
        oracle.setAcceptancePolicy(address(registry), 0, 0, 60);
        vm.expectRevert(IInferenceOracle.ZeroMaxResultAge.selector);
        oracle.setAcceptancePolicy(address(registry), 1, 0, 0);
        uint32 max = oracle.MAX_CALLBACK_GAS_LIMIT();
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.InvalidCallbackGasLimit.selector, 0, max));
        oracle.setCallbackGasLimit(0);
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceOracle.InvalidCallbackGasLimit.selector, max + 1, max)
        );
        oracle.setCallbackGasLimit(max + 1);
        vm.expectRevert(IInferenceOracle.ZeroClient.selector);
        oracle.setClient(address(0), true);
    }

    function test_RevertWhen_ModelHasNoActiveVersion() public {
        _retireDamageModel(false);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.NoActiveModelVersion.selector, DAMAGE));
        s_client.request(DAMAGE, INPUT, PHOTO_SHA);
    }

    function test_RevertWhen_CallbackIsNotFromTheOracle() public {
        vm.expectRevert(abi.encodeWithSelector(InferenceClient.CallerIsNotOracle.selector, address(this)));
        s_client.onInferenceAccepted(bytes32(uint256(1)), DAMAGE, _result(1));
        vm.expectRevert(abi.encodeWithSelector(InferenceClient.CallerIsNotOracle.selector, address(this)));
        s_client.onInferenceRejected(bytes32(uint256(1)), DAMAGE, RejectReason.OracleError);
    }

    function test_RevertingClientNeverBlocksTheTransportAndItsResultIsKept() public {
        bytes32 requestId = _clientRequest();
        s_client.setBroken(true);
        InferenceResult.Data memory r = _result(2);
        vm.expectEmit(true, true, true, true, address(oracle));
        emit DeliveryFailed(requestId, address(s_client), DAMAGE, RejectReason.None, r);
        _answer(requestId, InferenceResult.encode(r));
        assertFalse(oracle.isPending(requestId), "settled all the same");
        assertTrue(oracle.undelivered(requestId) != bytes32(0), "kept");
        assertEq(s_client.s_accepted(), 0);

        // Still broken: redelivery reverts and keeps the outcome.
        vm.expectRevert(FlakyClient.ClientBroken.selector);
        oracle.redeliver(requestId, address(s_client), DAMAGE, RejectReason.None, r);
        assertTrue(oracle.undelivered(requestId) != bytes32(0));

        s_client.setBroken(false);
        vm.expectEmit(true, true, false, true, address(oracle));
        emit Redelivered(requestId, address(s_client));
        vm.prank(makeAddr("anyone"));
        oracle.redeliver(requestId, address(s_client), DAMAGE, RejectReason.None, r);
        assertEq(s_client.s_accepted(), 1);
        assertEq(s_client.last().result, 2);
        assertEq(oracle.undelivered(requestId), bytes32(0));

        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.NothingToRedeliver.selector, requestId));
        oracle.redeliver(requestId, address(s_client), DAMAGE, RejectReason.None, r);
    }

    function test_ClientThatBurnsAllItsGasIsCutOffAndKept() public {
        bytes32 requestId = _clientRequest();
        s_client.setGreedy(true);
        _answer(requestId, InferenceResult.encode(_result(3)));
        assertTrue(oracle.undelivered(requestId) != bytes32(0));
        s_client.setGreedy(false);
        oracle.redeliver(requestId, address(s_client), DAMAGE, RejectReason.None, _result(3));
        assertEq(s_client.s_accepted(), 1);
    }

    function test_FailedRejectionCallbackIsKeptToo() public {
        bytes32 requestId = _clientRequest();
        s_client.setBroken(true);
        InferenceResult.Data memory r = _result(3);
        r.inputHash = sha256("other");
        _answer(requestId, InferenceResult.encode(r));
        InferenceResult.Data memory none;
        s_client.setBroken(false);
        oracle.redeliver(requestId, address(s_client), DAMAGE, RejectReason.InputHashMismatch, none);
        assertEq(s_client.s_rejected(), 1);
    }

    function test_RevertWhen_RedeliveringOtherFields() public {
        bytes32 requestId = _clientRequest();
        s_client.setBroken(true);
        _answer(requestId, InferenceResult.encode(_result(1)));
        s_client.setBroken(false);
        // A forged outcome (a higher severity) is not the kept one.
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.NothingToRedeliver.selector, requestId));
        oracle.redeliver(requestId, address(s_client), DAMAGE, RejectReason.None, _result(SEVERE));
    }

    function test_RevertWhen_RedeliveryGetsLessGasThanTheCallback() public {
        bytes32 requestId = _clientRequest();
        s_client.setBroken(true);
        _answer(requestId, InferenceResult.encode(_result(1)));
        s_client.setBroken(false);
        (bool ok,) = address(oracle).call{gas: CALLBACK_GAS / 2}(
            abi.encodeCall(
                IInferenceOracle.redeliver,
                (requestId, address(s_client), DAMAGE, RejectReason.None, _result(1))
            )
        );
        assertFalse(ok);
        assertTrue(oracle.undelivered(requestId) != bytes32(0), "still kept");
    }
}

contract FunctionsOracleBehaviourTest is FunctionsDonTest, OracleBehaviour {
    function setUp() public override(InferenceTestBase, OracleBehaviour) {
        OracleBehaviour.setUp();
    }
}

contract CreOracleBehaviourTest is CreDonTest, OracleBehaviour {
    function setUp() public override(InferenceTestBase, OracleBehaviour) {
        OracleBehaviour.setUp();
    }
}
