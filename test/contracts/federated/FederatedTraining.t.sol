// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {IModelRegistry} from "../../../contracts/interfaces/IModelRegistry.sol";
import {FederatedTraining} from "../../../contracts/federated/FederatedTraining.sol";
import {KeystoneReports} from "../helpers/KeystoneReports.sol";
import {FederatedTrainingBase} from "./FederatedTrainingBase.sol";

/// @notice Creating a task: the base model must be approved, the numbers must make a task.
contract FederatedTrainingCreateTest is FederatedTrainingBase {
    function test_CreatesTaskWithItsPool() public {
        bytes32 taskId = _createTask();
        FederatedTraining.Task memory t = training.getTask(taskId);
        assertEq(uint8(t.status), uint8(TaskStatus.Running));
        assertEq(t.round, 1);
        assertEq(t.rewardPool, POOL);
        assertEq(t.modelHash, INITIAL_MODEL);
        assertEq(t.roundStart, block.timestamp + REGISTRATION);
        assertEq(address(training).balance, POOL);
    }

    function test_RevertWhen_BaseModelNotApproved() public {
        TaskConfig memory c = _config();
        c.baseModelHash = keccak256("unknown");
        vm.prank(SPONSOR);
        vm.expectRevert(abi.encodeWithSelector(BaseModelNotApproved.selector, BASE_ID, c.baseModelHash));
        training.createTask{value: POOL}(c);
    }

    function test_RevertWhen_ConfigMakesNoTask() public {
        TaskConfig memory c = _config();
        c.rounds = 0;
        vm.prank(SPONSOR);
        vm.expectRevert(abi.encodeWithSelector(InvalidTaskConfig.selector, "rounds", 0));
        training.createTask(c);
        c = _config();
        c.maxParticipants = 2;
        vm.prank(SPONSOR);
        vm.expectRevert(abi.encodeWithSelector(InvalidTaskConfig.selector, "maxParticipants", 2));
        training.createTask(c);
    }

    function test_RevertWhen_CallerIsNotOwner() public {
        TaskConfig memory c = _config();
        vm.prank(STRANGER);
        vm.expectRevert("Only callable by owner");
        training.createTask(c);
    }
}

/// @notice Joining: exact stake, during registration, within the limit, once.
contract FederatedTrainingJoinTest is FederatedTrainingBase {
    function test_RevertWhen_StakeIsWrong() public {
        bytes32 taskId = _createTask();
        address[] memory ps = _participants(1);
        vm.prank(ps[0]);
        vm.expectRevert(abi.encodeWithSelector(WrongStake.selector, taskId, 0.5 ether, STAKE));
        training.join{value: 0.5 ether}(taskId);
    }

    function test_RevertWhen_JoiningTwice() public {
        (bytes32 taskId, address[] memory ps) = _joinedTask(1);
        vm.prank(ps[0]);
        vm.expectRevert(abi.encodeWithSelector(AlreadyJoined.selector, taskId, ps[0]));
        training.join{value: STAKE}(taskId);
    }

    function test_RevertWhen_RegistrationClosed() public {
        bytes32 taskId = _createTask();
        address[] memory ps = _participants(1);
        vm.warp(block.timestamp + REGISTRATION);
        vm.prank(ps[0]);
        vm.expectRevert(abi.encodeWithSelector(RegistrationClosed.selector, taskId, block.timestamp));
        training.join{value: STAKE}(taskId);
    }

    function test_RevertWhen_TaskFull() public {
        bytes32 taskId = _createTask();
        _joinAll(taskId, _participants(12));
        address late = makeAddr("late");
        vm.deal(late, STAKE);
        vm.prank(late);
        vm.expectRevert(abi.encodeWithSelector(TaskFull.selector, taskId, 12));
        training.join{value: STAKE}(taskId);
    }
}

/// @dev A task with the default configuration that `_joinedCount()` participants joined.
abstract contract FederatedTrainingJoinedTest is FederatedTrainingBase {
    bytes32 internal taskId;
    address[] internal ps;

    function setUp() public virtual override {
        super.setUp();
        (taskId, ps) = _joinedTask(_joinedCount());
    }

    /// @dev How many participants join: 4 unless a suite says otherwise.
    function _joinedCount() internal pure virtual returns (uint256) {
        return 4;
    }
}

/// @notice Commit and reveal: phases, timeouts, the commitment's binding.
contract FederatedTrainingPhasesTest is FederatedTrainingJoinedTest {

    function test_RevertWhen_CommitBeforeRegistrationEnds() public {
        bytes32 c = training.commitmentOf(taskId, 1, ps[0], _update(ps[0], 1), _salt(ps[0], 1));
        uint256 opens = block.timestamp + REGISTRATION;
        vm.prank(ps[0]);
        vm.expectRevert(abi.encodeWithSelector(NotInCommitPhase.selector, taskId, 1, opens, opens + COMMIT));
        training.commit(taskId, c);
    }

    function test_RevertWhen_CommitAfterCommitPhase() public {
        _toPhase(taskId, 1);
        bytes32 c = training.commitmentOf(taskId, 1, ps[0], _update(ps[0], 1), _salt(ps[0], 1));
        vm.prank(ps[0]);
        vm.expectRevert();
        training.commit(taskId, c);
    }

    function test_RevertWhen_StrangerCommits() public {
        _toPhase(taskId, 0);
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(NotParticipant.selector, taskId, STRANGER));
        training.commit(taskId, keccak256("x"));
    }

    function test_RevertWhen_CommittingTwice() public {
        _toPhase(taskId, 0);
        _commit(taskId, ps[0], 1);
        vm.prank(ps[0]);
        vm.expectRevert(abi.encodeWithSelector(AlreadyCommitted.selector, taskId, 1, ps[0]));
        training.commit(taskId, keccak256("again"));
    }

    function test_RevertWhen_RevealDuringCommitPhase() public {
        _toPhase(taskId, 0);
        _commit(taskId, ps[0], 1);
        uint256 opens = block.timestamp + COMMIT;
        vm.prank(ps[0]);
        vm.expectRevert(abi.encodeWithSelector(NotInRevealPhase.selector, taskId, 1, opens, opens + REVEAL));
        training.reveal(taskId, _update(ps[0], 1), _salt(ps[0], 1), "u");
    }

    function test_RevertWhen_RevealIsLate() public {
        _toPhase(taskId, 0);
        _commit(taskId, ps[0], 1);
        _toPhase(taskId, 2);
        vm.prank(ps[0]);
        vm.expectRevert();
        training.reveal(taskId, _update(ps[0], 1), _salt(ps[0], 1), "u");
    }

    function test_RevertWhen_RevealDoesNotOpenCommitment() public {
        _toPhase(taskId, 0);
        _commit(taskId, ps[0], 1);
        _toPhase(taskId, 1);
        bytes32 committed = training.updateOf(taskId, ps[0]);
        bytes32 other = keccak256("another update");
        bytes32 opened = training.commitmentOf(taskId, 1, ps[0], other, _salt(ps[0], 1));
        vm.prank(ps[0]);
        vm.expectRevert(abi.encodeWithSelector(CommitmentMismatch.selector, taskId, 1, committed, opened));
        training.reveal(taskId, other, _salt(ps[0], 1), "u");
    }

    function test_RevertWhen_CopiedCommitmentIsRevealed() public {
        // A free rider copies another participant's commitment and reveal: the commitment binds the
        // participant, so the copy never opens.
        _toPhase(taskId, 0);
        _commit(taskId, ps[0], 1);
        bytes32 copied = training.updateOf(taskId, ps[0]);
        vm.prank(ps[1]);
        training.commit(taskId, copied);
        _toPhase(taskId, 1);
        _reveal(taskId, ps[0], 1);
        vm.prank(ps[1]);
        vm.expectRevert();
        training.reveal(taskId, _update(ps[0], 1), _salt(ps[0], 1), "u");
    }

    function testFuzz_CommitOnlyInItsPhase(uint256 offset) public {
        offset = bound(offset, 0, REGISTRATION + 3 * COMMIT);
        vm.warp(block.timestamp + offset);
        bytes32 c = training.commitmentOf(taskId, 1, ps[0], _update(ps[0], 1), _salt(ps[0], 1));
        uint256 opens = training.getTask(taskId).roundStart;
        bool inPhase = block.timestamp >= opens && block.timestamp < opens + COMMIT;
        if (!inPhase) {
            vm.expectRevert(
                abi.encodeWithSelector(NotInCommitPhase.selector, taskId, 1, opens, opens + COMMIT)
            );
        }
        vm.prank(ps[0]);
        training.commit(taskId, c);
        assertEq(training.getParticipant(taskId, ps[0]).committedRound, inPhase ? 1 : 0);
    }

    function test_RevertWhen_RevealWithoutCommit() public {
        _toPhase(taskId, 1);
        vm.prank(ps[0]);
        vm.expectRevert(abi.encodeWithSelector(NotCommitted.selector, taskId, 1, ps[0]));
        training.reveal(taskId, _update(ps[0], 1), _salt(ps[0], 1), "u");
    }

    function test_RevertWhen_TooFewJoinedToStart() public {
        bytes32 small = _createTask();
        address one = makeAddr("one");
        vm.deal(one, STAKE);
        vm.prank(one);
        training.join{value: STAKE}(small);
        vm.warp(block.timestamp + REGISTRATION);
        vm.prank(one);
        vm.expectRevert(abi.encodeWithSelector(NotEnoughParticipants.selector, small, 1, 3));
        training.commit(small, keccak256("c"));
        // ...and the task can be cancelled at once, the stake returned.
        training.cancelTask(small);
        vm.prank(one);
        training.withdraw(small);
        assertEq(one.balance, STAKE);
    }
}

/// @notice The DON's report: only through the forwarder and workflow, bound to the task, round,
/// base model and exactly the round's committers.
contract FederatedTrainingReportTest is FederatedTrainingJoinedTest {
    function setUp() public override {
        super.setUp();
        _commitRevealAll(taskId, ps, 1);
    }

    function test_SettlesRound() public {
        vm.expectEmit(true, true, false, false, address(training));
        emit RoundSettled(taskId, 1, 0, 0, 0, 0, 0);
        _report(taskId, 1, _allAccepted(ps));
        FederatedTraining.Task memory t = training.getTask(taskId);
        assertEq(t.round, 2);
        assertEq(t.modelHash, _aggregate(1));
        uint256 share = (POOL / ROUNDS) * 10_000 / 40_000;
        assertEq(training.getParticipant(taskId, ps[0]).reward, share);
        assertEq(t.rewardsCredited, 4 * share);
    }

    function test_RejectsReportFromStranger() public {
        bytes memory payload = _payload(taskId, 1, _allAccepted(ps));
        vm.expectEmit(true, true, false, true, address(training));
        emit RoundReportRejected(taskId, 1, STRANGER, ReportRejectReason.UnauthorizedSender);
        vm.prank(STRANGER);
        training.onReport(KeystoneReports.metadata(_header()), payload);
        assertEq(training.getTask(taskId).round, 1);
    }

    function test_RejectsReportOfAnotherWorkflow() public {
        KeystoneReports.Header memory h = _header();
        h.workflowOwner = STRANGER;
        _expectRejected(taskId, 1, ReportRejectReason.UnauthorizedWorkflow);
        assertTrue(_send(h, _payload(taskId, 1, _allAccepted(ps))));
    }

    function test_RejectsReportForAnotherTask() public {
        bytes32 other = _createTask();
        _expectRejected(other, 1, ReportRejectReason.TooEarly);
        _send(_payload(other, 1, training.getTask(taskId).modelHash, _allAccepted(ps)));
        bytes32 unknown = keccak256("no such task");
        _expectRejected(unknown, 1, ReportRejectReason.TaskNotRunning);
        _send(_payload(unknown, 1, INITIAL_MODEL, _allAccepted(ps)));
        assertEq(training.getTask(taskId).round, 1);
    }

    function test_RejectsReportForAnotherRound() public {
        _expectRejected(taskId, 2, ReportRejectReason.WrongRound);
        _send(_payload(taskId, 2, _allAccepted(ps)));
    }

    function test_RejectsReplayedReport() public {
        _report(taskId, 1, _allAccepted(ps));
        uint256 credited = training.getTask(taskId).rewardsCredited;
        // The same report again (a new execution id): round 1 is settled, no double reward.
        _expectRejected(taskId, 1, ReportRejectReason.WrongRound);
        _send(_payload(taskId, 1, INITIAL_MODEL, _allAccepted(ps)));
        assertEq(training.getTask(taskId).rewardsCredited, credited);
    }

    function test_RejectsEarlyReport() public {
        bytes32 fresh = _createTask();
        address[] memory qs = new address[](3);
        for (uint256 i = 0; i < 3; ++i) {
            qs[i] = address(uint160(0x2000 + i));
            vm.deal(qs[i], STAKE);
        }
        _joinAll(fresh, qs);
        _toPhase(fresh, 1);
        _expectRejected(fresh, 1, ReportRejectReason.TooEarly);
        _send(_payload(fresh, 1, new Entry[](0)));
    }

    function test_RejectsWrongBaseModel() public {
        _expectRejected(taskId, 1, ReportRejectReason.WrongBaseModel);
        _send(_payload(taskId, 1, keccak256("another base"), _allAccepted(ps)));
    }

    function test_RejectsMissingCommitter() public {
        Entry[] memory es = _allAccepted(ps);
        Entry[] memory three = new Entry[](3);
        for (uint256 i = 0; i < 3; ++i) {
            three[i] = es[i];
        }
        _expectRejected(taskId, 1, ReportRejectReason.ParticipantMismatch);
        _send(_payload(taskId, 1, three));
    }

    function test_RejectsDuplicateIdentity() public {
        Entry[] memory es = _allAccepted(ps);
        es[1] = es[0];
        _expectRejected(taskId, 1, ReportRejectReason.ParticipantMismatch);
        _send(_payload(taskId, 1, es));
    }

    function test_RejectsStrangerInsteadOfCommitter() public {
        Entry[] memory es = _allAccepted(ps);
        es[3].participant = address(uint160(0x9999));
        _expectRejected(taskId, 1, ReportRejectReason.ParticipantMismatch);
        _send(_payload(taskId, 1, es));
    }

    function test_RejectsNotRevealedForRevealer() public {
        Entry[] memory es = _allAccepted(ps);
        es[2] = Entry({participant: ps[2], status: NOT_REVEALED, slashed: true, weightBps: 0});
        _expectRejected(taskId, 1, ReportRejectReason.ParticipantMismatch);
        _send(_payload(taskId, 1, es));
    }

    function test_RejectsInconsistentEntry() public {
        Entry[] memory es = _allAccepted(ps);
        es[0].slashed = true; // an accepted update is never slashed
        _expectRejected(taskId, 1, ReportRejectReason.Malformed);
        _send(_payload(taskId, 1, es));
        es = _allAccepted(ps);
        es[1].status = HARMFUL; // a rejected update gets no weight
        _expectRejected(taskId, 1, ReportRejectReason.Malformed);
        _send(_payload(taskId, 1, es));
    }

    function test_RejectsMalformedPayload() public {
        bytes memory payload = _payload(taskId, 1, _allAccepted(ps));
        bytes memory cut = new bytes(payload.length - 1);
        for (uint256 i = 0; i < cut.length; ++i) {
            cut[i] = payload[i];
        }
        _expectRejected(taskId, 1, ReportRejectReason.Malformed);
        assertTrue(_send(cut));
    }

    function test_ForwarderRejectsTooFewSignatures() public {
        bytes memory raw = KeystoneReports.rawReport(_header(), _payload(taskId, 1, _allAccepted(ps)));
        bytes memory context = KeystoneReports.context(CONFIG_DIGEST, s_sequence);
        bytes[] memory one = KeystoneReports.sign(raw, context, _signerKeys(1));
        vm.expectRevert();
        forwarder.report(address(training), raw, context, one);
    }
}

/// @notice Slashing: only through the DON's report; rejected updates and missing reveals.
contract FederatedTrainingSlashingTest is FederatedTrainingJoinedTest {
    function _joinedCount() internal pure override returns (uint256) {
        return 5;
    }

    function test_SlashesRejectedAndSilentParticipants() public {
        _toPhase(taskId, 0);
        for (uint256 i = 0; i < 5; ++i) {
            _commit(taskId, ps[i], 1);
        }
        _toPhase(taskId, 1);
        for (uint256 i = 0; i < 4; ++i) {
            _reveal(taskId, ps[i], 1); // ps[4] never reveals
        }
        _toPhase(taskId, 2);
        Entry[] memory es = _allAccepted(ps);
        es[1] = Entry({participant: ps[1], status: HARMFUL, slashed: true, weightBps: 0});
        es[2] = Entry({participant: ps[2], status: DISTANCE_OUTLIER, slashed: false, weightBps: 0});
        es[4] = Entry({participant: ps[4], status: NOT_REVEALED, slashed: true, weightBps: 0});
        vm.expectEmit(true, true, true, true, address(training));
        emit ParticipantSlashed(taskId, 1, ps[1], STAKE, HARMFUL);
        vm.expectEmit(true, true, true, true, address(training));
        emit ParticipantSlashed(taskId, 1, ps[4], STAKE, NOT_REVEALED);
        _report(taskId, 1, es);
        assertEq(training.getParticipant(taskId, ps[1]).stake, 0);
        assertEq(training.getParticipant(taskId, ps[2]).stake, STAKE, "an outlier is not slashed");
        assertEq(training.getParticipant(taskId, ps[4]).stake, 0);
        assertEq(training.getTask(taskId).slashedTotal, 2 * STAKE);
        // Slashed participants are out of the task.
        _toPhase(taskId, 0);
        vm.prank(ps[1]);
        vm.expectRevert(abi.encodeWithSelector(NotParticipant.selector, taskId, ps[1]));
        training.commit(taskId, keccak256("c"));
    }

    function test_NoOtherWayToSlash() public {
        _commitRevealAll(taskId, ps, 1);
        // A slash in a report that does not come through the DON changes nothing.
        Entry[] memory es = _allAccepted(ps);
        es[0] = Entry({participant: ps[0], status: HARMFUL, slashed: true, weightBps: 0});
        bytes memory payload = _payload(taskId, 1, es);
        vm.prank(STRANGER);
        training.onReport(KeystoneReports.metadata(_header()), payload);
        vm.prank(SPONSOR);
        training.onReport(KeystoneReports.metadata(_header()), payload);
        assertEq(training.getParticipant(taskId, ps[0]).stake, STAKE);
        assertEq(training.getTask(taskId).slashedTotal, 0);
    }

    function test_SybilIdentitiesBothSlashed() public {
        _commitRevealAll(taskId, ps, 1);
        Entry[] memory es = _allAccepted(ps);
        es[3] = Entry({participant: ps[3], status: DUPLICATE_UPDATE, slashed: true, weightBps: 0});
        es[4] = Entry({participant: ps[4], status: DUPLICATE_UPDATE, slashed: true, weightBps: 0});
        _report(taskId, 1, es);
        assertEq(training.getParticipant(taskId, ps[3]).stake, 0);
        assertEq(training.getParticipant(taskId, ps[4]).stake, 0);
        assertEq(training.getParticipant(taskId, ps[0]).reward, (POOL / ROUNDS) * 10_000 / 30_000);
    }
}

/// @notice Rewards: shares by weight; conservation; nothing double-paid; nothing stuck.
contract FederatedTrainingRewardsTest is FederatedTrainingBase {
    function testFuzz_RewardsFollowWeightsAndConserve(uint256 pool, uint16[6] memory weights, uint8 slashMask)
        public
    {
        pool = bound(pool, 0, 900 ether);
        bytes32 taskId = _createTask(_config(), pool);
        address[] memory ps = _participants(6);
        _joinAll(taskId, ps);
        _commitRevealAll(taskId, ps, 1);
        Entry[] memory es = new Entry[](6);
        uint256 sum;
        for (uint256 i = 0; i < 6; ++i) {
            uint16 w = uint16(bound(weights[i], 0, 10_000));
            bool slash = (slashMask >> i) & 1 == 1;
            es[i] = slash
                ? Entry({participant: ps[i], status: HARMFUL, slashed: true, weightBps: 0})
                : Entry({
                    participant: ps[i],
                    status: w == 0 ? DISTANCE_OUTLIER : ACCEPTED,
                    slashed: false,
                    weightBps: w
                });
            sum += slash ? 0 : w;
        }
        _report(taskId, 1, es);
        uint256 roundReward = pool / ROUNDS;
        uint256 credited;
        for (uint256 i = 0; i < 6; ++i) {
            uint256 expected = sum == 0 ? 0 : (roundReward * es[i].weightBps) / sum;
            assertEq(training.getParticipant(taskId, ps[i]).reward, expected, "reward by weight");
            credited += expected;
        }
        assertLe(credited, roundReward);
        assertGe(credited + 6, sum == 0 ? 0 : roundReward, "at most one wei of dust per participant");
        FederatedTraining.Task memory t = training.getTask(taskId);
        assertEq(t.rewardsCredited, credited);
        _assertConserved(taskId, ps, pool + 6 * STAKE);
    }

    function test_FullTaskPaysEverythingOut() public {
        (bytes32 taskId, address[] memory ps) = _joinedTask(3);
        for (uint32 r = 1; r <= ROUNDS; ++r) {
            _round(taskId, ps, r);
        }
        assertEq(uint8(training.getTask(taskId).status), uint8(TaskStatus.Finished));
        for (uint256 i = 0; i < 3; ++i) {
            vm.prank(ps[i]);
            training.withdraw(taskId);
            vm.prank(ps[i]);
            vm.expectRevert(abi.encodeWithSelector(NothingToWithdraw.selector, taskId, ps[i]));
            training.withdraw(taskId);
        }
        training.withdrawSponsor(taskId);
        vm.expectRevert(abi.encodeWithSelector(NothingToWithdraw.selector, taskId, SPONSOR));
        training.withdrawSponsor(taskId);
        assertEq(address(training).balance, 0, "nothing stuck");
        // 5 ether over 3 rounds among 3: all but the rounding dust went to the participants.
        assertEq(
            ps[0].balance + ps[1].balance + ps[2].balance,
            30 ether + POOL - (SPONSOR.balance - (1_000 ether - POOL))
        );
    }

    function test_RevertWhen_WithdrawingWhileRunning() public {
        (bytes32 taskId, address[] memory ps) = _joinedTask(3);
        vm.prank(ps[0]);
        vm.expectRevert(
            abi.encodeWithSelector(TaskNotInStatus.selector, taskId, TaskStatus.Running, TaskStatus.Finished)
        );
        training.withdraw(taskId);
    }

    function test_SilentDonCancelsAndRefunds() public {
        (bytes32 taskId, address[] memory ps) = _joinedTask(3);
        _round(taskId, ps, 1);
        _commitRevealAll(taskId, ps, 2);
        uint256 deadline = training.reportDeadline(taskId);
        vm.expectRevert(abi.encodeWithSelector(NotCancellable.selector, taskId, 2, deadline));
        training.cancelTask(taskId);
        vm.warp(deadline);
        training.cancelTask(taskId);
        // A report after the deadline changes nothing.
        _expectRejected(taskId, 2, ReportRejectReason.TaskNotRunning);
        _send(_payload(taskId, 2, _allAccepted(ps)));
        for (uint256 i = 0; i < 3; ++i) {
            vm.prank(ps[i]);
            training.withdraw(taskId);
        }
        training.withdrawSponsor(taskId);
        assertEq(address(training).balance, 0, "nothing stuck");
        uint256 credited = training.getTask(taskId).rewardsCredited;
        assertGe(credited + 3, POOL / ROUNDS, "round 1 credited (less dust)");
        assertEq(SPONSOR.balance, 1_000 ether - credited, "the sponsor gets the uncredited rounds back");
    }

    function _assertConserved(bytes32 taskId, address[] memory ps, uint256 paidIn) internal view {
        FederatedTraining.Task memory t = training.getTask(taskId);
        uint256 held = uint256(t.rewardPool) - t.rewardsCredited + t.slashedTotal;
        for (uint256 i = 0; i < ps.length; ++i) {
            FederatedTraining.Participant memory p = training.getParticipant(taskId, ps[i]);
            held += uint256(p.stake) + p.reward;
        }
        assertEq(held, paidIn, "stakes + rewards in = owed to participants + owed to the sponsor");
        assertEq(address(training).balance, paidIn);
    }
}

/// @notice The final model goes to the registry as a proposal; the two-person rule still applies.
contract FederatedTrainingFinalModelTest is FederatedTrainingBase {
    function test_ProposesFinalModelWithProvenance() public {
        (bytes32 taskId, address[] memory ps) = _joinedTask(3);
        for (uint32 r = 1; r <= ROUNDS; ++r) {
            _round(taskId, ps, r);
        }
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(NotSponsor.selector, taskId, STRANGER));
        training.proposeFinalModel(taskId, "ipfs://final");
        bytes32 provenance = training.provenanceHashOf(taskId);
        vm.expectEmit(true, true, true, true, address(training));
        emit FinalModelProposed(taskId, FINAL_ID, _fileHash(ROUNDS), provenance);
        vm.prank(SPONSOR);
        training.proposeFinalModel(taskId, "ipfs://final");
        IModelRegistry.ModelVersion memory v = registry.getVersion(FINAL_ID, _fileHash(ROUNDS));
        assertEq(uint8(v.status), uint8(IModelRegistry.Status.Proposed));
        assertEq(v.proposer, address(training));
        assertEq(v.provenanceHash, provenance);
        assertEq(v.datasetDigest, training.getTask(taskId).provenanceAcc);
        assertFalse(
            registry.isApproved(FINAL_ID, _fileHash(ROUNDS)), "not approved until an approver says so"
        );
        vm.prank(APPROVER);
        registry.approve(FINAL_ID, _fileHash(ROUNDS));
        assertTrue(registry.isApproved(FINAL_ID, _fileHash(ROUNDS)));
        vm.prank(SPONSOR);
        vm.expectRevert(abi.encodeWithSelector(AlreadyProposed.selector, taskId));
        training.proposeFinalModel(taskId, "ipfs://final");
    }

    function test_RevertWhen_ProposingBeforeTheEnd() public {
        bytes32 taskId = _createTask();
        vm.prank(SPONSOR);
        vm.expectRevert(
            abi.encodeWithSelector(TaskNotInStatus.selector, taskId, TaskStatus.Running, TaskStatus.Finished)
        );
        training.proposeFinalModel(taskId, "ipfs://final");
    }

    function test_ProvenanceCoversTheUpdateHashes() public {
        (bytes32 a, address[] memory ps) = _joinedTask(3);
        _round(a, ps, 1);
        bytes32 digest;
        for (uint256 i = 0; i < 3; ++i) {
            digest = keccak256(abi.encode(digest, ps[i], _update(ps[i], 1)));
        }
        bytes32 expected = keccak256(abi.encode(bytes32(0), uint32(1), digest, _aggregate(1), _fileHash(1)));
        assertEq(training.getTask(a).provenanceAcc, expected);
    }
}

/// @notice Gas (goals of issue 12): commit + reveal per participant per round at most 120,000;
/// a round's report through the forwarder at most 300,000 (10 participants + 1 Sybil).
contract FederatedTrainingGasTest is FederatedTrainingBase {
    uint256 internal constant PARTICIPANT_GOAL = 120_000;
    uint256 internal constant REPORT_GOAL = 300_000;

    function test_CommitAndRevealFitTheGoal() public {
        (bytes32 taskId, address[] memory ps) = _joinedTask(11);
        _toPhase(taskId, 0);
        _commit(taskId, ps[0], 1);
        bytes32 c = training.commitmentOf(taskId, 1, ps[1], _update(ps[1], 1), _salt(ps[1], 1));
        vm.cool(address(training));
        vm.prank(ps[1]);
        training.commit(taskId, c);
        uint256 commitGas = vm.snapshotGasLastCall("FederatedTraining", "commit (cold)");
        _toPhase(taskId, 1);
        _reveal(taskId, ps[0], 1);
        vm.cool(address(training));
        vm.prank(ps[1]);
        training.reveal(
            taskId,
            _update(ps[1], 1),
            _salt(ps[1], 1),
            "http://127.0.0.1:40123/updates/0x0000000000000000000000000000000000001001/1"
        );
        uint256 revealGas = vm.snapshotGasLastCall("FederatedTraining", "reveal (cold, 70-byte uri)");
        // Plus the two transactions' intrinsic cost (21,000 each + calldata).
        uint256 total = commitGas + revealGas + 2 * 21_000 + 68 * 16 + 260 * 16;
        assertLe(total, PARTICIPANT_GOAL, "commit + reveal within 120,000 gas");
    }

    function test_RoundReportFitsTheGoal() public {
        (bytes32 taskId, address[] memory ps) = _joinedTask(11);
        _commitRevealAll(taskId, ps, 1);
        Entry[] memory es = _allAccepted(ps);
        es[8] = Entry({participant: ps[8], status: HARMFUL, slashed: true, weightBps: 0});
        es[9] = Entry({participant: ps[9], status: DUPLICATE_UPDATE, slashed: true, weightBps: 0});
        es[10] = Entry({participant: ps[10], status: DUPLICATE_UPDATE, slashed: true, weightBps: 0});
        es[3].weightBps = 8_000;
        bytes memory raw = KeystoneReports.rawReport(_header(), _payload(taskId, 1, es));
        bytes memory context = KeystoneReports.context(CONFIG_DIGEST, s_sequence);
        bytes[] memory signatures = KeystoneReports.sign(raw, context, _signerKeys(F + 1));
        vm.cool(address(training));
        vm.cool(address(forwarder));
        vm.prank(TRANSMITTER);
        forwarder.report(address(training), raw, context, signatures);
        uint256 used =
            vm.snapshotGasLastCall("FederatedTraining", "round report through the forwarder (11 entries)");
        assertEq(training.getTask(taskId).round, 2, "settled");
        uint256 calldataGas = 16 * (raw.length + context.length + 2 * 65 + 8 * 32);
        assertLe(used + 21_000 + calldataGas, REPORT_GOAL, "report within 300,000 gas");
    }
}
