// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {IGroth16Verifier} from "./IGroth16Verifier.sol";

/// @title ZkInferenceProof
/// @notice The 256-byte proof of one inference (abi.encode(uint256[2] a, uint256[2][2] b, uint256[2] c),
/// as `npm run zk -- prove` returns it) and its check against a model's generated verifier. What a
/// proof states: the model whose weights commit to `weightsCommitment`, run on the features that
/// commit to `inputCommitment`, gives `result`. Binding the weights commitment to an approved model
/// version and the input commitment to a request is the caller's job.
library ZkInferenceProof {
    /// @notice Length of an encoded proof: eight field words.
    uint256 internal constant PROOF_LENGTH = 256;
    /// @notice Gas forwarded to the verifier. A valid proof with three public signals needs about
    /// 205,000; an invalid curve point makes the pairing precompile fail, which burns all the gas
    /// the verifier forwards to it, so the cap bounds what a malformed proof can cost the caller.
    uint256 internal constant VERIFY_GAS_LIMIT = 350_000;

    /// @notice Thrown by `decode` and `verify` when the proof is not exactly `PROOF_LENGTH` bytes.
    /// @param length The length received.
    error ProofLengthInvalid(uint256 length);

    /// @notice Splits an encoded proof into the verifier's arguments.
    /// @param proof abi.encode(a, b, c), 256 bytes.
    function decode(bytes calldata proof)
        internal
        pure
        returns (uint256[2] memory a, uint256[2][2] memory b, uint256[2] memory c)
    {
        if (proof.length != PROOF_LENGTH) {
            revert ProofLengthInvalid(proof.length);
        }
        (a, b, c) = abi.decode(proof, (uint256[2], uint256[2][2], uint256[2]));
    }

    /// @notice True iff `verifier` accepts `proof` for exactly this result and these commitments.
    /// @param verifier The model's generated Groth16 verifier.
    /// @param proof abi.encode(a, b, c), 256 bytes.
    /// @param result The result in the manifest's scale.
    /// @param inputCommitment Poseidon commitment to the encoded features and salt.
    /// @param weightsCommitment Poseidon commitment to the format and the weights.
    function verify(
        IGroth16Verifier verifier,
        bytes calldata proof,
        uint256 result,
        bytes32 inputCommitment,
        bytes32 weightsCommitment
    ) internal view returns (bool) {
        (uint256[2] memory a, uint256[2][2] memory b, uint256[2] memory c) = decode(proof);
        return verifier.verifyProof{gas: VERIFY_GAS_LIMIT}(
            a, b, c, [result, uint256(inputCommitment), uint256(weightsCommitment)]
        );
    }
}
