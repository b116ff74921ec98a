// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

/// @title IModelRegistryEvents
/// @notice The events of the model registry, apart so that tests and tools can inherit them (solc
/// 0.8.19 cannot emit `IModelRegistry.Event` by name from another contract).
interface IModelRegistryEvents {
    /// @notice Emitted when a version is proposed, with its full record (the only place `weightsUri`
    /// is kept on-chain).
    /// @param modelId Model id (short string).
    /// @param modelHash sha256 of the ONNX file.
    /// @param proposer The account that proposed it.
    /// @param version Manifest version (short string of at most 12 bytes).
    /// @param codeCommit Git commit (or tree) of the training code.
    /// @param provenanceHash keccak256 of the canonical provenance.
    /// @param datasetDigest Digest of the training dataset.
    /// @param hyperparamsHash Digest of the training hyperparameters.
    /// @param labelCount Classes the result indexes (0 for a scalar result).
    /// @param weightsCommitment Poseidon commitment to the quantised weights (0: no circuit).
    /// @param weightsUri Where the weights are published.
    event ModelVersionProposed(
        bytes32 indexed modelId,
        bytes32 indexed modelHash,
        address indexed proposer,
        bytes12 version,
        bytes20 codeCommit,
        bytes32 provenanceHash,
        bytes32 datasetDigest,
        bytes32 hyperparamsHash,
        uint16 labelCount,
        bytes32 weightsCommitment,
        string weightsUri
    );
    /// @notice Emitted when a second person approves a proposed version; it becomes the active one.
    event ModelVersionApproved(bytes32 indexed modelId, bytes32 indexed modelHash, address indexed approver);
    /// @notice Emitted when an approver rejects a proposed version: its record is deleted and the
    /// (model id, model hash) key may be proposed again (the remedy for a squatted key).
    /// @param proposer The account whose proposal was rejected.
    /// @param by The approver who rejected it.
    event ModelVersionRejected(
        bytes32 indexed modelId, bytes32 indexed modelHash, address indexed proposer, address by
    );
    /// @notice Emitted when an approved version is deprecated: no longer accepted by consumers.
    event ModelVersionDeprecated(bytes32 indexed modelId, bytes32 indexed modelHash, address indexed by);
    /// @notice Emitted when a version is revoked; final.
    event ModelVersionRevoked(bytes32 indexed modelId, bytes32 indexed modelHash, address indexed by);
    /// @notice Emitted when the active version of a model id changes (`current` is zero when none).
    event ActiveVersionChanged(bytes32 indexed modelId, bytes32 previous, bytes32 current);
    /// @notice Emitted when an approver proposes to revoke a version; revoking the active version
    /// takes a second approver's `revoke`.
    event RevocationProposed(bytes32 indexed modelId, bytes32 indexed modelHash, address indexed by);
    /// @notice Emitted when an approver proposes to deprecate a version; deprecating the active
    /// version takes a second approver's `deprecate`.
    event DeprecationProposed(bytes32 indexed modelId, bytes32 indexed modelHash, address indexed by);
    /// @notice Emitted when a pending revocation or deprecation is withdrawn.
    event RetirementCancelled(bytes32 indexed modelId, bytes32 indexed modelHash, address indexed by);
    /// @notice Emitted when a proposer proposes new values for a version's record extensions.
    /// @param labelCount Classes the result indexes (0 for a scalar result).
    /// @param weightsCommitment Poseidon commitment to the quantised weights (0: no circuit).
    event AmendmentProposed(
        bytes32 indexed modelId,
        bytes32 indexed modelHash,
        address indexed by,
        uint16 labelCount,
        bytes32 weightsCommitment
    );
    /// @notice Emitted when a second person confirms an amendment and the record takes its values.
    /// @param proposedBy Who proposed the amendment.
    /// @param confirmedBy The approver who confirmed it.
    /// @param previousWeightsCommitment The commitment the record held before (0: none).
    event ModelVersionAmended(
        bytes32 indexed modelId,
        bytes32 indexed modelHash,
        address indexed confirmedBy,
        address proposedBy,
        uint16 labelCount,
        bytes32 previousWeightsCommitment,
        bytes32 weightsCommitment
    );
    /// @notice Emitted when a pending amendment is withdrawn.
    event AmendmentCancelled(bytes32 indexed modelId, bytes32 indexed modelHash, address indexed by);
}

/// @title IModelRegistry
/// @notice Model versions with their provenance, and which of them consumers may accept.
/// @dev Model ids are `bytes32` short strings (ASCII left-aligned, zero-padded; see docs/protocol.md),
/// model hashes are the sha256 of the ONNX file. A version is keyed by (model id, model hash). Its
/// record is written once by `propose`; its status only moves forward: Proposed -> Approved ->
/// Deprecated, and Proposed/Approved/Deprecated -> Revoked (final). A proposal may instead be
/// rejected, which deletes it (the key becomes free). Two record fields can be filled in later, each
/// change proposed by one account and confirmed by a different approver: the label count (for a
/// version recorded before the field existed) and the zero-knowledge weights commitment.
/// Two-person rules: a version's proposer cannot approve it; an amendment's proposer cannot
/// confirm it; the active version of a model id can only be retired by two approvers (one proposes,
/// another confirms) or replaced by another approved version in the same call.
/// Only hashes and short references live on-chain; the manifest itself stays off-chain.
interface IModelRegistry is IModelRegistryEvents {
    /// @notice Lifecycle of a model version. `None` means never proposed (or rejected).
    enum Status {
        None,
        Proposed,
        Approved,
        Deprecated,
        Revoked
    }

    /// @notice What a proposer submits for a version; immutable once proposed (but see amendments).
    /// @param modelId Manifest id as a short string, e.g. `bytes32("damage-v1")`.
    /// @param modelHash sha256 of the ONNX file.
    /// @param version Manifest version as a short string of at most 12 bytes, e.g. `bytes12("1.0.0")`.
    /// @param codeCommit Git commit (sha1) of the training code.
    /// @param provenanceHash keccak256 of the canonical provenance encoding (manifest schema).
    /// @param datasetDigest Digest of the training dataset.
    /// @param hyperparamsHash Digest of the training hyperparameters.
    /// @param labelCount Number of classes the model's result indexes (`outputs.labels.length` for an
    /// argmax result), 0 for a scalar result (a probability or a regression value).
    /// @param weightsCommitment Poseidon commitment to the quantised weights that a zero-knowledge
    /// verifier proves against; zero when the version has no circuit.
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
        uint16 labelCount;
        bytes32 weightsCommitment;
        string weightsUri;
    }

    /// @notice A version as stored: its record plus its lifecycle state.
    /// @dev Storage layout (per version, 6 slots): slot 0 = status, proposer, proposedAt, labelCount,
    /// labelCountRecorded; slot 1 = version, codeCommit; slots 2-4 = the three provenance digests;
    /// slot 5 = weightsCommitment. Registry version 1 wrote slots 0-4 only, leaving the bytes of
    /// `labelCount`/`labelCountRecorded` and slot 5 zero: an old record reads as "label count not
    /// recorded, no weights commitment" after an upgrade (test/contracts/ModelRegistryUpgrade.t.sol).
    /// @param labelCount Classes the result indexes (0 for a scalar result); meaningful only when
    /// `labelCountRecorded`.
    /// @param labelCountRecorded False only for a version recorded by registry version 1 whose label
    /// count has not been amended since.
    /// @param weightsCommitment Poseidon commitment to the quantised weights (zero: no circuit).
    struct ModelVersion {
        Status status;
        address proposer;
        uint40 proposedAt;
        uint16 labelCount;
        bool labelCountRecorded;
        bytes12 version;
        bytes20 codeCommit;
        bytes32 provenanceHash;
        bytes32 datasetDigest;
        bytes32 hyperparamsHash;
        bytes32 weightsCommitment;
    }

    /// @notice A revocation or deprecation waiting for a second approver.
    /// @param proposedBy The approver who proposed it (zero: none pending).
    /// @param to `Revoked` or `Deprecated`.
    struct PendingRetirement {
        address proposedBy;
        Status to;
    }

    /// @notice An amendment of a version's record extensions waiting for an approver.
    /// @param proposedBy The proposer (zero: none pending).
    /// @param labelCount The label count the record will hold.
    /// @param weightsCommitment The weights commitment the record will hold (zero removes it).
    struct PendingAmendment {
        address proposedBy;
        uint16 labelCount;
        bytes32 weightsCommitment;
    }

    /// @notice Thrown by `propose()` when the model id or model hash is zero.
    error InvalidModelVersion(bytes32 modelId, bytes32 modelHash);
    /// @notice Thrown by `propose()` when this (model id, model hash) is already recorded.
    error ModelVersionExists(bytes32 modelId, bytes32 modelHash);
    /// @notice Thrown by a transition that the version's current status does not allow.
    error InvalidTransition(bytes32 modelId, bytes32 modelHash, Status from, Status to);
    /// @notice Thrown by `approve()` when the approver is the one who proposed the version.
    error ProposerCannotApprove(bytes32 modelId, bytes32 modelHash, address account);
    /// @notice Thrown by `revoke()`/`deprecate()` on the active version when no other approver has
    /// proposed that retirement (`proposeRevocation`/`proposeDeprecation`), and by
    /// `cancelRetirement()` when nothing is pending.
    /// @param to The status asked for.
    error RetirementNotProposed(bytes32 modelId, bytes32 modelHash, Status to);
    /// @notice Thrown by `revoke()`/`deprecate()` on the active version when the caller is the
    /// approver who proposed that retirement: a second approver must confirm it.
    error RetirementNeedsSecondApprover(bytes32 modelId, bytes32 modelHash, address account);
    /// @notice Thrown by `activate()` when the version is already the active one.
    error VersionAlreadyActive(bytes32 modelId, bytes32 modelHash);
    /// @notice Thrown by `revokeAndActivate()` when the replacement is the version being revoked.
    error ReplacementIsRevokedVersion(bytes32 modelId, bytes32 modelHash);
    /// @notice Thrown by `labelCountOf()` for a version without a recorded label count (unknown, or
    /// recorded by registry version 1 and not amended).
    error LabelCountNotRecorded(bytes32 modelId, bytes32 modelHash);
    /// @notice Thrown by `proposeAmendment()` when it would change a recorded label count: the
    /// label count is a property of the model file and never changes once recorded.
    error LabelCountImmutable(bytes32 modelId, bytes32 modelHash, uint16 recorded, uint16 given);
    /// @notice Thrown by `proposeAmendment()`/`confirmAmendment()` when the version is neither
    /// proposed nor approved (a deprecated, revoked or unknown version keeps its record as it is).
    error VersionNotAmendable(bytes32 modelId, bytes32 modelHash, Status status);
    /// @notice Thrown by `proposeAmendment()` when the values equal the record's.
    error AmendmentChangesNothing(bytes32 modelId, bytes32 modelHash);
    /// @notice Thrown by `confirmAmendment()`/`cancelAmendment()` when no amendment is pending.
    error AmendmentNotProposed(bytes32 modelId, bytes32 modelHash);
    /// @notice Thrown by `confirmAmendment()` when the values differ from the pending amendment's
    /// (the error carries the pending values).
    error AmendmentMismatch(bytes32 modelId, bytes32 modelHash, uint16 labelCount, bytes32 weightsCommitment);
    /// @notice Thrown by `confirmAmendment()` when the approver is the one who proposed it.
    error AmendmentNeedsSecondPerson(bytes32 modelId, bytes32 modelHash, address account);
    /// @notice Thrown by `cancelAmendment()` when the caller is neither an approver nor the
    /// amendment's proposer.
    error NotAmendmentProposer(bytes32 modelId, bytes32 modelHash, address account);

    /// @notice Records a new version in status Proposed. Requires PROPOSER_ROLE.
    /// @param proposal The version's record.
    function propose(Proposal calldata proposal) external;

    /// @notice Approves a proposed version and makes it the active one. Requires APPROVER_ROLE and an
    /// approver other than its proposer.
    /// @param modelId The model id (short string).
    /// @param modelHash The version's model hash (sha256 of the ONNX file).
    function approve(bytes32 modelId, bytes32 modelHash) external;

    /// @notice Rejects a proposed version: deletes its record so the key can be proposed again (by
    /// anyone holding PROPOSER_ROLE, with the right provenance). Requires APPROVER_ROLE.
    /// @param modelId The model id (short string).
    /// @param modelHash The version's model hash (sha256 of the ONNX file).
    function reject(bytes32 modelId, bytes32 modelHash) external;

    /// @notice Makes an approved version the active one (e.g. a rollback to an older approved
    /// version). Requires APPROVER_ROLE.
    /// @param modelId The model id (short string).
    /// @param modelHash The version's model hash (sha256 of the ONNX file).
    function activate(bytes32 modelId, bytes32 modelHash) external;

    /// @notice Proposes to deprecate an approved version; for the active version a second approver
    /// then confirms with `deprecate`. Requires APPROVER_ROLE.
    /// @param modelId The model id (short string).
    /// @param modelHash The version's model hash (sha256 of the ONNX file).
    function proposeDeprecation(bytes32 modelId, bytes32 modelHash) external;

    /// @notice Deprecates an approved version. A version that is not the active one is deprecated at
    /// once; the active version only when another approver proposed it (`proposeDeprecation`).
    /// Requires APPROVER_ROLE.
    /// @param modelId The model id (short string).
    /// @param modelHash The version's model hash (sha256 of the ONNX file).
    function deprecate(bytes32 modelId, bytes32 modelHash) external;

    /// @notice Proposes to revoke a version; for the active version a second approver then
    /// confirms with `revoke`. Requires APPROVER_ROLE.
    /// @param modelId The model id (short string).
    /// @param modelHash The version's model hash (sha256 of the ONNX file).
    function proposeRevocation(bytes32 modelId, bytes32 modelHash) external;

    /// @notice Revokes a version that is not already revoked; final. A version that is not the
    /// active one is revoked at once; the active version only when another approver proposed it
    /// (`proposeRevocation`). Requires APPROVER_ROLE.
    /// @param modelId The model id (short string).
    /// @param modelHash The version's model hash (sha256 of the ONNX file).
    function revoke(bytes32 modelId, bytes32 modelHash) external;

    /// @notice Revokes `modelHash` and makes `replacement` (an approved version of the same model
    /// id) the active one, in one call: the model id never goes without an active version, so one
    /// approver may do it. Requires APPROVER_ROLE.
    /// @param modelId The model id (short string).
    /// @param modelHash The version's model hash (sha256 of the ONNX file).
    /// @param replacement An approved version of the same model id, made active.
    function revokeAndActivate(bytes32 modelId, bytes32 modelHash, bytes32 replacement) external;

    /// @notice Withdraws a pending revocation or deprecation. Requires APPROVER_ROLE.
    /// @param modelId The model id (short string).
    /// @param modelHash The version's model hash (sha256 of the ONNX file).
    function cancelRetirement(bytes32 modelId, bytes32 modelHash) external;

    /// @notice Proposes values for a version's record extensions (a proposed or approved version):
    /// the label count (only if not yet recorded; otherwise it must be repeated unchanged) and the
    /// weights commitment (set, replaced or, with zero, removed). Requires PROPOSER_ROLE; replaces
    /// any pending amendment of the version.
    /// @param modelId The model id (short string).
    /// @param modelHash The version's model hash (sha256 of the ONNX file).
    /// @param labelCount Classes the result indexes (0 for a scalar result).
    /// @param weightsCommitment Poseidon commitment to the quantised weights (0: no circuit).
    function proposeAmendment(bytes32 modelId, bytes32 modelHash, uint16 labelCount, bytes32 weightsCommitment)
        external;

    /// @notice Confirms the pending amendment, whose values the caller repeats (so that what is
    /// confirmed is exactly what was read). Requires APPROVER_ROLE and an approver other than the
    /// amendment's proposer.
    /// @param modelId The model id (short string).
    /// @param modelHash The version's model hash (sha256 of the ONNX file).
    /// @param labelCount The pending amendment's label count.
    /// @param weightsCommitment The pending amendment's weights commitment.
    function confirmAmendment(bytes32 modelId, bytes32 modelHash, uint16 labelCount, bytes32 weightsCommitment)
        external;

    /// @notice Withdraws the pending amendment. Requires APPROVER_ROLE or being its proposer.
    /// @param modelId The model id (short string).
    /// @param modelHash The version's model hash (sha256 of the ONNX file).
    function cancelAmendment(bytes32 modelId, bytes32 modelHash) external;

    /// @notice Whether `modelHash` is an approved (not deprecated, not revoked) version of `modelId`.
    /// @param modelId The model id (short string).
    /// @param modelHash The version's model hash (sha256 of the ONNX file).
    function isApproved(bytes32 modelId, bytes32 modelHash) external view returns (bool);

    /// @notice The version of `modelId` that requests should name: the most recently approved or
    /// activated version that is still approved; zero if none.
    /// @param modelId The model id (short string).
    function activeVersion(bytes32 modelId) external view returns (bytes32 modelHash);

    /// @notice The lifecycle status of a version (`None` if never proposed, or rejected).
    /// @param modelId The model id (short string).
    /// @param modelHash The version's model hash (sha256 of the ONNX file).
    function statusOf(bytes32 modelId, bytes32 modelHash) external view returns (Status);

    /// @notice The stored record and state of a version.
    /// @param modelId The model id (short string).
    /// @param modelHash The version's model hash (sha256 of the ONNX file).
    function getVersion(bytes32 modelId, bytes32 modelHash) external view returns (ModelVersion memory);

    /// @notice The number of classes the version's result indexes (0 for a scalar result). Reverts
    /// with `LabelCountNotRecorded` when it is not known, so a caller never mistakes "unknown" for 0.
    /// @param modelId The model id (short string).
    /// @param modelHash The version's model hash (sha256 of the ONNX file).
    function labelCountOf(bytes32 modelId, bytes32 modelHash) external view returns (uint16);

    /// @notice The weights commitment a zero-knowledge verifier may accept for this version: the
    /// recorded one if the version is approved, else zero (zero also when it has no circuit).
    /// @param modelId The model id (short string).
    /// @param modelHash The version's model hash (sha256 of the ONNX file).
    function approvedWeightsCommitment(bytes32 modelId, bytes32 modelHash) external view returns (bytes32);

    /// @notice The revocation or deprecation of a version waiting for a second approver, if any.
    /// @param modelId The model id (short string).
    /// @param modelHash The version's model hash (sha256 of the ONNX file).
    function pendingRetirement(bytes32 modelId, bytes32 modelHash) external view returns (PendingRetirement memory);

    /// @notice The amendment of a version waiting for confirmation, if any.
    /// @param modelId The model id (short string).
    /// @param modelHash The version's model hash (sha256 of the ONNX file).
    function pendingAmendment(bytes32 modelId, bytes32 modelHash) external view returns (PendingAmendment memory);
}
