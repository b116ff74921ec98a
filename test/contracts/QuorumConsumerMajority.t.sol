// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {Operator} from "@chainlink/contracts/src/v0.8/operatorforwarder/Operator.sol";

import {QuorumConsumer} from "../../contracts/QuorumConsumer.sol";
import {QuorumConsumerBase} from "./QuorumConsumer.t.sol";

/// @notice Issue 13.6: the quorum threshold must be a strict majority of the operators asked. With
/// five operators and k = 2, two colluding operators win whenever the honest three cannot answer
/// (e.g. the claimant's photo host refuses their fetches). The real Operator contracts deliver every
/// answer here.
contract QuorumConsumerMajorityTest is QuorumConsumerBase {
    uint256 internal constant FIVE = 5;
    uint256 internal constant HONEST = 2500;
    uint256 internal constant FORGED = 10_000;

    Operator[FIVE] internal s_five;
    address[FIVE] internal s_fiveNodes;

    function setUp() public override {
        super.setUp();
        for (uint256 i = 0; i < FIVE; ++i) {
            if (i < N) {
                s_five[i] = s_operators[i];
                s_fiveNodes[i] = s_nodes[i];
            } else {
                s_fiveNodes[i] = makeAddr(string.concat("node", vm.toString(i)));
                s_five[i] = new Operator(address(s_link), address(this));
                address[] memory senders = new address[](1);
                senders[0] = s_fiveNodes[i];
                s_five[i].setAuthorizedSenders(senders);
            }
        }
    }

    function test_RevertWhen_TwoColludersOutOfFiveCouldFormAQuorum() public {
        QuorumConsumer.OracleConfig[] memory oracles = _fiveOracles();
        vm.expectRevert(abi.encodeWithSelector(QuorumConsumer.ThresholdNotMajority.selector, MODEL_ID, 2, FIVE));
        s_consumer.configureQuorum(MODEL_ID, oracles, 2, 0);
    }

    function test_RevertWhen_HalfOfAnEvenSetCouldFormAQuorum() public {
        QuorumConsumer.OracleConfig[] memory oracles = new QuorumConsumer.OracleConfig[](4);
        for (uint256 i = 0; i < 4; ++i) {
            oracles[i] = _fiveOracles()[i];
        }
        vm.expectRevert(abi.encodeWithSelector(QuorumConsumer.ThresholdNotMajority.selector, MODEL_ID, 2, 4));
        s_consumer.configureQuorum(MODEL_ID, oracles, 2, 0);
    }

    function test_TwoColludersOutOfFiveCannotFinaliseAForgedResult() public {
        s_consumer.configureQuorum(MODEL_ID, _fiveOracles(), 3, 0);
        bytes32 quorumId = s_consumer.requestAssessment(CLAIM_ID, MODEL_ID, INPUT, INPUT_HASH);
        bytes32[] memory legIds = s_consumer.getOperatorRequestIds(quorumId);
        uint256 expiration = block.timestamp + 5 minutes;

        // The two colluders answer a forged "total loss"; the honest three are kept out for now.
        assertTrue(_answer(3, legIds[3], expiration, FORGED));
        assertTrue(_answer(4, legIds[4], expiration, FORGED));
        assertEq(uint8(s_consumer.getRequest(quorumId).status), uint8(QuorumConsumer.Status.Pending));

        // One honest answer arrives: three answers, but only two agree on anything.
        assertTrue(_answer(0, legIds[0], expiration, HONEST));
        assertEq(uint8(s_consumer.getRequest(quorumId).status), uint8(QuorumConsumer.Status.Pending));

        // The honest majority settles it, on the honest value.
        assertTrue(_answer(1, legIds[1], expiration, HONEST));
        assertTrue(_answer(2, legIds[2], expiration, HONEST));
        QuorumConsumer.QuorumRequest memory request = s_consumer.getRequest(quorumId);
        assertEq(uint8(request.status), uint8(QuorumConsumer.Status.Finalised));
        assertEq(s_consumer.getAssessment(CLAIM_ID).result, HONEST);
    }

    function test_TwoColludersAloneOnlyExpireTheRequest() public {
        s_consumer.configureQuorum(MODEL_ID, _fiveOracles(), 3, 0);
        bytes32 quorumId = s_consumer.requestAssessment(CLAIM_ID, MODEL_ID, INPUT, INPUT_HASH);
        bytes32[] memory legIds = s_consumer.getOperatorRequestIds(quorumId);
        uint256 expiration = block.timestamp + 5 minutes;
        _answer(3, legIds[3], expiration, FORGED);
        _answer(4, legIds[4], expiration, FORGED);
        vm.warp(expiration);
        s_consumer.cancelInferenceRequest(quorumId);
        assertEq(uint8(s_consumer.getRequest(quorumId).status), uint8(QuorumConsumer.Status.Cancelled));
        assertEq(s_consumer.getAssessment(CLAIM_ID).result, 0, "no forged result was accepted");
    }

    /// @dev Every (n, k) with 1 <= k <= n <= MAX_ORACLES: accepted exactly when 2k > n.
    function testFuzz_QuorumAcceptedOnlyWithAStrictMajority(uint256 n, uint256 k) public {
        n = bound(n, 1, FIVE);
        k = bound(k, 1, n);
        QuorumConsumer.OracleConfig[] memory all = _fiveOracles();
        QuorumConsumer.OracleConfig[] memory oracles = new QuorumConsumer.OracleConfig[](n);
        for (uint256 i = 0; i < n; ++i) {
            oracles[i] = all[i];
        }
        if (2 * k <= n) {
            vm.expectRevert(abi.encodeWithSelector(QuorumConsumer.ThresholdNotMajority.selector, MODEL_ID, k, n));
        }
        s_consumer.configureQuorum(MODEL_ID, oracles, uint8(k), 0);
        if (2 * k > n) {
            (QuorumConsumer.OracleConfig[] memory stored, uint8 threshold,) = s_consumer.getQuorumConfig(MODEL_ID);
            assertEq(stored.length, n);
            assertEq(threshold, k);
        }
    }

    function _fiveOracles() internal view returns (QuorumConsumer.OracleConfig[] memory oracles) {
        oracles = new QuorumConsumer.OracleConfig[](FIVE);
        for (uint256 i = 0; i < FIVE; ++i) {
            oracles[i] = QuorumConsumer.OracleConfig({
                operator: address(s_five[i]), jobId: bytes32(bytes(string.concat("job", vm.toString(i)))), fee: FEE
            });
        }
    }

    /// @dev What operator i's node does: fulfillOracleRequest2 with the adapter's answer.
    function _answer(uint256 i, bytes32 legId, uint256 expiration, uint256 result) internal returns (bool) {
        vm.prank(s_fiveNodes[i]);
        return s_five[i].fulfillOracleRequest2{gas: JOB_GAS_LIMIT}(
            legId,
            FEE,
            address(s_consumer),
            QuorumConsumer.fulfillInference.selector,
            expiration,
            abi.encode(legId, result, MODEL_HASH, INPUT_HASH)
        );
    }
}
