// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {IZkInferenceOracle} from "../interfaces/IZkInferenceOracle.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {InferenceOracle} from "./InferenceOracle.sol";
import {InferenceResult} from "../libraries/InferenceResult.sol";
import {IGroth16Verifier} from "../zk/IGroth16Verifier.sol";
import {ZkInferenceProof} from "../zk/ZkInferenceProof.sol";

/// @title ZkInferenceOracle
/// @notice The zero-knowledge transport: no oracle network. A request stores the shared one-slot
/// commitment (client, model id, input commitment) and emits `InferenceRequested` with an empty
/// input: the features never reach the chain, only their salted Poseidon commitment. Anyone may then
/// `fulfill` it with a Groth16 proof that the model version's circuit, run on the committed features,
/// gives the result; the answer goes through the shared checks of `InferenceOracle` as one agreeing
/// answer (responded = agreed = 1, observed now).
/// @dev A proof is accepted only if (1) it names a pending request with exactly its fields, (2) its
/// input commitment is the requested one, (3) its weights commitment is the one the registry approved
/// for the model version it names (`IModelRegistry.approvedWeightsCommitment`: zero unless that
/// version is approved for this model id), (4) the owner set a verifier for (model id, weights
/// commitment), and (5) that verifier accepts the proof for (result, input commitment, weights
/// commitment). Anything else reverts with its reason and changes nothing, so a bad proof can never
/// settle (and so block) a request: unlike the CRE oracle, whose forwarder tries a report once, a
/// fulfilment may be sent again by anyone. The registry governs which weights a proof may use (two
/// people approve a version and its commitment); the owner only maps a commitment to the contract
/// that checks its proofs, as the owner of every oracle already chooses its registry. A constant-mode
/// circuit fixes its weights commitment as an output, so even a verifier mapped to the wrong
/// commitment accepts no proof for it. A proof is a statement about the committed input, not about a
/// request: two requests with the same commitment have the same (true) answer, and a fresh salt per
/// request makes commitments unique.
contract ZkInferenceOracle is InferenceOracle, IZkInferenceOracle {
    /// @notice BN254's scalar field: public signals, hence input commitments, lie below it.
    uint256 public constant SNARK_SCALAR_FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @notice What one proof counts as: one valid answer that agrees with itself.
    uint8 public constant PROOF_AGREEMENT = 1;
    /// @notice Gas `_deliver` needs besides the client's callback and `DELIVERY_RECORD_GAS`: the
    /// pending slot, the result's encoding, decoding and checks (a registry call), the events.
    uint256 public constant DELIVERY_OVERHEAD_GAS = 40_000;
    /// @notice Gas the proof's decoding and the verifier call need besides the verifier's own cap.
    uint256 public constant PROOF_CHECK_OVERHEAD_GAS = 10_000;

    mapping(bytes32 modelId => mapping(bytes32 weightsCommitment => IGroth16Verifier verifier)) internal
        s_verifiers;

    // ---------------------------------------------------------------- owner configuration

    /// @notice Sets the verifier that checks proofs of `modelId`'s circuit with `weightsCommitment`
    /// (the generated `contracts/zk/<Name>Groth16Verifier.sol`); the zero address removes it. The
    /// registry still decides which commitments are approved, per model version.
    /// @param modelId The model id (short string).
    /// @param weightsCommitment The weights commitment the verifier's circuit proves against.
    /// @param verifier The verifier contract, or zero.
    function setVerifier(bytes32 modelId, bytes32 weightsCommitment, address verifier) external onlyOwner {
        if (weightsCommitment == bytes32(0)) {
            revert ZeroWeightsCommitment(modelId);
        }
        if (verifier != address(0) && verifier.code.length == 0) {
            revert VerifierHasNoCode(verifier);
        }
        s_verifiers[modelId][weightsCommitment] = IGroth16Verifier(verifier);
        emit VerifierSet(modelId, weightsCommitment, verifier);
    }

    // ---------------------------------------------------------------- views

    /// @notice The verifier set for a model id and weights commitment (zero if none).
    /// @param modelId The model id (short string).
    /// @param weightsCommitment The weights commitment.
    function verifierOf(bytes32 modelId, bytes32 weightsCommitment) external view returns (address) {
        return address(s_verifiers[modelId][weightsCommitment]);
    }

    /// @notice Gas `fulfill` must still have when it reaches the proof: the verifier's whole cap (so
    /// a refusal always means an invalid proof, never a starved verifier), then the client's whole
    /// callback gas limit (so a prover cannot make the callback fail), each with what a call keeps
    /// back (1/64), plus the work around them. A valid proof uses about 205,000 of the cap; unused
    /// gas is refunded.
    function fulfilmentGas() public view returns (uint256) {
        return (ZkInferenceProof.VERIFY_GAS_LIMIT * 64) / 63 + PROOF_CHECK_OVERHEAD_GAS
            + (uint256(s_billing.callbackGasLimit) * 64) / 63 + DELIVERY_RECORD_GAS + DELIVERY_OVERHEAD_GAS;
    }

    // ---------------------------------------------------------------- fulfilment

    /// @notice Answers a pending request with a proof. Anyone may call it; the result is delivered to
    /// the client only if every check passes, else the call reverts with the reason and nothing
    /// changes.
    /// @param requestId The request (from `InferenceRequested`).
    /// @param request The request's client, model id and input commitment (from `InferenceRequested`).
    /// @param answer The proven statement and the 256-byte proof.
    function fulfill(bytes32 requestId, Request calldata request, ZkAnswer calldata answer) external {
        bytes32 commitment = s_pending[requestId];
        if (commitment == bytes32(0) || commitment != _commitment(request)) {
            revert RequestNotPending(requestId);
        }
        if (answer.inputCommitment != request.inputHash) {
            revert InputCommitmentMismatch(requestId, request.inputHash, answer.inputCommitment);
        }
        AcceptancePolicy memory policy = s_policy;
        if (policy.threshold > PROOF_AGREEMENT) {
            revert ThresholdUnreachable(policy.threshold);
        }
        bytes32 approved =
            IModelRegistry(policy.registry).approvedWeightsCommitment(request.modelId, answer.modelHash);
        if (approved == bytes32(0) || approved != answer.weightsCommitment) {
            revert WeightsCommitmentNotApproved(
                request.modelId, answer.modelHash, answer.weightsCommitment, approved
            );
        }
        IGroth16Verifier verifier = s_verifiers[request.modelId][approved];
        if (address(verifier) == address(0)) {
            revert VerifierNotSet(request.modelId, approved);
        }
        uint256 required = fulfilmentGas();
        if (gasleft() < required) {
            revert InsufficientGas(gasleft(), required);
        }
        if (!ZkInferenceProof.verify(verifier, answer.proof, answer.result, answer.inputCommitment, approved))
        {
            revert InvalidProof(requestId);
        }
        emit InferenceProven(requestId, msg.sender, approved);
        _deliver(
            requestId,
            request,
            InferenceResult.encode(
                InferenceResult.Data({
                    result: answer.result,
                    modelHash: answer.modelHash,
                    inputHash: answer.inputCommitment,
                    responded: PROOF_AGREEMENT,
                    agreed: PROOF_AGREEMENT,
                    observedAt: uint64(block.timestamp)
                })
            ),
            ""
        );
    }

    // ---------------------------------------------------------------- requests

    /// @inheritdoc InferenceOracle
    /// @dev Nothing leaves the chain; refuses a request no proof could answer (input text, an input
    /// hash outside the field, an active version without a circuit or verifier, a threshold above
    /// one), so nobody pays for a request that can only expire. The id is unique per chain, oracle
    /// and request.
    function _dispatch(
        Request memory request,
        bytes32 modelHash,
        string calldata input,
        AcceptancePolicy memory policy,
        uint64 nonce
    ) internal view override returns (bytes32 requestId) {
        if (bytes(input).length != 0) {
            revert InputNotAllowed(bytes(input).length);
        }
        if (uint256(request.inputHash) >= SNARK_SCALAR_FIELD) {
            revert InputCommitmentOutOfField(request.inputHash);
        }
        if (policy.threshold > PROOF_AGREEMENT) {
            revert ThresholdUnreachable(policy.threshold);
        }
        bytes32 weightsCommitment =
            IModelRegistry(policy.registry).approvedWeightsCommitment(request.modelId, modelHash);
        if (weightsCommitment == bytes32(0)) {
            revert NoWeightsCommitment(request.modelId, modelHash);
        }
        if (address(s_verifiers[request.modelId][weightsCommitment]) == address(0)) {
            revert VerifierNotSet(request.modelId, weightsCommitment);
        }
        return keccak256(abi.encode(block.chainid, address(this), nonce));
    }
}
