// SPDX-License-Identifier: MIT
pragma solidity 0.8.24;

import {Test} from "forge-std/Test.sol";
import {KeystoneForwarder} from "@chainlink/contracts/src/v0.8/keystone/KeystoneForwarder.sol";

/// @notice Proves the toolchain builds Chainlink's real KeystoneForwarder (@chainlink/contracts 1.2.0,
/// `pragma solidity 0.8.24;`) beside the project's 0.8.19 code: foundry.toml's auto_detect_solc picks
/// solc 0.8.24 for this file (from the npm module `solc-0824`, see script/setup/solc-wrappers.mjs).
/// @dev This file is also what puts the forwarder's artifact into the build: the 0.8.19 tests and
/// deploy scripts cannot import it and deploy it from the artifact instead
/// (script/deploy/LocalCreDeployer.sol: `vm.deployCode`).
contract KeystoneToolchainTest is Test {
    function test_BuildsAndConfiguresTheRealForwarder() public {
        KeystoneForwarder forwarder = new KeystoneForwarder();
        assertEq(forwarder.typeAndVersion(), "Forwarder and Router 1.0.0");
        address[] memory signers = new address[](4);
        for (uint256 i = 0; i < signers.length; ++i) {
            signers[i] = vm.addr(i + 1);
        }
        forwarder.setConfig(1, 1, 1, signers);
        vm.expectRevert(abi.encodeWithSelector(KeystoneForwarder.InsufficientSigners.selector, 3, 4));
        forwarder.setConfig(1, 2, 1, new address[](3));
    }

    function test_ArtifactIsWhereTheDeployersLookForIt() public {
        address deployed = deployCode("KeystoneForwarder.sol:KeystoneForwarder");
        assertEq(KeystoneForwarder(deployed).typeAndVersion(), "Forwarder and Router 1.0.0");
    }
}
