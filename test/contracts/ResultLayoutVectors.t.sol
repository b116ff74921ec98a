// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {Test} from "forge-std/Test.sol";
import {InferenceResult} from "../../contracts/libraries/InferenceResult.sol";

/// @notice The shared vectors of test/vectors/result-layout.json (also checked by the functions-source
/// tests) decode to their fields and re-encode to their bytes.
contract ResultLayoutVectorsTest is Test {
    function test_VectorsDecodeAndEncode() public view {
        string memory json = vm.readFile("test/vectors/result-layout.json");
        string[] memory names = abi.decode(vm.parseJson(json, "$[*].name"), (string[]));
        assertGt(names.length, 0);
        for (uint256 i = 0; i < names.length; ++i) {
            string memory at = string.concat("[", vm.toString(i), "]");
            bytes memory encoded = vm.parseJsonBytes(json, string.concat(at, ".encoded"));
            (bool ok, InferenceResult.Data memory d) = InferenceResult.tryDecode(encoded);
            assertTrue(ok, names[i]);
            assertEq(d.result, vm.parseUint(vm.parseJsonString(json, string.concat(at, ".result"))), names[i]);
            assertEq(d.modelHash, vm.parseJsonBytes32(json, string.concat(at, ".modelHash")), names[i]);
            assertEq(d.inputHash, vm.parseJsonBytes32(json, string.concat(at, ".inputHash")), names[i]);
            assertEq(d.responded, vm.parseJsonUint(json, string.concat(at, ".responded")), names[i]);
            assertEq(d.agreed, vm.parseJsonUint(json, string.concat(at, ".agreed")), names[i]);
            assertEq(
                d.observedAt, vm.parseUint(vm.parseJsonString(json, string.concat(at, ".observedAt"))), names[i]
            );
            assertEq(InferenceResult.encode(d), encoded, names[i]);
        }
    }

    function testFuzz_TryDecodeAgreesWithDecode(bytes calldata response) public {
        (bool ok, InferenceResult.Data memory d) = InferenceResult.tryDecode(response);
        if (ok) {
            assertEq(InferenceResult.encode(d), response);
        } else {
            vm.expectRevert();
            this.decodeExternal(response);
        }
    }

    function decodeExternal(bytes calldata response) external pure returns (InferenceResult.Data memory) {
        return InferenceResult.decode(response);
    }
}
