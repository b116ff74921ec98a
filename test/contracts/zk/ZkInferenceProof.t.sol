// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {Test} from "forge-std/Test.sol";
import {IGroth16Verifier} from "../../../contracts/zk/IGroth16Verifier.sol";
import {RiskV1Groth16Verifier} from "../../../contracts/zk/RiskV1Groth16Verifier.sol";
import {ZkInferenceProof} from "../../../contracts/zk/ZkInferenceProof.sol";
import {RiskV1ProofVector} from "./vectors/RiskV1ProofVector.sol";

/// @dev Calls the library with calldata, as an oracle contract will.
contract ZkInferenceProofHarness {
    function verify(
        IGroth16Verifier verifier,
        bytes calldata proof,
        uint256 result,
        bytes32 inputCommitment,
        bytes32 weightsCommitment
    ) external view returns (bool) {
        return ZkInferenceProof.verify(verifier, proof, result, inputCommitment, weightsCommitment);
    }

    function decode(bytes calldata proof)
        external
        pure
        returns (uint256[2] memory a, uint256[2][2] memory b, uint256[2] memory c)
    {
        return ZkInferenceProof.decode(proof);
    }
}

abstract contract ZkInferenceProofBase is Test {
    ZkInferenceProofHarness internal harness;
    IGroth16Verifier internal verifier;
    bytes32 internal inputCommitment = bytes32(RiskV1ProofVector.INPUT_COMMITMENT);
    bytes32 internal weightsCommitment = bytes32(RiskV1ProofVector.WEIGHTS_COMMITMENT);

    function setUp() public virtual {
        harness = new ZkInferenceProofHarness();
        verifier = IGroth16Verifier(address(new RiskV1Groth16Verifier()));
    }
}

contract ZkInferenceProofDecodeTest is ZkInferenceProofBase {
    function test_DecodesTheEightWordsInOrder() public view {
        (uint256[2] memory a, uint256[2][2] memory b, uint256[2] memory c) =
            harness.decode(RiskV1ProofVector.PROOF);
        bytes memory again = abi.encode(a, b, c);
        assertEq(keccak256(again), keccak256(RiskV1ProofVector.PROOF));
    }

    function test_RevertWhen_ProofIsShort() public {
        bytes memory short = new bytes(255);
        vm.expectRevert(abi.encodeWithSelector(ZkInferenceProof.ProofLengthInvalid.selector, 255));
        harness.decode(short);
    }

    function test_RevertWhen_ProofIsLong() public {
        bytes memory long = abi.encodePacked(RiskV1ProofVector.PROOF, bytes1(0));
        vm.expectRevert(abi.encodeWithSelector(ZkInferenceProof.ProofLengthInvalid.selector, 257));
        harness.verify(verifier, long, RiskV1ProofVector.RESULT, inputCommitment, weightsCommitment);
    }
}

contract ZkInferenceProofVerifyTest is ZkInferenceProofBase {
    /// Caller-side overhead above the verifier's gas cap: decoding, the call, the return.
    uint256 internal constant OVERHEAD = 30_000;

    function test_AnOffCurveProofCostsAtMostTheGasCap() public view {
        bytes memory proof = RiskV1ProofVector.PROOF;
        proof[63] ^= 0x01; // a[1]: the A point leaves the curve
        uint256 before = gasleft();
        bool ok = harness.verify(verifier, proof, RiskV1ProofVector.RESULT, inputCommitment, weightsCommitment);
        uint256 used = before - gasleft();
        assertFalse(ok);
        assertLe(used, ZkInferenceProof.VERIFY_GAS_LIMIT + OVERHEAD);
    }

    function test_AcceptsTheCommittedProofForItsStatement() public view {
        assertTrue(
            harness.verify(verifier, RiskV1ProofVector.PROOF, RiskV1ProofVector.RESULT, inputCommitment, weightsCommitment)
        );
    }

    function test_RefusesTheProofForAnotherStatement() public view {
        bytes32 otherWeights = bytes32(RiskV1ProofVector.OTHER_WEIGHTS_COMMITMENT);
        assertFalse(
            harness.verify(verifier, RiskV1ProofVector.PROOF, RiskV1ProofVector.RESULT, inputCommitment, otherWeights)
        );
        assertFalse(
            harness.verify(verifier, RiskV1ProofVector.PROOF, 0, inputCommitment, weightsCommitment)
        );
        assertFalse(
            harness.verify(verifier, RiskV1ProofVector.PROOF, RiskV1ProofVector.RESULT, weightsCommitment, weightsCommitment)
        );
    }
}
