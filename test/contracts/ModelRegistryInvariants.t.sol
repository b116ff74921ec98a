// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {CommonBase} from "forge-std/Base.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {ModelRegistry} from "../../contracts/ModelRegistry.sol";
import {IModelRegistry} from "../../contracts/interfaces/IModelRegistry.sol";
import {ModelRegistryBase} from "./ModelRegistry.t.sol";

/// @dev Drives the registry with every lifecycle, retirement and amendment call, from proposers,
/// approvers and one account holding both roles, over two model ids and three hashes each. Ghost
/// state records who approved what and every way the two-person rules could have been broken.
contract RegistryHandler is CommonBase, StdUtils {
    ModelRegistry internal immutable i_registry;
    /// [proposers..., the account with both roles, approvers..., a stranger]
    address[] internal s_actors;
    /// proposers are s_actors[0 .. i_proposers), approvers s_actors[i_proposers - 1 .. length - 1)
    uint256 internal immutable i_proposers;
    bytes32[2] internal s_ids = [bytes32("damage-v1"), bytes32("risk-v1")];
    bytes32[3] internal s_hashes = [sha256("model a"), sha256("model b"), sha256("model c")];

    /// key => the approver whose `approve` succeeded
    mapping(bytes32 => address) public s_approverOf;
    /// key => the label count first seen recorded, plus 1 (0: not seen yet)
    mapping(bytes32 => uint256) public s_labelSeen;
    uint256 public s_emptiedAlone;
    uint256 public s_statusMovedBack;
    uint256 public s_selfConfirmedAmendments;
    uint256 public s_calls;
    uint256 public s_successes;

    /// @param actors Accounts holding PROPOSER_ROLE in `actors[0 .. proposers)` and APPROVER_ROLE in
    /// `actors[proposers - 1 .. length - 1)` (so `actors[proposers - 1]` holds both); the last
    /// holds no role.
    constructor(ModelRegistry registry, address[] memory actors, uint256 proposers) {
        i_registry = registry;
        s_actors = actors;
        i_proposers = proposers;
    }

    function ids() external view returns (bytes32[2] memory) {
        return s_ids;
    }

    function hashes() external view returns (bytes32[3] memory) {
        return s_hashes;
    }

    function key(bytes32 modelId, bytes32 modelHash) public pure returns (bytes32) {
        return keccak256(abi.encode(modelId, modelHash));
    }

    function propose(uint256 actor, uint256 id, uint256 h, uint16 labelCount, bool withCircuit) external {
        (bytes32 modelId, bytes32 modelHash) = _pick(id, h);
        IModelRegistry.Proposal memory p = IModelRegistry.Proposal({
            modelId: modelId,
            modelHash: modelHash,
            version: bytes12("1.0.0"),
            codeCommit: bytes20(modelHash),
            provenanceHash: keccak256(abi.encode(modelHash, actor)),
            datasetDigest: bytes32(0),
            hyperparamsHash: bytes32(0),
            labelCount: labelCount,
            weightsCommitment: withCircuit ? keccak256(abi.encode("weights", modelHash)) : bytes32(0),
            weightsUri: ""
        });
        _call(_asProposer(actor), modelId, modelHash, abi.encodeCall(ModelRegistry.propose, (p)));
    }

    function approve(uint256 actor, uint256 id, uint256 h) external {
        (bytes32 modelId, bytes32 modelHash) = _pick(id, h);
        actor = _asApprover(actor);
        address who = _actor(actor);
        if (_call(actor, modelId, modelHash, abi.encodeCall(ModelRegistry.approve, (modelId, modelHash)))) {
            s_approverOf[key(modelId, modelHash)] = who;
        }
    }

    function reject(uint256 actor, uint256 id, uint256 h) external {
        (bytes32 modelId, bytes32 modelHash) = _pick(id, h);
        if (_call(_asApprover(actor), modelId, modelHash, abi.encodeCall(ModelRegistry.reject, (modelId, modelHash)))) {
            delete s_labelSeen[key(modelId, modelHash)];
        }
    }

    function activate(uint256 actor, uint256 id, uint256 h) external {
        (bytes32 modelId, bytes32 modelHash) = _pick(id, h);
        _call(_asApprover(actor), modelId, modelHash, abi.encodeCall(ModelRegistry.activate, (modelId, modelHash)));
    }

    function retire(uint256 actor, uint256 id, uint256 h, uint8 kind) external {
        (bytes32 modelId, bytes32 modelHash) = _pick(id, h);
        bytes memory call;
        kind = kind % 5;
        if (kind == 0) call = abi.encodeCall(ModelRegistry.proposeRevocation, (modelId, modelHash));
        else if (kind == 1) call = abi.encodeCall(ModelRegistry.revoke, (modelId, modelHash));
        else if (kind == 2) call = abi.encodeCall(ModelRegistry.proposeDeprecation, (modelId, modelHash));
        else if (kind == 3) call = abi.encodeCall(ModelRegistry.deprecate, (modelId, modelHash));
        else call = abi.encodeCall(ModelRegistry.cancelRetirement, (modelId, modelHash));
        _call(_asApprover(actor), modelId, modelHash, call);
    }

    function revokeAndActivate(uint256 actor, uint256 id, uint256 h, uint256 r) external {
        (bytes32 modelId, bytes32 modelHash) = _pick(id, h);
        bytes32 replacement = s_hashes[r % 3];
        _call(
            _asApprover(actor),
            modelId,
            modelHash,
            abi.encodeCall(ModelRegistry.revokeAndActivate, (modelId, modelHash, replacement))
        );
    }

    function amend(uint256 actor, uint256 id, uint256 h, uint16 labelCount, bytes32 commitment, uint8 kind)
        external
    {
        (bytes32 modelId, bytes32 modelHash) = _pick(id, h);
        kind = kind % 4;
        actor = kind == 0 ? _asProposer(actor) : _asApprover(actor);
        labelCount = _mostlyRecordedLabelCount(modelId, modelHash, labelCount);
        IModelRegistry.PendingAmendment memory pending = i_registry.pendingAmendment(modelId, modelHash);
        bytes memory call;
        if (kind == 0) {
            call = abi.encodeCall(ModelRegistry.proposeAmendment, (modelId, modelHash, labelCount, commitment));
        } else if (kind == 1) {
            // confirm exactly what is pending (the honest path)
            call = abi.encodeCall(
                ModelRegistry.confirmAmendment, (modelId, modelHash, pending.labelCount, pending.weightsCommitment)
            );
        } else if (kind == 2) {
            call = abi.encodeCall(ModelRegistry.confirmAmendment, (modelId, modelHash, labelCount, commitment));
        } else {
            call = abi.encodeCall(ModelRegistry.cancelAmendment, (modelId, modelHash));
        }
        bool ok = _call(actor, modelId, modelHash, call);
        if (ok && kind != 0 && kind != 3 && pending.proposedBy == _actor(actor)) {
            ++s_selfConfirmedAmendments;
        }
    }

    /// @dev An amendment proposed by one actor and confirmed by another, with the same values.
    function amendTwice(uint256 proposer, uint256 approver, uint256 id, uint256 h, bytes32 commitment) external {
        (bytes32 modelId, bytes32 modelHash) = _pick(id, h);
        uint16 labelCount = _mostlyRecordedLabelCount(modelId, modelHash, uint16(uint256(commitment)));
        proposer = _asProposer(proposer);
        approver = _asApprover(approver);
        bytes memory proposal =
            abi.encodeCall(ModelRegistry.proposeAmendment, (modelId, modelHash, labelCount, commitment));
        if (!_call(proposer, modelId, modelHash, proposal)) return;
        bytes memory confirmation =
            abi.encodeCall(ModelRegistry.confirmAmendment, (modelId, modelHash, labelCount, commitment));
        if (_call(approver, modelId, modelHash, confirmation) && _actor(proposer) == _actor(approver)) {
            ++s_selfConfirmedAmendments;
        }
    }

    /// @dev The version's recorded label count (an amendment that can pass) three times in four.
    function _mostlyRecordedLabelCount(bytes32 modelId, bytes32 modelHash, uint16 labelCount)
        internal
        view
        returns (uint16)
    {
        IModelRegistry.ModelVersion memory v = i_registry.getVersion(modelId, modelHash);
        return v.labelCountRecorded && labelCount % 4 != 0 ? v.labelCount : labelCount;
    }

    /// @dev Makes the call as the chosen actor and checks the two-person rules on what changed.
    function _call(uint256 actor, bytes32 modelId, bytes32 modelHash, bytes memory call) internal returns (bool ok) {
        address who = _actor(actor);
        bytes32 k = key(modelId, modelHash);
        bytes32 activeBefore = i_registry.activeVersion(modelId);
        IModelRegistry.Status before = i_registry.statusOf(modelId, modelHash);
        IModelRegistry.PendingRetirement memory pending = i_registry.pendingRetirement(modelId, modelHash);
        ++s_calls;
        vm.prank(who);
        (ok,) = address(i_registry).call(call);
        if (!ok) return false;
        ++s_successes;

        IModelRegistry.Status afterwards = i_registry.statusOf(modelId, modelHash);
        bool rejected = before == IModelRegistry.Status.Proposed && afterwards == IModelRegistry.Status.None;
        if (uint8(afterwards) < uint8(before) && !rejected) {
            ++s_statusMovedBack;
        }
        if (activeBefore != bytes32(0) && i_registry.activeVersion(modelId) == bytes32(0)) {
            // Only a retirement of the active version, proposed by another approver, empties an id.
            bool confirmedByTwo = activeBefore == modelHash && pending.proposedBy != address(0)
                && pending.proposedBy != who && pending.to == afterwards;
            if (!confirmedByTwo) {
                ++s_emptiedAlone;
            }
        }
        IModelRegistry.ModelVersion memory v = i_registry.getVersion(modelId, modelHash);
        if (v.labelCountRecorded && s_labelSeen[k] == 0) {
            s_labelSeen[k] = uint256(v.labelCount) + 1;
        }
        return true;
    }

    function _pick(uint256 id, uint256 h) internal view returns (bytes32, bytes32) {
        return (s_ids[id % 2], s_hashes[h % 3]);
    }

    function _actor(uint256 actor) internal view returns (address) {
        return s_actors[actor % s_actors.length];
    }

    /// @dev Mostly a proposer, sometimes anyone (so role checks are exercised too).
    function _asProposer(uint256 actor) internal view returns (uint256) {
        return actor % 8 == 0 ? actor : (actor >> 3) % i_proposers;
    }

    /// @dev Mostly an approver, sometimes anyone.
    function _asApprover(uint256 actor) internal view returns (uint256) {
        return actor % 8 == 0 ? actor : i_proposers - 1 + (actor >> 3) % (s_actors.length - i_proposers);
    }
}

/// @notice Invariants of the registry's lifecycle under random sequences of every call.
contract ModelRegistryInvariantTest is ModelRegistryBase {
    RegistryHandler internal handler;
    address internal BOTH = makeAddr("proposer and approver");
    address internal PROPOSER_2 = makeAddr("second proposer");

    function setUp() public override {
        super.setUp();
        registry.grantRole(registry.PROPOSER_ROLE(), PROPOSER_2);
        registry.grantRole(registry.PROPOSER_ROLE(), BOTH);
        registry.grantRole(registry.APPROVER_ROLE(), BOTH);
        address[] memory actors = new address[](6);
        actors[0] = PROPOSER;
        actors[1] = PROPOSER_2;
        actors[2] = BOTH;
        actors[3] = APPROVER;
        actors[4] = APPROVER_2;
        actors[5] = STRANGER;
        handler = new RegistryHandler(registry, actors, 3);
        targetContract(address(handler));
    }

    function test_HandlerReachesEveryStatus() public {
        // A fixed walk through the handler, so the invariant runs are known to exercise it.
        // actor 1 picks PROPOSER or BOTH, 9 PROPOSER_2 or APPROVER, 17 APPROVER_2 (see _asProposer/_asApprover)
        handler.propose(1, 0, 0, 4, false); // PROPOSER proposes version a
        handler.approve(9, 0, 0); // APPROVER approves it
        handler.propose(9, 0, 1, 4, true); // PROPOSER_2 proposes version b
        handler.approve(1, 0, 1); // BOTH approves it: b is active
        handler.retire(9, 0, 0, 3); // APPROVER deprecates the inactive version a
        handler.retire(17, 0, 1, 0); // APPROVER_2 proposes to revoke the active version b
        handler.retire(9, 0, 1, 1); // APPROVER confirms
        assertEq(uint8(registry.statusOf(DAMAGE, handler.hashes()[0])), uint8(IModelRegistry.Status.Deprecated));
        assertEq(uint8(registry.statusOf(DAMAGE, handler.hashes()[1])), uint8(IModelRegistry.Status.Revoked));
        assertEq(registry.activeVersion(DAMAGE), bytes32(0));
        assertEq(handler.s_emptiedAlone(), 0);
        assertEq(handler.s_approverOf(handler.key(DAMAGE, handler.hashes()[1])), BOTH);
    }

    /// @notice An approved (or later deprecated) version was approved by someone other than its
    /// proposer.
    function invariant_ApproverIsNeverTheProposer() public view {
        bytes32[2] memory ids = handler.ids();
        bytes32[3] memory hashes = handler.hashes();
        for (uint256 i = 0; i < 2; ++i) {
            for (uint256 j = 0; j < 3; ++j) {
                IModelRegistry.ModelVersion memory v = registry.getVersion(ids[i], hashes[j]);
                if (v.status == IModelRegistry.Status.Approved || v.status == IModelRegistry.Status.Deprecated) {
                    address approver = handler.s_approverOf(handler.key(ids[i], hashes[j]));
                    assertTrue(approver != address(0), "an approved version went through approve");
                    assertTrue(approver != v.proposer, "the approver is not the proposer");
                }
            }
        }
    }

    /// @notice The active version of every model id is zero or an approved version of that id.
    function invariant_ActiveVersionIsApproved() public view {
        bytes32[2] memory ids = handler.ids();
        for (uint256 i = 0; i < 2; ++i) {
            bytes32 active = registry.activeVersion(ids[i]);
            assertTrue(active == bytes32(0) || registry.isApproved(ids[i], active));
        }
    }

    /// @notice No single call by one account took a model id from an active version to none.
    function invariant_NobodyEmptiesAModelIdAlone() public view {
        assertEq(handler.s_emptiedAlone(), 0);
    }

    /// @notice A status only moves forward (a rejected proposal, back to None, is the one exception).
    function invariant_StatusNeverMovesBack() public view {
        assertEq(handler.s_statusMovedBack(), 0);
    }

    /// @notice No amendment was confirmed by the account that proposed it.
    function invariant_AmendmentsTakeTwoPeople() public view {
        assertEq(handler.s_selfConfirmedAmendments(), 0);
    }

    /// @notice Once recorded, a version's label count never changes.
    function invariant_RecordedLabelCountNeverChanges() public view {
        bytes32[2] memory ids = handler.ids();
        bytes32[3] memory hashes = handler.hashes();
        for (uint256 i = 0; i < 2; ++i) {
            for (uint256 j = 0; j < 3; ++j) {
                uint256 seen = handler.s_labelSeen(handler.key(ids[i], hashes[j]));
                IModelRegistry.ModelVersion memory v = registry.getVersion(ids[i], hashes[j]);
                if (seen != 0) {
                    assertTrue(v.labelCountRecorded);
                    assertEq(uint256(v.labelCount) + 1, seen);
                }
            }
        }
    }
}
