// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/// @title AnswerVerifier
/// @notice Checks one adapter answer's operator signature on-chain, the way the DON-side core
/// (don-core/inference-core.ts) checks it off-chain (docs/protocol.md, "Operator signature"): a
/// contract holding an adapter's answer (its fields, Merkle proof and signature) learns which
/// operator key signed it, without a DON round.
/// @dev EIP-712, domain `{name: "onnx-oracle", version: "2"}` (no chainId, no verifyingContract: one
/// answer is valid on every chain, so bind what matters, e.g. the job run id, in the answer itself).
/// An answer's leaf is the struct hash of
/// `Inference(bytes32 modelHash,bytes32 manifestHash,bytes32 inputHash,uint256 result,string jobRunId)`.
/// An operator signs a batch of answers once: a batch of one signs the leaf's own EIP-712 digest
/// (proof empty); a larger batch signs `InferenceBatch(bytes32 root)`, where the root is the Merkle
/// root of its leaves with pairs hashed sorted (OpenZeppelin `MerkleProof`), and every answer of such
/// a batch carries a non-empty proof. Signatures are 65 bytes r ‖ s ‖ v with v = 27/28; a high-s
/// signature (s above half the group order, the malleable twin of a valid one) is refused
/// (OpenZeppelin `ECDSA.tryRecover`).
library AnswerVerifier {
    /// @notice The fields of one answer that its operator signs.
    /// @param modelHash sha256 of model.onnx.
    /// @param manifestHash sha256 of the RFC 8785 canonical JSON of the model's manifest.json.
    /// @param inputHash sha256 of the input (image bytes, or the canonical JSON of the features).
    /// @param result The answer's result, fixed point by the manifest's scale.
    /// @param jobRunId The request's job run id the adapter echoed (e.g. "fn-" + 16 hex digits).
    struct Answer {
        bytes32 modelHash;
        bytes32 manifestHash;
        bytes32 inputHash;
        uint256 result;
        string jobRunId;
    }

    /// @notice keccak256("EIP712Domain(string name,string version)").
    bytes32 internal constant DOMAIN_TYPEHASH = keccak256("EIP712Domain(string name,string version)");
    /// @notice keccak256 of the `Inference` type string.
    bytes32 internal constant INFERENCE_TYPEHASH = keccak256(
        "Inference(bytes32 modelHash,bytes32 manifestHash,bytes32 inputHash,uint256 result,string jobRunId)"
    );
    /// @notice keccak256("InferenceBatch(bytes32 root)").
    bytes32 internal constant INFERENCE_BATCH_TYPEHASH = keccak256("InferenceBatch(bytes32 root)");
    /// @notice The EIP-712 domain separator of `{name: "onnx-oracle", version: "2"}` (checked against
    /// its definition by the tests).
    bytes32 internal constant DOMAIN_SEPARATOR =
        0x7c001731b08e407e7e7da28e161963abae332a1ead9b4d3558adfcdbbf77833b;
    /// @notice Length in bytes of an operator signature (r ‖ s ‖ v).
    uint256 internal constant SIGNATURE_LENGTH = 65;

    /// @notice Thrown by `recover()` when the signature is not `SIGNATURE_LENGTH` bytes long.
    error InvalidSignatureLength(uint256 length);
    /// @notice Thrown by `recover()` for a high-s signature (the malleable twin of a valid one).
    error MalleableSignature(bytes32 s);
    /// @notice Thrown by `recover()` when no key made this signature over the answer's digest
    /// (including a v other than 27 or 28).
    error InvalidSignature(bytes32 digest);

    /// @notice The answer's leaf: the EIP-712 struct hash of its `Inference`.
    function leaf(Answer memory answer) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                INFERENCE_TYPEHASH,
                answer.modelHash,
                answer.manifestHash,
                answer.inputHash,
                answer.result,
                keccak256(bytes(answer.jobRunId))
            )
        );
    }

    /// @notice The digest the operator signed for an answer with this leaf and proof: the leaf's own
    /// EIP-712 digest for an empty proof (a batch of one), else that of `InferenceBatch(root)`.
    function digest(bytes32 answerLeaf, bytes32[] memory proof) internal pure returns (bytes32) {
        if (proof.length == 0) return ECDSA.toTypedDataHash(DOMAIN_SEPARATOR, answerLeaf);
        bytes32 root = MerkleProof.processProof(proof, answerLeaf);
        return ECDSA.toTypedDataHash(DOMAIN_SEPARATOR, keccak256(abi.encode(INFERENCE_BATCH_TYPEHASH, root)));
    }

    /// @notice The operator that signed `answer`; reverts with the reason when the signature is
    /// malformed, high-s, or recovers to no one.
    /// @param answer The answer's signed fields, as the adapter reported them.
    /// @param proof The answer's Merkle proof (empty for a batch of one).
    /// @param signature The batch's 65-byte signature.
    function recover(Answer memory answer, bytes32[] memory proof, bytes memory signature)
        internal
        pure
        returns (address signer)
    {
        bytes32 answerDigest = digest(leaf(answer), proof);
        ECDSA.RecoverError error;
        (signer, error) = ECDSA.tryRecover(answerDigest, signature);
        if (error == ECDSA.RecoverError.NoError) return signer;
        if (error == ECDSA.RecoverError.InvalidSignatureLength) {
            revert InvalidSignatureLength(signature.length);
        }
        if (error == ECDSA.RecoverError.InvalidSignatureS) revert MalleableSignature(_s(signature));
        revert InvalidSignature(answerDigest);
    }

    /// @notice Whether `signer` signed `answer` (false for any malformed, high-s or foreign
    /// signature, and for the zero address).
    /// @param answer The answer's signed fields.
    /// @param proof The answer's Merkle proof (empty for a batch of one).
    /// @param signature The batch's 65-byte signature.
    /// @param signer The operator address expected.
    function isSignedBy(Answer memory answer, bytes32[] memory proof, bytes memory signature, address signer)
        internal
        pure
        returns (bool)
    {
        if (signer == address(0)) return false;
        (address recovered, ECDSA.RecoverError error) =
            ECDSA.tryRecover(digest(leaf(answer), proof), signature);
        return error == ECDSA.RecoverError.NoError && recovered == signer;
    }

    /// @dev The s word of a 65-byte signature (for the error that names it).
    function _s(bytes memory signature) private pure returns (bytes32 s) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            s := mload(add(signature, 0x40))
        }
    }
}
