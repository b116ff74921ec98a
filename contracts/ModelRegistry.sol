// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";

/// @title ModelRegistry
/// @notice On-chain record of model versions (hashes and short references to their provenance) and
/// of which versions consumers may accept. Two-person rule: a version's proposer cannot approve it.
/// @dev Upgradeable through an ERC-1967 proxy (OpenZeppelin UUPS, 4.9.3, the last major that compiles
/// with the solc 0.8.19 pin of Chainlink's FunctionsRouter). The registry's own state lives in one
/// ERC-7201 namespace, so future versions can add state without colliding with inherited layouts.
/// Storage of a version is 5 slots: (status, proposer, proposedAt), (version, codeCommit), and the
/// three provenance digests; the weights URI is only emitted, which keeps `propose` under 150k gas.
contract ModelRegistry is IModelRegistry, Initializable, AccessControlUpgradeable, UUPSUpgradeable {
    /// @notice May propose new model versions.
    bytes32 public constant PROPOSER_ROLE = keccak256("PROPOSER_ROLE");
    /// @notice May approve, deprecate and revoke model versions.
    bytes32 public constant APPROVER_ROLE = keccak256("APPROVER_ROLE");
    /// @notice May upgrade the implementation behind the proxy.
    bytes32 public constant UPGRADER_ROLE = keccak256("UPGRADER_ROLE");

    /// @custom:storage-location erc7201:onnx-oracle.storage.ModelRegistry
    struct RegistryStorage {
        /// keccak256(abi.encode(modelId, modelHash)) => the version
        mapping(bytes32 => ModelVersion) versions;
        /// modelId => modelHash of the active version (zero if none)
        mapping(bytes32 => bytes32) active;
    }

    /// @dev keccak256(abi.encode(uint256(keccak256("onnx-oracle.storage.ModelRegistry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant REGISTRY_STORAGE_SLOT = 0x182f07820e3fc1df495075907049154d79f11758b5c563ef86f91c33d46ebb00;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Initialises the proxy: `admin` gets DEFAULT_ADMIN_ROLE (grants the other roles) and
    /// UPGRADER_ROLE.
    function initialize(address admin) external initializer {
        __AccessControl_init();
        __UUPSUpgradeable_init();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(UPGRADER_ROLE, admin);
    }

    /// @inheritdoc IModelRegistry
    function propose(Proposal calldata proposal) external override onlyRole(PROPOSER_ROLE) {
        if (proposal.modelId == bytes32(0) || proposal.modelHash == bytes32(0)) {
            revert InvalidModelVersion(proposal.modelId, proposal.modelHash);
        }
        ModelVersion storage v = _registry().versions[_key(proposal.modelId, proposal.modelHash)];
        if (v.status != Status.None) {
            revert ModelVersionExists(proposal.modelId, proposal.modelHash);
        }
        v.status = Status.Proposed;
        v.proposer = msg.sender;
        v.proposedAt = uint40(block.timestamp);
        v.version = proposal.version;
        v.codeCommit = proposal.codeCommit;
        v.provenanceHash = proposal.provenanceHash;
        v.datasetDigest = proposal.datasetDigest;
        v.hyperparamsHash = proposal.hyperparamsHash;
        emit ModelVersionProposed(
            proposal.modelId,
            proposal.modelHash,
            msg.sender,
            proposal.version,
            proposal.codeCommit,
            proposal.provenanceHash,
            proposal.datasetDigest,
            proposal.hyperparamsHash,
            proposal.weightsUri
        );
    }

    /// @inheritdoc IModelRegistry
    function approve(bytes32 modelId, bytes32 modelHash) external override onlyRole(APPROVER_ROLE) {
        RegistryStorage storage $ = _registry();
        ModelVersion storage v = $.versions[_key(modelId, modelHash)];
        if (v.status != Status.Proposed) {
            revert InvalidTransition(modelId, modelHash, v.status, Status.Approved);
        }
        if (v.proposer == msg.sender) {
            revert ProposerCannotApprove(modelId, modelHash, msg.sender);
        }
        v.status = Status.Approved;
        emit ModelVersionApproved(modelId, modelHash, msg.sender);
        bytes32 previous = $.active[modelId];
        $.active[modelId] = modelHash;
        emit ActiveVersionChanged(modelId, previous, modelHash);
    }

    /// @inheritdoc IModelRegistry
    function deprecate(bytes32 modelId, bytes32 modelHash) external override onlyRole(APPROVER_ROLE) {
        ModelVersion storage v = _registry().versions[_key(modelId, modelHash)];
        if (v.status != Status.Approved) {
            revert InvalidTransition(modelId, modelHash, v.status, Status.Deprecated);
        }
        v.status = Status.Deprecated;
        emit ModelVersionDeprecated(modelId, modelHash, msg.sender);
        _clearActive(modelId, modelHash);
    }

    /// @inheritdoc IModelRegistry
    function revoke(bytes32 modelId, bytes32 modelHash) external override onlyRole(APPROVER_ROLE) {
        ModelVersion storage v = _registry().versions[_key(modelId, modelHash)];
        if (v.status == Status.None || v.status == Status.Revoked) {
            revert InvalidTransition(modelId, modelHash, v.status, Status.Revoked);
        }
        v.status = Status.Revoked;
        emit ModelVersionRevoked(modelId, modelHash, msg.sender);
        _clearActive(modelId, modelHash);
    }

    /// @inheritdoc IModelRegistry
    function isApproved(bytes32 modelId, bytes32 modelHash) external view override returns (bool) {
        return _registry().versions[_key(modelId, modelHash)].status == Status.Approved;
    }

    /// @inheritdoc IModelRegistry
    function activeVersion(bytes32 modelId) external view override returns (bytes32 modelHash) {
        return _registry().active[modelId];
    }

    /// @inheritdoc IModelRegistry
    function statusOf(bytes32 modelId, bytes32 modelHash) external view override returns (Status) {
        return _registry().versions[_key(modelId, modelHash)].status;
    }

    /// @inheritdoc IModelRegistry
    function getVersion(bytes32 modelId, bytes32 modelHash) external view override returns (ModelVersion memory) {
        return _registry().versions[_key(modelId, modelHash)];
    }

    /// @dev Only UPGRADER_ROLE may move the proxy to a new implementation.
    function _authorizeUpgrade(address) internal view override onlyRole(UPGRADER_ROLE) {}

    /// @dev Clears the active version of `modelId` when it is `modelHash`.
    function _clearActive(bytes32 modelId, bytes32 modelHash) private {
        RegistryStorage storage $ = _registry();
        if ($.active[modelId] == modelHash) {
            delete $.active[modelId];
            emit ActiveVersionChanged(modelId, modelHash, bytes32(0));
        }
    }

    function _key(bytes32 modelId, bytes32 modelHash) private pure returns (bytes32) {
        return keccak256(abi.encode(modelId, modelHash));
    }

    function _registry() private pure returns (RegistryStorage storage $) {
        assembly {
            $.slot := REGISTRY_STORAGE_SLOT
        }
    }
}
