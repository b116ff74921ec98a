// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

// Registry version 1, kept for the upgrade test (test/contracts/ModelRegistryUpgrade.t.sol): a
// verbatim copy of contracts/interfaces/IModelRegistry.sol and contracts/ModelRegistry.sol as of
// commit 48afcb7 (the implementation deployed before the record extensions and the governance
// rules), with only the names changed (IModelRegistry -> IModelRegistryV1, ModelRegistry ->
// ModelRegistryV1) and the two files joined. Do not edit: its storage writes are what the upgrade
// test proves the current implementation reads.

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";
import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";

/// @title IModelRegistryV1
/// @notice Model versions with their provenance, and which of them consumers may accept.
/// @dev Model ids are `bytes32` short strings (ASCII left-aligned, zero-padded; see docs/protocol.md),
/// model hashes are the sha256 of the ONNX file. A version is keyed by (model id, model hash). Its
/// record is written once by `propose` and never changes; only its status moves forward:
/// Proposed -> Approved -> Deprecated, and Proposed/Approved/Deprecated -> Revoked (final).
/// Only hashes and short references live on-chain; the manifest itself stays off-chain.
interface IModelRegistryV1 {
    /// @notice Lifecycle of a model version. `None` means never proposed.
    enum Status {
        None,
        Proposed,
        Approved,
        Deprecated,
        Revoked
    }

    /// @notice What a proposer submits for a version; immutable once proposed.
    /// @param modelId Manifest id as a short string, e.g. `bytes32("damage-v1")`.
    /// @param modelHash sha256 of the ONNX file.
    /// @param version Manifest version as a short string of at most 12 bytes, e.g. `bytes12("1.0.0")`.
    /// @param codeCommit Git commit (sha1) of the training code.
    /// @param provenanceHash keccak256 of the canonical provenance encoding (manifest schema).
    /// @param datasetDigest Digest of the training dataset.
    /// @param hyperparamsHash Digest of the training hyperparameters.
    /// @param weightsUri Where the weights are published (an `ipfs://` CID). Emitted in
    /// `ModelVersionProposed` and committed to by the provenance; not kept in contract storage.
    struct Proposal {
        bytes32 modelId;
        bytes32 modelHash;
        bytes12 version;
        bytes20 codeCommit;
        bytes32 provenanceHash;
        bytes32 datasetDigest;
        bytes32 hyperparamsHash;
        string weightsUri;
    }

    /// @notice A version as stored: its immutable record plus its lifecycle state.
    struct ModelVersion {
        Status status;
        address proposer;
        uint40 proposedAt;
        bytes12 version;
        bytes20 codeCommit;
        bytes32 provenanceHash;
        bytes32 datasetDigest;
        bytes32 hyperparamsHash;
    }

    /// @notice Emitted when a version is proposed, with its full record (the only place `weightsUri`
    /// is kept on-chain).
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
    /// @notice Emitted when a second person approves a proposed version; it becomes the active one.
    event ModelVersionApproved(bytes32 indexed modelId, bytes32 indexed modelHash, address indexed approver);
    /// @notice Emitted when an approved version is deprecated: no longer accepted by consumers.
    event ModelVersionDeprecated(bytes32 indexed modelId, bytes32 indexed modelHash, address indexed by);
    /// @notice Emitted when a version is revoked; final.
    event ModelVersionRevoked(bytes32 indexed modelId, bytes32 indexed modelHash, address indexed by);
    /// @notice Emitted when the active version of a model id changes (`current` is zero when none).
    event ActiveVersionChanged(bytes32 indexed modelId, bytes32 previous, bytes32 current);

    /// @notice Thrown by `propose()` when the model id or model hash is zero.
    error InvalidModelVersion(bytes32 modelId, bytes32 modelHash);
    /// @notice Thrown by `propose()` when this (model id, model hash) was already proposed.
    error ModelVersionExists(bytes32 modelId, bytes32 modelHash);
    /// @notice Thrown by a transition that the version's current status does not allow.
    error InvalidTransition(bytes32 modelId, bytes32 modelHash, Status from, Status to);
    /// @notice Thrown by `approve()` when the approver is the one who proposed the version.
    error ProposerCannotApprove(bytes32 modelId, bytes32 modelHash, address account);

    /// @notice Records a new version in status Proposed. Requires PROPOSER_ROLE.
    function propose(Proposal calldata proposal) external;

    /// @notice Approves a proposed version and makes it the active one. Requires APPROVER_ROLE and an
    /// approver other than its proposer.
    function approve(bytes32 modelId, bytes32 modelHash) external;

    /// @notice Deprecates an approved version. Requires APPROVER_ROLE.
    function deprecate(bytes32 modelId, bytes32 modelHash) external;

    /// @notice Revokes a version that is not already revoked; final. Requires APPROVER_ROLE.
    function revoke(bytes32 modelId, bytes32 modelHash) external;

    /// @notice Whether `modelHash` is an approved (not deprecated, not revoked) version of `modelId`.
    function isApproved(bytes32 modelId, bytes32 modelHash) external view returns (bool);

    /// @notice The most recently approved version of `modelId` that is still approved; zero if none.
    function activeVersion(bytes32 modelId) external view returns (bytes32 modelHash);

    /// @notice The lifecycle status of a version (`None` if never proposed).
    function statusOf(bytes32 modelId, bytes32 modelHash) external view returns (Status);

    /// @notice The stored record and state of a version.
    function getVersion(bytes32 modelId, bytes32 modelHash) external view returns (ModelVersion memory);
}

/// @title ModelRegistry
/// @notice On-chain record of model versions (hashes and short references to their provenance) and
/// of which versions consumers may accept. Two-person rule: a version's proposer cannot approve it.
/// @dev Upgradeable through an ERC-1967 proxy (OpenZeppelin UUPS, 4.9.3, the last major that compiles
/// with the solc 0.8.19 pin of Chainlink's FunctionsRouter). The registry's own state lives in one
/// ERC-7201 namespace, so future versions can add state without colliding with inherited layouts.
/// Storage of a version is 5 slots: (status, proposer, proposedAt), (version, codeCommit), and the
/// three provenance digests; the weights URI is only emitted, which keeps `propose` under 150k gas.
contract ModelRegistryV1 is IModelRegistryV1, Initializable, AccessControlUpgradeable, UUPSUpgradeable {
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

    /// @inheritdoc IModelRegistryV1
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

    /// @inheritdoc IModelRegistryV1
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

    /// @inheritdoc IModelRegistryV1
    function deprecate(bytes32 modelId, bytes32 modelHash) external override onlyRole(APPROVER_ROLE) {
        ModelVersion storage v = _registry().versions[_key(modelId, modelHash)];
        if (v.status != Status.Approved) {
            revert InvalidTransition(modelId, modelHash, v.status, Status.Deprecated);
        }
        v.status = Status.Deprecated;
        emit ModelVersionDeprecated(modelId, modelHash, msg.sender);
        _clearActive(modelId, modelHash);
    }

    /// @inheritdoc IModelRegistryV1
    function revoke(bytes32 modelId, bytes32 modelHash) external override onlyRole(APPROVER_ROLE) {
        ModelVersion storage v = _registry().versions[_key(modelId, modelHash)];
        if (v.status == Status.None || v.status == Status.Revoked) {
            revert InvalidTransition(modelId, modelHash, v.status, Status.Revoked);
        }
        v.status = Status.Revoked;
        emit ModelVersionRevoked(modelId, modelHash, msg.sender);
        _clearActive(modelId, modelHash);
    }

    /// @inheritdoc IModelRegistryV1
    function isApproved(bytes32 modelId, bytes32 modelHash) external view override returns (bool) {
        return _registry().versions[_key(modelId, modelHash)].status == Status.Approved;
    }

    /// @inheritdoc IModelRegistryV1
    function activeVersion(bytes32 modelId) external view override returns (bytes32 modelHash) {
        return _registry().active[modelId];
    }

    /// @inheritdoc IModelRegistryV1
    function statusOf(bytes32 modelId, bytes32 modelHash) external view override returns (Status) {
        return _registry().versions[_key(modelId, modelHash)].status;
    }

    /// @inheritdoc IModelRegistryV1
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
