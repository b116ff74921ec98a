// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

/// @title IZkInferenceOracle
/// @notice Types, events and errors of the zero-knowledge transport (`ZkInferenceOracle`).
/// @dev Functions-free so that tests can inherit it.
interface IZkInferenceOracle {
    /// @notice A proven answer: the statement a Groth16 proof makes (its three public signals plus
    /// the model version it names) and the proof. `npm run zk -- prove` prints every field.
    /// @param result The result in the manifest's scale (public signal 0).
    /// @param modelHash The approved model version the proof is for (sha256 of its ONNX file).
    /// @param inputCommitment Poseidon commitment to the encoded features and a salt (public signal 1).
    /// @param weightsCommitment Poseidon commitment to the quantised weights (public signal 2).
    /// @param proof abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c), 256 bytes.
    struct ZkAnswer {
        uint256 result;
        bytes32 modelHash;
        bytes32 inputCommitment;
        bytes32 weightsCommitment;
        bytes proof;
    }

    /// @notice Emitted when the owner sets (or, with the zero address, removes) the verifier of a
    /// model id's circuit for one weights commitment.
    event VerifierSet(bytes32 indexed modelId, bytes32 indexed weightsCommitment, address verifier);

    /// @notice Emitted with `InferenceAccepted` when a proof settled a request.
    /// @param requestId The request.
    /// @param prover The account that sent the proof.
    /// @param weightsCommitment The weights commitment the proof was checked against.
    event InferenceProven(bytes32 indexed requestId, address indexed prover, bytes32 weightsCommitment);

    // ------------------------------------------------------------ configuration

    /// @notice Thrown by `setVerifier()` on a zero weights commitment.
    error ZeroWeightsCommitment(bytes32 modelId);
    /// @notice Thrown by `setVerifier()` when a non-zero verifier address holds no code.
    error VerifierHasNoCode(address verifier);

    // ------------------------------------------------------------ requests

    /// @notice Thrown by `requestInference()` when the request carries input text: this oracle takes
    /// only the commitment, so features sent along would reach the chain for nothing.
    error InputNotAllowed(uint256 length);
    /// @notice Thrown by `requestInference()` when the input hash is not a BN254 field element, so
    /// no proof could ever name it (e.g. a sha256 hash instead of a Poseidon commitment).
    error InputCommitmentOutOfField(bytes32 inputHash);
    /// @notice Thrown by `requestInference()` when the model's active version has no approved weights
    /// commitment (no circuit), so no proof could answer.
    error NoWeightsCommitment(bytes32 modelId, bytes32 modelHash);
    /// @notice Thrown by `requestInference()` and `fulfill()` when no verifier is set for the model
    /// id and weights commitment.
    error VerifierNotSet(bytes32 modelId, bytes32 weightsCommitment);
    /// @notice Thrown by `requestInference()` and `fulfill()` when the acceptance policy's threshold
    /// is above 1: a proof is one answer, so such a threshold could never be met.
    error ThresholdUnreachable(uint8 threshold);

    // ------------------------------------------------------------ fulfilment (nothing changes)

    /// @notice Thrown by `fulfill()` when the request is not pending with exactly these fields: never
    /// sent, already settled (a replay), or the client, model id or input hash differ.
    error RequestNotPending(bytes32 requestId);
    /// @notice Thrown by `fulfill()` when the proof's input commitment is not the requested one.
    error InputCommitmentMismatch(bytes32 requestId, bytes32 requested, bytes32 proven);
    /// @notice Thrown by `fulfill()` when the proof's weights commitment is not the one the registry
    /// approved for the model version it names (`approved` is zero when the version is not approved
    /// for this model id or has no commitment).
    error WeightsCommitmentNotApproved(bytes32 modelId, bytes32 modelHash, bytes32 proven, bytes32 approved);
    /// @notice Thrown by `fulfill()` when the verifier refuses the proof for this statement.
    error InvalidProof(bytes32 requestId);
    /// @notice Thrown by `fulfill()` when less gas is left at the proof check than
    /// `fulfilmentGas()`: the verifier's cap and the client's callback gas limit, each whole.
    error InsufficientGas(uint256 gasLeft, uint256 required);
}
