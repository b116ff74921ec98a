// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {Test} from "forge-std/Test.sol";
import {ModelRegistry} from "../../contracts/ModelRegistry.sol";
import {IModelRegistry} from "../../contracts/interfaces/IModelRegistry.sol";
import {OnnxOracleDeployer} from "../../script/deploy/OnnxOracleDeployer.sol";

/// @dev A next version of the registry: new behaviour, same storage.
contract ModelRegistryV2 is ModelRegistry {
    function registryVersion() external pure returns (uint256) {
        return 2;
    }
}

abstract contract ModelRegistryBase is Test {
    bytes32 internal constant DAMAGE = bytes32("damage-v1");
    bytes32 internal constant RISK = bytes32("risk-v1");
    bytes32 internal HASH_1 = sha256("damage-v1 1.0.0");
    bytes32 internal HASH_2 = sha256("damage-v1 1.1.0");
    address internal PROPOSER = makeAddr("proposer");
    address internal APPROVER = makeAddr("approver");
    address internal STRANGER = makeAddr("stranger");

    ModelRegistry internal registry;
    address internal implementation;

    /// Copies of IModelRegistry's events for vm.expectEmit (solc 0.8.19 cannot emit `I.Event`).
    event ModelVersionProposed(
        bytes32 indexed modelId,
        bytes32 indexed modelHash,
        address indexed proposer,
        bytes12 version,
        bytes20 codeCommit,
        bytes32 provenanceHash,
        bytes32 datasetDigest,
        bytes32 hyperparamsHash,
        string weightsUri
    );
    event ModelVersionApproved(bytes32 indexed modelId, bytes32 indexed modelHash, address indexed approver);
    event ModelVersionDeprecated(bytes32 indexed modelId, bytes32 indexed modelHash, address indexed by);
    event ModelVersionRevoked(bytes32 indexed modelId, bytes32 indexed modelHash, address indexed by);
    event ActiveVersionChanged(bytes32 indexed modelId, bytes32 previous, bytes32 current);

    function setUp() public virtual {
        (registry, implementation) = OnnxOracleDeployer.deployRegistry(address(this));
        registry.grantRole(registry.PROPOSER_ROLE(), PROPOSER);
        registry.grantRole(registry.APPROVER_ROLE(), APPROVER);
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

    function test_RevertWhen_StrangerUpgrades() public {
        address next = address(new ModelRegistryV2());
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
        assertFalse(registry.isApproved(DAMAGE, HASH_1));
        assertEq(registry.activeVersion(DAMAGE), bytes32(0));
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
        _propose(DAMAGE, HASH_1);
        _approve(DAMAGE, HASH_1);
        _propose(DAMAGE, HASH_2);
        _approve(DAMAGE, HASH_2);
        assertEq(registry.activeVersion(DAMAGE), HASH_2);
        assertTrue(registry.isApproved(DAMAGE, HASH_1));
    }

    function test_DeprecateWithdrawsApproval() public {
        _propose(DAMAGE, HASH_1);
        _approve(DAMAGE, HASH_1);
        vm.expectEmit(true, true, true, true, address(registry));
        emit ModelVersionDeprecated(DAMAGE, HASH_1, APPROVER);
        vm.expectEmit(true, false, false, true, address(registry));
        emit ActiveVersionChanged(DAMAGE, HASH_1, bytes32(0));
        vm.prank(APPROVER);
        registry.deprecate(DAMAGE, HASH_1);
        assertFalse(registry.isApproved(DAMAGE, HASH_1));
        assertEq(registry.activeVersion(DAMAGE), bytes32(0));
        assertEq(uint8(registry.statusOf(DAMAGE, HASH_1)), uint8(IModelRegistry.Status.Deprecated));
    }

    function test_DeprecatingAnInactiveVersionKeepsTheActiveOne() public {
        _propose(DAMAGE, HASH_1);
        _approve(DAMAGE, HASH_1);
        _propose(DAMAGE, HASH_2);
        _approve(DAMAGE, HASH_2);
        vm.prank(APPROVER);
        registry.deprecate(DAMAGE, HASH_1);
        assertEq(registry.activeVersion(DAMAGE), HASH_2);
    }

    function test_RevokeIsFinalFromEveryStatus() public {
        _propose(DAMAGE, HASH_1);
        vm.expectEmit(true, true, true, true, address(registry));
        emit ModelVersionRevoked(DAMAGE, HASH_1, APPROVER);
        vm.prank(APPROVER);
        registry.revoke(DAMAGE, HASH_1);
        assertEq(uint8(registry.statusOf(DAMAGE, HASH_1)), uint8(IModelRegistry.Status.Revoked));

        vm.startPrank(APPROVER);
        vm.expectRevert(
            abi.encodeWithSelector(
                IModelRegistry.InvalidTransition.selector,
                DAMAGE,
                HASH_1,
                IModelRegistry.Status.Revoked,
                IModelRegistry.Status.Approved
            )
        );
        registry.approve(DAMAGE, HASH_1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IModelRegistry.InvalidTransition.selector,
                DAMAGE,
                HASH_1,
                IModelRegistry.Status.Revoked,
                IModelRegistry.Status.Revoked
            )
        );
        registry.revoke(DAMAGE, HASH_1);
        vm.stopPrank();
    }

    function test_RevokeAfterDeprecation() public {
        _propose(DAMAGE, HASH_1);
        _approve(DAMAGE, HASH_1);
        vm.startPrank(APPROVER);
        registry.deprecate(DAMAGE, HASH_1);
        registry.revoke(DAMAGE, HASH_1);
        vm.stopPrank();
        assertEq(uint8(registry.statusOf(DAMAGE, HASH_1)), uint8(IModelRegistry.Status.Revoked));
    }

    function test_RevertWhen_DeprecatedVersionIsApprovedAgain() public {
        _propose(DAMAGE, HASH_1);
        _approve(DAMAGE, HASH_1);
        vm.startPrank(APPROVER);
        registry.deprecate(DAMAGE, HASH_1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IModelRegistry.InvalidTransition.selector,
                DAMAGE,
                HASH_1,
                IModelRegistry.Status.Deprecated,
                IModelRegistry.Status.Approved
            )
        );
        registry.approve(DAMAGE, HASH_1);
        vm.stopPrank();
    }

    function test_RevertWhen_DeprecatingAProposal() public {
        _propose(DAMAGE, HASH_1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IModelRegistry.InvalidTransition.selector,
                DAMAGE,
                HASH_1,
                IModelRegistry.Status.Proposed,
                IModelRegistry.Status.Deprecated
            )
        );
        vm.prank(APPROVER);
        registry.deprecate(DAMAGE, HASH_1);
    }

    function test_RevertWhen_ApprovingUnknownVersion() public {
        vm.expectRevert(
            abi.encodeWithSelector(
                IModelRegistry.InvalidTransition.selector,
                DAMAGE,
                HASH_1,
                IModelRegistry.Status.None,
                IModelRegistry.Status.Approved
            )
        );
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
    }

    function test_SameHashUnderTwoModelIdsIsTwoVersions() public {
        _propose(DAMAGE, HASH_1);
        _propose(RISK, HASH_1);
        _approve(RISK, HASH_1);
        assertTrue(registry.isApproved(RISK, HASH_1));
        assertFalse(registry.isApproved(DAMAGE, HASH_1));
    }

    function testFuzz_StatusOnlyMovesForward(uint8[8] calldata ops) public {
        _propose(DAMAGE, HASH_1);
        uint8 last = uint8(IModelRegistry.Status.Proposed);
        vm.startPrank(APPROVER);
        for (uint256 i = 0; i < ops.length; ++i) {
            uint8 op = ops[i] % 3;
            if (op == 0) {
                try registry.approve(DAMAGE, HASH_1) {} catch {}
            } else if (op == 1) {
                try registry.deprecate(DAMAGE, HASH_1) {} catch {}
            } else {
                try registry.revoke(DAMAGE, HASH_1) {} catch {}
            }
            uint8 now_ = uint8(registry.statusOf(DAMAGE, HASH_1));
            assertGe(now_, last, "status never moves backwards");
            last = now_;
        }
        vm.stopPrank();
    }
}

contract ModelRegistryUpgradeTest is ModelRegistryBase {
    function test_UpgradeKeepsEveryRecordAndRole() public {
        _propose(DAMAGE, HASH_1);
        _approve(DAMAGE, HASH_1);
        _propose(DAMAGE, HASH_2);
        _propose(RISK, HASH_1);
        _approve(RISK, HASH_1);
        vm.prank(APPROVER);
        registry.revoke(RISK, HASH_1);
        IModelRegistry.ModelVersion memory before1 = registry.getVersion(DAMAGE, HASH_1);
        IModelRegistry.ModelVersion memory before2 = registry.getVersion(DAMAGE, HASH_2);

        address next = address(new ModelRegistryV2());
        registry.upgradeTo(next);

        assertEq(ModelRegistryV2(address(registry)).registryVersion(), 2);
        assertEq(address(uint160(uint256(vm.load(address(registry), _implementationSlot())))), next);
        assertEq(keccak256(abi.encode(registry.getVersion(DAMAGE, HASH_1))), keccak256(abi.encode(before1)));
        assertEq(keccak256(abi.encode(registry.getVersion(DAMAGE, HASH_2))), keccak256(abi.encode(before2)));
        assertEq(registry.activeVersion(DAMAGE), HASH_1);
        assertTrue(registry.isApproved(DAMAGE, HASH_1));
        assertEq(uint8(registry.statusOf(DAMAGE, HASH_2)), uint8(IModelRegistry.Status.Proposed));
        assertEq(uint8(registry.statusOf(RISK, HASH_1)), uint8(IModelRegistry.Status.Revoked));
        assertTrue(registry.hasRole(registry.PROPOSER_ROLE(), PROPOSER));
        assertTrue(registry.hasRole(registry.APPROVER_ROLE(), APPROVER));

        // And it keeps working: the pending proposal can be approved after the upgrade.
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
    }

    function _implementationSlot() internal pure returns (bytes32) {
        return bytes32(uint256(keccak256("eip1967.proxy.implementation")) - 1);
    }
}
