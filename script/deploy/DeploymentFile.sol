// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {Vm} from "forge-std/Vm.sol";
import {LocalFunctionsDeployer} from "./LocalFunctionsDeployer.sol";
import {FunctionsArgs} from "../../contracts/libraries/FunctionsArgs.sol";

/// @title DeploymentFile
/// @notice The `deployments/<chainid>.json` file the deploy scripts write and tooling reads:
/// `{ chainId, functions: {...}, cre: {...}, contracts: {...} }` (docs/contracts.md lists every field).
library DeploymentFile {
    Vm private constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    /// @notice anvil's public development mnemonic. DEV ONLY: its keys are known to everyone.
    string internal constant ANVIL_MNEMONIC = "test test test test test test test test test test test junk";

    /// @notice Thrown by `toShortString()` for a string longer than 31 bytes.
    error ShortStringTooLong(string value);

    /// @notice Where the deployment of `chainId` is written.
    function path(uint256 chainId) internal view returns (string memory) {
        return string.concat(vm.projectRoot(), "/deployments/", vm.toString(chainId), ".json");
    }

    /// @notice Writes `json` as the deployment of `chainId`, creating `deployments/` first (a fresh
    /// clone has none).
    function write(string memory json, uint256 chainId) internal {
        vm.createDir(string.concat(vm.projectRoot(), "/deployments"), true);
        vm.writeJson(json, path(chainId));
    }

    /// @notice `value` as a `bytes32` short string (left-aligned, zero-padded), like model ids.
    function toShortString(string memory value) internal pure returns (bytes32 out) {
        bytes memory b = bytes(value);
        if (b.length > 31) {
            revert ShortStringTooLong(value);
        }
        assembly {
            out := mload(add(b, 32))
        }
        // Clear whatever followed the string in memory.
        uint256 unused = (32 - b.length) * 8;
        out = unused == 256 ? bytes32(0) : bytes32((uint256(out) >> unused) << unused);
        return out;
    }

    /// @notice The `functions` object: everything a local DON needs to serve the deployment.
    function functionsJson(
        LocalFunctionsDeployer.Deployment memory d,
        address[] memory signers,
        address[] memory transmitters,
        uint8 f,
        address owner,
        address tosSigner,
        uint256 startBlock
    ) internal returns (string memory json) {
        string memory k = "functions";
        vm.serializeAddress(k, "router", address(d.router));
        vm.serializeAddress(k, "coordinator", address(d.coordinator));
        vm.serializeAddress(k, "link", address(d.link));
        vm.serializeAddress(k, "linkNativeFeed", address(d.linkNativeFeed));
        vm.serializeAddress(k, "linkUsdFeed", address(d.linkUsdFeed));
        vm.serializeAddress(k, "allowList", address(d.allowList));
        vm.serializeAddress(k, "tosSigner", tosSigner);
        vm.serializeBytes32(k, "donId", d.donId);
        vm.serializeString(k, "donIdString", FunctionsArgs.shortString(d.donId));
        vm.serializeUint(k, "subscriptionId", d.subscriptionId);
        uint256[] memory subscriptionIds = new uint256[](d.subscriptionIds.length);
        for (uint256 i = 0; i < subscriptionIds.length; ++i) {
            subscriptionIds[i] = d.subscriptionIds[i];
        }
        vm.serializeUint(k, "subscriptionIds", subscriptionIds);
        vm.serializeAddress(k, "subscriptionOwner", owner);
        vm.serializeAddress(k, "signers", signers);
        vm.serializeAddress(k, "transmitters", transmitters);
        vm.serializeUint(k, "f", f);
        vm.serializeBytes32(k, "configDigest", d.configDigest);
        json = vm.serializeUint(k, "startBlock", startBlock);
        return json;
    }
}
