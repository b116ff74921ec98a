// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {Test} from "forge-std/Test.sol";
import {ModelRegistry} from "../../contracts/ModelRegistry.sol";
import {IModelRegistry, IModelRegistryEvents} from "../../contracts/interfaces/IModelRegistry.sol";
import {RegistryDeployment} from "./helpers/RegistryFixture.sol";

/// @dev Constants, actors and helpers shared by every ModelRegistry suite (the upgrade, governance
/// and invariant suites import it).
abstract contract ModelRegistryBase is Test, IModelRegistryEvents {
    bytes32 internal constant DAMAGE = bytes32("damage-v1");
    bytes32 internal constant RISK = bytes32("risk-v1");
    uint16 internal constant LABELS = 4;
    bytes32 internal constant COMMITMENT = bytes32(uint256(0x1234_5678_9abc_def0));
    bytes32 internal HASH_1 = sha256("damage-v1 1.0.0");
    bytes32 internal HASH_2 = sha256("damage-v1 1.1.0");
    bytes32 internal HASH_3 = sha256("damage-v1 1.2.0");
    address internal PROPOSER = makeAddr("proposer");
    address internal APPROVER = makeAddr("approver");
    address internal APPROVER_2 = makeAddr("second approver");
    address internal STRANGER = makeAddr("stranger");

    ModelRegistry internal registry;
    address internal implementation;

    function setUp() public virtual {
        (registry, implementation) = RegistryDeployment.deploy(PROPOSER, APPROVER, APPROVER_2);
    }

    function _proposal(bytes32 modelId, bytes32 modelHash) internal pure returns (IModelRegistry.Proposal memory) {
        return IModelRegistry.Proposal({
            modelId: modelId,
            modelHash: modelHash,
            version: bytes12("1.0.0"),
            codeCommit: bytes20(keccak256(abi.encode("commit", modelHash))),
            provenanceHash: keccak256(abi.encode("provenance", modelHash)),
            datasetDigest: keccak256(abi.encode("dataset", modelHash)),
            hyperparamsHash: keccak256(abi.encode("hyperparameters", modelHash)),
            labelCount: LABELS,
            weightsCommitment: bytes32(0),
            weightsUri: "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"
        });
    }

    function _propose(bytes32 modelId, bytes32 modelHash) internal {
        IModelRegistry.Proposal memory p = _proposal(modelId, modelHash);
        vm.prank(PROPOSER);
        registry.propose(p);
    }

    function _approve(bytes32 modelId, bytes32 modelHash) internal {
        vm.prank(APPROVER);
        registry.approve(modelId, modelHash);
    }

    function _register(bytes32 modelId, bytes32 modelHash) internal {
        _propose(modelId, modelHash);
        _approve(modelId, modelHash);
    }

    function _status(bytes32 modelId, bytes32 modelHash) internal view returns (IModelRegistry.Status) {
        return registry.statusOf(modelId, modelHash);
    }

    function _retirementNotProposed(bytes32 modelId, bytes32 modelHash, IModelRegistry.Status status)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encodeWithSelector(IModelRegistry.RetirementNotProposed.selector, modelId, modelHash, status);
    }

    function _transition(bytes32 modelId, bytes32 modelHash, IModelRegistry.Status from, IModelRegistry.Status to)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encodeWithSelector(IModelRegistry.InvalidTransition.selector, modelId, modelHash, from, to);
    }

    function _roleError(address account, bytes32 role) internal pure returns (bytes memory) {
        return bytes(
            string.concat(
                "AccessControl: account ",
                _lower(account),
                " is missing role ",
                _hex(role)
            )
        );
    }

    function _lower(address a) private pure returns (string memory) {
        return _hexBytes(abi.encodePacked(a));
    }

    function _hex(bytes32 b) private pure returns (string memory) {
        return _hexBytes(abi.encodePacked(b));
    }

    function _hexBytes(bytes memory data) private pure returns (string memory) {
        bytes16 digits = "0123456789abcdef";
        bytes memory out = new bytes(2 + data.length * 2);
        out[0] = "0";
        out[1] = "x";
        for (uint256 i = 0; i < data.length; ++i) {
            out[2 + 2 * i] = digits[uint8(data[i]) >> 4];
            out[3 + 2 * i] = digits[uint8(data[i]) & 0xf];
        }
        return string(out);
    }
}

contract ModelRegistryRolesTest is ModelRegistryBase {
    function test_RevertWhen_StrangerProposes() public {
        IModelRegistry.Proposal memory p = _proposal(DAMAGE, HASH_1);
        vm.expectRevert(_roleError(STRANGER, registry.PROPOSER_ROLE()));
        vm.prank(STRANGER);
        registry.propose(p);
    }

    function test_RevertWhen_ProposerApproves() public {
        _propose(DAMAGE, HASH_1);
        vm.expectRevert(_roleError(PROPOSER, registry.APPROVER_ROLE()));
        vm.prank(PROPOSER);
        registry.approve(DAMAGE, HASH_1);
    }

    function test_RevertWhen_ApproverProposedTheVersionItself() public {
        // One account holding both roles still cannot approve its own proposal: two-person rule.
        registry.grantRole(registry.PROPOSER_ROLE(), APPROVER);
        IModelRegistry.Proposal memory p = _proposal(DAMAGE, HASH_1);
        vm.prank(APPROVER);
        registry.propose(p);
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.ProposerCannotApprove.selector, DAMAGE, HASH_1, APPROVER)
        );
        vm.prank(APPROVER);
        registry.approve(DAMAGE, HASH_1);
    }

    function test_RevertWhen_StrangerRevokes() public {
        _propose(DAMAGE, HASH_1);
        vm.expectRevert(_roleError(STRANGER, registry.APPROVER_ROLE()));
        vm.prank(STRANGER);
        registry.revoke(DAMAGE, HASH_1);
    }

    function test_RevertWhen_StrangerRejects() public {
        _propose(DAMAGE, HASH_1);
        vm.expectRevert(_roleError(STRANGER, registry.APPROVER_ROLE()));
        vm.prank(STRANGER);
        registry.reject(DAMAGE, HASH_1);
    }

    function test_RevertWhen_ProposerProposesARevocation() public {
        _register(DAMAGE, HASH_1);
        vm.expectRevert(_roleError(PROPOSER, registry.APPROVER_ROLE()));
        vm.prank(PROPOSER);
        registry.proposeRevocation(DAMAGE, HASH_1);
    }

    function test_RevertWhen_ApproverProposesAnAmendment() public {
        _register(DAMAGE, HASH_1);
        vm.expectRevert(_roleError(APPROVER, registry.PROPOSER_ROLE()));
        vm.prank(APPROVER);
        registry.proposeAmendment(DAMAGE, HASH_1, LABELS, COMMITMENT);
    }

    function test_RevertWhen_StrangerUpgrades() public {
        address next = address(new ModelRegistry());
        vm.expectRevert(_roleError(STRANGER, registry.UPGRADER_ROLE()));
        vm.prank(STRANGER);
        registry.upgradeTo(next);
    }

    function test_RevertWhen_ImplementationIsInitialised() public {
        vm.expectRevert("Initializable: contract is already initialized");
        ModelRegistry(implementation).initialize(STRANGER);
    }

    function test_RevertWhen_ProxyIsInitialisedTwice() public {
        vm.expectRevert("Initializable: contract is already initialized");
        registry.initialize(STRANGER);
    }
}

contract ModelRegistryLifecycleTest is ModelRegistryBase {
    function test_ProposeRecordsTheVersionAndEmits() public {
        IModelRegistry.Proposal memory p = _proposal(DAMAGE, HASH_1);
        vm.expectEmit(true, true, true, true, address(registry));
        emit ModelVersionProposed(
            DAMAGE,
            HASH_1,
            PROPOSER,
            p.version,
            p.codeCommit,
            p.provenanceHash,
            p.datasetDigest,
            p.hyperparamsHash,
            p.labelCount,
            p.weightsCommitment,
            p.weightsUri
        );
        vm.prank(PROPOSER);
        vm.startSnapshotGas("ModelRegistry", "propose");
        registry.propose(p);
        uint256 gasUsed = vm.stopSnapshotGas();
        assertLt(gasUsed, 150_000, "registering a version stays under 150k gas");

        IModelRegistry.ModelVersion memory v = registry.getVersion(DAMAGE, HASH_1);
        assertEq(uint8(v.status), uint8(IModelRegistry.Status.Proposed));
        assertEq(v.proposer, PROPOSER);
        assertEq(v.proposedAt, block.timestamp);
        assertEq(v.version, p.version);
        assertEq(v.codeCommit, p.codeCommit);
        assertEq(v.provenanceHash, p.provenanceHash);
        assertEq(v.datasetDigest, p.datasetDigest);
        assertEq(v.hyperparamsHash, p.hyperparamsHash);
        assertEq(v.labelCount, LABELS);
        assertTrue(v.labelCountRecorded);
        assertEq(v.weightsCommitment, bytes32(0));
        assertEq(registry.labelCountOf(DAMAGE, HASH_1), LABELS);
        assertFalse(registry.isApproved(DAMAGE, HASH_1));
        assertEq(registry.activeVersion(DAMAGE), bytes32(0));
    }

    function test_ProposeWithACircuitRecordsItsWeightsCommitment() public {
        IModelRegistry.Proposal memory p = _proposal(RISK, HASH_1);
        p.labelCount = 0;
        p.weightsCommitment = COMMITMENT;
        vm.prank(PROPOSER);
        vm.startSnapshotGas("ModelRegistry", "proposeWithWeightsCommitment");
        registry.propose(p);
        vm.stopSnapshotGas();
        assertEq(registry.getVersion(RISK, HASH_1).weightsCommitment, COMMITMENT);
        assertEq(registry.labelCountOf(RISK, HASH_1), 0, "a scalar result has label count 0, recorded");
        assertEq(registry.approvedWeightsCommitment(RISK, HASH_1), bytes32(0), "not approved yet");
        _approve(RISK, HASH_1);
        assertEq(registry.approvedWeightsCommitment(RISK, HASH_1), COMMITMENT);
    }

    function test_ApproveMakesTheVersionActive() public {
        _propose(DAMAGE, HASH_1);
        vm.expectEmit(true, true, true, true, address(registry));
        emit ModelVersionApproved(DAMAGE, HASH_1, APPROVER);
        vm.expectEmit(true, false, false, true, address(registry));
        emit ActiveVersionChanged(DAMAGE, bytes32(0), HASH_1);
        vm.prank(APPROVER);
        vm.startSnapshotGas("ModelRegistry", "approve");
        registry.approve(DAMAGE, HASH_1);
        vm.stopSnapshotGas();
        assertTrue(registry.isApproved(DAMAGE, HASH_1));
        assertEq(registry.activeVersion(DAMAGE), HASH_1);
        assertFalse(registry.isApproved(RISK, HASH_1), "approval is per model id");
    }

    function test_NewerApprovalBecomesActiveAndOlderStaysApproved() public {
        _register(DAMAGE, HASH_1);
        _register(DAMAGE, HASH_2);
        assertEq(registry.activeVersion(DAMAGE), HASH_2);
        assertTrue(registry.isApproved(DAMAGE, HASH_1));
    }

    function test_DeprecatingAnInactiveVersionTakesOneApprover() public {
        _register(DAMAGE, HASH_1);
        _register(DAMAGE, HASH_2);
        vm.expectEmit(true, true, true, true, address(registry));
        emit ModelVersionDeprecated(DAMAGE, HASH_1, APPROVER);
        vm.prank(APPROVER);
        registry.deprecate(DAMAGE, HASH_1);
        assertFalse(registry.isApproved(DAMAGE, HASH_1));
        assertEq(uint8(_status(DAMAGE, HASH_1)), uint8(IModelRegistry.Status.Deprecated));
        assertEq(registry.activeVersion(DAMAGE), HASH_2);
    }

    function test_RevokingAnInactiveVersionTakesOneApprover() public {
        _propose(DAMAGE, HASH_1);
        vm.expectEmit(true, true, true, true, address(registry));
        emit ModelVersionRevoked(DAMAGE, HASH_1, APPROVER);
        vm.prank(APPROVER);
        registry.revoke(DAMAGE, HASH_1);
        assertEq(uint8(_status(DAMAGE, HASH_1)), uint8(IModelRegistry.Status.Revoked));
    }

    function test_RevokeIsFinal() public {
        _propose(DAMAGE, HASH_1);
        vm.startPrank(APPROVER);
        registry.revoke(DAMAGE, HASH_1);
        vm.expectRevert(_transition(DAMAGE, HASH_1, IModelRegistry.Status.Revoked, IModelRegistry.Status.Approved));
        registry.approve(DAMAGE, HASH_1);
        vm.expectRevert(_transition(DAMAGE, HASH_1, IModelRegistry.Status.Revoked, IModelRegistry.Status.Revoked));
        registry.revoke(DAMAGE, HASH_1);
        vm.expectRevert(_transition(DAMAGE, HASH_1, IModelRegistry.Status.Revoked, IModelRegistry.Status.None));
        registry.reject(DAMAGE, HASH_1);
        vm.stopPrank();
        IModelRegistry.Proposal memory p = _proposal(DAMAGE, HASH_1);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelVersionExists.selector, DAMAGE, HASH_1));
        vm.prank(PROPOSER);
        registry.propose(p);
    }

    function test_RevokeAfterDeprecation() public {
        _register(DAMAGE, HASH_1);
        _register(DAMAGE, HASH_2);
        vm.startPrank(APPROVER);
        registry.deprecate(DAMAGE, HASH_1);
        registry.revoke(DAMAGE, HASH_1);
        vm.stopPrank();
        assertEq(uint8(_status(DAMAGE, HASH_1)), uint8(IModelRegistry.Status.Revoked));
    }

    function test_RevertWhen_DeprecatedVersionIsApprovedAgain() public {
        _register(DAMAGE, HASH_1);
        _register(DAMAGE, HASH_2);
        vm.startPrank(APPROVER);
        registry.deprecate(DAMAGE, HASH_1);
        vm.expectRevert(
            _transition(DAMAGE, HASH_1, IModelRegistry.Status.Deprecated, IModelRegistry.Status.Approved)
        );
        registry.approve(DAMAGE, HASH_1);
        vm.expectRevert(
            _transition(DAMAGE, HASH_1, IModelRegistry.Status.Deprecated, IModelRegistry.Status.Approved)
        );
        registry.activate(DAMAGE, HASH_1);
        vm.stopPrank();
    }

    function test_RevertWhen_DeprecatingAProposal() public {
        _propose(DAMAGE, HASH_1);
        vm.expectRevert(_transition(DAMAGE, HASH_1, IModelRegistry.Status.Proposed, IModelRegistry.Status.Deprecated));
        vm.prank(APPROVER);
        registry.deprecate(DAMAGE, HASH_1);
    }

    function test_RevertWhen_ApprovingUnknownVersion() public {
        vm.expectRevert(_transition(DAMAGE, HASH_1, IModelRegistry.Status.None, IModelRegistry.Status.Approved));
        vm.prank(APPROVER);
        registry.approve(DAMAGE, HASH_1);
    }

    function test_RevertWhen_VersionIsProposedTwice() public {
        _propose(DAMAGE, HASH_1);
        IModelRegistry.Proposal memory p = _proposal(DAMAGE, HASH_1);
        p.provenanceHash = keccak256("a different record");
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelVersionExists.selector, DAMAGE, HASH_1));
        vm.prank(PROPOSER);
        registry.propose(p);
        // The record never changes.
        assertEq(registry.getVersion(DAMAGE, HASH_1).provenanceHash, _proposal(DAMAGE, HASH_1).provenanceHash);
    }

    function test_RevertWhen_ZeroModelIdOrHash() public {
        IModelRegistry.Proposal memory p = _proposal(bytes32(0), HASH_1);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.InvalidModelVersion.selector, bytes32(0), HASH_1));
        vm.prank(PROPOSER);
        registry.propose(p);
        p = _proposal(DAMAGE, bytes32(0));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.InvalidModelVersion.selector, DAMAGE, bytes32(0)));
        vm.prank(PROPOSER);
        registry.propose(p);
    }

    function test_SameHashUnderTwoModelIdsIsTwoVersions() public {
        _propose(DAMAGE, HASH_1);
        _register(RISK, HASH_1);
        assertTrue(registry.isApproved(RISK, HASH_1));
        assertFalse(registry.isApproved(DAMAGE, HASH_1));
    }

    function test_ActivateRollsBackToAnOlderApprovedVersion() public {
        _register(DAMAGE, HASH_1);
        _register(DAMAGE, HASH_2);
        vm.expectEmit(true, false, false, true, address(registry));
        emit ActiveVersionChanged(DAMAGE, HASH_2, HASH_1);
        vm.prank(APPROVER);
        registry.activate(DAMAGE, HASH_1);
        assertEq(registry.activeVersion(DAMAGE), HASH_1);
        assertTrue(registry.isApproved(DAMAGE, HASH_2), "the newer version stays approved");
    }

    function test_RevertWhen_ActivatingTheActiveVersionOrAProposal() public {
        _register(DAMAGE, HASH_1);
        _propose(DAMAGE, HASH_2);
        vm.startPrank(APPROVER);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.VersionAlreadyActive.selector, DAMAGE, HASH_1));
        registry.activate(DAMAGE, HASH_1);
        vm.expectRevert(_transition(DAMAGE, HASH_2, IModelRegistry.Status.Proposed, IModelRegistry.Status.Approved));
        registry.activate(DAMAGE, HASH_2);
        vm.stopPrank();
    }

    function test_LabelCountOfAnUnknownVersionIsNotZero() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.LabelCountNotRecorded.selector, DAMAGE, HASH_1));
        registry.labelCountOf(DAMAGE, HASH_1);
    }

    function testFuzz_StatusOnlyMovesForward(uint8[12] calldata ops) public {
        // One version among three, two approvers: whatever they try, a status never moves back (a
        // rejection deletes a proposal, which is the one way back to None, and only from Proposed).
        _propose(DAMAGE, HASH_1);
        _register(DAMAGE, HASH_2);
        uint8 last = uint8(IModelRegistry.Status.Proposed);
        for (uint256 i = 0; i < ops.length; ++i) {
            vm.startPrank(ops[i] & 0x80 == 0 ? APPROVER : APPROVER_2);
            uint8 op = ops[i] % 7;
            if (op == 0) {
                try registry.approve(DAMAGE, HASH_1) {} catch {}
            } else if (op == 1) {
                try registry.deprecate(DAMAGE, HASH_1) {} catch {}
            } else if (op == 2) {
                try registry.revoke(DAMAGE, HASH_1) {} catch {}
            } else if (op == 3) {
                try registry.proposeRevocation(DAMAGE, HASH_1) {} catch {}
            } else if (op == 4) {
                try registry.proposeDeprecation(DAMAGE, HASH_1) {} catch {}
            } else if (op == 5) {
                try registry.activate(DAMAGE, HASH_2) {} catch {}
            } else {
                try registry.revokeAndActivate(DAMAGE, HASH_1, HASH_2) {} catch {}
            }
            vm.stopPrank();
            uint8 now_ = uint8(_status(DAMAGE, HASH_1));
            assertGe(now_, last, "status never moves backwards");
            last = now_;
            bytes32 active = registry.activeVersion(DAMAGE);
            assertTrue(active == bytes32(0) || registry.isApproved(DAMAGE, active), "the active version is approved");
        }
    }
}

/// @notice Squatting: a PROPOSER_ROLE holder who proposes someone else's model hash first, with bogus
/// provenance, would own that (model id, model hash) key for good. Remedy: an approver rejects the
/// proposal, which deletes it, and the key is free for the genuine proposal.
contract ModelRegistrySquattingTest is ModelRegistryBase {
    address internal SQUATTER = makeAddr("squatter");

    function setUp() public override {
        super.setUp();
        registry.grantRole(registry.PROPOSER_ROLE(), SQUATTER);
    }

    function test_RejectingASquattedProposalFreesTheKeyForTheGenuineOne() public {
        IModelRegistry.Proposal memory bogus = _proposal(DAMAGE, HASH_1);
        bogus.provenanceHash = keccak256("bogus provenance");
        bogus.labelCount = 2;
        vm.prank(SQUATTER);
        registry.propose(bogus);

        // The genuine author cannot propose the same key while it is squatted...
        IModelRegistry.Proposal memory genuine = _proposal(DAMAGE, HASH_1);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelVersionExists.selector, DAMAGE, HASH_1));
        vm.prank(PROPOSER);
        registry.propose(genuine);

        // ...until an approver rejects the squatter's proposal.
        vm.expectEmit(true, true, true, true, address(registry));
        emit ModelVersionRejected(DAMAGE, HASH_1, SQUATTER, APPROVER);
        vm.prank(APPROVER);
        registry.reject(DAMAGE, HASH_1);
        assertEq(uint8(_status(DAMAGE, HASH_1)), uint8(IModelRegistry.Status.None));
        IModelRegistry.ModelVersion memory cleared = registry.getVersion(DAMAGE, HASH_1);
        assertEq(cleared.proposer, address(0));
        assertEq(cleared.provenanceHash, bytes32(0));
        assertFalse(cleared.labelCountRecorded);

        vm.prank(PROPOSER);
        registry.propose(genuine);
        vm.prank(APPROVER);
        registry.approve(DAMAGE, HASH_1);
        IModelRegistry.ModelVersion memory v = registry.getVersion(DAMAGE, HASH_1);
        assertEq(v.proposer, PROPOSER);
        assertEq(v.provenanceHash, genuine.provenanceHash);
        assertEq(registry.labelCountOf(DAMAGE, HASH_1), LABELS);
        assertEq(registry.activeVersion(DAMAGE), HASH_1);
    }

    function test_RejectAlsoDropsThePendingAmendment() public {
        vm.prank(SQUATTER);
        registry.propose(_proposal(DAMAGE, HASH_1));
        vm.prank(SQUATTER);
        registry.proposeAmendment(DAMAGE, HASH_1, LABELS, COMMITMENT);
        vm.prank(APPROVER);
        registry.reject(DAMAGE, HASH_1);
        assertEq(registry.pendingAmendment(DAMAGE, HASH_1).proposedBy, address(0));
        vm.prank(PROPOSER);
        registry.propose(_proposal(DAMAGE, HASH_1));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.AmendmentNotProposed.selector, DAMAGE, HASH_1));
        vm.prank(APPROVER);
        registry.confirmAmendment(DAMAGE, HASH_1, LABELS, COMMITMENT);
    }

    function test_RevertWhen_RejectingAnApprovedVersion() public {
        _register(DAMAGE, HASH_1);
        vm.expectRevert(_transition(DAMAGE, HASH_1, IModelRegistry.Status.Approved, IModelRegistry.Status.None));
        vm.prank(APPROVER);
        registry.reject(DAMAGE, HASH_1);
    }

    function test_RevertWhen_RejectingAnUnknownVersion() public {
        vm.expectRevert(_transition(DAMAGE, HASH_1, IModelRegistry.Status.None, IModelRegistry.Status.None));
        vm.prank(APPROVER);
        registry.reject(DAMAGE, HASH_1);
    }
}

/// @notice Nobody leaves a model id without an active version by themselves: the active version is
/// revoked or deprecated only by two approvers, or replaced by another approved version in one call.
contract ModelRegistryRetirementTest is ModelRegistryBase {
    function setUp() public override {
        super.setUp();
        _register(DAMAGE, HASH_1);
    }

    function test_RevertWhen_OneApproverRevokesTheActiveVersion() public {
        vm.expectRevert(_retirementNotProposed(DAMAGE, HASH_1, IModelRegistry.Status.Revoked));
        vm.prank(APPROVER);
        registry.revoke(DAMAGE, HASH_1);
        assertEq(registry.activeVersion(DAMAGE), HASH_1);
    }

    function test_RevertWhen_OneApproverDeprecatesTheActiveVersion() public {
        vm.expectRevert(_retirementNotProposed(DAMAGE, HASH_1, IModelRegistry.Status.Deprecated));
        vm.prank(APPROVER);
        registry.deprecate(DAMAGE, HASH_1);
        assertEq(registry.activeVersion(DAMAGE), HASH_1);
    }

    function test_RevertWhen_TheProposingApproverConfirmsItsOwnRevocation() public {
        vm.startPrank(APPROVER);
        registry.proposeRevocation(DAMAGE, HASH_1);
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.RetirementNeedsSecondApprover.selector, DAMAGE, HASH_1, APPROVER)
        );
        registry.revoke(DAMAGE, HASH_1);
        vm.stopPrank();
        assertTrue(registry.isApproved(DAMAGE, HASH_1));
    }

    function test_TwoApproversRevokeTheActiveVersion() public {
        vm.expectEmit(true, true, true, true, address(registry));
        emit RevocationProposed(DAMAGE, HASH_1, APPROVER);
        vm.prank(APPROVER);
        registry.proposeRevocation(DAMAGE, HASH_1);
        IModelRegistry.PendingRetirement memory pending = registry.pendingRetirement(DAMAGE, HASH_1);
        assertEq(pending.proposedBy, APPROVER);
        assertEq(uint8(pending.to), uint8(IModelRegistry.Status.Revoked));
        assertTrue(registry.isApproved(DAMAGE, HASH_1), "a proposal alone changes nothing");

        vm.expectEmit(true, false, false, true, address(registry));
        emit ActiveVersionChanged(DAMAGE, HASH_1, bytes32(0));
        vm.expectEmit(true, true, true, true, address(registry));
        emit ModelVersionRevoked(DAMAGE, HASH_1, APPROVER_2);
        vm.prank(APPROVER_2);
        registry.revoke(DAMAGE, HASH_1);
        assertEq(uint8(_status(DAMAGE, HASH_1)), uint8(IModelRegistry.Status.Revoked));
        assertEq(registry.activeVersion(DAMAGE), bytes32(0));
        assertEq(registry.pendingRetirement(DAMAGE, HASH_1).proposedBy, address(0), "pending cleared");
    }

    function test_TwoApproversDeprecateTheActiveVersion() public {
        vm.expectEmit(true, true, true, true, address(registry));
        emit DeprecationProposed(DAMAGE, HASH_1, APPROVER_2);
        vm.prank(APPROVER_2);
        registry.proposeDeprecation(DAMAGE, HASH_1);
        vm.prank(APPROVER);
        registry.deprecate(DAMAGE, HASH_1);
        assertEq(uint8(_status(DAMAGE, HASH_1)), uint8(IModelRegistry.Status.Deprecated));
        assertEq(registry.activeVersion(DAMAGE), bytes32(0));
    }

    function test_RevertWhen_ADeprecationProposalIsUsedToRevoke() public {
        vm.prank(APPROVER);
        registry.proposeDeprecation(DAMAGE, HASH_1);
        vm.expectRevert(_retirementNotProposed(DAMAGE, HASH_1, IModelRegistry.Status.Revoked));
        vm.prank(APPROVER_2);
        registry.revoke(DAMAGE, HASH_1);
    }

    function test_OneApproverReplacesTheActiveVersion() public {
        _register(DAMAGE, HASH_2);
        vm.prank(APPROVER);
        registry.activate(DAMAGE, HASH_1);
        // HASH_1 is active again; one approver revokes it by naming its replacement.
        vm.expectEmit(true, false, false, true, address(registry));
        emit ActiveVersionChanged(DAMAGE, HASH_1, HASH_2);
        vm.expectEmit(true, true, true, true, address(registry));
        emit ModelVersionRevoked(DAMAGE, HASH_1, APPROVER);
        vm.prank(APPROVER);
        vm.startSnapshotGas("ModelRegistry", "revokeAndActivate");
        registry.revokeAndActivate(DAMAGE, HASH_1, HASH_2);
        vm.stopSnapshotGas();
        assertEq(uint8(_status(DAMAGE, HASH_1)), uint8(IModelRegistry.Status.Revoked));
        assertEq(registry.activeVersion(DAMAGE), HASH_2);
    }

    function test_RevertWhen_TheReplacementIsNotApproved() public {
        _propose(DAMAGE, HASH_2);
        vm.startPrank(APPROVER);
        vm.expectRevert(_transition(DAMAGE, HASH_2, IModelRegistry.Status.Proposed, IModelRegistry.Status.Approved));
        registry.revokeAndActivate(DAMAGE, HASH_1, HASH_2);
        vm.expectRevert(_transition(DAMAGE, HASH_3, IModelRegistry.Status.None, IModelRegistry.Status.Approved));
        registry.revokeAndActivate(DAMAGE, HASH_1, HASH_3);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ReplacementIsRevokedVersion.selector, DAMAGE, HASH_1));
        registry.revokeAndActivate(DAMAGE, HASH_1, HASH_1);
        vm.stopPrank();
        assertEq(registry.activeVersion(DAMAGE), HASH_1);
    }

    function test_CancelledRevocationCannotBeConfirmed() public {
        vm.prank(APPROVER);
        registry.proposeRevocation(DAMAGE, HASH_1);
        vm.expectEmit(true, true, true, true, address(registry));
        emit RetirementCancelled(DAMAGE, HASH_1, APPROVER_2);
        vm.prank(APPROVER_2);
        registry.cancelRetirement(DAMAGE, HASH_1);
        vm.expectRevert(_retirementNotProposed(DAMAGE, HASH_1, IModelRegistry.Status.Revoked));
        vm.prank(APPROVER_2);
        registry.revoke(DAMAGE, HASH_1);
        vm.expectRevert(_retirementNotProposed(DAMAGE, HASH_1, IModelRegistry.Status.None));
        vm.prank(APPROVER_2);
        registry.cancelRetirement(DAMAGE, HASH_1);
    }

    function test_RevertWhen_ProposingToRetireWhatCannotMove() public {
        _propose(DAMAGE, HASH_2);
        vm.startPrank(APPROVER);
        vm.expectRevert(_transition(DAMAGE, HASH_2, IModelRegistry.Status.Proposed, IModelRegistry.Status.Deprecated));
        registry.proposeDeprecation(DAMAGE, HASH_2);
        vm.expectRevert(_transition(DAMAGE, HASH_3, IModelRegistry.Status.None, IModelRegistry.Status.Revoked));
        registry.proposeRevocation(DAMAGE, HASH_3);
        vm.stopPrank();
    }

    function test_AStaleRevocationOfAReplacedVersionIsDroppedWhenItIsRevoked() public {
        vm.prank(APPROVER);
        registry.proposeRevocation(DAMAGE, HASH_1);
        _register(DAMAGE, HASH_2);
        // HASH_1 is no longer active: one approver may revoke it, and the pending proposal goes.
        vm.prank(APPROVER);
        registry.revoke(DAMAGE, HASH_1);
        assertEq(registry.pendingRetirement(DAMAGE, HASH_1).proposedBy, address(0));
        assertEq(registry.activeVersion(DAMAGE), HASH_2);
    }

    /// @dev Whatever one approver does alone, the model id keeps an active, approved version.
    function testFuzz_OneApproverNeverEmptiesAModelId(uint8[10] calldata ops) public {
        _register(DAMAGE, HASH_2);
        _propose(DAMAGE, HASH_3);
        bytes32[3] memory hashes = [HASH_1, HASH_2, HASH_3];
        vm.startPrank(APPROVER);
        for (uint256 i = 0; i < ops.length; ++i) {
            bytes32 h = hashes[ops[i] % 3];
            bytes32 other = hashes[(ops[i] >> 2) % 3];
            uint8 op = (ops[i] >> 4) % 8;
            if (op == 0) {
                try registry.revoke(DAMAGE, h) {} catch {}
            } else if (op == 1) {
                try registry.deprecate(DAMAGE, h) {} catch {}
            } else if (op == 2) {
                try registry.proposeRevocation(DAMAGE, h) {} catch {}
            } else if (op == 3) {
                try registry.proposeDeprecation(DAMAGE, h) {} catch {}
            } else if (op == 4) {
                try registry.revokeAndActivate(DAMAGE, h, other) {} catch {}
            } else if (op == 5) {
                try registry.activate(DAMAGE, h) {} catch {}
            } else if (op == 6) {
                try registry.approve(DAMAGE, h) {} catch {}
            } else {
                try registry.cancelRetirement(DAMAGE, h) {} catch {}
            }
            bytes32 active = registry.activeVersion(DAMAGE);
            assertTrue(active != bytes32(0), "one approver never leaves the model id without an active version");
            assertTrue(registry.isApproved(DAMAGE, active), "the active version is approved");
        }
        vm.stopPrank();
    }
}

/// @notice Record extensions filled in after the proposal: one proposer proposes, another approver
/// confirms the exact values.
contract ModelRegistryAmendmentTest is ModelRegistryBase {
    function setUp() public override {
        super.setUp();
        _register(RISK, HASH_1);
    }

    function test_AnApproverConfirmsAWeightsCommitment() public {
        vm.expectEmit(true, true, true, true, address(registry));
        emit AmendmentProposed(RISK, HASH_1, PROPOSER, LABELS, COMMITMENT);
        vm.prank(PROPOSER);
        registry.proposeAmendment(RISK, HASH_1, LABELS, COMMITMENT);
        assertEq(registry.approvedWeightsCommitment(RISK, HASH_1), bytes32(0), "pending is not in force");

        vm.expectEmit(true, true, true, true, address(registry));
        emit ModelVersionAmended(RISK, HASH_1, APPROVER, PROPOSER, LABELS, bytes32(0), COMMITMENT);
        vm.prank(APPROVER);
        vm.startSnapshotGas("ModelRegistry", "confirmAmendment");
        registry.confirmAmendment(RISK, HASH_1, LABELS, COMMITMENT);
        vm.stopSnapshotGas();
        assertEq(registry.approvedWeightsCommitment(RISK, HASH_1), COMMITMENT);
        assertEq(registry.pendingAmendment(RISK, HASH_1).proposedBy, address(0));
    }

    function test_ACommitmentCanBeReplacedAndRemoved() public {
        _amend(COMMITMENT);
        bytes32 next = bytes32(uint256(COMMITMENT) + 1);
        _amend(next);
        assertEq(registry.approvedWeightsCommitment(RISK, HASH_1), next);
        _amend(bytes32(0));
        assertEq(registry.getVersion(RISK, HASH_1).weightsCommitment, bytes32(0));
    }

    function test_RevertWhen_TheProposerConfirmsItsOwnAmendment() public {
        registry.grantRole(registry.APPROVER_ROLE(), PROPOSER);
        vm.startPrank(PROPOSER);
        registry.proposeAmendment(RISK, HASH_1, LABELS, COMMITMENT);
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.AmendmentNeedsSecondPerson.selector, RISK, HASH_1, PROPOSER)
        );
        registry.confirmAmendment(RISK, HASH_1, LABELS, COMMITMENT);
        vm.stopPrank();
    }

    function test_RevertWhen_ConfirmingOtherValuesThanPending() public {
        vm.prank(PROPOSER);
        registry.proposeAmendment(RISK, HASH_1, LABELS, COMMITMENT);
        vm.expectRevert(
            abi.encodeWithSelector(
                IModelRegistry.AmendmentMismatch.selector, RISK, HASH_1, LABELS, COMMITMENT
            )
        );
        vm.prank(APPROVER);
        registry.confirmAmendment(RISK, HASH_1, LABELS, bytes32(uint256(666)));
    }

    function test_RevertWhen_TheLabelCountWouldChange() public {
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.LabelCountImmutable.selector, RISK, HASH_1, LABELS, 5)
        );
        vm.prank(PROPOSER);
        registry.proposeAmendment(RISK, HASH_1, 5, COMMITMENT);
    }

    function test_RevertWhen_TheAmendmentChangesNothing() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.AmendmentChangesNothing.selector, RISK, HASH_1));
        vm.prank(PROPOSER);
        registry.proposeAmendment(RISK, HASH_1, LABELS, bytes32(0));
    }

    function test_RevertWhen_AmendingARetiredVersion() public {
        _register(RISK, HASH_2);
        vm.prank(APPROVER);
        registry.deprecate(RISK, HASH_1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IModelRegistry.VersionNotAmendable.selector, RISK, HASH_1, IModelRegistry.Status.Deprecated
            )
        );
        vm.prank(PROPOSER);
        registry.proposeAmendment(RISK, HASH_1, LABELS, COMMITMENT);
    }

    function test_RetiringAVersionDropsItsPendingAmendment() public {
        _register(RISK, HASH_2);
        vm.prank(PROPOSER);
        registry.proposeAmendment(RISK, HASH_1, LABELS, COMMITMENT);
        vm.prank(APPROVER);
        registry.revoke(RISK, HASH_1);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.AmendmentNotProposed.selector, RISK, HASH_1));
        vm.prank(APPROVER_2);
        registry.confirmAmendment(RISK, HASH_1, LABELS, COMMITMENT);
    }

    function test_CancelAmendmentByItsProposerOrAnApprover() public {
        vm.prank(PROPOSER);
        registry.proposeAmendment(RISK, HASH_1, LABELS, COMMITMENT);
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.NotAmendmentProposer.selector, RISK, HASH_1, STRANGER)
        );
        vm.prank(STRANGER);
        registry.cancelAmendment(RISK, HASH_1);
        vm.expectEmit(true, true, true, true, address(registry));
        emit AmendmentCancelled(RISK, HASH_1, PROPOSER);
        vm.prank(PROPOSER);
        registry.cancelAmendment(RISK, HASH_1);

        vm.prank(PROPOSER);
        registry.proposeAmendment(RISK, HASH_1, LABELS, COMMITMENT);
        vm.prank(APPROVER_2);
        registry.cancelAmendment(RISK, HASH_1);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.AmendmentNotProposed.selector, RISK, HASH_1));
        vm.prank(APPROVER);
        registry.cancelAmendment(RISK, HASH_1);
    }

    function testFuzz_ConfirmedAmendmentIsExactlyWhatWasProposed(bytes32 commitment, bytes32 other) public {
        vm.assume(commitment != bytes32(0));
        vm.prank(PROPOSER);
        registry.proposeAmendment(RISK, HASH_1, LABELS, commitment);
        if (other != commitment) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IModelRegistry.AmendmentMismatch.selector, RISK, HASH_1, LABELS, commitment
                )
            );
            vm.prank(APPROVER);
            registry.confirmAmendment(RISK, HASH_1, LABELS, other);
            assertEq(registry.getVersion(RISK, HASH_1).weightsCommitment, bytes32(0));
        }
        vm.prank(APPROVER);
        registry.confirmAmendment(RISK, HASH_1, LABELS, commitment);
        assertEq(registry.approvedWeightsCommitment(RISK, HASH_1), commitment);
    }

    function _amend(bytes32 commitment) internal {
        vm.prank(PROPOSER);
        registry.proposeAmendment(RISK, HASH_1, LABELS, commitment);
        vm.prank(APPROVER);
        registry.confirmAmendment(RISK, HASH_1, LABELS, commitment);
    }
}
