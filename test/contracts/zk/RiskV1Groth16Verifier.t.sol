// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {Test} from "forge-std/Test.sol";
import {RiskV1Groth16Verifier} from "../../../contracts/zk/RiskV1Groth16Verifier.sol";
import {RiskV1ProofVector} from "./vectors/RiskV1ProofVector.sol";

/// @dev The generated risk-v1 verifier and one real proof (made by `npm run zk -- setup` with the
/// committed proving key): the public signals are the result, the input commitment and the weights
/// commitment.
abstract contract RiskV1VerifierBase is Test {
    /// BN254's scalar field (public signals must be below it) and base field (point coordinates).
    uint256 internal constant R = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    uint256 internal constant Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583;
    /// Issue 16's goal for one verification.
    uint256 internal constant GAS_GOAL = 250_000;

    RiskV1Groth16Verifier internal verifier;
    uint256[2] internal a;
    uint256[2][2] internal b;
    uint256[2] internal c;
    uint256[3] internal signals;

    function setUp() public virtual {
        verifier = new RiskV1Groth16Verifier();
        (a, b, c) = RiskV1ProofVector.proof();
        signals = RiskV1ProofVector.publicSignals();
    }

    function _verify() internal view returns (bool) {
        return verifier.verifyProof(a, b, c, signals);
    }
}

contract RiskV1VerifierAcceptsTest is RiskV1VerifierBase {
    function test_AcceptsTheCommittedProof() public view {
        assertTrue(_verify());
    }

    function test_ProofIs256Bytes() public pure {
        assertEq(RiskV1ProofVector.PROOF.length, 256);
    }

    function test_VerifyProofGasIsWithinGoal() public {
        uint256 before = gasleft();
        bool ok = verifier.verifyProof(a, b, c, signals);
        uint256 used = before - gasleft();
        vm.snapshotGasLastCall("ZkVerifier", "risk-v1 verifyProof");
        assertTrue(ok);
        assertLe(used, GAS_GOAL);
    }
}

contract RiskV1VerifierRefusesTest is RiskV1VerifierBase {
    function test_RefusesAProofWithATamperedAPoint() public {
        a[1] ^= 1; // no longer on the curve: the pairing precompile fails, the verifier says false
        assertFalse(_verify());
    }

    function test_RefusesAProofWithANegatedAPoint() public {
        a[1] = Q - a[1]; // -A is on the curve: a well-formed but wrong proof
        assertFalse(_verify());
    }

    function test_RefusesAProofWithSwappedBCoordinates() public {
        (b[0][0], b[0][1]) = (b[0][1], b[0][0]);
        assertFalse(_verify());
    }

    function test_RefusesAProofWithATamperedCPoint() public {
        c[0] = c[0] + 1;
        assertFalse(_verify());
    }

    function test_RefusesAnotherResult() public {
        signals[0] = RiskV1ProofVector.RESULT + 1;
        assertFalse(_verify());
    }

    function test_RefusesAnotherInputCommitment() public {
        signals[1] = uint256(keccak256("other features")) % R;
        assertFalse(_verify());
    }

    function test_RefusesAnotherModelsWeightsCommitment() public {
        signals[2] = RiskV1ProofVector.OTHER_WEIGHTS_COMMITMENT;
        assertFalse(_verify());
    }

    function test_RefusesASignalAliasedAboveTheField() public {
        // result + r is the same field element: accepted by the pairing alone, refused by the range check.
        signals[0] = RiskV1ProofVector.RESULT + R;
        assertFalse(_verify());
    }

    /// forge-config: default.fuzz.runs = 32
    function testFuzz_RefusesAnyOtherResult(uint256 result) public {
        vm.assume(result != RiskV1ProofVector.RESULT);
        signals[0] = result;
        assertFalse(_verify());
    }

    /// forge-config: default.fuzz.runs = 32
    function testFuzz_RefusesAnyFlippedProofWord(uint256 word, uint256 mask) public {
        word = bound(word, 0, 7);
        mask = bound(mask, 1, type(uint256).max);
        uint256[8] memory w = [a[0], a[1], b[0][0], b[0][1], b[1][0], b[1][1], c[0], c[1]];
        w[word] ^= mask;
        a = [w[0], w[1]];
        b = [[w[2], w[3]], [w[4], w[5]]];
        c = [w[6], w[7]];
        assertFalse(_verify());
    }
}
