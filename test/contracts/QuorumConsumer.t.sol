// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {Test, Vm} from "forge-std/Test.sol";
import {console2} from "forge-std/console2.sol";

import {Operator} from "@chainlink/contracts/src/v0.8/operatorforwarder/Operator.sol";
import {LinkToken} from "@chainlink/contracts/src/v0.8/shared/token/ERC677/LinkToken.sol";

import {QuorumConsumer} from "../../contracts/QuorumConsumer.sol";
import {QuorumClaimsExample} from "../../contracts/examples/QuorumClaimsExample.sol";
import {IQuorumConsumerEvents} from "../../contracts/interfaces/IQuorumConsumer.sol";
import {IQuorumClaimsExampleEvents} from "../../contracts/interfaces/IQuorumClaimsExample.sol";
import {IModelRegistry} from "../../contracts/interfaces/IModelRegistry.sol";
import {InferenceResult} from "../../contracts/libraries/InferenceResult.sol";
import {ModelRegistry} from "../../contracts/ModelRegistry.sol";
import {OnnxOracleDeployer} from "../../script/deploy/OnnxOracleDeployer.sol";

/// @notice Real LinkToken, three real Operator contracts (each with its own authorised node key),
/// the real ModelRegistry (proxy, two-person approval) and the example consumer asking all three
/// with k = 2.
abstract contract QuorumConsumerBase is Test, IQuorumConsumerEvents, IQuorumClaimsExampleEvents {
    bytes32 internal constant MODEL_ID = bytes32("risk-v1");
    bytes32 internal constant MODEL_HASH = keccak256("risk-v1 model.onnx");
    bytes32 internal constant OTHER_HASH = keccak256("unapproved model.onnx");
    bytes32 internal constant INPUT_HASH = keccak256("canonical input");
    bytes32 internal constant CLAIM_ID = bytes32("claim-1");
    string internal constant INPUT = '{"features":{"driver_age":34,"annual_mileage_km":12000}}';
    uint96 internal constant FEE = 0.1 ether;
    uint8 internal constant THRESHOLD = 2;
    uint32 internal constant TOLERANCE = 50;
    uint256 internal constant N = 3;
    /// Gas the job spec's ethtx task allows for fulfillOracleRequest2 (script/jobs: gasLimit).
    uint256 internal constant JOB_GAS_LIMIT = 600_000;
    bytes32 internal constant ORACLE_REQUEST_TOPIC =
        keccak256("OracleRequest(bytes32,address,bytes32,uint256,address,bytes4,uint256,uint256,bytes)");

    LinkToken internal s_link;
    ModelRegistry internal s_registry;
    address internal s_approver = makeAddr("approver");
    QuorumClaimsExample internal s_consumer;
    Operator[N] internal s_operators;
    address[N] internal s_nodes;
    address internal s_outsider = makeAddr("outsider");

    /// An OracleRequest as a node sees it.
    struct Leg {
        Operator operator;
        address node;
        bytes32 specId;
        bytes32 requestId;
        uint256 payment;
        address callbackAddr;
        bytes4 callbackFunctionId;
        uint256 expiration;
        bytes data;
    }

    function setUp() public virtual {
        s_link = new LinkToken();
        s_link.grantMintRole(address(this));
        (s_registry,) = OnnxOracleDeployer.deployRegistry(address(this));
        s_registry.grantRole(s_registry.PROPOSER_ROLE(), address(this));
        s_registry.grantRole(s_registry.APPROVER_ROLE(), s_approver);
        _approveModel(MODEL_HASH);
        s_consumer = new QuorumClaimsExample(address(s_link), address(s_registry));

        QuorumConsumer.OracleConfig[] memory oracles = new QuorumConsumer.OracleConfig[](N);
        for (uint256 i = 0; i < N; ++i) {
            s_nodes[i] = makeAddr(string.concat("node", vm.toString(i)));
            s_operators[i] = new Operator(address(s_link), address(this));
            address[] memory senders = new address[](1);
            senders[0] = s_nodes[i];
            s_operators[i].setAuthorizedSenders(senders);
            oracles[i] = QuorumConsumer.OracleConfig({
                operator: address(s_operators[i]),
                jobId: bytes32(bytes(string.concat("job", vm.toString(i)))),
                fee: FEE
            });
        }
        s_consumer.configureQuorum(MODEL_ID, oracles, THRESHOLD, TOLERANCE);
        s_link.mint(address(s_consumer), 10 ether);
    }

    function _approveModel(bytes32 modelHash) internal {
        s_registry.propose(
            IModelRegistry.Proposal({
                modelId: MODEL_ID,
                modelHash: modelHash,
                version: bytes12("1.0.0"),
                codeCommit: bytes20(0),
                provenanceHash: keccak256("provenance"),
                datasetDigest: bytes32(0),
                hyperparamsHash: bytes32(0),
                labelCount: 0,
                weightsCommitment: bytes32(0),
                weightsUri: ""
            })
        );
        vm.prank(s_approver);
        s_registry.approve(MODEL_ID, modelHash);
    }

    /// Sends a request and returns the quorum id and the three OracleRequest logs, decoded.
    function _request() internal returns (bytes32 quorumId, Leg[] memory legs) {
        vm.recordLogs();
        quorumId = s_consumer.requestAssessment(CLAIM_ID, MODEL_ID, INPUT, INPUT_HASH);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        legs = new Leg[](N);
        uint256 found = 0;
        for (uint256 l = 0; l < logs.length; ++l) {
            if (logs[l].topics[0] != ORACLE_REQUEST_TOPIC) continue;
            Leg memory leg;
            for (uint256 i = 0; i < N; ++i) {
                if (logs[l].emitter == address(s_operators[i])) {
                    leg.operator = s_operators[i];
                    leg.node = s_nodes[i];
                }
            }
            leg.specId = logs[l].topics[1];
            address requester;
            uint256 dataVersion;
            (
                requester,
                leg.requestId,
                leg.payment,
                leg.callbackAddr,
                leg.callbackFunctionId,
                leg.expiration,
                dataVersion,
                leg.data
            ) =
                abi.decode(
                    logs[l].data, (address, bytes32, uint256, address, bytes4, uint256, uint256, bytes)
                );
            assertEq(requester, address(s_consumer));
            assertEq(dataVersion, 2);
            legs[found++] = leg;
        }
        assertEq(found, N);
    }

    /// What a node's job does at the end: fulfillOracleRequest2 from its authorised key.
    function _fulfil(Leg memory leg, uint256 result, bytes32 modelHash, bytes32 inputHash)
        internal
        returns (bool)
    {
        vm.prank(leg.node);
        return leg.operator.fulfillOracleRequest2{gas: JOB_GAS_LIMIT}(
            leg.requestId,
            leg.payment,
            leg.callbackAddr,
            leg.callbackFunctionId,
            leg.expiration,
            abi.encode(leg.requestId, result, modelHash, inputHash)
        );
    }

    /// @dev Expects the consumer to reject `leg`'s answer to `quorumId` for `reason`.
    function _expectAnswerRejected(bytes32 quorumId, Leg memory leg, RejectReason reason) internal {
        vm.expectEmit(true, true, false, true, address(s_consumer));
        emit AnswerRejected(quorumId, address(leg.operator), reason);
    }

    function _status(bytes32 quorumId) internal view returns (QuorumConsumer.Status) {
        return s_consumer.getRequest(quorumId).status;
    }
}

contract QuorumConsumerRequestTest is QuorumConsumerBase {
    function test_SendsOneRequestPerOperatorWithInputAndFee() public {
        uint256 before = s_link.balanceOf(address(s_consumer));
        (bytes32 quorumId, Leg[] memory legs) = _request();
        assertEq(s_link.balanceOf(address(s_consumer)), before - N * FEE);
        bytes32[] memory legIds = s_consumer.getOperatorRequestIds(quorumId);
        assertEq(legIds.length, N);
        for (uint256 i = 0; i < N; ++i) {
            assertEq(s_link.balanceOf(address(legs[i].operator)), FEE);
            assertEq(legs[i].payment, FEE);
            assertEq(legs[i].callbackAddr, address(s_consumer));
            assertEq(legs[i].callbackFunctionId, QuorumConsumer.fulfillInference.selector);
            assertEq(legs[i].expiration, block.timestamp + 5 minutes);
            assertEq(legs[i].requestId, legIds[i]);
            // CBOR (diet: no map header): text(5) "input", text(len) INPUT
            assertEq(
                legs[i].data, abi.encodePacked(hex"65", "input", hex"78", uint8(bytes(INPUT).length), INPUT)
            );
        }
        assertEq(legs[0].specId, bytes32("job0"));
        QuorumConsumer.QuorumRequest memory request = s_consumer.getRequest(quorumId);
        assertEq(uint8(request.status), uint8(QuorumConsumer.Status.Pending));
        assertEq(request.asked, N);
        assertEq(request.threshold, THRESHOLD);
        assertEq(request.inputHash, INPUT_HASH);
    }

    function test_OperatorDeadlineMatchesOperatorExpiry() public view {
        assertEq(s_consumer.OPERATOR_EXPIRY(), s_operators[0].EXPIRYTIME());
    }

    function test_RevertWhen_ModelNotConfigured() public {
        vm.expectRevert(abi.encodeWithSelector(QuorumConsumer.QuorumNotConfigured.selector, bytes32("nope")));
        s_consumer.requestAssessment(CLAIM_ID, bytes32("nope"), INPUT, INPUT_HASH);
    }

    function test_RevertWhen_NotEnoughLink() public {
        s_consumer.withdrawLink(address(this), 10 ether - FEE);
        vm.expectRevert(abi.encodeWithSelector(QuorumConsumer.InsufficientLink.selector, FEE, N * FEE));
        s_consumer.requestAssessment(CLAIM_ID, MODEL_ID, INPUT, INPUT_HASH);
    }

    function test_RevertWhen_ThresholdAboveOracles() public {
        QuorumConsumer.OracleConfig[] memory oracles = new QuorumConsumer.OracleConfig[](1);
        oracles[0] = QuorumConsumer.OracleConfig(address(s_operators[0]), bytes32("job0"), FEE);
        vm.expectRevert(abi.encodeWithSelector(QuorumConsumer.InvalidQuorumThreshold.selector, MODEL_ID, 2, 1));
        s_consumer.configureQuorum(MODEL_ID, oracles, 2, 0);
    }

    function test_RevertWhen_ThresholdZero() public {
        QuorumConsumer.OracleConfig[] memory oracles = new QuorumConsumer.OracleConfig[](1);
        oracles[0] = QuorumConsumer.OracleConfig(address(s_operators[0]), bytes32("job0"), FEE);
        vm.expectRevert(abi.encodeWithSelector(QuorumConsumer.InvalidQuorumThreshold.selector, MODEL_ID, 0, 1));
        s_consumer.configureQuorum(MODEL_ID, oracles, 0, 0);
    }

    function test_RevertWhen_AnEntryHasNoOperatorOrJob() public {
        QuorumConsumer.OracleConfig[] memory oracles = new QuorumConsumer.OracleConfig[](2);
        oracles[0] = QuorumConsumer.OracleConfig(address(s_operators[0]), bytes32("job0"), FEE);
        oracles[1] = QuorumConsumer.OracleConfig(address(s_operators[1]), bytes32(0), FEE);
        vm.expectRevert(
            abi.encodeWithSelector(
                QuorumConsumer.InvalidOracleConfig.selector, MODEL_ID, 1, address(s_operators[1]), bytes32(0)
            )
        );
        s_consumer.configureQuorum(MODEL_ID, oracles, 2, 0);
    }

    function test_RevertWhen_ModelIdIsZeroOrTheListIsEmptyOrTooLong() public {
        QuorumConsumer.OracleConfig[] memory none = new QuorumConsumer.OracleConfig[](0);
        vm.expectRevert(QuorumConsumer.ZeroModelId.selector);
        s_consumer.configureQuorum(bytes32(0), none, 1, 0);
        vm.expectRevert(abi.encodeWithSelector(QuorumConsumer.InvalidOracleCount.selector, MODEL_ID, 0, 7));
        s_consumer.configureQuorum(MODEL_ID, none, 1, 0);
        QuorumConsumer.OracleConfig[] memory many = new QuorumConsumer.OracleConfig[](8);
        vm.expectRevert(abi.encodeWithSelector(QuorumConsumer.InvalidOracleCount.selector, MODEL_ID, 8, 7));
        s_consumer.configureQuorum(MODEL_ID, many, 1, 0);
    }

    function test_EmitsTheSharedRequestEvent() public {
        vm.expectEmit(false, true, true, true, address(s_consumer));
        emit InferenceRequested(
            bytes32(0), MODEL_ID, address(s_consumer), MODEL_HASH, INPUT_HASH, INPUT, THRESHOLD, TOLERANCE
        );
        s_consumer.requestAssessment(CLAIM_ID, MODEL_ID, INPUT, INPUT_HASH);
    }

    function test_RevertWhen_OperatorListedTwice() public {
        QuorumConsumer.OracleConfig[] memory oracles = new QuorumConsumer.OracleConfig[](2);
        oracles[0] = QuorumConsumer.OracleConfig(address(s_operators[0]), bytes32("job0"), FEE);
        oracles[1] = QuorumConsumer.OracleConfig(address(s_operators[0]), bytes32("job1"), FEE);
        vm.expectRevert(
            abi.encodeWithSelector(QuorumConsumer.DuplicateOperator.selector, address(s_operators[0]))
        );
        s_consumer.configureQuorum(MODEL_ID, oracles, 2, 0);
    }

    function test_RevertWhen_NonOwnerConfigures() public {
        QuorumConsumer.OracleConfig[] memory oracles = new QuorumConsumer.OracleConfig[](1);
        oracles[0] = QuorumConsumer.OracleConfig(address(s_operators[0]), bytes32("job0"), FEE);
        vm.prank(s_outsider);
        vm.expectRevert("Only callable by owner");
        s_consumer.configureQuorum(MODEL_ID, oracles, 1, 0);
    }
}

contract QuorumConsumerFinaliseTest is QuorumConsumerBase {
    function test_FinalisesWhenThresholdAgree() public {
        (bytes32 quorumId, Leg[] memory legs) = _request();
        assertTrue(_fulfil(legs[0], 7250, MODEL_HASH, INPUT_HASH));
        assertEq(uint8(_status(quorumId)), uint8(QuorumConsumer.Status.Pending));

        vm.expectEmit(true, true, false, true, address(s_consumer));
        emit InferenceAccepted(quorumId, MODEL_ID, 7250, MODEL_HASH, 2);
        vm.expectEmit(true, true, false, true, address(s_consumer));
        emit ClaimAssessed(CLAIM_ID, quorumId, 7250, MODEL_HASH);
        assertTrue(_fulfil(legs[1], 7290, MODEL_HASH, INPUT_HASH));

        assertEq(uint8(_status(quorumId)), uint8(QuorumConsumer.Status.Finalised));
        QuorumClaimsExample.Assessment memory a = s_consumer.getAssessment(CLAIM_ID);
        assertEq(a.result, 7250, "lower median of two");
        assertEq(a.modelHash, MODEL_HASH);
        assertEq(a.agreed, 2);
        assertEq(a.assessedAt, block.timestamp);
        // the operators that answered were paid
        assertEq(s_operators[0].withdrawable(), FEE);
        assertEq(s_operators[1].withdrawable(), FEE);
    }

    function test_DoesNotFinaliseBelowThreshold() public {
        (bytes32 quorumId, Leg[] memory legs) = _request();
        _fulfil(legs[2], 7250, MODEL_HASH, INPUT_HASH);
        assertEq(uint8(_status(quorumId)), uint8(QuorumConsumer.Status.Pending));
        assertEq(s_consumer.getAnswers(quorumId).length, 1);
        assertEq(s_consumer.getAssessment(CLAIM_ID).assessedAt, 0);
    }

    function test_DisagreeingAnswerDoesNotCount() public {
        (bytes32 quorumId, Leg[] memory legs) = _request();
        _fulfil(legs[0], 7000, MODEL_HASH, INPUT_HASH);
        _fulfil(legs[1], 9000, MODEL_HASH, INPUT_HASH);
        assertEq(uint8(_status(quorumId)), uint8(QuorumConsumer.Status.Pending), "7000 and 9000 disagree");

        _fulfil(legs[2], 7040, MODEL_HASH, INPUT_HASH);
        assertEq(uint8(_status(quorumId)), uint8(QuorumConsumer.Status.Finalised));
        QuorumClaimsExample.Assessment memory a = s_consumer.getAssessment(CLAIM_ID);
        assertEq(a.result, 7040, "median of 7000, 7040, 9000");
        assertEq(a.agreed, 2, "9000 lies outside the tolerance");
    }

    function test_UnapprovedModelAnswerDoesNotCount() public {
        (bytes32 quorumId, Leg[] memory legs) = _request();
        _expectAnswerRejected(quorumId, legs[0], RejectReason.ModelNotApproved);
        assertTrue(_fulfil(legs[0], 7250, OTHER_HASH, INPUT_HASH));
        _fulfil(legs[1], 7250, MODEL_HASH, INPUT_HASH);
        assertEq(uint8(_status(quorumId)), uint8(QuorumConsumer.Status.Pending));
        assertEq(s_consumer.getAnswers(quorumId).length, 1);
    }

    function test_AnswersOfDifferentApprovedVersionsDoNotAgree() public {
        _approveModel(OTHER_HASH);
        (bytes32 quorumId, Leg[] memory legs) = _request();
        _fulfil(legs[0], 7250, OTHER_HASH, INPUT_HASH);
        _fulfil(legs[1], 7250, MODEL_HASH, INPUT_HASH);
        assertEq(uint8(_status(quorumId)), uint8(QuorumConsumer.Status.Pending));
        _fulfil(legs[2], 7260, MODEL_HASH, INPUT_HASH);
        assertEq(uint8(_status(quorumId)), uint8(QuorumConsumer.Status.Finalised));
        QuorumClaimsExample.Assessment memory a = s_consumer.getAssessment(CLAIM_ID);
        assertEq(a.modelHash, MODEL_HASH);
        assertEq(a.result, 7250);
    }

    function test_DeprecatedModelAnswerDoesNotCount() public {
        (bytes32 quorumId, Leg[] memory legs) = _request();
        _fulfil(legs[0], 7250, MODEL_HASH, INPUT_HASH);
        // the registry's two-person rule: a second approver proposes retiring the active version
        s_registry.grantRole(s_registry.APPROVER_ROLE(), address(this));
        s_registry.proposeDeprecation(MODEL_ID, MODEL_HASH);
        vm.prank(s_approver);
        s_registry.deprecate(MODEL_ID, MODEL_HASH);
        _expectAnswerRejected(quorumId, legs[1], RejectReason.ModelNotApproved);
        _fulfil(legs[1], 7250, MODEL_HASH, INPUT_HASH);
        assertEq(uint8(_status(quorumId)), uint8(QuorumConsumer.Status.Pending));
    }

    function test_InputHashMismatchDoesNotCount() public {
        (bytes32 quorumId, Leg[] memory legs) = _request();
        _expectAnswerRejected(quorumId, legs[0], RejectReason.InputHashMismatch);
        _fulfil(legs[0], 7250, MODEL_HASH, keccak256("another input"));
        _fulfil(legs[1], 7250, MODEL_HASH, INPUT_HASH);
        assertEq(uint8(_status(quorumId)), uint8(QuorumConsumer.Status.Pending));
    }

    function test_RejectsWhenAllAnsweredWithoutAgreement() public {
        (bytes32 quorumId, Leg[] memory legs) = _request();
        _fulfil(legs[0], 1000, MODEL_HASH, INPUT_HASH);
        _fulfil(legs[1], 5000, MODEL_HASH, INPUT_HASH);
        vm.expectEmit(true, true, false, true, address(s_consumer));
        emit AssessmentFailed(
            CLAIM_ID, quorumId, RejectReason.InsufficientAgreement
        );
        _fulfil(legs[2], 9000, OTHER_HASH, INPUT_HASH);
        assertEq(uint8(_status(quorumId)), uint8(QuorumConsumer.Status.Rejected));
        assertEq(s_consumer.getAssessment(CLAIM_ID).assessedAt, 0);
        // the claim can be assessed again
        s_consumer.requestAssessment(CLAIM_ID, MODEL_ID, INPUT, INPUT_HASH);
    }

    function test_LateAnswerAfterFinalisationIsRejected() public {
        (bytes32 quorumId, Leg[] memory legs) = _request();
        _fulfil(legs[0], 7250, MODEL_HASH, INPUT_HASH);
        _fulfil(legs[1], 7250, MODEL_HASH, INPUT_HASH);
        _expectAnswerRejected(quorumId, legs[2], RejectReason.UnknownRequest);
        assertTrue(_fulfil(legs[2], 1, MODEL_HASH, INPUT_HASH));
        assertEq(s_consumer.getAssessment(CLAIM_ID).result, 7250);
        assertEq(s_consumer.getAnswers(quorumId).length, 2);
        assertEq(s_operators[2].withdrawable(), FEE, "the operator still gets paid for its work");
    }

    function test_AnswerAfterDeadlineIsRejected() public {
        (bytes32 quorumId, Leg[] memory legs) = _request();
        _fulfil(legs[0], 7250, MODEL_HASH, INPUT_HASH);
        vm.warp(legs[0].expiration + 1);
        _expectAnswerRejected(quorumId, legs[1], RejectReason.Expired);
        _fulfil(legs[1], 7250, MODEL_HASH, INPUT_HASH);
        assertEq(uint8(_status(quorumId)), uint8(QuorumConsumer.Status.Pending));
    }

    /// Any spread of three answers: finalised exactly when the reference rule says so, with its median.
    function testFuzz_FinalisesExactlyWhenTwoLieWithinToleranceOfMedian(uint256 a, uint256 b, uint256 c)
        public
    {
        a = bound(a, 0, 1000);
        b = bound(b, 0, 1000);
        c = bound(c, 0, 1000);
        (bytes32 quorumId, Leg[] memory legs) = _request();
        uint256[3] memory values = [a, b, c];
        bool expectedDone = false;
        uint256 expectedResult = 0;
        for (uint256 n = 1; n <= 3 && !expectedDone; ++n) {
            _fulfil(legs[n - 1], values[n - 1], MODEL_HASH, INPUT_HASH);
            (bool ok, uint256 median) = _reference(values, n);
            if (ok) {
                expectedDone = true;
                expectedResult = median;
            }
            if (!expectedDone && n < 3) {
                assertEq(uint8(_status(quorumId)), uint8(QuorumConsumer.Status.Pending));
            }
        }
        if (expectedDone) {
            assertEq(uint8(_status(quorumId)), uint8(QuorumConsumer.Status.Finalised));
            assertEq(s_consumer.getAssessment(CLAIM_ID).result, expectedResult);
        } else {
            assertEq(uint8(_status(quorumId)), uint8(QuorumConsumer.Status.Rejected));
        }
    }

    /// Reference rule over the first n values: lower median, count within TOLERANCE, >= THRESHOLD.
    function _reference(uint256[3] memory values, uint256 n) private pure returns (bool, uint256) {
        uint256[] memory s = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            s[i] = values[i];
        }
        for (uint256 i = 0; i < n; ++i) {
            for (uint256 j = i + 1; j < n; ++j) {
                if (s[j] < s[i]) (s[i], s[j]) = (s[j], s[i]);
            }
        }
        uint256 median = s[(n - 1) / 2];
        uint256 agreed = 0;
        for (uint256 i = 0; i < n; ++i) {
            uint256 d = s[i] > median ? s[i] - median : median - s[i];
            if (d <= TOLERANCE) ++agreed;
        }
        return (agreed >= THRESHOLD, median);
    }
}

contract QuorumConsumerAccessTest is QuorumConsumerBase {
    function test_RevertWhen_OutsiderCallsCallback() public {
        (, Leg[] memory legs) = _request();
        vm.prank(s_outsider);
        vm.expectRevert(
            abi.encodeWithSelector(
                QuorumConsumer.UnexpectedFulfillment.selector, legs[0].requestId, s_outsider
            )
        );
        s_consumer.fulfillInference(legs[0].requestId, 7250, MODEL_HASH, INPUT_HASH);
    }

    function test_RevertWhen_OtherOperatorAnswersForALeg() public {
        (, Leg[] memory legs) = _request();
        // operator 1's contract calling back with operator 0's request id
        vm.prank(address(legs[1].operator));
        vm.expectRevert(
            abi.encodeWithSelector(
                QuorumConsumer.UnexpectedFulfillment.selector, legs[0].requestId, address(legs[1].operator)
            )
        );
        s_consumer.fulfillInference(legs[0].requestId, 7250, MODEL_HASH, INPUT_HASH);
        // and through operator 1's Operator, which holds no commitment for that id
        Leg memory forged = legs[0];
        forged.operator = legs[1].operator;
        forged.node = legs[1].node;
        vm.expectRevert("Must have a valid requestId");
        _fulfil(forged, 7250, MODEL_HASH, INPUT_HASH);
    }

    function test_RevertWhen_UnauthorisedNodeFulfils() public {
        (, Leg[] memory legs) = _request();
        Leg memory forged = legs[0];
        forged.node = s_outsider;
        vm.expectRevert("Not authorized sender");
        _fulfil(forged, 7250, MODEL_HASH, INPUT_HASH);
    }

    function test_RevertWhen_AnswerIsRepeated() public {
        (bytes32 quorumId, Leg[] memory legs) = _request();
        _fulfil(legs[0], 7250, MODEL_HASH, INPUT_HASH);
        vm.expectRevert("Must have a valid requestId");
        _fulfil(legs[0], 7250, MODEL_HASH, INPUT_HASH);
        vm.prank(address(legs[0].operator));
        vm.expectRevert(
            abi.encodeWithSelector(
                QuorumConsumer.UnexpectedFulfillment.selector, legs[0].requestId, address(legs[0].operator)
            )
        );
        s_consumer.fulfillInference(legs[0].requestId, 7250, MODEL_HASH, INPUT_HASH);
        assertEq(s_consumer.getAnswers(quorumId).length, 1);
        assertEq(uint8(_status(quorumId)), uint8(QuorumConsumer.Status.Pending));
    }

    function test_RevertWhen_UnknownRequestId() public {
        vm.prank(address(s_operators[0]));
        vm.expectRevert(
            abi.encodeWithSelector(
                QuorumConsumer.UnexpectedFulfillment.selector, bytes32("unknown"), address(s_operators[0])
            )
        );
        s_consumer.fulfillInference(bytes32("unknown"), 7250, MODEL_HASH, INPUT_HASH);
    }
}

contract QuorumConsumerCancelTest is QuorumConsumerBase {
    function test_CancelsAfterExpiryAndRecoversLink() public {
        (bytes32 quorumId, Leg[] memory legs) = _request();
        uint256 afterRequest = s_link.balanceOf(address(s_consumer));
        _fulfil(legs[0], 7250, MODEL_HASH, INPUT_HASH);
        vm.warp(legs[0].expiration);

        vm.expectEmit(true, false, false, true, address(s_consumer));
        emit QuorumCancelled(quorumId, 2 * FEE);
        vm.expectEmit(true, true, false, true, address(s_consumer));
        emit AssessmentFailed(CLAIM_ID, quorumId, RejectReason.Expired);
        vm.prank(s_outsider);
        s_consumer.cancelInferenceRequest(quorumId);

        assertEq(uint8(_status(quorumId)), uint8(QuorumConsumer.Status.Cancelled));
        assertEq(s_link.balanceOf(address(s_consumer)), afterRequest + 2 * FEE);
        assertEq(s_link.balanceOf(address(s_operators[1])), 0);
        assertEq(s_link.balanceOf(address(s_operators[2])), 0);
        assertEq(s_operators[0].withdrawable(), FEE, "the operator that answered keeps its fee");
        // the cancelled legs can no longer be fulfilled
        vm.expectRevert("Must have a valid requestId");
        _fulfil(legs[1], 7250, MODEL_HASH, INPUT_HASH);
    }

    function test_RevertWhen_CancelBeforeDeadline() public {
        (bytes32 quorumId, Leg[] memory legs) = _request();
        vm.warp(legs[0].expiration - 1);
        vm.expectRevert(
            abi.encodeWithSelector(QuorumConsumer.RequestNotExpired.selector, quorumId, legs[0].expiration)
        );
        s_consumer.cancelInferenceRequest(quorumId);
    }

    function test_RecoversUnansweredLinkOfFinalisedRequest() public {
        (bytes32 quorumId, Leg[] memory legs) = _request();
        _fulfil(legs[0], 7250, MODEL_HASH, INPUT_HASH);
        _fulfil(legs[1], 7250, MODEL_HASH, INPUT_HASH);
        uint256 before = s_link.balanceOf(address(s_consumer));
        vm.warp(legs[0].expiration);
        vm.expectEmit(true, false, false, true, address(s_consumer));
        emit QuorumCancelled(quorumId, FEE);
        s_consumer.cancelInferenceRequest(quorumId);
        assertEq(s_link.balanceOf(address(s_consumer)), before + FEE);
        assertEq(uint8(_status(quorumId)), uint8(QuorumConsumer.Status.Finalised), "the result stands");
        assertEq(s_consumer.getAssessment(CLAIM_ID).result, 7250);
        vm.expectRevert(abi.encodeWithSelector(QuorumConsumer.NothingToCancel.selector, quorumId));
        s_consumer.cancelInferenceRequest(quorumId);
    }

    function test_RevertWhen_CancelRejected() public {
        (bytes32 quorumId, Leg[] memory legs) = _request();
        _fulfil(legs[0], 1000, MODEL_HASH, INPUT_HASH);
        _fulfil(legs[1], 5000, MODEL_HASH, INPUT_HASH);
        _fulfil(legs[2], 9000, MODEL_HASH, INPUT_HASH);
        vm.warp(legs[0].expiration);
        vm.expectRevert(
            abi.encodeWithSelector(
                QuorumConsumer.RequestNotPending.selector, quorumId, QuorumConsumer.Status.Rejected
            )
        );
        s_consumer.cancelInferenceRequest(quorumId);
    }
}

/// A dApp whose hook always reverts: the Operator swallows the failed callback but has settled the leg.
contract RevertingHookConsumer is QuorumConsumer {
    error HookFailed();

    constructor(address link, address registry) QuorumConsumer(link, registry) {}

    function configure(bytes32 modelId, OracleConfig[] memory oracles, uint8 threshold) external {
        _setQuorum(modelId, oracles, threshold, 0);
    }

    function request(bytes32 modelId, string memory input, bytes32 inputHash) external returns (bytes32) {
        return _requestInferenceQuorum(modelId, input, inputHash);
    }

    function _onInference(bytes32, bytes32, InferenceResult.Data memory) internal pure override {
        revert HookFailed();
    }
}

contract QuorumConsumerRevertingHookTest is QuorumConsumerBase {
    function test_CancelRecoversLinkWhenAHookRevertedAfterTheOperatorSettled() public {
        RevertingHookConsumer consumer = new RevertingHookConsumer(address(s_link), address(s_registry));
        (QuorumConsumer.OracleConfig[] memory oracles,,) = s_consumer.getQuorumConfig(MODEL_ID);
        consumer.configure(MODEL_ID, oracles, 2);
        s_link.mint(address(consumer), 1 ether);

        vm.recordLogs();
        bytes32 quorumId = consumer.request(MODEL_ID, INPUT, INPUT_HASH);
        bytes32[] memory legIds = consumer.getOperatorRequestIds(quorumId);
        uint256 expiration = block.timestamp + 5 minutes;
        bytes4 selector = QuorumConsumer.fulfillInference.selector;

        // k = 2 of 3: the first answer counts, the second finalises, the hook reverts, the Operator
        // reports failure but pays
        bool ok;
        for (uint256 i = 0; i < 2; ++i) {
            vm.prank(s_nodes[i]);
            ok = s_operators[i].fulfillOracleRequest2{gas: JOB_GAS_LIMIT}(
                legIds[i], FEE, address(consumer), selector, expiration, abi.encode(legIds[i], 1, MODEL_HASH, INPUT_HASH)
            );
        }
        assertFalse(ok);
        assertEq(uint8(consumer.getRequest(quorumId).status), uint8(QuorumConsumer.Status.Pending));

        uint256 before = s_link.balanceOf(address(consumer));
        vm.warp(expiration);
        vm.expectEmit(true, true, false, true, address(consumer));
        emit OperatorCancelFailed(quorumId, legIds[1], address(s_operators[1]));
        consumer.cancelInferenceRequest(quorumId);
        assertEq(s_link.balanceOf(address(consumer)), before + FEE, "the unanswered leg came back");
        assertEq(uint8(consumer.getRequest(quorumId).status), uint8(QuorumConsumer.Status.Cancelled));
    }
}

/// Gas of each step, for docs/operators.md. Bounds are asserted so a regression fails the suite.
contract QuorumConsumerGasTest is QuorumConsumerBase {
    function test_GasFigures() public {
        uint256 g = gasleft();
        s_consumer.requestAssessment(bytes32("claim-0"), MODEL_ID, INPUT, INPUT_HASH);
        uint256 requestGas = g - gasleft();
        (bytes32 quorumId, Leg[] memory legs) = _request();

        g = gasleft();
        _fulfil(legs[0], 7250, MODEL_HASH, INPUT_HASH);
        uint256 countedGas = g - gasleft();

        g = gasleft();
        _fulfil(legs[1], 7250, MODEL_HASH, INPUT_HASH);
        uint256 finalisingGas = g - gasleft();

        g = gasleft();
        _fulfil(legs[2], 7250, MODEL_HASH, INPUT_HASH);
        uint256 lateGas = g - gasleft();
        assertEq(uint8(_status(quorumId)), uint8(QuorumConsumer.Status.Finalised));

        console2.log("requestAssessment to 3 operators (first request):", requestGas);
        console2.log("fulfillOracleRequest2, answer counted:", countedGas);
        console2.log("fulfillOracleRequest2, answer finalising (incl. example hook):", finalisingGas);
        console2.log("fulfillOracleRequest2, late answer:", lateGas);
        // Operator needs 400k gas left before its callback, so the job's gasLimit (600k) is set by
        // that floor; the actual use stays far below it.
        assertLt(finalisingGas, 250_000);
        assertLt(countedGas, finalisingGas);
        assertLt(requestGas, 1_000_000);
    }

    function test_GasCancel() public {
        (bytes32 quorumId, Leg[] memory legs) = _request();
        vm.warp(legs[0].expiration);
        uint256 g = gasleft();
        s_consumer.cancelInferenceRequest(quorumId);
        uint256 cancelGas = g - gasleft();
        console2.log("cancel 3 unanswered legs:", cancelGas);
        assertLt(cancelGas, 300_000);
    }
}
