// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

/// @title IModelRegistry
/// @notice Model versions with their provenance, and which of them consumers may accept.
/// @dev Model ids are `bytes32` short strings (ASCII left-aligned, zero-padded; see docs/protocol.md),
/// model hashes are the sha256 of the ONNX file. A version is keyed by (model id, model hash). Its
/// record is written once by `propose` and never changes; only its status moves forward:
/// Proposed -> Approved -> Deprecated, and Proposed/Approved/Deprecated -> Revoked (final).
/// Only hashes and short references live on-chain; the manifest itself stays off-chain.
interface IModelRegistry {
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
