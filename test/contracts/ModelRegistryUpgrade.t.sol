// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {ModelRegistry} from "../../contracts/ModelRegistry.sol";
import {IModelRegistry} from "../../contracts/interfaces/IModelRegistry.sol";
import {ModelRegistryBase} from "./ModelRegistry.t.sol";
import {ModelRegistryV1, IModelRegistryV1} from "./legacy/ModelRegistryV1.sol";

/// @dev A later version of the registry: new behaviour, same storage.
contract ModelRegistryNext is ModelRegistry {
    function registryVersion() external pure returns (uint256) {
        return 3;
    }
}

/// @notice A proxy that holds records written by registry version 1 (the implementation deployed
/// before the record extensions, kept verbatim in test/contracts/legacy/) is upgraded to the current
/// implementation: every old record reads back intact, the new fields read "not recorded / none",
/// and they can then be filled in under the two-person rule.
contract ModelRegistryUpgradeFromV1Test is ModelRegistryBase {
    ModelRegistryV1 internal v1;
    IModelRegistryV1.ModelVersion[] internal s_before;
    bytes32[5][] internal s_rawBefore;
    bytes32[2][] internal s_keys;

    function setUp() public override {
        address v1Implementation = address(new ModelRegistryV1());
        v1 = ModelRegistryV1(
            address(new ERC1967Proxy(v1Implementation, abi.encodeCall(ModelRegistryV1.initialize, (address(this)))))
        );
        v1.grantRole(v1.PROPOSER_ROLE(), PROPOSER);
        v1.grantRole(v1.APPROVER_ROLE(), APPROVER);
        v1.grantRole(v1.APPROVER_ROLE(), APPROVER_2);

        // Records written by version 1: an active version, a pending proposal, a revoked version
        // and a deprecated one.
        _proposeV1(DAMAGE, HASH_1);
        _approveV1(DAMAGE, HASH_1);
        _proposeV1(DAMAGE, HASH_2);
        _proposeV1(RISK, HASH_1);
        _approveV1(RISK, HASH_1);
        vm.prank(APPROVER);
        v1.revoke(RISK, HASH_1);
        _proposeV1(RISK, HASH_2);
        _approveV1(RISK, HASH_2);
        vm.prank(APPROVER);
        v1.deprecate(RISK, HASH_2);

        s_keys.push([DAMAGE, HASH_1]);
        s_keys.push([DAMAGE, HASH_2]);
        s_keys.push([RISK, HASH_1]);
        s_keys.push([RISK, HASH_2]);
        for (uint256 i = 0; i < s_keys.length; ++i) {
            s_before.push(v1.getVersion(s_keys[i][0], s_keys[i][1]));
            s_rawBefore.push(_rawSlots(s_keys[i][0], s_keys[i][1]));
        }

        vm.warp(block.timestamp + 30 days);
        implementation = address(new ModelRegistry());
        v1.upgradeTo(implementation);
        registry = ModelRegistry(address(v1));
    }

    function test_UpgradePointsTheProxyAtTheNewImplementation() public {
        assertEq(address(uint160(uint256(vm.load(address(registry), _implementationSlot())))), implementation);
    }

    function test_OldRecordsReadBackIntact() public {
        for (uint256 i = 0; i < s_keys.length; ++i) {
            IModelRegistryV1.ModelVersion memory old = s_before[i];
            IModelRegistry.ModelVersion memory v = registry.getVersion(s_keys[i][0], s_keys[i][1]);
            assertEq(uint8(v.status), uint8(old.status), "status");
            assertEq(v.proposer, old.proposer, "proposer");
            assertEq(v.proposedAt, old.proposedAt, "proposedAt");
            assertEq(v.version, old.version, "version");
            assertEq(v.codeCommit, old.codeCommit, "codeCommit");
            assertEq(v.provenanceHash, old.provenanceHash, "provenanceHash");
            assertEq(v.datasetDigest, old.datasetDigest, "datasetDigest");
            assertEq(v.hyperparamsHash, old.hyperparamsHash, "hyperparamsHash");
            // The new fields of an old record: "label count not recorded", no circuit.
            assertEq(v.labelCount, 0);
            assertFalse(v.labelCountRecorded);
            assertEq(v.weightsCommitment, bytes32(0));
            // And the upgrade itself wrote nothing into the records.
            bytes32[5] memory raw = _rawSlots(s_keys[i][0], s_keys[i][1]);
            for (uint256 s = 0; s < 5; ++s) {
                assertEq(raw[s], s_rawBefore[i][s], "raw slot unchanged");
            }
        }
        assertEq(registry.activeVersion(DAMAGE), HASH_1);
        assertEq(registry.activeVersion(RISK), bytes32(0));
        assertTrue(registry.isApproved(DAMAGE, HASH_1));
        assertEq(uint8(registry.statusOf(DAMAGE, HASH_2)), uint8(IModelRegistry.Status.Proposed));
        assertEq(uint8(registry.statusOf(RISK, HASH_1)), uint8(IModelRegistry.Status.Revoked));
        assertEq(uint8(registry.statusOf(RISK, HASH_2)), uint8(IModelRegistry.Status.Deprecated));
        assertTrue(registry.hasRole(registry.PROPOSER_ROLE(), PROPOSER));
        assertTrue(registry.hasRole(registry.APPROVER_ROLE(), APPROVER));
        assertTrue(registry.hasRole(registry.UPGRADER_ROLE(), address(this)));
    }

    function test_AnOldRecordsLabelCountIsUnknownNotZero() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.LabelCountNotRecorded.selector, DAMAGE, HASH_1));
        registry.labelCountOf(DAMAGE, HASH_1);
    }

    function test_OldRecordGetsItsLabelCountAndCommitmentByAmendment() public {
        vm.prank(PROPOSER);
        registry.proposeAmendment(DAMAGE, HASH_1, LABELS, bytes32(0));
        registry.grantRole(registry.APPROVER_ROLE(), PROPOSER);
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.AmendmentNeedsSecondPerson.selector, DAMAGE, HASH_1, PROPOSER)
        );
        vm.prank(PROPOSER);
        registry.confirmAmendment(DAMAGE, HASH_1, LABELS, bytes32(0));
        vm.prank(APPROVER);
        registry.confirmAmendment(DAMAGE, HASH_1, LABELS, bytes32(0));
        assertEq(registry.labelCountOf(DAMAGE, HASH_1), LABELS);

        // Once recorded, the label count is fixed; the commitment can still be added.
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.LabelCountImmutable.selector, DAMAGE, HASH_1, LABELS, 5)
        );
        vm.prank(PROPOSER);
        registry.proposeAmendment(DAMAGE, HASH_1, 5, COMMITMENT);
        vm.prank(PROPOSER);
        registry.proposeAmendment(DAMAGE, HASH_1, LABELS, COMMITMENT);
        vm.prank(APPROVER_2);
        registry.confirmAmendment(DAMAGE, HASH_1, LABELS, COMMITMENT);
        assertEq(registry.approvedWeightsCommitment(DAMAGE, HASH_1), COMMITMENT);

        // The old fields did not move.
        IModelRegistry.ModelVersion memory v = registry.getVersion(DAMAGE, HASH_1);
        assertEq(v.proposer, s_before[0].proposer);
        assertEq(v.proposedAt, s_before[0].proposedAt);
        assertEq(v.provenanceHash, s_before[0].provenanceHash);
        assertEq(v.codeCommit, s_before[0].codeCommit);
    }

    function test_AnOldProposalIsApprovedAfterTheUpgrade() public {
        _approve(DAMAGE, HASH_2);
        assertEq(registry.activeVersion(DAMAGE), HASH_2);
        assertFalse(registry.getVersion(DAMAGE, HASH_2).labelCountRecorded);
    }

    function test_TheOldActiveVersionFallsUnderTheTwoPersonRule() public {
        vm.expectRevert(_retirementNotProposed(DAMAGE, HASH_1, IModelRegistry.Status.Revoked));
        vm.prank(APPROVER);
        registry.revoke(DAMAGE, HASH_1);
        vm.prank(APPROVER);
        registry.proposeRevocation(DAMAGE, HASH_1);
        vm.prank(APPROVER_2);
        registry.revoke(DAMAGE, HASH_1);
        assertEq(registry.activeVersion(DAMAGE), bytes32(0));
    }

    function test_NewProposalsAfterTheUpgradeCarryTheNewFields() public {
        IModelRegistry.Proposal memory p = _proposal(DAMAGE, HASH_3);
        p.weightsCommitment = COMMITMENT;
        vm.prank(PROPOSER);
        registry.propose(p);
        IModelRegistry.ModelVersion memory v = registry.getVersion(DAMAGE, HASH_3);
        assertEq(v.labelCount, LABELS);
        assertTrue(v.labelCountRecorded);
        assertEq(v.weightsCommitment, COMMITMENT);
        bytes32[5] memory raw = _rawSlots(DAMAGE, HASH_3);
        uint256 word0 = uint256(raw[0]);
        // Slot 0: status (byte 0), proposer (1-20), proposedAt (21-25), labelCount (26-27),
        // labelCountRecorded (28): the bytes version 1 left zero.
        assertEq(word0 & 0xff, uint256(IModelRegistry.Status.Proposed));
        assertEq(address(uint160(word0 >> 8)), PROPOSER);
        assertEq((word0 >> 168) & type(uint40).max, block.timestamp);
        assertEq((word0 >> 208) & type(uint16).max, LABELS);
        assertEq((word0 >> 224) & 0xff, 1);
        assertEq(word0 >> 232, 0);
        assertEq(vm.load(address(registry), bytes32(uint256(_recordSlot(DAMAGE, HASH_3)) + 5)), COMMITMENT);
        // Version 1 records never used those bytes: their top bytes of slot 0 are zero.
        for (uint256 i = 0; i < s_rawBefore.length; ++i) {
            assertEq(uint256(s_rawBefore[i][0]) >> 208, 0);
        }
    }

    function _proposeV1(bytes32 modelId, bytes32 modelHash) internal {
        IModelRegistryV1.Proposal memory p = IModelRegistryV1.Proposal({
            modelId: modelId,
            modelHash: modelHash,
            version: bytes12("1.0.0"),
            codeCommit: bytes20(keccak256(abi.encode("commit", modelHash))),
            provenanceHash: keccak256(abi.encode("provenance", modelId, modelHash)),
            datasetDigest: keccak256(abi.encode("dataset", modelHash)),
            hyperparamsHash: keccak256(abi.encode("hyperparameters", modelHash)),
            weightsUri: "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"
        });
        vm.prank(PROPOSER);
        v1.propose(p);
    }

    function _approveV1(bytes32 modelId, bytes32 modelHash) internal {
        vm.prank(APPROVER);
        v1.approve(modelId, modelHash);
    }

    function _recordSlot(bytes32 modelId, bytes32 modelHash) internal pure returns (bytes32) {
        bytes32 base = keccak256(abi.encode(uint256(keccak256("onnx-oracle.storage.ModelRegistry")) - 1))
            & ~bytes32(uint256(0xff));
        return keccak256(abi.encode(keccak256(abi.encode(modelId, modelHash)), base));
    }

    function _rawSlots(bytes32 modelId, bytes32 modelHash) internal view returns (bytes32[5] memory raw) {
        bytes32 slot = _recordSlot(modelId, modelHash);
        for (uint256 i = 0; i < 5; ++i) {
            raw[i] = vm.load(address(v1), bytes32(uint256(slot) + i));
        }
    }

    function _implementationSlot() internal pure returns (bytes32) {
        return bytes32(uint256(keccak256("eip1967.proxy.implementation")) - 1);
    }
}

/// @notice The current implementation upgraded to a later one keeps every record, role, active
/// version and pending two-person action.
contract ModelRegistryUpgradeTest is ModelRegistryBase {
    function test_UpgradeKeepsEveryRecordRoleAndPendingAction() public {
        _register(DAMAGE, HASH_1);
        _propose(DAMAGE, HASH_2);
        _register(RISK, HASH_1);
        vm.prank(PROPOSER);
        registry.proposeAmendment(RISK, HASH_1, LABELS, COMMITMENT);
        vm.prank(APPROVER);
        registry.proposeRevocation(DAMAGE, HASH_1);
        IModelRegistry.ModelVersion memory before1 = registry.getVersion(DAMAGE, HASH_1);
        IModelRegistry.ModelVersion memory before2 = registry.getVersion(DAMAGE, HASH_2);

        address next = address(new ModelRegistryNext());
        registry.upgradeTo(next);

        assertEq(ModelRegistryNext(address(registry)).registryVersion(), 3);
        assertEq(keccak256(abi.encode(registry.getVersion(DAMAGE, HASH_1))), keccak256(abi.encode(before1)));
        assertEq(keccak256(abi.encode(registry.getVersion(DAMAGE, HASH_2))), keccak256(abi.encode(before2)));
        assertEq(registry.activeVersion(DAMAGE), HASH_1);
        assertTrue(registry.hasRole(registry.PROPOSER_ROLE(), PROPOSER));
        assertTrue(registry.hasRole(registry.APPROVER_ROLE(), APPROVER));
        assertEq(registry.pendingAmendment(RISK, HASH_1).weightsCommitment, COMMITMENT);
        assertEq(registry.pendingRetirement(DAMAGE, HASH_1).proposedBy, APPROVER);

        // And it keeps working: the pending actions complete after the upgrade.
        vm.prank(APPROVER_2);
        registry.confirmAmendment(RISK, HASH_1, LABELS, COMMITMENT);
        assertEq(registry.approvedWeightsCommitment(RISK, HASH_1), COMMITMENT);
        _approve(DAMAGE, HASH_2);
        assertEq(registry.activeVersion(DAMAGE), HASH_2);
    }

    function test_NamespacedSlotFollowsErc7201() public {
        _propose(DAMAGE, HASH_1);
        bytes32 base = keccak256(abi.encode(uint256(keccak256("onnx-oracle.storage.ModelRegistry")) - 1))
            & ~bytes32(uint256(0xff));
        // versions mapping is the first member: slot of versions[key] = keccak256(key ‖ base).
        bytes32 key = keccak256(abi.encode(DAMAGE, HASH_1));
        bytes32 slot = keccak256(abi.encode(key, base));
        uint256 word = uint256(vm.load(address(registry), slot));
        assertEq(word & 0xff, uint256(IModelRegistry.Status.Proposed));
        assertEq(address(uint160(word >> 8)), PROPOSER);
        // The pending-amendment mapping is the fourth member (base + 3).
        vm.prank(PROPOSER);
        registry.proposeAmendment(DAMAGE, HASH_1, LABELS, COMMITMENT);
        bytes32 amendment = keccak256(abi.encode(key, uint256(base) + 3));
        assertEq(address(uint160(uint256(vm.load(address(registry), amendment)))), PROPOSER);
        assertEq(vm.load(address(registry), bytes32(uint256(amendment) + 1)), COMMITMENT);
    }
}
