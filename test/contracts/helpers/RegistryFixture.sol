// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {Test} from "forge-std/Test.sol";
import {ModelRegistry} from "../../../contracts/ModelRegistry.sol";
import {IModelRegistry} from "../../../contracts/interfaces/IModelRegistry.sol";
import {OnnxOracleDeployer} from "../../../script/deploy/OnnxOracleDeployer.sol";

/// @notice How every suite that runs a ModelRegistry deploys it, written once.
library RegistryDeployment {
    /// @dev Deploys the registry behind its proxy, administered by the calling test contract, and
    /// grants `proposer` PROPOSER_ROLE and both `approver` and `secondApprover` APPROVER_ROLE (retiring
    /// an active version takes two approvers).
    function deploy(address proposer, address approver, address secondApprover)
        internal
        returns (ModelRegistry registry, address implementation)
    {
        (registry, implementation) = OnnxOracleDeployer.deployRegistry(address(this));
        registry.grantRole(registry.PROPOSER_ROLE(), proposer);
        registry.grantRole(registry.APPROVER_ROLE(), approver);
        registry.grantRole(registry.APPROVER_ROLE(), secondApprover);
        return (registry, implementation);
    }
}

/// @notice The registry set-up the transport and zero-knowledge oracle suites share: the registry's
/// proposer and two approvers, the registry with their roles, and the proposal they register their
/// models with.
abstract contract RegistryFixture is Test {
    address internal PROPOSER = makeAddr("proposer");
    address internal APPROVER = makeAddr("approver");
    /// Proposes retiring an active version, which APPROVER confirms (the registry's two-person rule).
    address internal SECOND_APPROVER = makeAddr("second approver");

    ModelRegistry internal registry;

    /// @dev Deploys `registry` behind its proxy, administered by this test contract, with PROPOSER
    /// holding PROPOSER_ROLE and APPROVER and SECOND_APPROVER holding APPROVER_ROLE; returns the
    /// implementation.
    function _deployRegistry() internal returns (address implementation) {
        (registry, implementation) = RegistryDeployment.deploy(PROPOSER, APPROVER, SECOND_APPROVER);
        return implementation;
    }

    /// @dev A proposal of `modelHash` as version 1.0.0 of `modelId`, with `labelCount` classes (0 for a
    /// scalar result) and `weightsCommitment` (zero for a model without one).
    function _versionOneProposal(bytes32 modelId, bytes32 modelHash, uint16 labelCount, bytes32 weightsCommitment)
        internal
        pure
        returns (IModelRegistry.Proposal memory)
    {
        return IModelRegistry.Proposal({
            modelId: modelId,
            modelHash: modelHash,
            version: bytes12("1.0.0"),
            codeCommit: bytes20(keccak256("commit")),
            provenanceHash: keccak256(abi.encode("provenance", modelHash)),
            datasetDigest: sha256("dataset"),
            hyperparamsHash: sha256("hyperparameters"),
            labelCount: labelCount,
            weightsCommitment: weightsCommitment,
            weightsUri: "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"
        });
    }
}
