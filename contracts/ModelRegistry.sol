// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";

/// @title ModelRegistry
/// @notice On-chain record of model versions (hashes and short references to their provenance) and
/// of which versions consumers may accept, under two-person rules: a version's proposer cannot
/// approve it, an amendment's proposer cannot confirm it, and the active version of a model id is
/// retired only by two approvers or replaced by another approved version in the same call.
/// @dev Upgradeable through an ERC-1967 proxy (OpenZeppelin UUPS, 4.9.3, the last major that compiles
/// with the solc 0.8.19 pin of Chainlink's FunctionsRouter). The registry's own state lives in one
/// ERC-7201 namespace, so versions can add state without colliding with inherited layouts: version 2
/// (this one) appended two mappings to the namespace and, per version, two fields in the unused
/// bytes of the first slot and a sixth slot (see `IModelRegistry.ModelVersion`). In production the
/// admin and upgrader roles belong to a TimelockController (script/deploy/GovernanceDeployer.sol).
/// The weights URI is only emitted, which keeps `propose` under 150k gas.
contract ModelRegistry is IModelRegistry, Initializable, AccessControlUpgradeable, UUPSUpgradeable {
    /// @notice May propose new model versions and amendments of their records.
    bytes32 public constant PROPOSER_ROLE = keccak256("PROPOSER_ROLE");
    /// @notice May approve, reject, activate, deprecate and revoke model versions and confirm
    /// amendments.
    bytes32 public constant APPROVER_ROLE = keccak256("APPROVER_ROLE");
    /// @notice May upgrade the implementation behind the proxy.
    bytes32 public constant UPGRADER_ROLE = keccak256("UPGRADER_ROLE");

    /// @custom:storage-location erc7201:onnx-oracle.storage.ModelRegistry
    struct RegistryStorage {
        /// keccak256(abi.encode(modelId, modelHash)) => the version
        mapping(bytes32 => ModelVersion) versions;
        /// modelId => modelHash of the active version (zero if none)
        mapping(bytes32 => bytes32) active;
        /// version key => revocation or deprecation waiting for a second approver (added in version 2)
        mapping(bytes32 => PendingRetirement) retirements;
        /// version key => amendment waiting for an approver (added in version 2)
        mapping(bytes32 => PendingAmendment) amendments;
    }

    /// @dev keccak256(abi.encode(uint256(keccak256("onnx-oracle.storage.ModelRegistry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant REGISTRY_STORAGE_SLOT = 0x182f07820e3fc1df495075907049154d79f11758b5c563ef86f91c33d46ebb00;

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    /// @notice Initialises the proxy: `admin` gets DEFAULT_ADMIN_ROLE (grants the other roles) and
    /// UPGRADER_ROLE. Deploy logic hands both to a timelock right after granting the first roles.
    /// @param admin The initial admin and upgrader (the deployer, until the hand-over).
    function initialize(address admin) external initializer {
        __AccessControl_init();
        __UUPSUpgradeable_init();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(UPGRADER_ROLE, admin);
    }

    // ------------------------------------------------------------------ lifecycle

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
        v.labelCount = proposal.labelCount;
        v.labelCountRecorded = true;
        v.version = proposal.version;
        v.codeCommit = proposal.codeCommit;
        v.provenanceHash = proposal.provenanceHash;
        v.datasetDigest = proposal.datasetDigest;
        v.hyperparamsHash = proposal.hyperparamsHash;
        if (proposal.weightsCommitment != bytes32(0)) {
            v.weightsCommitment = proposal.weightsCommitment;
        }
        _emitProposed(proposal);
    }

    /// @inheritdoc IModelRegistry
    function approve(bytes32 modelId, bytes32 modelHash) external override onlyRole(APPROVER_ROLE) {
        ModelVersion storage v = _registry().versions[_key(modelId, modelHash)];
        if (v.status != Status.Proposed) {
            revert InvalidTransition(modelId, modelHash, v.status, Status.Approved);
        }
        if (v.proposer == msg.sender) {
            revert ProposerCannotApprove(modelId, modelHash, msg.sender);
        }
        v.status = Status.Approved;
        emit ModelVersionApproved(modelId, modelHash, msg.sender);
        _setActive(modelId, modelHash);
    }

    /// @inheritdoc IModelRegistry
    function reject(bytes32 modelId, bytes32 modelHash) external override onlyRole(APPROVER_ROLE) {
        RegistryStorage storage $ = _registry();
        bytes32 key = _key(modelId, modelHash);
        ModelVersion storage v = $.versions[key];
        if (v.status != Status.Proposed) {
            revert InvalidTransition(modelId, modelHash, v.status, Status.None);
        }
        address proposer = v.proposer;
        delete $.versions[key];
        delete $.amendments[key];
        delete $.retirements[key];
        emit ModelVersionRejected(modelId, modelHash, proposer, msg.sender);
    }

    /// @inheritdoc IModelRegistry
    function activate(bytes32 modelId, bytes32 modelHash) external override onlyRole(APPROVER_ROLE) {
        RegistryStorage storage $ = _registry();
        Status status = $.versions[_key(modelId, modelHash)].status;
        if (status != Status.Approved) {
            revert InvalidTransition(modelId, modelHash, status, Status.Approved);
        }
        if ($.active[modelId] == modelHash) {
            revert VersionAlreadyActive(modelId, modelHash);
        }
        _setActive(modelId, modelHash);
    }

    /// @inheritdoc IModelRegistry
    function proposeDeprecation(bytes32 modelId, bytes32 modelHash) external override onlyRole(APPROVER_ROLE) {
        _proposeRetirement(modelId, modelHash, Status.Deprecated);
        emit DeprecationProposed(modelId, modelHash, msg.sender);
    }

    /// @inheritdoc IModelRegistry
    function deprecate(bytes32 modelId, bytes32 modelHash) external override onlyRole(APPROVER_ROLE) {
        _retire(modelId, modelHash, Status.Deprecated, true);
        emit ModelVersionDeprecated(modelId, modelHash, msg.sender);
    }

    /// @inheritdoc IModelRegistry
    function proposeRevocation(bytes32 modelId, bytes32 modelHash) external override onlyRole(APPROVER_ROLE) {
        _proposeRetirement(modelId, modelHash, Status.Revoked);
        emit RevocationProposed(modelId, modelHash, msg.sender);
    }

    /// @inheritdoc IModelRegistry
    function revoke(bytes32 modelId, bytes32 modelHash) external override onlyRole(APPROVER_ROLE) {
        _retire(modelId, modelHash, Status.Revoked, true);
        emit ModelVersionRevoked(modelId, modelHash, msg.sender);
    }

    /// @inheritdoc IModelRegistry
    function revokeAndActivate(bytes32 modelId, bytes32 modelHash, bytes32 replacement)
        external
        override
        onlyRole(APPROVER_ROLE)
    {
        if (replacement == modelHash) {
            revert ReplacementIsRevokedVersion(modelId, modelHash);
        }
        RegistryStorage storage $ = _registry();
        Status replacementStatus = $.versions[_key(modelId, replacement)].status;
        if (replacementStatus != Status.Approved) {
            revert InvalidTransition(modelId, replacement, replacementStatus, Status.Approved);
        }
        if ($.active[modelId] != replacement) {
            _setActive(modelId, replacement);
        }
        // modelHash is no longer the active version, so one approver may revoke it.
        _retire(modelId, modelHash, Status.Revoked, false);
        emit ModelVersionRevoked(modelId, modelHash, msg.sender);
    }

    /// @inheritdoc IModelRegistry
    function cancelRetirement(bytes32 modelId, bytes32 modelHash) external override onlyRole(APPROVER_ROLE) {
        RegistryStorage storage $ = _registry();
        bytes32 key = _key(modelId, modelHash);
        if ($.retirements[key].proposedBy == address(0)) {
            revert RetirementNotProposed(modelId, modelHash, Status.None);
        }
        delete $.retirements[key];
        emit RetirementCancelled(modelId, modelHash, msg.sender);
    }

    // ------------------------------------------------------------------ amendments

    /// @inheritdoc IModelRegistry
    function proposeAmendment(bytes32 modelId, bytes32 modelHash, uint16 labelCount, bytes32 weightsCommitment)
        external
        override
        onlyRole(PROPOSER_ROLE)
    {
        RegistryStorage storage $ = _registry();
        bytes32 key = _key(modelId, modelHash);
        ModelVersion storage v = $.versions[key];
        _requireAmendable(modelId, modelHash, v.status);
        if (v.labelCountRecorded) {
            if (labelCount != v.labelCount) {
                revert LabelCountImmutable(modelId, modelHash, v.labelCount, labelCount);
            }
            if (weightsCommitment == v.weightsCommitment) {
                revert AmendmentChangesNothing(modelId, modelHash);
            }
        }
        $.amendments[key] = PendingAmendment({
            proposedBy: msg.sender, labelCount: labelCount, weightsCommitment: weightsCommitment
        });
        emit AmendmentProposed(modelId, modelHash, msg.sender, labelCount, weightsCommitment);
    }

    /// @inheritdoc IModelRegistry
    function confirmAmendment(bytes32 modelId, bytes32 modelHash, uint16 labelCount, bytes32 weightsCommitment)
        external
        override
        onlyRole(APPROVER_ROLE)
    {
        RegistryStorage storage $ = _registry();
        bytes32 key = _key(modelId, modelHash);
        PendingAmendment memory pending = $.amendments[key];
        if (pending.proposedBy == address(0)) {
            revert AmendmentNotProposed(modelId, modelHash);
        }
        if (pending.labelCount != labelCount || pending.weightsCommitment != weightsCommitment) {
            revert AmendmentMismatch(modelId, modelHash, pending.labelCount, pending.weightsCommitment);
        }
        if (pending.proposedBy == msg.sender) {
            revert AmendmentNeedsSecondPerson(modelId, modelHash, msg.sender);
        }
        ModelVersion storage v = $.versions[key];
        _requireAmendable(modelId, modelHash, v.status);
        bytes32 previous = v.weightsCommitment;
        v.labelCount = labelCount;
        v.labelCountRecorded = true;
        v.weightsCommitment = weightsCommitment;
        delete $.amendments[key];
        emit ModelVersionAmended(
            modelId, modelHash, msg.sender, pending.proposedBy, labelCount, previous, weightsCommitment
        );
    }

    /// @inheritdoc IModelRegistry
    function cancelAmendment(bytes32 modelId, bytes32 modelHash) external override {
        RegistryStorage storage $ = _registry();
        bytes32 key = _key(modelId, modelHash);
        address proposedBy = $.amendments[key].proposedBy;
        if (proposedBy == address(0)) {
            revert AmendmentNotProposed(modelId, modelHash);
        }
        if (proposedBy != msg.sender && !hasRole(APPROVER_ROLE, msg.sender)) {
            revert NotAmendmentProposer(modelId, modelHash, msg.sender);
        }
        delete $.amendments[key];
        emit AmendmentCancelled(modelId, modelHash, msg.sender);
    }

    // ------------------------------------------------------------------ views

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

    /// @inheritdoc IModelRegistry
    function labelCountOf(bytes32 modelId, bytes32 modelHash) external view override returns (uint16) {
        ModelVersion storage v = _registry().versions[_key(modelId, modelHash)];
        if (!v.labelCountRecorded) {
            revert LabelCountNotRecorded(modelId, modelHash);
        }
        return v.labelCount;
    }

    /// @inheritdoc IModelRegistry
    function approvedWeightsCommitment(bytes32 modelId, bytes32 modelHash) external view override returns (bytes32) {
        ModelVersion storage v = _registry().versions[_key(modelId, modelHash)];
        return v.status == Status.Approved ? v.weightsCommitment : bytes32(0);
    }

    /// @inheritdoc IModelRegistry
    function pendingRetirement(bytes32 modelId, bytes32 modelHash)
        external
        view
        override
        returns (PendingRetirement memory)
    {
        return _registry().retirements[_key(modelId, modelHash)];
    }

    /// @inheritdoc IModelRegistry
    function pendingAmendment(bytes32 modelId, bytes32 modelHash)
        external
        view
        override
        returns (PendingAmendment memory)
    {
        return _registry().amendments[_key(modelId, modelHash)];
    }

    // ------------------------------------------------------------------ internals

    /// @dev Only UPGRADER_ROLE may move the proxy to a new implementation.
    function _authorizeUpgrade(address) internal view override onlyRole(UPGRADER_ROLE) {}

    /// @dev Records a pending retirement of a version whose status allows `to`.
    function _proposeRetirement(bytes32 modelId, bytes32 modelHash, Status to) private {
        RegistryStorage storage $ = _registry();
        bytes32 key = _key(modelId, modelHash);
        _requireRetirable(modelId, modelHash, $.versions[key].status, to);
        $.retirements[key] = PendingRetirement({proposedBy: msg.sender, to: to});
    }

    /// @dev Moves a version to `to` (Deprecated or Revoked). With `twoPersonRule`, the active version
    /// moves only when another approver proposed exactly this retirement. Clears what is pending for
    /// the version and, if it was the active one, the active version.
    function _retire(bytes32 modelId, bytes32 modelHash, Status to, bool twoPersonRule) private {
        RegistryStorage storage $ = _registry();
        bytes32 key = _key(modelId, modelHash);
        ModelVersion storage v = $.versions[key];
        _requireRetirable(modelId, modelHash, v.status, to);
        if (twoPersonRule && $.active[modelId] == modelHash) {
            PendingRetirement memory pending = $.retirements[key];
            if (pending.proposedBy == address(0) || pending.to != to) {
                revert RetirementNotProposed(modelId, modelHash, to);
            }
            if (pending.proposedBy == msg.sender) {
                revert RetirementNeedsSecondApprover(modelId, modelHash, msg.sender);
            }
        }
        v.status = to;
        if ($.retirements[key].proposedBy != address(0)) {
            delete $.retirements[key];
        }
        if ($.amendments[key].proposedBy != address(0)) {
            delete $.amendments[key];
        }
        if ($.active[modelId] == modelHash) {
            delete $.active[modelId];
            emit ActiveVersionChanged(modelId, modelHash, bytes32(0));
        }
    }

    /// @dev Reverts unless a version in `status` may move to `to` (Deprecated: from Approved; Revoked:
    /// from Proposed, Approved or Deprecated).
    function _requireRetirable(bytes32 modelId, bytes32 modelHash, Status status, Status to) private pure {
        bool allowed = to == Status.Deprecated
            ? status == Status.Approved
            : (status == Status.Proposed || status == Status.Approved || status == Status.Deprecated);
        if (!allowed) {
            revert InvalidTransition(modelId, modelHash, status, to);
        }
    }

    /// @dev Reverts unless a version in `status` may be amended (Proposed or Approved).
    function _requireAmendable(bytes32 modelId, bytes32 modelHash, Status status) private pure {
        if (status != Status.Proposed && status != Status.Approved) {
            revert VersionNotAmendable(modelId, modelHash, status);
        }
    }

    /// @dev Makes `modelHash` the active version of `modelId` and emits the change.
    function _setActive(bytes32 modelId, bytes32 modelHash) private {
        RegistryStorage storage $ = _registry();
        bytes32 previous = $.active[modelId];
        $.active[modelId] = modelHash;
        emit ActiveVersionChanged(modelId, previous, modelHash);
    }

    /// @dev Emits `ModelVersionProposed` from the proposal (apart to keep `propose`'s stack shallow).
    function _emitProposed(Proposal calldata p) private {
        emit ModelVersionProposed(
            p.modelId,
            p.modelHash,
            msg.sender,
            p.version,
            p.codeCommit,
            p.provenanceHash,
            p.datasetDigest,
            p.hyperparamsHash,
            p.labelCount,
            p.weightsCommitment,
            p.weightsUri
        );
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
