// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {Test} from "forge-std/Test.sol";
import {InferenceResult} from "../../contracts/libraries/InferenceResult.sol";

/// @dev Exposes the library's internal functions so reverts can be expected.
contract InferenceResultHarness {
    function decode(bytes memory response) external pure returns (InferenceResult.Data memory) {
        return InferenceResult.decode(response);
    }
}

contract InferenceResultTest is Test {
    InferenceResultHarness internal harness;

    function setUp() public {
        harness = new InferenceResultHarness();
    }

    function test_DecodesWhatItEncodes() public view {
        InferenceResult.Data memory data = InferenceResult.Data({
            result: 7_250,
            modelHash: sha256("model"),
            inputHash: sha256("input"),
            responded: 3,
            agreed: 2,
            observedAt: 1_700_000_000
        });
        bytes memory encoded = InferenceResult.encode(data);
        assertEq(encoded.length, InferenceResult.ENCODED_LENGTH);
        InferenceResult.Data memory decoded = harness.decode(encoded);
        assertEq(decoded.result, 7_250);
        assertEq(decoded.modelHash, sha256("model"));
        assertEq(decoded.inputHash, sha256("input"));
        assertEq(decoded.responded, 3);
        assertEq(decoded.agreed, 2);
        assertEq(decoded.observedAt, 1_700_000_000);
    }

    function test_RevertWhen_ResponseIsShort() public {
        vm.expectRevert(abi.encodeWithSelector(InferenceResult.InvalidResultLength.selector, 160));
        harness.decode(new bytes(160));
    }

    function test_RevertWhen_MoreAgreedThanResponded() public {
        bytes memory encoded = abi.encode(uint256(1), bytes32(0), bytes32(0), uint256(1), uint256(2), uint256(0));
        vm.expectRevert(abi.encodeWithSelector(InferenceResult.InvalidResultFields.selector, 1, 2, 0));
        harness.decode(encoded);
    }

    function testFuzz_ArbitraryBytesNeverDecodeWithWrongLength(bytes calldata response) public {
        vm.assume(response.length != InferenceResult.ENCODED_LENGTH);
        vm.expectRevert(abi.encodeWithSelector(InferenceResult.InvalidResultLength.selector, response.length));
        harness.decode(response);
    }
}
