// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {ModelRegistry} from "../../../contracts/ModelRegistry.sol";
import {IModelRegistry} from "../../../contracts/interfaces/IModelRegistry.sol";
import {OnnxOracleDeployer} from "../../../script/deploy/OnnxOracleDeployer.sol";

/// @title RegistryFixture
/// @notice The ModelRegistry set-up the test suites share, written once: the registry with its
/// proposer and two approvers, and the proposal the transport and zero-knowledge oracle suites
/// register their models with.
library RegistryFixture {
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

    /// @dev A proposal of `modelHash` as version 1.0.0 of `modelId`, with `labelCount` classes (0 for a
    /// scalar result) and `weightsCommitment` (zero for a model without one).
    function proposal(bytes32 modelId, bytes32 modelHash, uint16 labelCount, bytes32 weightsCommitment)
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
