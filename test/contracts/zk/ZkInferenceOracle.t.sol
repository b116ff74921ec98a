// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {Vm} from "forge-std/Vm.sol";
import {InferenceOracle} from "../../../contracts/oracles/InferenceOracle.sol";
import {ZkInferenceOracle} from "../../../contracts/oracles/ZkInferenceOracle.sol";
import {RiskPricing} from "../../../contracts/examples/RiskPricing.sol";
import {ZkInferenceProof} from "../../../contracts/zk/ZkInferenceProof.sol";
import {RiskV1ProofVector} from "./vectors/RiskV1ProofVector.sol";
import {RiskV1RequestVectors} from "./vectors/RiskV1RequestVectors.sol";
import {ZkOracleTestBase, ZkTestClient} from "./ZkOracleTestBase.sol";

/// @notice What a request may be: only a commitment, for a model version a proof can answer.
contract ZkOracleRequestTest is ZkOracleTestBase {
    function test_ARequestPutsOnlyTheCommitmentOnChain() public {
        vm.recordLogs();
        bytes32 requestId = _quote(COMMITMENT_A);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        bool found;
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].topics[0] == InferenceRequested.selector) {
                found = true;
                assertEq(logs[i].emitter, address(oracle));
                assertEq(logs[i].topics[1], requestId);
                (bytes32 modelHash, bytes32 inputHash, string memory input, uint8 threshold,) =
                    abi.decode(logs[i].data, (bytes32, bytes32, string, uint8, uint32));
                assertEq(modelHash, RISK_HASH);
                assertEq(inputHash, COMMITMENT_A);
                assertEq(bytes(input).length, 0, "no features on-chain");
                assertEq(threshold, 1);
            }
        }
        assertTrue(found, "InferenceRequested emitted");
        assertTrue(oracle.isPending(requestId));
        assertEq(pricing.getQuote(requestId).customer, CUSTOMER);
    }

    function test_RevertWhen_TheRequestCarriesFeatures() public {
        string memory features = '{"driver_age":23}';
        vm.expectRevert(abi.encodeWithSelector(InputNotAllowed.selector, bytes(features).length + 13));
        vm.prank(CUSTOMER);
        pricing.requestQuote(features, COMMITMENT_A);
    }

    function test_RevertWhen_TheInputHashIsNotAFieldElement() public {
        bytes32 sha = bytes32(oracle.SNARK_SCALAR_FIELD());
        vm.expectRevert(abi.encodeWithSelector(InputCommitmentOutOfField.selector, sha));
        _quote(sha);
    }

    function test_RevertWhen_TheActiveVersionHasNoCircuit() public {
        bytes32 plain = bytes32("plain-v1");
        bytes32 plainHash = sha256("plain-v1 model.onnx");
        _register(plain, plainHash, bytes32(0));
        ZkTestClient client = new ZkTestClient(address(oracle));
        oracle.setClient(address(client), true);
        vm.expectRevert(abi.encodeWithSelector(NoWeightsCommitment.selector, plain, plainHash));
        client.request(plain, "", COMMITMENT_A);
    }

    function test_RevertWhen_NoVerifierIsSetForTheCommitment() public {
        vm.expectEmit(true, true, false, true, address(oracle));
        emit VerifierSet(RISK, WEIGHTS, address(0));
        oracle.setVerifier(RISK, WEIGHTS, address(0));
        vm.expectRevert(abi.encodeWithSelector(VerifierNotSet.selector, RISK, WEIGHTS));
        _quote(COMMITMENT_A);
    }

    function test_RevertWhen_TheThresholdAsksForMoreThanOneProof() public {
        oracle.setAcceptancePolicy(address(registry), 2, 0, MAX_AGE);
        vm.expectRevert(abi.encodeWithSelector(ThresholdUnreachable.selector, 2));
        _quote(COMMITMENT_A);
    }

    function test_RevertWhen_ANonOwnerSetsAVerifier() public {
        vm.expectRevert("Only callable by owner");
        vm.prank(PROVER);
        oracle.setVerifier(RISK, OTHER_WEIGHTS, address(verifier));
    }

    function test_RevertWhen_TheVerifierIsNotAContract() public {
        vm.expectRevert(abi.encodeWithSelector(VerifierHasNoCode.selector, PROVER));
        oracle.setVerifier(RISK, WEIGHTS, PROVER);
    }

    function test_RevertWhen_TheWeightsCommitmentIsZero() public {
        vm.expectRevert(abi.encodeWithSelector(ZeroWeightsCommitment.selector, RISK));
        oracle.setVerifier(RISK, bytes32(0), address(verifier));
    }

    function test_TheDeployerSetsTheVerifierOfTheCircuit() public view {
        assertEq(oracle.verifierOf(RISK, WEIGHTS), address(verifier));
        assertEq(oracle.verifierOf(RISK, OTHER_WEIGHTS), address(0));
        assertEq(oracle.acceptancePolicy().threshold, 1);
    }
}

/// @notice A real proof prices a quote, whoever sends it.
contract ZkOracleAcceptTest is ZkOracleTestBase {
    function test_ARealProofPricesTheQuote() public {
        bytes32 requestId = _quote(COMMITMENT_A);
        uint256 premium = _premium(RiskV1ProofVector.RESULT);
        vm.expectEmit(true, true, false, true, address(oracle));
        emit InferenceProven(requestId, PROVER, WEIGHTS);
        vm.expectEmit(true, true, false, true, address(oracle));
        emit InferenceAccepted(requestId, RISK, RiskV1ProofVector.RESULT, RISK_HASH, 1);
        vm.expectEmit(true, false, false, true, address(pricing));
        emit QuotePriced(requestId, RiskV1ProofVector.RESULT, premium);
        _fulfil(requestId, COMMITMENT_A, _answerA());
        RiskPricing.Quote memory q = pricing.getQuote(requestId);
        assertEq(q.customer, CUSTOMER);
        assertEq(q.premium, premium);
        assertEq(q.pricedAt, block.timestamp);
        assertFalse(oracle.isPending(requestId));
        assertEq(oracle.undelivered(requestId), bytes32(0), "delivered, nothing kept");
    }

    function test_EachCustomerIsPricedByTheProofOfTheirOwnFeatures() public {
        bytes32 a = _quote(COMMITMENT_A);
        bytes32 b = _quote(COMMITMENT_B);
        _fulfil(b, COMMITMENT_B, _answerB());
        _fulfil(a, COMMITMENT_A, _answerA());
        assertEq(pricing.getQuote(a).premium, _premium(RiskV1ProofVector.RESULT));
        assertEq(pricing.getQuote(b).premium, _premium(RiskV1RequestVectors.RESULT_OTHER_FEATURES));
        assertLt(
            RiskV1RequestVectors.RESULT_OTHER_FEATURES, RiskV1ProofVector.RESULT, "the safer driver pays less"
        );
    }

    function test_AnotherProofOfTheSameStatementIsAccepted() public {
        bytes32 requestId = _quote(COMMITMENT_A);
        ZkAnswer memory answer = _answerA();
        answer.proof = RiskV1RequestVectors.PROOF_SAME_STATEMENT;
        assertTrue(keccak256(answer.proof) != keccak256(RiskV1ProofVector.PROOF), "other proof bytes");
        _fulfil(requestId, COMMITMENT_A, answer);
        assertEq(pricing.getQuote(requestId).premium, _premium(RiskV1ProofVector.RESULT));
    }

    /// A proof states a fact about the committed features, not about a request: a second request
    /// with the same commitment has the same true answer (a fresh salt per request avoids it).
    function test_TheSameStatementAnswersEveryRequestForItsCommitment() public {
        bytes32 first = _quote(COMMITMENT_A);
        bytes32 second = _quote(COMMITMENT_A);
        _fulfil(first, COMMITMENT_A, _answerA());
        _fulfil(second, COMMITMENT_A, _answerA());
        assertEq(pricing.getQuote(first).premium, pricing.getQuote(second).premium);
    }

    function test_FulfilmentGas() public {
        bytes32 requestId = _quote(COMMITMENT_A);
        address[] memory touched = new address[](5);
        touched[0] = address(oracle);
        touched[1] = address(registry);
        touched[2] = address(uint160(uint256(vm.load(address(registry), _implementationSlot()))));
        touched[3] = address(verifier);
        touched[4] = address(pricing);
        for (uint256 i = 0; i < touched.length; ++i) {
            vm.cool(touched[i]);
        }
        ZkAnswer memory answer = _answerA();
        InferenceOracle.Request memory request = _request(COMMITMENT_A);
        vm.prank(PROVER);
        oracle.fulfill(requestId, request, answer);
        uint256 used =
            vm.snapshotGasLastCall("ZkInferenceOracle", "fulfil: risk-v1 proof, RiskPricing priced");
        assertEq(pricing.getQuote(requestId).premium, _premium(RiskV1ProofVector.RESULT));
        assertLe(used, FULFIL_GAS_BOUND);
    }

    function test_RequestGas() public {
        address[] memory touched = new address[](3);
        touched[0] = address(oracle);
        touched[1] = address(registry);
        touched[2] = address(pricing);
        for (uint256 i = 0; i < touched.length; ++i) {
            vm.cool(touched[i]);
        }
        vm.prank(CUSTOMER);
        bytes32 requestId = pricing.requestQuoteByHash(COMMITMENT_A, "");
        vm.snapshotGasLastCall("ZkInferenceOracle", "request: RiskPricing.requestQuoteByHash");
        assertTrue(oracle.isPending(requestId));
    }

    function test_VerifyProofFitsTheGoal() public view {
        (uint256[2] memory a, uint256[2][2] memory b, uint256[2] memory c) = RiskV1ProofVector.proof();
        uint256 before = gasleft();
        bool ok = verifier.verifyProof(a, b, c, RiskV1ProofVector.publicSignals());
        assertTrue(ok);
        assertLe(before - gasleft(), VERIFY_GAS_GOAL);
    }

    /// ERC-1967's implementation slot.
    function _implementationSlot() internal pure returns (bytes32) {
        return bytes32(uint256(keccak256("eip1967.proxy.implementation")) - 1);
    }
}

/// @notice Every refused fulfilment reverts with its reason and leaves everything as it was: the
/// request pending, the quote unpriced, no money moved; the right proof still prices it afterwards.
contract ZkOracleRefusalTest is ZkOracleTestBase {
    uint96 internal constant FEE = 0.001 ether;
    bytes32 internal s_requestId;
    uint256 internal s_fees;

    function setUp() public virtual override {
        super.setUp();
        oracle.setRequestFee(FEE);
        vm.deal(CUSTOMER, 1 ether);
        vm.prank(CUSTOMER);
        s_requestId = pricing.requestQuoteByHash{value: FEE}(COMMITMENT_A, "");
        s_fees = FEE;
    }

    function _assertUntouchedThenPriced() internal {
        assertTrue(oracle.isPending(s_requestId), "request still pending");
        assertEq(pricing.getQuote(s_requestId).premium, 0, "quote not priced");
        assertEq(address(oracle).balance, s_fees, "fees unchanged");
        assertEq(PROVER.balance, 0, "nothing paid to the prover");
        _fulfil(s_requestId, COMMITMENT_A, _answerA());
        assertEq(
            pricing.getQuote(s_requestId).premium,
            _premium(RiskV1ProofVector.RESULT),
            "the right proof prices"
        );
    }

    function _expectRefusal(ZkAnswer memory answer, bytes memory reason) internal {
        vm.expectRevert(reason);
        _fulfil(s_requestId, COMMITMENT_A, answer);
        _assertUntouchedThenPriced();
    }

    function _invalid() internal view returns (bytes memory) {
        return abi.encodeWithSelector(InvalidProof.selector, s_requestId);
    }

    function test_RevertWhen_TheProofIsTampered() public {
        ZkAnswer memory answer = _answerA();
        answer.proof[255] ^= 0x01; // c[1]: C leaves the curve
        _expectRefusal(answer, _invalid());
    }

    function test_RevertWhen_AProofPointIsNegated() public {
        ZkAnswer memory answer = _answerA();
        (uint256[2] memory a, uint256[2][2] memory b, uint256[2] memory c) = RiskV1ProofVector.proof();
        a[1] = 21888242871839275222246405745257275088696311157297823662689037894645226208583 - a[1];
        answer.proof = abi.encode(a, b, c); // -A is on the curve: well formed, wrong
        _expectRefusal(answer, _invalid());
    }

    function test_RevertWhen_TheProofClaimsAnotherResult() public {
        ZkAnswer memory answer = _answerA();
        answer.result = 100; // a cheaper premium than the features give
        _expectRefusal(answer, _invalid());
    }

    function test_RevertWhen_TheProofIsForOtherInputs() public {
        _expectRefusal(
            _answerB(),
            abi.encodeWithSelector(InputCommitmentMismatch.selector, s_requestId, COMMITMENT_A, COMMITMENT_B)
        );
    }

    function test_RevertWhen_AProofOfOtherInputsClaimsTheRequestedCommitment() public {
        ZkAnswer memory answer = _answerB();
        answer.inputCommitment = COMMITMENT_A;
        _expectRefusal(answer, _invalid());
    }

    function test_RevertWhen_TheProofNamesAnotherModelsWeights() public {
        ZkAnswer memory answer = _answerA();
        answer.weightsCommitment = OTHER_WEIGHTS;
        _expectRefusal(
            answer,
            abi.encodeWithSelector(
                WeightsCommitmentNotApproved.selector, RISK, RISK_HASH, OTHER_WEIGHTS, WEIGHTS
            )
        );
    }

    /// A second version approved with other weights, and (a mistake) the risk-v1 verifier mapped to
    /// its commitment: the circuit fixes its own weights commitment, so its proofs still fail.
    function test_RevertWhen_AVerifierIsMappedToAnotherModelsCommitment() public {
        bytes32 otherHash = sha256("risk-v1 retrained model.onnx");
        _register(RISK, otherHash, OTHER_WEIGHTS);
        oracle.setVerifier(RISK, OTHER_WEIGHTS, address(verifier));
        ZkAnswer memory answer = _answerA();
        answer.modelHash = otherHash;
        answer.weightsCommitment = OTHER_WEIGHTS;
        _expectRefusal(answer, _invalid());
    }

    function test_RevertWhen_TheModelVersionIsOnlyProposed() public {
        bytes32 proposed = sha256("risk-v1 proposed model.onnx");
        _propose(RISK, proposed, WEIGHTS);
        ZkAnswer memory answer = _answerA();
        answer.modelHash = proposed;
        _expectRefusal(
            answer,
            abi.encodeWithSelector(WeightsCommitmentNotApproved.selector, RISK, proposed, WEIGHTS, bytes32(0))
        );
    }

    function test_RevertWhen_TheVersionWasRevokedAfterTheRequest() public {
        bytes32 replacement = sha256("risk-v1 replacement model.onnx");
        _register(RISK, replacement, OTHER_WEIGHTS);
        vm.prank(APPROVER);
        registry.revoke(RISK, RISK_HASH); // no longer the active version: one approver suffices
        vm.expectRevert(
            abi.encodeWithSelector(
                WeightsCommitmentNotApproved.selector, RISK, RISK_HASH, WEIGHTS, bytes32(0)
            )
        );
        _fulfil(s_requestId, COMMITMENT_A, _answerA());
        assertTrue(oracle.isPending(s_requestId));
        assertEq(pricing.getQuote(s_requestId).premium, 0);
    }

    function test_RevertWhen_TheVerifierWasRemoved() public {
        oracle.setVerifier(RISK, WEIGHTS, address(0));
        vm.expectRevert(abi.encodeWithSelector(VerifierNotSet.selector, RISK, WEIGHTS));
        _fulfil(s_requestId, COMMITMENT_A, _answerA());
        oracle.setVerifier(RISK, WEIGHTS, address(verifier));
        _assertUntouchedThenPriced();
    }

    function test_RevertWhen_TheProofIsReplayedForTheFinishedRequest() public {
        _fulfil(s_requestId, COMMITMENT_A, _answerA());
        uint256 premium = pricing.getQuote(s_requestId).premium;
        vm.expectRevert(abi.encodeWithSelector(RequestNotPending.selector, s_requestId));
        _fulfil(s_requestId, COMMITMENT_A, _answerA());
        ZkAnswer memory again = _answerA();
        again.proof = RiskV1RequestVectors.PROOF_SAME_STATEMENT; // another proof of the same statement
        vm.expectRevert(abi.encodeWithSelector(RequestNotPending.selector, s_requestId));
        _fulfil(s_requestId, COMMITMENT_A, again);
        assertEq(pricing.getQuote(s_requestId).premium, premium, "priced once");
    }

    function test_RevertWhen_TheProofIsReplayedForAnotherRequest() public {
        vm.prank(CUSTOMER);
        bytes32 other = pricing.requestQuoteByHash{value: FEE}(COMMITMENT_B, "");
        s_fees += FEE;
        vm.expectRevert(
            abi.encodeWithSelector(InputCommitmentMismatch.selector, other, COMMITMENT_B, COMMITMENT_A)
        );
        _fulfil(other, COMMITMENT_B, _answerA());
        ZkAnswer memory relabelled = _answerA();
        relabelled.inputCommitment = COMMITMENT_B;
        vm.expectRevert(abi.encodeWithSelector(InvalidProof.selector, other));
        _fulfil(other, COMMITMENT_B, relabelled);
        assertTrue(oracle.isPending(other));
        assertEq(pricing.getQuote(other).premium, 0);
        _assertUntouchedThenPriced();
    }

    function test_RevertWhen_TheRequestFieldsAreNotTheRequests() public {
        InferenceOracle.Request memory request = _request(COMMITMENT_A);
        request.client = PROVER;
        vm.expectRevert(abi.encodeWithSelector(RequestNotPending.selector, s_requestId));
        vm.prank(PROVER);
        oracle.fulfill(s_requestId, request, _answerA());
        bytes32 neverSent = keccak256("never sent");
        vm.expectRevert(abi.encodeWithSelector(RequestNotPending.selector, neverSent));
        _fulfil(neverSent, COMMITMENT_A, _answerA());
        _assertUntouchedThenPriced();
    }

    function test_RevertWhen_TheProofHasTheWrongLength() public {
        ZkAnswer memory answer = _answerA();
        answer.proof = abi.encodePacked(RiskV1ProofVector.PROOF, bytes1(0));
        _expectRefusal(answer, abi.encodeWithSelector(ZkInferenceProof.ProofLengthInvalid.selector, 257));
    }

    function test_RevertWhen_TooLittleGasIsLeftForTheCallback() public {
        uint256 required = oracle.fulfilmentGas();
        InferenceOracle.Request memory request = _request(COMMITMENT_A);
        ZkAnswer memory answer = _answerA();
        vm.prank(PROVER);
        vm.expectPartialRevert(InsufficientGas.selector);
        oracle.fulfill{gas: required}(s_requestId, request, answer); // less is left at the check
        _assertUntouchedThenPriced();
    }
}

/// @notice The proof decoder and verifier path under arbitrary proofs, results and gas.
contract ZkOracleFuzzTest is ZkOracleTestBase {
    /// What `fulfill` spends before its gas check (calldata, the pending slot, a registry call).
    uint256 internal constant ENTRY_GAS = 40_000;
    bytes32 internal s_requestId;

    function setUp() public virtual override {
        super.setUp();
        s_requestId = _quote(COMMITMENT_A);
    }

    /// forge-config: default.fuzz.runs = 64
    function testFuzz_ArbitraryProofWordsAreRefused(uint256[8] memory words) public {
        ZkAnswer memory answer = _answerA();
        answer.proof = abi.encode(words);
        vm.expectRevert(abi.encodeWithSelector(InvalidProof.selector, s_requestId));
        _fulfil(s_requestId, COMMITMENT_A, answer);
        assertTrue(oracle.isPending(s_requestId));
    }

    /// forge-config: default.fuzz.runs = 64
    function testFuzz_AnyFlippedProofBitIsRefused(uint256 bit) public {
        bit = bound(bit, 0, 256 * 8 - 1);
        ZkAnswer memory answer = _answerA();
        answer.proof[bit / 8] ^= bytes1(uint8(1) << uint8(bit % 8));
        vm.expectRevert(abi.encodeWithSelector(InvalidProof.selector, s_requestId));
        _fulfil(s_requestId, COMMITMENT_A, answer);
        assertTrue(oracle.isPending(s_requestId));
    }

    /// forge-config: default.fuzz.runs = 64
    function testFuzz_AnyOtherResultIsRefused(uint256 result) public {
        vm.assume(result != RiskV1ProofVector.RESULT);
        ZkAnswer memory answer = _answerA();
        answer.result = result;
        vm.expectRevert(abi.encodeWithSelector(InvalidProof.selector, s_requestId));
        _fulfil(s_requestId, COMMITMENT_A, answer);
    }

    function testFuzz_AnyOtherLengthIsRefused(bytes memory proof) public {
        vm.assume(proof.length != ZkInferenceProof.PROOF_LENGTH);
        ZkAnswer memory answer = _answerA();
        answer.proof = proof;
        vm.expectRevert(abi.encodeWithSelector(ZkInferenceProof.ProofLengthInvalid.selector, proof.length));
        _fulfil(s_requestId, COMMITMENT_A, answer);
    }

    function test_FulfilmentGasSufficesForTheWholeCallback() public {
        uint256 gasLimit = oracle.fulfilmentGas() + ENTRY_GAS;
        bytes memory call =
            abi.encodeCall(ZkInferenceOracle.fulfill, (s_requestId, _request(COMMITMENT_A), _answerA()));
        vm.prank(PROVER);
        (bool ok,) = address(oracle).call{gas: gasLimit}(call);
        assertTrue(ok);
        assertEq(pricing.getQuote(s_requestId).premium, _premium(RiskV1ProofVector.RESULT));
        assertEq(oracle.undelivered(s_requestId), bytes32(0), "the callback ran to its end");
    }

    /// Whatever gas a prover sends, a valid proof either fails whole (request still pending) or
    /// prices the quote: it never settles the request while starving the client's callback.
    /// forge-config: default.fuzz.runs = 64
    function testFuzz_TheCallbackIsNeverStarved(uint256 gasLimit) public {
        gasLimit = bound(gasLimit, 50_000, 1_200_000);
        bytes memory call =
            abi.encodeCall(ZkInferenceOracle.fulfill, (s_requestId, _request(COMMITMENT_A), _answerA()));
        vm.prank(PROVER);
        (bool ok,) = address(oracle).call{gas: gasLimit}(call);
        if (ok) {
            assertFalse(oracle.isPending(s_requestId));
            assertEq(pricing.getQuote(s_requestId).premium, _premium(RiskV1ProofVector.RESULT));
            assertEq(oracle.undelivered(s_requestId), bytes32(0));
        } else {
            assertTrue(oracle.isPending(s_requestId));
            assertEq(pricing.getQuote(s_requestId).premium, 0);
        }
    }
}
