// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {ModelRegistry} from "../../../contracts/ModelRegistry.sol";
import {IModelRegistry} from "../../../contracts/interfaces/IModelRegistry.sol";
import {CrePayload} from "../../../contracts/libraries/CrePayload.sol";
import {FederatedTraining} from "../../../contracts/federated/FederatedTraining.sol";
import {IFederatedTrainingEvents} from "../../../contracts/federated/IFederatedTraining.sol";
import {OnnxOracleDeployer} from "../../../script/deploy/OnnxOracleDeployer.sol";
import {KeystoneReports} from "../helpers/KeystoneReports.sol";
import {KeystoneDonTest} from "../helpers/KeystoneDonTest.sol";

/// @dev Shared setup of the FederatedTraining suites: a registry with an approved base model, the
/// real KeystoneForwarder (1.2.0) with a 4-signer DON (f = 1), the training contract holding
/// PROPOSER_ROLE, and helpers that play participants and the DON (reports built and signed as a
/// CRE DON does, delivered through the forwarder).
abstract contract FederatedTrainingBase is KeystoneDonTest, IFederatedTrainingEvents {
    bytes32 internal constant BASE_ID = bytes32("risk-v1");
    bytes32 internal constant BASE_HASH = keccak256("risk-v1 onnx (stands for its sha256)");
    bytes32 internal constant FINAL_ID = bytes32("risk-fl");
    bytes32 internal constant INITIAL_MODEL = keccak256("round-0 model");
    uint96 internal constant STAKE = 1 ether;
    uint256 internal constant POOL = 5 ether;
    uint16 internal constant ROUNDS = 3;
    uint32 internal constant REGISTRATION = 1 days;
    uint32 internal constant COMMIT = 1 hours;
    uint32 internal constant REVEAL = 1 hours;
    uint32 internal constant REPORT = 1 hours;
    uint8 internal constant ACCEPTED = 0;
    uint8 internal constant DISTANCE_OUTLIER = 12;
    uint8 internal constant HARMFUL = 13;
    uint8 internal constant DUPLICATE_UPDATE = 9;
    uint8 internal constant NOT_REVEALED = 14;

    string internal constant WORKFLOW = "onnx-oracle-fl-aggregate";

    address internal SPONSOR = makeAddr("sponsor");
    address internal APPROVER = makeAddr("approver");
    address internal STRANGER = makeAddr("stranger");
    bytes10 internal WORKFLOW_NAME = CrePayload.workflowName(WORKFLOW);

    ModelRegistry internal registry;
    FederatedTraining internal training;

    /// One committer's entry as the aggregator reports it.
    struct Entry {
        address participant;
        uint8 status;
        bool slashed;
        uint16 weightBps;
    }

    function setUp() public virtual {
        (registry,) = OnnxOracleDeployer.deployRegistry(address(this));
        registry.grantRole(registry.PROPOSER_ROLE(), address(this));
        registry.grantRole(registry.APPROVER_ROLE(), APPROVER);
        registry.propose(
            IModelRegistry.Proposal({
                modelId: BASE_ID,
                modelHash: BASE_HASH,
                version: bytes12("1.0.0"),
                codeCommit: bytes20(keccak256("code")),
                provenanceHash: keccak256("provenance"),
                datasetDigest: keccak256("dataset"),
                hyperparamsHash: keccak256("hyperparameters"),
                labelCount: 2,
                weightsCommitment: bytes32(0),
                weightsUri: "ipfs://base"
            })
        );
        vm.prank(APPROVER);
        registry.approve(BASE_ID, BASE_HASH);

        _deployForwarder();
        vm.prank(SPONSOR);
        training = new FederatedTraining(address(registry), address(forwarder), WORKFLOW_OWNER, WORKFLOW_NAME);
        registry.grantRole(registry.PROPOSER_ROLE(), address(training));
        vm.deal(SPONSOR, 1_000 ether);
    }

    // ------------------------------------------------------------------ tasks and participants

    function _config() internal pure returns (TaskConfig memory) {
        return TaskConfig({
            baseModelId: BASE_ID,
            baseModelHash: BASE_HASH,
            initialModelHash: INITIAL_MODEL,
            finalModelId: FINAL_ID,
            finalVersion: bytes12("1.0.0-fl"),
            codeCommit: bytes20(keccak256("fl code")),
            rounds: ROUNDS,
            minParticipants: 3,
            maxParticipants: 12,
            labelCount: 2,
            stake: STAKE,
            registrationPeriod: REGISTRATION,
            commitPeriod: COMMIT,
            revealPeriod: REVEAL,
            reportPeriod: REPORT,
            ruleHash: keccak256("rule"),
            privacyHash: keccak256("dp"),
            validationHash: keccak256("validation"),
            validationCid: "ipfs://validation"
        });
    }

    function _createTask(TaskConfig memory config, uint256 pool) internal returns (bytes32 taskId) {
        vm.prank(SPONSOR);
        return training.createTask{value: pool}(config);
    }

    function _createTask() internal returns (bytes32) {
        return _createTask(_config(), POOL);
    }

    /// @dev Participants sorted ascending by address (the report's order).
    function _participants(uint256 count) internal returns (address[] memory ps) {
        ps = new address[](count);
        for (uint256 i = 0; i < count; ++i) {
            ps[i] = address(uint160(0x1000 + i));
            vm.deal(ps[i], 10 ether);
        }
        return ps;
    }

    /// @dev A task with the default configuration that `count` participants (`_participants`) joined.
    function _joinedTask(uint256 count) internal returns (bytes32 taskId, address[] memory ps) {
        taskId = _createTask();
        ps = _participants(count);
        _joinAll(taskId, ps);
        return (taskId, ps);
    }

    function _joinAll(bytes32 taskId, address[] memory ps) internal {
        for (uint256 i = 0; i < ps.length; ++i) {
            vm.prank(ps[i]);
            training.join{value: STAKE}(taskId);
        }
    }

    function _update(address participant, uint32 round) internal pure returns (bytes32) {
        return keccak256(abi.encode("update", participant, round));
    }

    function _salt(address participant, uint32 round) internal pure returns (bytes32) {
        return keccak256(abi.encode("salt", participant, round));
    }

    function _commit(bytes32 taskId, address participant, uint32 round) internal {
        bytes32 c = training.commitmentOf(
            taskId, round, participant, _update(participant, round), _salt(participant, round)
        );
        vm.prank(participant);
        training.commit(taskId, c);
    }

    function _reveal(bytes32 taskId, address participant, uint32 round) internal {
        vm.prank(participant);
        training.reveal(taskId, _update(participant, round), _salt(participant, round), "http://127.0.0.1/u");
    }

    /// @dev Moves time to the open round's phase: 0 commit, 1 reveal, 2 report.
    function _toPhase(bytes32 taskId, uint256 phase) internal {
        FederatedTraining.Task memory t = training.getTask(taskId);
        uint256 at = uint256(t.roundStart) + (phase >= 1 ? COMMIT : 0) + (phase >= 2 ? REVEAL : 0);
        if (block.timestamp < at) {
            vm.warp(at);
        }
    }

    /// @dev Every participant commits and reveals in the open round.
    function _commitRevealAll(bytes32 taskId, address[] memory ps, uint32 round) internal {
        _toPhase(taskId, 0);
        for (uint256 i = 0; i < ps.length; ++i) {
            _commit(taskId, ps[i], round);
        }
        _toPhase(taskId, 1);
        for (uint256 i = 0; i < ps.length; ++i) {
            _reveal(taskId, ps[i], round);
        }
        _toPhase(taskId, 2);
    }

    /// @dev Everyone accepted at full weight.
    function _allAccepted(address[] memory ps) internal pure returns (Entry[] memory es) {
        es = new Entry[](ps.length);
        for (uint256 i = 0; i < ps.length; ++i) {
            es[i] = Entry({participant: ps[i], status: ACCEPTED, slashed: false, weightBps: 10_000});
        }
        return es;
    }

    // ------------------------------------------------------------------ the DON's report

    function _aggregate(uint32 round) internal pure returns (bytes32) {
        return keccak256(abi.encode("aggregate", round));
    }

    function _fileHash(uint32 round) internal pure returns (bytes32) {
        return keccak256(abi.encode("onnx file sha256", round));
    }

    function _payload(bytes32 taskId, uint32 round, bytes32 base, Entry[] memory es)
        internal
        pure
        returns (bytes memory)
    {
        uint256[] memory words = new uint256[](es.length);
        for (uint256 i = 0; i < es.length; ++i) {
            words[i] = (uint256(uint160(es[i].participant)) << 96) | (uint256(es[i].status) << 88)
                | (uint256(es[i].slashed ? 1 : 0) << 80) | (uint256(es[i].weightBps) << 64)
                | (uint256(1234) << 32) | 77;
        }
        return abi.encode(taskId, round, base, _aggregate(round), _fileHash(round), uint32(45_000), words);
    }

    /// @dev The report of `round` on the task's current model.
    function _payload(bytes32 taskId, uint32 round, Entry[] memory es) internal view returns (bytes memory) {
        return _payload(taskId, round, training.getTask(taskId).modelHash, es);
    }

    function _workflowCid() internal pure override returns (bytes32) {
        return keccak256("fl workflow");
    }

    function _workflowName() internal view override returns (bytes10) {
        return WORKFLOW_NAME;
    }

    /// @dev Delivers a payload through the forwarder with f + 1 signatures; true when onReport returned.
    function _send(KeystoneReports.Header memory header, bytes memory payload) internal returns (bool) {
        return _sendReport(address(training), header, payload, _signerKeys(F + 1));
    }

    function _send(bytes memory payload) internal returns (bool) {
        return _send(_header(), payload);
    }

    function _report(bytes32 taskId, uint32 round, Entry[] memory es) internal {
        assertTrue(_send(_payload(taskId, round, es)), "onReport returned");
    }

    /// @dev Runs a whole round with everyone accepted.
    function _round(bytes32 taskId, address[] memory ps, uint32 round) internal {
        _commitRevealAll(taskId, ps, round);
        _report(taskId, round, _allAccepted(ps));
    }

    /// @dev The training contract (for suites that drive it through a handler).
    function trainingAddress() external view returns (address) {
        return address(training);
    }

    function _expectRejected(bytes32 taskId, uint32 round, ReportRejectReason reason) internal {
        vm.expectEmit(true, true, false, true, address(training));
        emit RoundReportRejected(taskId, round, address(forwarder), reason);
    }
}
