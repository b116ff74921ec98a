// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {Script} from "forge-std/Script.sol";
import {console2} from "forge-std/console2.sol";
import {ModelRegistry} from "../../contracts/ModelRegistry.sol";
import {OnnxOracleDeployer} from "../deploy/OnnxOracleDeployer.sol";
import {GovernanceDeployer} from "../deploy/GovernanceDeployer.sol";

/// @title DeployRegistry
/// @notice Deploys a ModelRegistry on its own (UUPS proxy), grants the first proposers and approvers,
/// and hands admin and upgrades to a TimelockController, the deployer keeping neither role. For a
/// registry shared by several dApps, or to try the registry CLI (`npm run registry`) on a local chain.
///
/// Run: `forge script script/registry/DeployRegistry.s.sol --rpc-url $RPC_URL --broadcast --private-key $KEY`
///
/// Env: `REGISTRY_PROPOSERS`, `REGISTRY_APPROVERS` (comma-separated addresses granted those roles),
/// `TIMELOCK`, `TIMELOCK_MIN_DELAY` (seconds, default 2 days), `TIMELOCK_PROPOSERS`,
/// `TIMELOCK_EXECUTORS` (see GovernanceDeployer; in production a multisig). Prints one line
/// `REGISTRY_DEPLOYMENT={"registry":…,"implementation":…,"timelock":…}`.
contract DeployRegistry is Script {
    function run() external returns (ModelRegistry registry, address timelock) {
        vm.startBroadcast();
        (, address deployer,) = vm.readCallers();
        address implementation;
        (registry, implementation) = OnnxOracleDeployer.deployRegistry(deployer);
        _grantAll(registry, registry.PROPOSER_ROLE(), vm.envOr("REGISTRY_PROPOSERS", ",", new address[](0)));
        _grantAll(registry, registry.APPROVER_ROLE(), vm.envOr("REGISTRY_APPROVERS", ",", new address[](0)));
        timelock = GovernanceDeployer.governRegistry(registry, deployer, GovernanceDeployer.paramsFromEnv(deployer));
        vm.stopBroadcast();

        string memory key = "registryDeployment";
        vm.serializeAddress(key, "registry", address(registry));
        vm.serializeAddress(key, "implementation", implementation);
        string memory json = vm.serializeAddress(key, "timelock", timelock);
        console2.log(string.concat("REGISTRY_DEPLOYMENT=", json));
        return (registry, timelock);
    }

    function _grantAll(ModelRegistry registry, bytes32 role, address[] memory accounts) internal {
        for (uint256 i = 0; i < accounts.length; ++i) {
            registry.grantRole(role, accounts[i]);
        }
    }
}
