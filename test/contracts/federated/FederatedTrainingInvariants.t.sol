// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {FederatedTraining} from "../../../contracts/federated/FederatedTraining.sol";
import {FederatedTrainingBase} from "./FederatedTrainingBase.sol";

/// @dev Drives one task through random joins, commits, reveals, DON reports (random statuses,
/// weights and slashes, sometimes inconsistent), cancellations and withdrawals, keeping ghost totals
/// of what came in and went out.
contract FederatedTrainingHandler is FederatedTrainingBase {
    bytes32 public taskId;
    address[] internal s_ps;
    uint256 public paidIn;
    uint256 public paidOut;
    uint256 public reportsSettled;

    constructor() {
        setUp();
        vm.prank(SPONSOR);
        taskId = training.createTask{value: POOL}(_config());
        paidIn = POOL;
        s_ps = _participants(8);
    }

    function participants() external view returns (address[] memory) {
        return s_ps;
    }

    function join(uint256 who) external {
        address p = s_ps[bound(who, 0, s_ps.length - 1)];
        FederatedTraining.Task memory t = training.getTask(taskId);
        if (t.status != TaskStatus.Running || block.timestamp >= t.registrationEnd) return;
        if (training.getParticipant(taskId, p).stake != 0 || t.participants >= t.maxParticipants) return;
        vm.prank(p);
        training.join{value: STAKE}(taskId);
        paidIn += STAKE;
    }

    function commitAndReveal(uint256 mask) external {
        FederatedTraining.Task memory t = training.getTask(taskId);
        if (t.status != TaskStatus.Running || t.participants < t.minParticipants) return;
        _toPhase(taskId, 0);
        t = training.getTask(taskId);
        if (block.timestamp >= uint256(t.roundStart) + COMMIT) return;
        for (uint256 i = 0; i < s_ps.length; ++i) {
            FederatedTraining.Participant memory p = training.getParticipant(taskId, s_ps[i]);
            if (p.stake == 0 || p.committedRound == t.round || (mask >> i) & 1 == 0) continue;
            _commit(taskId, s_ps[i], t.round);
        }
        _toPhase(taskId, 1);
        for (uint256 i = 0; i < s_ps.length; ++i) {
            FederatedTraining.Participant memory p = training.getParticipant(taskId, s_ps[i]);
            if (p.committedRound != t.round || (mask >> (i + 8)) & 1 == 0) continue;
            _reveal(taskId, s_ps[i], t.round);
        }
    }

    function report(uint256 seed) external {
        FederatedTraining.Task memory t = training.getTask(taskId);
        if (t.status != TaskStatus.Running) return;
        _toPhase(taskId, 2);
        Entry[] memory es = new Entry[](t.committed);
        uint256 k;
        for (uint256 i = 0; i < s_ps.length; ++i) {
            FederatedTraining.Participant memory p = training.getParticipant(taskId, s_ps[i]);
            if (p.committedRound != t.round) continue;
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            if (p.revealedRound != t.round) {
                es[k++] = Entry({participant: s_ps[i], status: NOT_REVEALED, slashed: true, weightBps: 0});
            } else if (r % 4 == 0) {
                es[k++] = Entry({participant: s_ps[i], status: HARMFUL, slashed: true, weightBps: 0});
            } else {
                es[k++] = Entry({
                    participant: s_ps[i], status: ACCEPTED, slashed: false, weightBps: uint16(r % 10_001)
                });
            }
        }
        // Now and then a report a DON would never sign: it must change nothing.
        if (seed % 7 == 0 && es.length > 0) {
            es[0].slashed = !es[0].slashed;
        }
        uint32 round = t.round;
        _send(_payload(taskId, round, es));
        if (training.getTask(taskId).round != round || training.getTask(taskId).status != TaskStatus.Running)
        {
            reportsSettled += 1;
        }
    }

    /// @dev Rarely (1 call in 8): a cancelled task settles no more rounds.
    function cancel(uint256 dice) external {
        if (dice % 8 != 0) return;
        FederatedTraining.Task memory t = training.getTask(taskId);
        if (t.status != TaskStatus.Running) return;
        vm.warp(training.reportDeadline(taskId));
        training.cancelTask(taskId);
    }

    function withdraw(uint256 who) external {
        if (training.getTask(taskId).status == TaskStatus.Running) return;
        address p = s_ps[bound(who, 0, s_ps.length - 1)];
        FederatedTraining.Participant memory pp = training.getParticipant(taskId, p);
        uint256 owed = uint256(pp.stake) + pp.reward;
        if (owed == 0) return;
        vm.prank(p);
        training.withdraw(taskId);
        paidOut += owed;
    }

    function withdrawSponsor() external {
        FederatedTraining.Task memory t = training.getTask(taskId);
        if (t.status == TaskStatus.Running || t.sponsorPaid) return;
        uint256 owed = uint256(t.rewardPool) - t.rewardsCredited + t.slashedTotal;
        if (owed == 0) return;
        training.withdrawSponsor(taskId);
        paidOut += owed;
    }
}

/// @notice Conservation over random runs: stakes + rewards in = paid out + still held, and what is
/// held is exactly what the contract owes (participants' stakes and rewards, the sponsor's share).
contract FederatedTrainingInvariantsTest is FederatedTrainingBase {
    FederatedTrainingHandler internal handler;

    function setUp() public override {
        handler = new FederatedTrainingHandler();
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](7);
        selectors[0] = handler.join.selector;
        selectors[1] = handler.commitAndReveal.selector;
        selectors[2] = handler.report.selector;
        selectors[3] = handler.cancel.selector;
        selectors[4] = handler.withdraw.selector;
        selectors[5] = handler.withdrawSponsor.selector;
        selectors[6] = handler.join.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    function invariant_FundsConserve() public view {
        FederatedTraining t = _training();
        uint256 balance = address(t).balance;
        assertEq(handler.paidIn(), handler.paidOut() + balance, "in = out + held");
        FederatedTraining.Task memory task = t.getTask(handler.taskId());
        uint256 owed =
            task.sponsorPaid ? 0 : uint256(task.rewardPool) - task.rewardsCredited + task.slashedTotal;
        address[] memory ps = handler.participants();
        for (uint256 i = 0; i < ps.length; ++i) {
            FederatedTraining.Participant memory p = t.getParticipant(handler.taskId(), ps[i]);
            owed += uint256(p.stake) + p.reward;
        }
        assertEq(owed, balance, "held = owed: nothing stuck, nothing missing");
        assertLe(task.rewardsCredited, task.rewardPool, "never more rewards than the pool");
        // Rewards only through settled rounds: at most the shares of the rounds settled so far.
        uint256 settled = handler.reportsSettled();
        assertLe(
            task.rewardsCredited,
            (uint256(task.rewardPool) * settled) / ROUNDS,
            "no reward without a settled round"
        );
    }

    function _training() internal view returns (FederatedTraining) {
        return FederatedTraining(payable(address(_handlerTraining())));
    }

    function _handlerTraining() internal view returns (address) {
        return address(FederatedTrainingBase(address(handler)).trainingAddress());
    }
}
