// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

/// @title IFederatedTrainingEvents
/// @notice Types, events and errors of `FederatedTraining`, apart (functions-free) so that tests and
/// tools inherit them.
interface IFederatedTrainingEvents {
    /// @notice Lifecycle of a task: Running from creation (registration, then rounds), Finished after
    /// the last round's report, Cancelled by a timeout (too few participants, or no report in time).
    enum TaskStatus {
        None,
        Running,
        Finished,
        Cancelled
    }

    /// @notice Why `onReport` ignored a report (it never reverts: the KeystoneForwarder tries a report
    /// once, so a revert would lose it).
    enum ReportRejectReason {
        /// Not from the configured KeystoneForwarder.
        UnauthorizedSender,
        /// From another workflow than the configured owner and name.
        UnauthorizedWorkflow,
        /// The payload is not of the documented layout, or an entry is inconsistent in itself.
        Malformed,
        /// The task is unknown, finished or cancelled.
        TaskNotRunning,
        /// The report is for another round than the task's open one.
        WrongRound,
        /// The reveal period of the round is not over yet.
        TooEarly,
        /// The report's base model is not the task's current model.
        WrongBaseModel,
        /// The entries are not exactly the round's committers, in ascending order, with the reveal
        /// facts the contract holds.
        ParticipantMismatch
    }

    /// @notice What a sponsor sets for a task; immutable afterwards.
    /// @param baseModelId Registry model id of the base model (must be approved).
    /// @param baseModelHash Registry model hash (sha256 of the ONNX file) of the base model.
    /// @param initialModelHash keccak256 of the encoded round-0 parameter vector (federated/update-codec.ts,
    /// kind model, version 0): round 1's report must name it as its base.
    /// @param finalModelId Registry model id the final model is proposed under.
    /// @param finalVersion Registry version string of the final model.
    /// @param codeCommit Git commit of the training and aggregation code.
    /// @param rounds Number of rounds (at least 1).
    /// @param minParticipants Participants needed before round 1 may start.
    /// @param maxParticipants Most participants (bounds a report's size and gas).
    /// @param labelCount Classes the final model's result indexes (registry record).
    /// @param stake Exact stake (wei) a participant deposits to join.
    /// @param registrationPeriod Seconds after creation during which participants join.
    /// @param commitPeriod Seconds of a round's commit phase.
    /// @param revealPeriod Seconds of a round's reveal phase, after the commit phase.
    /// @param reportPeriod Seconds after the reveal phase in which the DON's report must arrive.
    /// @param ruleHash keccak256 of the aggregation rule and its parameters (canonical JSON).
    /// @param privacyHash keccak256 of the differential-privacy parameters (canonical JSON).
    /// @param validationHash keccak256 of the public validation set (federated/validation.ts).
    /// @param validationCid Where the validation set is published (emitted, not stored).
    struct TaskConfig {
        bytes32 baseModelId;
        bytes32 baseModelHash;
        bytes32 initialModelHash;
        bytes32 finalModelId;
        bytes12 finalVersion;
        bytes20 codeCommit;
        uint16 rounds;
        uint16 minParticipants;
        uint16 maxParticipants;
        uint16 labelCount;
        uint96 stake;
        uint32 registrationPeriod;
        uint32 commitPeriod;
        uint32 revealPeriod;
        uint32 reportPeriod;
        bytes32 ruleHash;
        bytes32 privacyHash;
        bytes32 validationHash;
        string validationCid;
    }

    /// @notice Emitted when a task is created, with everything participants and aggregators need.
    /// @param rewardPool The rewards deposited (wei), paid out over the rounds by score.
    event TaskCreated(bytes32 indexed taskId, address indexed sponsor, uint256 rewardPool, TaskConfig config);
    /// @notice Emitted when a participant joins a task with its stake.
    event ParticipantJoined(bytes32 indexed taskId, address indexed participant, uint256 stake);
    /// @notice Emitted when a participant commits to an update for a round.
    /// @param commitment keccak256(abi.encode(taskId, round, participant, contentHash, salt)).
    event UpdateCommitted(
        bytes32 indexed taskId, uint32 indexed round, address indexed participant, bytes32 commitment
    );
    /// @notice Emitted when a participant reveals its update: its content hash and where to fetch it.
    event UpdateRevealed(
        bytes32 indexed taskId,
        uint32 indexed round,
        address indexed participant,
        bytes32 contentHash,
        string uri
    );
    /// @notice Emitted when the DON's report of a round is accepted.
    /// @param updatesDigest keccak256 chain over the (participant, content hash) pairs of the revealed
    /// updates, in the report's (ascending participant) order.
    /// @param modelFileHash sha256 of the ONNX export of the new model.
    /// @param reward Wei credited to the accepted participants this round (each gets
    /// `roundReward * weightBps / sum of weights`, rounded down; the report's entries give the
    /// weights, `getParticipant` the running total; no event per participant, to save gas).
    /// @param slashed Wei slashed this round.
    event RoundSettled(
        bytes32 indexed taskId,
        uint32 indexed round,
        bytes32 aggregateHash,
        bytes32 modelFileHash,
        bytes32 updatesDigest,
        uint256 reward,
        uint256 slashed
    );
    /// @notice Emitted for each participant whose stake a settled round slashed.
    /// @param status The aggregation rule's status code (federated/reasons.ts; 14 = did not reveal).
    event ParticipantSlashed(
        bytes32 indexed taskId,
        uint32 indexed round,
        address indexed participant,
        uint256 amount,
        uint8 status
    );
    /// @notice Emitted when `onReport` ignores a report; nothing changed.
    event RoundReportRejected(
        bytes32 indexed taskId, uint32 indexed round, address sender, ReportRejectReason reason
    );
    /// @notice Emitted when a task is cancelled by a timeout.
    event TaskCancelled(bytes32 indexed taskId, uint32 round, address by);
    /// @notice Emitted when the final model is proposed to the registry.
    event FinalModelProposed(
        bytes32 indexed taskId, bytes32 indexed modelId, bytes32 indexed modelHash, bytes32 provenanceHash
    );
    /// @notice Emitted when funds leave the contract (stake and rewards, or the sponsor's refund).
    event Withdrawn(bytes32 indexed taskId, address indexed account, uint256 amount);
    /// @notice Emitted when the owner sets the workflow whose reports are accepted.
    event WorkflowSet(address workflowOwner, bytes10 workflowName);

    /// @notice Thrown by `createTask()` on a base model the registry does not approve.
    error BaseModelNotApproved(bytes32 modelId, bytes32 modelHash);
    /// @notice Thrown by `createTask()` on a config whose numbers make no task (`field` names it).
    error InvalidTaskConfig(string field, uint256 value);
    /// @notice Thrown when the task id is unknown.
    error UnknownTask(bytes32 taskId);
    /// @notice Thrown when the task is not in the status the call needs.
    error TaskNotInStatus(bytes32 taskId, TaskStatus status, TaskStatus expected);
    /// @notice Thrown by `join()` after the registration period.
    error RegistrationClosed(bytes32 taskId, uint256 closedAt);
    /// @notice Thrown by `join()` when the task is full.
    error TaskFull(bytes32 taskId, uint16 maxParticipants);
    /// @notice Thrown by `join()` when the value sent is not the stake.
    error WrongStake(bytes32 taskId, uint256 sent, uint256 stake);
    /// @notice Thrown by `join()` when the caller already joined.
    error AlreadyJoined(bytes32 taskId, address participant);
    /// @notice Thrown when the caller holds no stake in the task (never joined, slashed or withdrawn).
    error NotParticipant(bytes32 taskId, address account);
    /// @notice Thrown by `commit()` before round 1 when fewer than `minParticipants` joined.
    error NotEnoughParticipants(bytes32 taskId, uint16 joined, uint16 needed);
    /// @notice Thrown by `commit()` outside the round's commit phase.
    error NotInCommitPhase(bytes32 taskId, uint32 round, uint256 opensAt, uint256 closesAt);
    /// @notice Thrown by `reveal()` outside the round's reveal phase (a late reveal lands here).
    error NotInRevealPhase(bytes32 taskId, uint32 round, uint256 opensAt, uint256 closesAt);
    /// @notice Thrown by `commit()` when the participant already committed this round.
    error AlreadyCommitted(bytes32 taskId, uint32 round, address participant);
    /// @notice Thrown by `reveal()` when the participant did not commit this round.
    error NotCommitted(bytes32 taskId, uint32 round, address participant);
    /// @notice Thrown by `reveal()` when the participant already revealed this round.
    error AlreadyRevealed(bytes32 taskId, uint32 round, address participant);
    /// @notice Thrown by `reveal()` when the content hash and salt do not open the commitment.
    error CommitmentMismatch(bytes32 taskId, uint32 round, bytes32 committed, bytes32 opened);
    /// @notice Thrown by `commit()` on a zero commitment and by `reveal()` on a zero content hash.
    error ZeroHash();
    /// @notice Thrown by `cancelTask()` when no timeout has passed.
    error NotCancellable(bytes32 taskId, uint32 round, uint256 cancellableAt);
    /// @notice Thrown by `proposeFinalModel()` when the caller is not the task's sponsor.
    error NotSponsor(bytes32 taskId, address account);
    /// @notice Thrown by `proposeFinalModel()` when the final model was already proposed.
    error AlreadyProposed(bytes32 taskId);
    /// @notice Thrown by `withdraw()`/`withdrawSponsor()` when there is nothing to pay.
    error NothingToWithdraw(bytes32 taskId, address account);
    /// @notice Thrown when sending funds fails (the recipient refused them).
    error TransferFailed(address to, uint256 amount);
    /// @notice Thrown by the constructor and `setWorkflow()` on a zero address or name.
    error ZeroAddress(string field);
}

/// @title IFederatedTraining
/// @notice Federated training tasks coordinated on-chain: participants stake and join, commit and
/// reveal an update per round, the DON's threshold report (several aggregator adapters, identical
/// answers) settles each round with rewards by score and slashes, and the final model is proposed
/// to the model registry with its provenance. Pull payments: funds leave only through `withdraw`
/// and `withdrawSponsor` once a task has ended.
interface IFederatedTraining is IFederatedTrainingEvents {
    /// @notice Creates a task; `msg.value` is its reward pool. Only the owner.
    /// @param config The task's parameters.
    /// @return taskId The new task's id.
    function createTask(TaskConfig calldata config) external payable returns (bytes32 taskId);

    /// @notice Joins a task during its registration period, depositing exactly the stake.
    /// @param taskId The task.
    function join(bytes32 taskId) external payable;

    /// @notice Commits to an update during the open round's commit phase.
    /// @param taskId The task.
    /// @param commitment keccak256(abi.encode(taskId, round, msg.sender, contentHash, salt)).
    function commit(bytes32 taskId, bytes32 commitment) external;

    /// @notice Reveals the committed update during the round's reveal phase.
    /// @param taskId The task.
    /// @param contentHash keccak256 of the encoded update (federated/update-codec.ts).
    /// @param salt The salt of the commitment.
    /// @param uri Where aggregators fetch the update's bytes (emitted, not stored).
    function reveal(bytes32 taskId, bytes32 contentHash, bytes32 salt, string calldata uri) external;

    /// @notice Cancels a task whose registration ended with too few participants, or whose open
    /// round got no accepted report before its report deadline. Anyone may call it.
    /// @param taskId The task.
    function cancelTask(bytes32 taskId) external;

    /// @notice Proposes the finished task's final model to the registry (the registry's two-person
    /// approval still applies). Only the task's sponsor.
    /// @param taskId The task.
    /// @param weightsUri Where the final ONNX file is published.
    function proposeFinalModel(bytes32 taskId, string calldata weightsUri) external;

    /// @notice Pays the caller's stake (unless slashed) and credited rewards of an ended task.
    /// @param taskId The task.
    function withdraw(bytes32 taskId) external;

    /// @notice Pays the sponsor of an ended task the rewards not credited and the slashed stakes.
    /// @param taskId The task.
    function withdrawSponsor(bytes32 taskId) external;
}
