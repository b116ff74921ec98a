// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {Test} from "forge-std/Test.sol";
import {AnswerVerifier} from "../../contracts/libraries/AnswerVerifier.sol";

/// @dev Exposes the library's internal functions as external calls (for `vm.expectRevert` and gas).
contract AnswerVerifierHarness {
    function leaf(AnswerVerifier.Answer calldata answer) external pure returns (bytes32) {
        return AnswerVerifier.leaf(answer);
    }

    function digest(bytes32 answerLeaf, bytes32[] calldata proof) external pure returns (bytes32) {
        return AnswerVerifier.digest(answerLeaf, proof);
    }

    function recover(
        AnswerVerifier.Answer calldata answer,
        bytes32[] calldata proof,
        bytes calldata signature
    ) external pure returns (address) {
        return AnswerVerifier.recover(answer, proof, signature);
    }

    function isSignedBy(
        AnswerVerifier.Answer calldata answer,
        bytes32[] calldata proof,
        bytes calldata signature,
        address signer
    ) external pure returns (bool) {
        return AnswerVerifier.isSignedBy(answer, proof, signature, signer);
    }
}

/// @dev Shared setup: an operator key, answers drawn from a seed, and a Merkle tree built the way
/// the adapter builds it (adapter/src/signing/batch-signature.ts via protocol/answer-digest.ts):
/// level by level, neighbours paired in order, pairs hashed sorted, an odd last node carried up.
abstract contract AnswerVerifierBase is Test {
    /// secp256k1 group order.
    uint256 internal constant N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141;
    /// The adapter's default batch cap (SIGNER_BATCH_MAX_SIZE).
    uint256 internal constant MAX_BATCH = 64;
    uint256 internal constant OPERATOR_KEY = 0xA11CE;

    AnswerVerifierHarness internal verifier;
    address internal operator;

    function setUp() public virtual {
        verifier = new AnswerVerifierHarness();
        operator = vm.addr(OPERATOR_KEY);
    }

    function _answer(uint256 seed, uint256 i) internal pure returns (AnswerVerifier.Answer memory) {
        bytes32 h = keccak256(abi.encode(seed, i));
        return AnswerVerifier.Answer({
            modelHash: keccak256(abi.encode(h, "model")),
            manifestHash: keccak256(abi.encode(h, "manifest")),
            inputHash: keccak256(abi.encode(h, "input")),
            result: uint256(h) % 10_001,
            jobRunId: string.concat("fn-", vm.toString(h))
        });
    }

    function _answers(uint256 seed, uint256 size)
        internal
        pure
        returns (AnswerVerifier.Answer[] memory answers)
    {
        answers = new AnswerVerifier.Answer[](size);
        for (uint256 i = 0; i < size; ++i) {
            answers[i] = _answer(seed, i);
        }
    }

    function _leaves(AnswerVerifier.Answer[] memory answers) internal pure returns (bytes32[] memory leaves) {
        leaves = new bytes32[](answers.length);
        for (uint256 i = 0; i < answers.length; ++i) {
            leaves[i] = AnswerVerifier.leaf(answers[i]);
        }
    }

    function _hashPair(bytes32 a, bytes32 b) internal pure returns (bytes32) {
        return a < b ? keccak256(abi.encodePacked(a, b)) : keccak256(abi.encodePacked(b, a));
    }

    /// @dev Every level of the tree, leaves first, root last.
    function _levels(bytes32[] memory leaves) internal pure returns (bytes32[][] memory levels) {
        uint256 depth = 1;
        for (uint256 n = leaves.length; n > 1; n = (n + 1) / 2) {
            ++depth;
        }
        levels = new bytes32[][](depth);
        levels[0] = leaves;
        for (uint256 d = 1; d < depth; ++d) {
            bytes32[] memory below = levels[d - 1];
            bytes32[] memory level = new bytes32[]((below.length + 1) / 2);
            for (uint256 i = 0; i < level.length; ++i) {
                level[i] = 2 * i + 1 < below.length ? _hashPair(below[2 * i], below[2 * i + 1]) : below[2 * i];
            }
            levels[d] = level;
        }
    }

    /// @dev The proof of leaf `index`: its sibling on every level where it has one.
    function _proof(bytes32[][] memory levels, uint256 index) internal pure returns (bytes32[] memory proof) {
        bytes32[] memory siblings = new bytes32[](levels.length);
        uint256 count = 0;
        uint256 p = index;
        for (uint256 d = 0; d + 1 < levels.length; ++d) {
            bytes32[] memory level = levels[d];
            if (p % 2 == 1) siblings[count++] = level[p - 1];
            else if (p + 1 < level.length) siblings[count++] = level[p + 1];
            p /= 2;
        }
        proof = new bytes32[](count);
        for (uint256 i = 0; i < count; ++i) {
            proof[i] = siblings[i];
        }
    }

    function _root(bytes32[][] memory levels) internal pure returns (bytes32) {
        return levels[levels.length - 1][0];
    }

    function _sign(uint256 key, bytes32 hash) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, hash);
        return abi.encodePacked(r, s, v);
    }

    /// @dev A fuzzed batch size bounded to at least `minSize` answers, and a fuzzed index bounded to one
    /// of them.
    function _boundBatch(uint256 size, uint256 index, uint256 minSize) internal pure returns (uint256, uint256) {
        size = bound(size, minSize, MAX_BATCH);
        return (size, bound(index, 0, size - 1));
    }

    /// @dev A batch of `size` answers from `seed`, its tree's levels, and the operator's signature over
    /// its root.
    function _signedBatch(uint256 seed, uint256 size)
        internal
        pure
        returns (AnswerVerifier.Answer[] memory answers, bytes32[][] memory levels, bytes memory signature)
    {
        answers = _answers(seed, size);
        levels = _levels(_leaves(answers));
        return (answers, levels, _signBatch(_root(levels)));
    }

    /// @dev The operator's signature over a batch with this root (its InferenceBatch digest).
    function _signBatch(bytes32 root) internal pure returns (bytes memory) {
        bytes32 structHash = keccak256(abi.encode(AnswerVerifier.INFERENCE_BATCH_TYPEHASH, root));
        return _sign(OPERATOR_KEY, _typedData(structHash));
    }

    function _typedData(bytes32 structHash) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked("\x19\x01", AnswerVerifier.DOMAIN_SEPARATOR, structHash));
    }

    /// @dev The high-s twin of a low-s signature: s -> n - s, v flipped (ecrecover gives the same key).
    function _highS(bytes memory signature) internal pure returns (bytes memory) {
        (bytes32 r, bytes32 s, uint8 v) = _split(signature);
        return abi.encodePacked(r, bytes32(N - uint256(s)), v == 27 ? uint8(28) : uint8(27));
    }

    function _split(bytes memory signature) internal pure returns (bytes32 r, bytes32 s, uint8 v) {
        assembly {
            r := mload(add(signature, 0x20))
            s := mload(add(signature, 0x40))
            v := byte(0, mload(add(signature, 0x60)))
        }
    }
}

/// @notice The constants are their definitions, and the vectors the adapter signed
/// (test/vectors/answer-signatures.json, also checked by the protocol and don-core tests) verify.
contract AnswerVerifierVectorsTest is AnswerVerifierBase {
    string internal constant VECTORS = "test/vectors/answer-signatures.json";

    function test_ConstantsAreTheirDefinitions() public view {
        string memory json = vm.readFile(VECTORS);
        bytes32 separator =
            keccak256(abi.encode(AnswerVerifier.DOMAIN_TYPEHASH, keccak256("onnx-oracle"), keccak256("2")));
        assertEq(AnswerVerifier.DOMAIN_SEPARATOR, separator);
        assertEq(AnswerVerifier.DOMAIN_SEPARATOR, vm.parseJsonBytes32(json, ".domainSeparator"));
        assertEq(AnswerVerifier.INFERENCE_TYPEHASH, vm.parseJsonBytes32(json, ".typeHash"));
        assertEq(AnswerVerifier.INFERENCE_BATCH_TYPEHASH, vm.parseJsonBytes32(json, ".batchTypeHash"));
    }

    function test_AcceptsEveryAnswerTheAdapterSigned() public view {
        string memory json = vm.readFile(VECTORS);
        address signer = vm.parseJsonAddress(json, ".signer");
        string[] memory batches = abi.decode(vm.parseJson(json, ".answers[*].batch"), (string[]));
        assertGt(batches.length, 10);
        for (uint256 i = 0; i < batches.length; ++i) {
            string memory at = string.concat(".answers[", vm.toString(i), "]");
            AnswerVerifier.Answer memory answer = AnswerVerifier.Answer({
                modelHash: vm.parseJsonBytes32(json, string.concat(at, ".modelHash")),
                manifestHash: vm.parseJsonBytes32(json, string.concat(at, ".manifestHash")),
                inputHash: vm.parseJsonBytes32(json, string.concat(at, ".inputHash")),
                result: vm.parseUint(vm.parseJsonString(json, string.concat(at, ".result"))),
                jobRunId: vm.parseJsonString(json, string.concat(at, ".jobRunId"))
            });
            // A batch of one has an empty proof (which the JSON reader cannot type).
            bytes32[] memory proof = keccak256(bytes(batches[i])) == keccak256("single")
                ? new bytes32[](0)
                : vm.parseJsonBytes32Array(json, string.concat(at, ".proof"));
            bytes memory signature = vm.parseJsonBytes(json, string.concat(at, ".signature"));
            assertEq(verifier.leaf(answer), vm.parseJsonBytes32(json, string.concat(at, ".leaf")), batches[i]);
            assertEq(verifier.recover(answer, proof, signature), signer, batches[i]);
            assertTrue(verifier.isSignedBy(answer, proof, signature, signer), batches[i]);
        }
    }
}

/// @notice Every answer of a signed batch verifies alone with its own proof, and nothing else does.
contract AnswerVerifierBatchTest is AnswerVerifierBase {
    function testFuzz_AcceptsEveryAnswerOfASignedBatch(uint256 seed, uint256 size, uint256 index)
        public
        view
    {
        (size, index) = _boundBatch(size, index, 2);
        (AnswerVerifier.Answer[] memory answers, bytes32[][] memory levels, bytes memory signature) =
            _signedBatch(seed, size);
        bytes32[] memory proof = _proof(levels, index);
        assertGt(proof.length, 0);
        assertEq(verifier.recover(answers[index], proof, signature), operator);
        assertTrue(verifier.isSignedBy(answers[index], proof, signature, operator));
    }

    function testFuzz_RejectsAProofOfAnotherAnswer(uint256 seed, uint256 size, uint256 i, uint256 j)
        public
        view
    {
        (size, i) = _boundBatch(size, i, 2);
        j = bound(j, 0, size - 2);
        if (j >= i) ++j;
        (AnswerVerifier.Answer[] memory answers, bytes32[][] memory levels, bytes memory signature) =
            _signedBatch(seed, size);
        // Answer j presented with answer i's proof: signed by the operator, but not with this proof.
        assertFalse(verifier.isSignedBy(answers[j], _proof(levels, i), signature, operator));
        assertNotEq(verifier.recover(answers[j], _proof(levels, i), signature), operator);
    }

    function testFuzz_RejectsATamperedProof(
        uint256 seed,
        uint256 size,
        uint256 index,
        uint256 position,
        uint8 bit
    ) public view {
        (size, index) = _boundBatch(size, index, 2);
        (AnswerVerifier.Answer[] memory answers, bytes32[][] memory levels, bytes memory signature) =
            _signedBatch(seed, size);
        bytes32[] memory proof = _proof(levels, index);
        position = bound(position, 0, proof.length - 1);
        proof[position] ^= bytes32(uint256(1) << bit);
        assertFalse(verifier.isSignedBy(answers[index], proof, signature, operator));
    }

    function testFuzz_RejectsAChangedField(
        uint256 seed,
        uint256 size,
        uint256 index,
        uint8 field,
        uint256 delta
    ) public view {
        (size, index) = _boundBatch(size, index, 2);
        delta = bound(delta, 1, type(uint128).max);
        (AnswerVerifier.Answer[] memory answers, bytes32[][] memory levels, bytes memory signature) =
            _signedBatch(seed, size);
        AnswerVerifier.Answer memory changed = answers[index];
        field = uint8(bound(field, 0, 4));
        if (field == 0) changed.modelHash = bytes32(uint256(changed.modelHash) ^ delta);
        else if (field == 1) changed.manifestHash = bytes32(uint256(changed.manifestHash) ^ delta);
        else if (field == 2) changed.inputHash = bytes32(uint256(changed.inputHash) ^ delta);
        else if (field == 3) changed.result = changed.result + delta;
        else changed.jobRunId = string.concat(changed.jobRunId, "x");
        assertFalse(verifier.isSignedBy(changed, _proof(levels, index), signature, operator));
    }

    function testFuzz_RejectsAnotherKey(uint256 seed, uint256 size, uint256 index, uint256 otherKey)
        public
        view
    {
        (size, index) = _boundBatch(size, index, 1);
        otherKey = bound(otherKey, 1, N - 1);
        vm.assume(otherKey != OPERATOR_KEY);
        AnswerVerifier.Answer[] memory answers = _answers(seed, size);
        bytes32[][] memory levels = _levels(_leaves(answers));
        bytes32 structHash = keccak256(abi.encode(AnswerVerifier.INFERENCE_BATCH_TYPEHASH, _root(levels)));
        bytes memory signature = _sign(otherKey, _typedData(size == 1 ? _root(levels) : structHash));
        assertFalse(verifier.isSignedBy(answers[index], _proof(levels, index), signature, operator));
        assertEq(verifier.recover(answers[index], _proof(levels, index), signature), vm.addr(otherKey));
    }

    function test_BatchOfOneIsAPlainEip712Signature() public {
        AnswerVerifier.Answer memory answer = _answer(7, 0);
        bytes32 answerLeaf = AnswerVerifier.leaf(answer);
        // The digest any EIP-712 tool computes for the Inference struct.
        bytes memory signature = _sign(OPERATOR_KEY, _typedData(answerLeaf));
        bytes32[] memory empty = new bytes32[](0);
        assertEq(verifier.digest(answerLeaf, empty), _typedData(answerLeaf));
        assertEq(verifier.recover(answer, empty, signature), operator);
        assertTrue(verifier.isSignedBy(answer, empty, signature, operator));
        vm.snapshotGasLastCall("AnswerVerifier", "isSignedBy, batch of one");
        // The same signature does not pass as a batch root: a proof changes what was signed.
        bytes32[] memory proof = new bytes32[](1);
        proof[0] = AnswerVerifier.leaf(_answer(7, 1));
        assertFalse(verifier.isSignedBy(answer, proof, signature, operator));
    }

    function test_BatchSignatureIsNotAPlainSignature() public view {
        AnswerVerifier.Answer[] memory answers = _answers(8, 2);
        bytes32[][] memory levels = _levels(_leaves(answers));
        bytes memory signature = _signBatch(_root(levels));
        // Without its proof, a batch member does not verify (a batch of two gives every answer one).
        assertFalse(verifier.isSignedBy(answers[0], new bytes32[](0), signature, operator));
        assertTrue(verifier.isSignedBy(answers[0], _proof(levels, 0), signature, operator));
    }

    function test_GasOfAFullBatchProof() public {
        AnswerVerifier.Answer[] memory answers = _answers(9, MAX_BATCH);
        bytes32[][] memory levels = _levels(_leaves(answers));
        bytes memory signature = _signBatch(_root(levels));
        bytes32[] memory proof = _proof(levels, 5);
        assertEq(proof.length, 6);
        assertTrue(verifier.isSignedBy(answers[5], proof, signature, operator));
        vm.snapshotGasLastCall("AnswerVerifier", "isSignedBy, batch of 64 (proof of 6)");
    }
}

/// @notice Malformed and malleable signatures are refused with the reason.
contract AnswerVerifierSignatureFormTest is AnswerVerifierBase {
    AnswerVerifier.Answer internal answer;
    bytes32[] internal proof;
    bytes internal signature;

    function setUp() public override {
        super.setUp();
        AnswerVerifier.Answer[] memory answers = _answers(11, 3);
        bytes32[][] memory levels = _levels(_leaves(answers));
        answer = answers[2];
        proof = _proof(levels, 2);
        signature = _signBatch(_root(levels));
    }

    function test_RevertWhen_SignatureIsHighS() public {
        (, bytes32 s,) = _split(signature);
        assertLe(uint256(s), N / 2);
        bytes memory twin = _highS(signature);
        (bytes32 r2, bytes32 s2, uint8 v2) = _split(twin);
        // The twin is a valid ECDSA signature by the operator: raw ecrecover accepts it.
        assertEq(ecrecover(verifier.digest(verifier.leaf(answer), proof), v2, r2, s2), operator);
        vm.expectRevert(abi.encodeWithSelector(AnswerVerifier.MalleableSignature.selector, s2));
        verifier.recover(answer, proof, twin);
        assertFalse(verifier.isSignedBy(answer, proof, twin, operator));
    }

    function testFuzz_RevertWhen_SIsAboveHalfTheOrder(uint256 s) public {
        s = bound(s, N / 2 + 1, type(uint256).max);
        (bytes32 r,, uint8 v) = _split(signature);
        bytes memory forged = abi.encodePacked(r, bytes32(s), v);
        vm.expectRevert(abi.encodeWithSelector(AnswerVerifier.MalleableSignature.selector, bytes32(s)));
        verifier.recover(answer, proof, forged);
        assertFalse(verifier.isSignedBy(answer, proof, forged, operator));
    }

    function testFuzz_RevertWhen_SignatureLengthIsNot65(uint8 length) public {
        vm.assume(length != 65);
        bytes memory wrong = new bytes(length);
        vm.expectRevert(
            abi.encodeWithSelector(AnswerVerifier.InvalidSignatureLength.selector, uint256(length))
        );
        verifier.recover(answer, proof, wrong);
        assertFalse(verifier.isSignedBy(answer, proof, wrong, operator));
    }

    function testFuzz_RevertWhen_VIsNot27Or28(uint8 v) public {
        vm.assume(v != 27 && v != 28);
        (bytes32 r, bytes32 s,) = _split(signature);
        bytes memory wrong = abi.encodePacked(r, s, v);
        bytes32 answerDigest = verifier.digest(verifier.leaf(answer), proof);
        vm.expectRevert(abi.encodeWithSelector(AnswerVerifier.InvalidSignature.selector, answerDigest));
        verifier.recover(answer, proof, wrong);
    }

    function test_IsSignedByNeverMatchesTheZeroAddress() public view {
        bytes memory zeros = new bytes(65);
        assertFalse(verifier.isSignedBy(answer, proof, zeros, address(0)));
        assertFalse(verifier.isSignedBy(answer, proof, signature, address(0)));
    }
}
