// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {ConfirmedOwner} from "@chainlink/contracts/src/v0.8/shared/access/ConfirmedOwner.sol";
import {IReceiver} from "@chainlink/contracts/src/v0.8/keystone/interfaces/IReceiver.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {CrePayload} from "../libraries/CrePayload.sol";
import {IFederatedTraining} from "./IFederatedTraining.sol";
import {FlRoundReport} from "./FlRoundReport.sol";

/// @title FederatedTraining
/// @notice Federated training tasks on a registry model, settled through a CRE DON. A task runs
/// registration (participants join with a stake), then per round a commit phase, a reveal phase and
/// the DON's report: several aggregator adapters fetch the revealed updates, run the deterministic
/// robust rule (federated/aggregation.ts) and must agree byte for byte; the report, signed by the
/// DON and delivered through the KeystoneForwarder, carries the new model's hashes and one entry per
/// committer (status, slashed flag, reward weight, scores). The contract checks the report against
/// what it holds (task, round, base model, exactly the round's committers, who revealed), credits
/// the round's reward share by weight, slashes the flagged stakes, and moves to the next round. After
/// the last round the sponsor proposes the final model to the registry (this contract holds
/// PROPOSER_ROLE; an approver still approves) with provenance naming the task, its rounds, the
/// update hashes, the rule and the privacy parameters. docs/federated.md describes the protocol.
/// @dev Funds: every wei in (stakes, reward pools) is either credited to a participant (stake not
/// slashed + rewards), owed to the sponsor (uncredited rewards + slashed stakes) or already paid
/// out; payments are pulled (`withdraw`, `withdrawSponsor`) once a task has ended. `onReport` never
/// reverts for content (the forwarder tries a report once): a report that fails a check emits
/// `RoundReportRejected` and changes nothing.
contract FederatedTraining is IFederatedTraining, IReceiver, IERC165, ConfirmedOwner {
    /// @notice Status code of an accepted update (federated/reasons.ts).
    uint8 public constant STATUS_ACCEPTED = 0;
    /// @notice Status code of a committer that did not reveal in time.
    uint8 public constant STATUS_NOT_REVEALED = 14;
    /// @notice A reward weight of 100%.
    uint16 public constant FULL_WEIGHT_BPS = 10_000;
    /// @notice Domain tag of the provenance hash proposed to the registry.
    bytes32 public constant PROVENANCE_TAG = keccak256("onnx-oracle/federated/provenance/v1");

    /// @notice A task as stored.
    /// @dev slot 0: sponsor, status, round, participants, committed, roundStart; slot 1: stake,
    /// rounds, participant limits, periods, labelCount; slot 2: pool, credited, registrationEnd,
    /// flags; then the slashed total and the hashes.
    struct Task {
        address sponsor;
        TaskStatus status;
        uint16 round;
        uint16 participants;
        uint16 committed;
        uint40 roundStart;
        uint96 stake;
        uint16 rounds;
        uint16 minParticipants;
        uint16 maxParticipants;
        uint32 commitPeriod;
        uint32 revealPeriod;
        uint32 reportPeriod;
        uint16 labelCount;
        uint96 rewardPool;
        uint96 rewardsCredited;
        uint40 registrationEnd;
        bool finalProposed;
        bool sponsorPaid;
        uint96 slashedTotal;
        bytes32 modelHash;
        bytes32 provenanceAcc;
        bytes32 finalFileHash;
        bytes32 baseModelId;
        bytes32 baseModelHash;
        bytes32 finalModelId;
        bytes12 finalVersion;
        bytes20 codeCommit;
        bytes32 ruleHash;
        bytes32 privacyHash;
        bytes32 validationHash;
    }

    /// @notice A participant of a task, one slot.
    /// @param stake Stake held (0 once slashed or withdrawn).
    /// @param reward Rewards credited and not withdrawn.
    /// @param committedRound The last round it committed in.
    /// @param revealedRound The last round it revealed in.
    struct Participant {
        uint96 stake;
        uint96 reward;
        uint32 committedRound;
        uint32 revealedRound;
    }

    /// @notice The workflow whose reports are accepted, as in the report metadata.
    struct Workflow {
        address owner;
        bytes10 name;
    }

    IModelRegistry internal immutable i_registry;
    address internal immutable i_forwarder;
    Workflow internal s_workflow;
    uint256 internal s_taskNonce;
    mapping(bytes32 taskId => Task) internal s_tasks;
    mapping(bytes32 taskId => mapping(address participant => Participant)) internal s_participants;
    /// @dev The open round's commitment, replaced by the content hash on reveal.
    mapping(bytes32 taskId => mapping(address participant => bytes32)) internal s_updates;

    /// @param registryAddress The model registry (base models must be approved there; the final model is
    /// proposed there).
    /// @param forwarderAddress The KeystoneForwarder that delivers the DON's reports.
    /// @param workflowOwner The workflow owner in the report metadata.
    /// @param workflowName The metadata's `workflow_name` (`CrePayload.workflowName(name)`).
    constructor(
        address registryAddress,
        address forwarderAddress,
        address workflowOwner,
        bytes10 workflowName
    ) ConfirmedOwner(msg.sender) {
        if (registryAddress == address(0)) {
            revert ZeroAddress("registry");
        }
        if (forwarderAddress == address(0)) {
            revert ZeroAddress("forwarder");
        }
        i_registry = IModelRegistry(registryAddress);
        i_forwarder = forwarderAddress;
        _setWorkflow(workflowOwner, workflowName);
    }

    // ------------------------------------------------------------------ admin

    /// @notice Sets the workflow whose reports are accepted. Only the owner.
    /// @param workflowOwner The workflow owner address in the report metadata.
    /// @param workflowName The metadata's `workflow_name` (`CrePayload.workflowName(name)`).
    function setWorkflow(address workflowOwner, bytes10 workflowName) external onlyOwner {
        _setWorkflow(workflowOwner, workflowName);
    }

    /// @inheritdoc IFederatedTraining
    function createTask(TaskConfig calldata config) external payable onlyOwner returns (bytes32 taskId) {
        _checkConfig(config);
        if (!i_registry.isApproved(config.baseModelId, config.baseModelHash)) {
            revert BaseModelNotApproved(config.baseModelId, config.baseModelHash);
        }
        if (msg.value > type(uint96).max) {
            revert InvalidTaskConfig("rewardPool", msg.value);
        }
        taskId = keccak256(abi.encode(block.chainid, address(this), ++s_taskNonce));
        Task storage t = s_tasks[taskId];
        uint40 registrationEnd = uint40(block.timestamp + config.registrationPeriod);
        t.sponsor = msg.sender;
        t.status = TaskStatus.Running;
        t.round = 1;
        t.roundStart = registrationEnd;
        t.stake = config.stake;
        t.rounds = config.rounds;
        t.minParticipants = config.minParticipants;
        t.maxParticipants = config.maxParticipants;
        t.commitPeriod = config.commitPeriod;
        t.revealPeriod = config.revealPeriod;
        t.reportPeriod = config.reportPeriod;
        t.labelCount = config.labelCount;
        t.rewardPool = uint96(msg.value);
        t.registrationEnd = registrationEnd;
        t.modelHash = config.initialModelHash;
        t.baseModelId = config.baseModelId;
        t.baseModelHash = config.baseModelHash;
        t.finalModelId = config.finalModelId;
        t.finalVersion = config.finalVersion;
        t.codeCommit = config.codeCommit;
        t.ruleHash = config.ruleHash;
        t.privacyHash = config.privacyHash;
        t.validationHash = config.validationHash;
        emit TaskCreated(taskId, msg.sender, msg.value, config);
        return taskId;
    }

    // ------------------------------------------------------------------ participants

    /// @inheritdoc IFederatedTraining
    function join(bytes32 taskId) external payable {
        Task storage t = _running(taskId);
        if (block.timestamp >= t.registrationEnd) {
            revert RegistrationClosed(taskId, t.registrationEnd);
        }
        if (t.participants >= t.maxParticipants) {
            revert TaskFull(taskId, t.maxParticipants);
        }
        if (msg.value != t.stake) {
            revert WrongStake(taskId, msg.value, t.stake);
        }
        Participant storage p = s_participants[taskId][msg.sender];
        if (p.stake != 0) {
            revert AlreadyJoined(taskId, msg.sender);
        }
        p.stake = uint96(msg.value);
        t.participants += 1;
        emit ParticipantJoined(taskId, msg.sender, msg.value);
    }

    /// @inheritdoc IFederatedTraining
    function commit(bytes32 taskId, bytes32 commitment) external {
        Task storage t = _running(taskId);
        Participant storage p = _participant(taskId);
        uint16 round = t.round;
        if (round == 1 && t.participants < t.minParticipants) {
            revert NotEnoughParticipants(taskId, t.participants, t.minParticipants);
        }
        uint256 opensAt = t.roundStart;
        uint256 closesAt = opensAt + t.commitPeriod;
        if (block.timestamp < opensAt || block.timestamp >= closesAt) {
            revert NotInCommitPhase(taskId, round, opensAt, closesAt);
        }
        if (p.committedRound == round) {
            revert AlreadyCommitted(taskId, round, msg.sender);
        }
        if (commitment == bytes32(0)) {
            revert ZeroHash();
        }
        p.committedRound = round;
        s_updates[taskId][msg.sender] = commitment;
        t.committed += 1;
        emit UpdateCommitted(taskId, round, msg.sender, commitment);
    }

    /// @inheritdoc IFederatedTraining
    function reveal(bytes32 taskId, bytes32 contentHash, bytes32 salt, string calldata uri) external {
        Task storage t = _running(taskId);
        Participant storage p = _participant(taskId);
        uint16 round = t.round;
        uint256 opensAt = uint256(t.roundStart) + t.commitPeriod;
        uint256 closesAt = opensAt + t.revealPeriod;
        if (block.timestamp < opensAt || block.timestamp >= closesAt) {
            revert NotInRevealPhase(taskId, round, opensAt, closesAt);
        }
        if (p.committedRound != round) {
            revert NotCommitted(taskId, round, msg.sender);
        }
        if (p.revealedRound == round) {
            revert AlreadyRevealed(taskId, round, msg.sender);
        }
        if (contentHash == bytes32(0)) {
            revert ZeroHash();
        }
        bytes32 committed = s_updates[taskId][msg.sender];
        bytes32 opened = commitmentOf(taskId, round, msg.sender, contentHash, salt);
        if (opened != committed) {
            revert CommitmentMismatch(taskId, round, committed, opened);
        }
        p.revealedRound = round;
        s_updates[taskId][msg.sender] = contentHash;
        emit UpdateRevealed(taskId, round, msg.sender, contentHash, uri);
    }

    // ------------------------------------------------------------------ timeouts and the end

    /// @inheritdoc IFederatedTraining
    function cancelTask(bytes32 taskId) external {
        Task storage t = _running(taskId);
        uint256 cancellableAt = reportDeadline(taskId);
        if (t.round == 1 && t.participants < t.minParticipants && t.registrationEnd < cancellableAt) {
            cancellableAt = t.registrationEnd;
        }
        if (block.timestamp < cancellableAt) {
            revert NotCancellable(taskId, t.round, cancellableAt);
        }
        t.status = TaskStatus.Cancelled;
        emit TaskCancelled(taskId, t.round, msg.sender);
    }

    /// @inheritdoc IFederatedTraining
    function proposeFinalModel(bytes32 taskId, string calldata weightsUri) external {
        Task storage t = _task(taskId);
        if (t.status != TaskStatus.Finished) {
            revert TaskNotInStatus(taskId, t.status, TaskStatus.Finished);
        }
        if (msg.sender != t.sponsor) {
            revert NotSponsor(taskId, msg.sender);
        }
        if (t.finalProposed) {
            revert AlreadyProposed(taskId);
        }
        t.finalProposed = true;
        bytes32 provenanceHash = provenanceHashOf(taskId);
        IModelRegistry.Proposal memory proposal = IModelRegistry.Proposal({
            modelId: t.finalModelId,
            modelHash: t.finalFileHash,
            version: t.finalVersion,
            codeCommit: t.codeCommit,
            provenanceHash: provenanceHash,
            datasetDigest: t.provenanceAcc,
            hyperparamsHash: keccak256(abi.encode(t.ruleHash, t.privacyHash)),
            labelCount: t.labelCount,
            weightsCommitment: bytes32(0),
            weightsUri: weightsUri
        });
        emit FinalModelProposed(taskId, t.finalModelId, t.finalFileHash, provenanceHash);
        i_registry.propose(proposal);
    }

    /// @inheritdoc IFederatedTraining
    function withdraw(bytes32 taskId) external {
        _ended(taskId);
        Participant storage p = s_participants[taskId][msg.sender];
        uint256 amount = uint256(p.stake) + p.reward;
        if (amount == 0) {
            revert NothingToWithdraw(taskId, msg.sender);
        }
        p.stake = 0;
        p.reward = 0;
        emit Withdrawn(taskId, msg.sender, amount);
        _send(msg.sender, amount);
    }

    /// @inheritdoc IFederatedTraining
    function withdrawSponsor(bytes32 taskId) external {
        Task storage t = _ended(taskId);
        uint256 amount = uint256(t.rewardPool) - t.rewardsCredited + t.slashedTotal;
        if (t.sponsorPaid || amount == 0) {
            revert NothingToWithdraw(taskId, t.sponsor);
        }
        t.sponsorPaid = true;
        emit Withdrawn(taskId, t.sponsor, amount);
        _send(t.sponsor, amount);
    }

    // ------------------------------------------------------------------ the DON's report

    /// @inheritdoc IERC165
    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == type(IReceiver).interfaceId || interfaceId == type(IERC165).interfaceId;
    }

    /// @inheritdoc IReceiver
    /// @dev Sender, then workflow (`CrePayload.decodeMetadata`, the same check as the inference
    /// oracle's), then the payload layout (`FlRoundReport`), then the round's facts; never reverts
    /// for content.
    function onReport(bytes calldata metadata, bytes calldata report) external {
        (bool ok, FlRoundReport.Head memory head) = FlRoundReport.decodeHead(report);
        if (msg.sender != i_forwarder) {
            emit RoundReportRejected(
                head.taskId, head.round, msg.sender, ReportRejectReason.UnauthorizedSender
            );
            return;
        }
        (bool hasMetadata, bytes10 workflowName, address workflowOwner) = CrePayload.decodeMetadata(metadata);
        Workflow memory expected = s_workflow;
        if (!hasMetadata || workflowOwner != expected.owner || workflowName != expected.name) {
            emit RoundReportRejected(
                head.taskId, head.round, msg.sender, ReportRejectReason.UnauthorizedWorkflow
            );
            return;
        }
        if (!ok) {
            emit RoundReportRejected(head.taskId, head.round, msg.sender, ReportRejectReason.Malformed);
            return;
        }
        (bool valid, ReportRejectReason reason) = _settle(head, report[FlRoundReport.ENTRIES_OFFSET:]);
        if (!valid) {
            emit RoundReportRejected(head.taskId, head.round, msg.sender, reason);
        }
    }

    // ------------------------------------------------------------------ views

    /// @notice The commitment a participant submits: binds the task, round, participant and update.
    /// @param taskId The task.
    /// @param round The round.
    /// @param participant The committing participant.
    /// @param contentHash keccak256 of the encoded update.
    /// @param salt A fresh random salt.
    function commitmentOf(
        bytes32 taskId,
        uint32 round,
        address participant,
        bytes32 contentHash,
        bytes32 salt
    ) public pure returns (bytes32) {
        return keccak256(abi.encode(taskId, round, participant, contentHash, salt));
    }

    /// @notice The provenance hash the final model is proposed with: keccak256 of
    /// `abi.encode(PROVENANCE_TAG, chainid, this, taskId, baseModelId, baseModelHash, rounds,
    /// ruleHash, privacyHash, validationHash, provenanceAcc)`, where `provenanceAcc` chains each
    /// round's `keccak256(abi.encode(acc, round, updatesDigest, aggregateHash, modelFileHash))`.
    /// @param taskId The task.
    function provenanceHashOf(bytes32 taskId) public view returns (bytes32) {
        Task storage t = _task(taskId);
        return keccak256(
            abi.encode(
                PROVENANCE_TAG,
                block.chainid,
                address(this),
                taskId,
                t.baseModelId,
                t.baseModelHash,
                t.rounds,
                t.ruleHash,
                t.privacyHash,
                t.validationHash,
                t.provenanceAcc
            )
        );
    }

    /// @notice When the open round's report deadline passes (the task may then be cancelled).
    /// @param taskId The task.
    function reportDeadline(bytes32 taskId) public view returns (uint256) {
        Task storage t = _task(taskId);
        return uint256(t.roundStart) + t.commitPeriod + t.revealPeriod + t.reportPeriod;
    }

    /// @notice A task as stored.
    /// @param taskId The task.
    function getTask(bytes32 taskId) external view returns (Task memory) {
        return _task(taskId);
    }

    /// @notice A participant of a task as stored.
    /// @param taskId The task.
    /// @param participant The participant.
    function getParticipant(bytes32 taskId, address participant) external view returns (Participant memory) {
        return s_participants[taskId][participant];
    }

    /// @notice The participant's open-round commitment, or its revealed content hash once revealed.
    /// @param taskId The task.
    /// @param participant The participant.
    function updateOf(bytes32 taskId, address participant) external view returns (bytes32) {
        return s_updates[taskId][participant];
    }

    /// @notice The model registry.
    function registry() external view returns (address) {
        return address(i_registry);
    }

    /// @notice The KeystoneForwarder reports must come from.
    function forwarder() external view returns (address) {
        return i_forwarder;
    }

    /// @notice The workflow owner and encoded name reports must carry.
    function workflow() external view returns (address workflowOwner, bytes10 workflowName) {
        Workflow memory w = s_workflow;
        return (w.owner, w.name);
    }

    // ------------------------------------------------------------------ internals

    /// @dev Settlement state of one report, kept in memory (two passes over the entries).
    struct Tally {
        uint256 weightSum;
        bytes32 updatesDigest;
        uint256 credited;
        uint256 slashed;
    }

    /// @dev Checks the report against the task (no writes), then applies it. Returns false and the
    /// reason when a check fails.
    function _settle(FlRoundReport.Head memory head, bytes calldata entries)
        internal
        returns (bool, ReportRejectReason)
    {
        Task storage t = s_tasks[head.taskId];
        if (t.status != TaskStatus.Running) {
            return (false, ReportRejectReason.TaskNotRunning);
        }
        if (head.round != t.round) {
            return (false, ReportRejectReason.WrongRound);
        }
        if (block.timestamp < uint256(t.roundStart) + t.commitPeriod + t.revealPeriod) {
            return (false, ReportRejectReason.TooEarly);
        }
        if (head.baseModelHash != t.modelHash) {
            return (false, ReportRejectReason.WrongBaseModel);
        }
        uint256 n = head.entryCount;
        if (n != t.committed) {
            return (false, ReportRejectReason.ParticipantMismatch);
        }
        Tally memory tally;
        {
            mapping(address => Participant) storage ps = s_participants[head.taskId];
            mapping(address => bytes32) storage updates = s_updates[head.taskId];
            address previous = address(0);
            for (uint256 i = 0; i < n; ++i) {
                FlRoundReport.Entry memory e = FlRoundReport.entryAt(entries, i);
                if (!FlRoundReport.consistent(e)) {
                    return (false, ReportRejectReason.Malformed);
                }
                Participant storage p = ps[e.participant];
                bool revealed = p.revealedRound == head.round;
                if (
                    e.participant <= previous || p.committedRound != head.round
                        || revealed == (e.status == STATUS_NOT_REVEALED)
                ) {
                    return (false, ReportRejectReason.ParticipantMismatch);
                }
                previous = e.participant;
                if (revealed) {
                    tally.updatesDigest =
                        keccak256(abi.encode(tally.updatesDigest, e.participant, updates[e.participant]));
                }
                tally.weightSum += e.weightBps;
            }
        }
        _apply(t, head, entries, tally);
        return (true, ReportRejectReason.Malformed);
    }

    /// @dev The effects of a checked report: rewards, slashes, the next round or the end.
    function _apply(
        Task storage t,
        FlRoundReport.Head memory head,
        bytes calldata entries,
        Tally memory tally
    ) internal {
        uint256 pool = t.rewardPool;
        uint256 roundReward = (pool * head.round) / t.rounds - (pool * (head.round - 1)) / t.rounds;
        mapping(address => Participant) storage ps = s_participants[head.taskId];
        for (uint256 i = 0; i < head.entryCount; ++i) {
            FlRoundReport.Entry memory e = FlRoundReport.entryAt(entries, i);
            Participant storage p = ps[e.participant];
            if (e.weightBps != 0) {
                uint256 amount = (roundReward * e.weightBps) / tally.weightSum;
                p.reward += uint96(amount);
                tally.credited += amount;
            }
            if (e.slashed) {
                uint256 amount = p.stake;
                p.stake = 0;
                tally.slashed += amount;
                emit ParticipantSlashed(head.taskId, head.round, e.participant, amount, e.status);
            }
        }
        t.rewardsCredited += uint96(tally.credited);
        t.slashedTotal += uint96(tally.slashed);
        t.modelHash = head.aggregateHash;
        t.provenanceAcc = keccak256(
            abi.encode(
                t.provenanceAcc, head.round, tally.updatesDigest, head.aggregateHash, head.modelFileHash
            )
        );
        t.committed = 0;
        if (head.round == t.rounds) {
            t.status = TaskStatus.Finished;
            t.finalFileHash = head.modelFileHash;
        } else {
            t.round = uint16(head.round + 1);
            t.roundStart = uint40(block.timestamp);
        }
        emit RoundSettled(
            head.taskId,
            head.round,
            head.aggregateHash,
            head.modelFileHash,
            tally.updatesDigest,
            tally.credited,
            tally.slashed
        );
    }

    function _checkConfig(TaskConfig calldata c) private pure {
        if (c.rounds == 0) {
            revert InvalidTaskConfig("rounds", c.rounds);
        }
        if (c.minParticipants == 0) {
            revert InvalidTaskConfig("minParticipants", c.minParticipants);
        }
        if (c.maxParticipants < c.minParticipants || c.maxParticipants > FlRoundReport.MAX_ENTRIES) {
            revert InvalidTaskConfig("maxParticipants", c.maxParticipants);
        }
        if (c.stake == 0) {
            revert InvalidTaskConfig("stake", c.stake);
        }
        if (c.registrationPeriod == 0) {
            revert InvalidTaskConfig("registrationPeriod", c.registrationPeriod);
        }
        if (c.commitPeriod == 0) {
            revert InvalidTaskConfig("commitPeriod", c.commitPeriod);
        }
        if (c.revealPeriod == 0) {
            revert InvalidTaskConfig("revealPeriod", c.revealPeriod);
        }
        if (c.reportPeriod == 0) {
            revert InvalidTaskConfig("reportPeriod", c.reportPeriod);
        }
        if (c.initialModelHash == bytes32(0)) {
            revert InvalidTaskConfig("initialModelHash", 0);
        }
        if (c.finalModelId == bytes32(0)) {
            revert InvalidTaskConfig("finalModelId", 0);
        }
    }

    function _task(bytes32 taskId) private view returns (Task storage t) {
        t = s_tasks[taskId];
        if (t.status == TaskStatus.None) {
            revert UnknownTask(taskId);
        }
        return t;
    }

    function _running(bytes32 taskId) private view returns (Task storage t) {
        t = _task(taskId);
        if (t.status != TaskStatus.Running) {
            revert TaskNotInStatus(taskId, t.status, TaskStatus.Running);
        }
        return t;
    }

    function _ended(bytes32 taskId) private view returns (Task storage t) {
        t = _task(taskId);
        if (t.status == TaskStatus.Running) {
            revert TaskNotInStatus(taskId, t.status, TaskStatus.Finished);
        }
        return t;
    }

    function _participant(bytes32 taskId) private view returns (Participant storage p) {
        p = s_participants[taskId][msg.sender];
        if (p.stake == 0) {
            revert NotParticipant(taskId, msg.sender);
        }
        return p;
    }

    function _send(address to, uint256 amount) private {
        (bool sent,) = to.call{value: amount}("");
        if (!sent) {
            revert TransferFailed(to, amount);
        }
    }

    function _setWorkflow(address workflowOwner, bytes10 workflowName) private {
        if (workflowOwner == address(0)) {
            revert ZeroAddress("workflowOwner");
        }
        if (workflowName == bytes10(0)) {
            revert ZeroAddress("workflowName");
        }
        s_workflow = Workflow({owner: workflowOwner, name: workflowName});
        emit WorkflowSet(workflowOwner, workflowName);
    }
}
