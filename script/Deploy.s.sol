// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {Script} from "forge-std/Script.sol";
import {console2} from "forge-std/console2.sol";
import {FunctionsRouter} from "@chainlink/contracts/src/v0.8/functions/v1_0_0/FunctionsRouter.sol";
import {IFunctionsSubscriptions} from
    "@chainlink/contracts/src/v0.8/functions/v1_0_0/interfaces/IFunctionsSubscriptions.sol";
import {ModelRegistry} from "../contracts/ModelRegistry.sol";
import {ClaimsInsurance} from "../contracts/examples/ClaimsInsurance.sol";
import {RiskPricing} from "../contracts/examples/RiskPricing.sol";
import {OnnxOracleDeployer} from "./deploy/OnnxOracleDeployer.sol";
import {GovernanceDeployer} from "./deploy/GovernanceDeployer.sol";
import {DeploymentFile} from "./deploy/DeploymentFile.sol";

/// @title Deploy
/// @notice Deploys the ModelRegistry behind its UUPS proxy and the ClaimsInsurance and RiskPricing consumers,
/// configured for a Chainlink Functions router, DON and subscription; adds the consumer to the
/// subscription when the broadcaster owns it; writes `deployments/<chainid>.json` (key `contracts`,
/// keeping the `functions` key that DeployLocalFunctions wrote, if any).
///
/// Run: `forge script script/Deploy.s.sol --rpc-url $RPC_URL --broadcast --private-key $KEY`
///
/// Env: `ROUTER`, `DON_ID` (short string, e.g. `fun-ethereum-sepolia-1`), `SUBSCRIPTION_ID`: required
/// unless `deployments/<chainid>.json` already has them under `functions` (local chains).
/// Optional: `REGISTRY` (reuse an existing registry proxy instead of deploying one),
/// `REGISTRY_PROPOSERS`, `REGISTRY_APPROVERS` (comma-separated addresses granted those roles),
/// `TIMELOCK`, `TIMELOCK_MIN_DELAY`, `TIMELOCK_PROPOSERS`, `TIMELOCK_EXECUTORS` (a new registry's
/// admin and upgrader roles go to that timelock, see GovernanceDeployer),
/// `CALLBACK_GAS_LIMIT` (300000), `AGREEMENT_THRESHOLD` (2), `TOLERANCE` (0), `MAX_RESULT_AGE` (3600 s),
/// `PREMIUM_BPS` (500), `FUNCTIONS_SOURCE` (the JavaScript text of functions-source/image-inference.js;
/// unset leaves it to `setSource` later), `FUNCTIONS_TABULAR_SOURCE` (tabular-inference.js, for
/// RiskPricing), `BASE_PREMIUM_WEI` (0.01 ether), `RISK_TOLERANCE` (100 bps),
/// `SECRETS_SLOT` + `SECRETS_VERSION` (DON-hosted secrets, ClaimsInsurance).
contract Deploy is Script {
    struct Target {
        address router;
        bytes32 donId;
        uint64 subscriptionId;
    }

    function run() external returns (ModelRegistry registry, ClaimsInsurance insurance) {
        string memory file = DeploymentFile.path(block.chainid);
        string memory existing = vm.isFile(file) ? vm.readFile(file) : "{}";
        Target memory t = _target(existing);

        vm.startBroadcast();
        (, address deployer,) = vm.readCallers();
        address implementation;
        (registry, implementation) = _registry(deployer);
        // A new registry's admin and upgrades go to a timelock; the deployer keeps neither.
        address timelock = implementation == address(0)
            ? address(0)
            : GovernanceDeployer.governRegistry(registry, deployer, GovernanceDeployer.paramsFromEnv(deployer));
        insurance = _insurance(t, address(registry));
        RiskPricing pricing = _pricing(t, address(registry));
        bool added = _addConsumer(t, deployer, address(insurance));
        if (added) {
            _addConsumer(t, deployer, address(pricing));
        }
        vm.stopBroadcast();

        address[] memory consumers = new address[](2);
        consumers[0] = address(insurance);
        consumers[1] = address(pricing);
        vm.serializeAddress("contracts", "timelock", timelock); // joins the `contracts` object _write builds
        _write(existing, t, deployer, address(registry), implementation, consumers, added);
        console2.log("registry", address(registry));
        console2.log("claimsInsurance", address(insurance));
        return (registry, insurance);
    }

    function _registry(address deployer) internal returns (ModelRegistry registry, address implementation) {
        registry = ModelRegistry(vm.envOr("REGISTRY", address(0)));
        if (address(registry) != address(0)) {
            return (registry, address(0));
        }
        (registry, implementation) = OnnxOracleDeployer.deployRegistry(deployer);
        _grantAll(registry, registry.PROPOSER_ROLE(), vm.envOr("REGISTRY_PROPOSERS", ",", new address[](0)));
        _grantAll(registry, registry.APPROVER_ROLE(), vm.envOr("REGISTRY_APPROVERS", ",", new address[](0)));
        return (registry, implementation);
    }

    function _insurance(Target memory t, address registry) internal returns (ClaimsInsurance insurance) {
        insurance = OnnxOracleDeployer.deployClaimsInsurance(
            OnnxOracleDeployer.ConsumerParams({
                router: t.router,
                donId: t.donId,
                subscriptionId: t.subscriptionId,
                callbackGasLimit: uint32(vm.envOr("CALLBACK_GAS_LIMIT", uint256(300_000))),
                registry: registry,
                threshold: uint8(vm.envOr("AGREEMENT_THRESHOLD", uint256(2))),
                tolerance: uint32(vm.envOr("TOLERANCE", uint256(0))),
                maxResultAge: uint32(vm.envOr("MAX_RESULT_AGE", uint256(1 hours))),
                source: vm.envOr("FUNCTIONS_SOURCE", string("")),
                premiumBps: uint16(vm.envOr("PREMIUM_BPS", uint256(500))),
                payoutRatioBps: OnnxOracleDeployer.defaultPayoutRatios()
            })
        );
        uint256 secretsVersion = vm.envOr("SECRETS_VERSION", uint256(0));
        if (secretsVersion != 0) {
            insurance.setDonHostedSecrets(uint8(vm.envOr("SECRETS_SLOT", uint256(0))), uint64(secretsVersion));
        }
        return insurance;
    }

    function _pricing(Target memory t, address registry) internal returns (RiskPricing pricing) {
        return OnnxOracleDeployer.deployRiskPricing(
            OnnxOracleDeployer.ConsumerParams({
                router: t.router,
                donId: t.donId,
                subscriptionId: t.subscriptionId,
                callbackGasLimit: uint32(vm.envOr("CALLBACK_GAS_LIMIT", uint256(300_000))),
                registry: registry,
                threshold: uint8(vm.envOr("AGREEMENT_THRESHOLD", uint256(2))),
                tolerance: uint32(vm.envOr("RISK_TOLERANCE", uint256(100))),
                maxResultAge: uint32(vm.envOr("MAX_RESULT_AGE", uint256(1 hours))),
                source: vm.envOr("FUNCTIONS_TABULAR_SOURCE", string("")),
                premiumBps: 0,
                payoutRatioBps: new uint16[](0)
            }),
            uint128(vm.envOr("BASE_PREMIUM_WEI", uint256(0.01 ether)))
        );
    }

    /// @dev Adds `consumer` to the subscription when `deployer` owns it.
    function _addConsumer(Target memory t, address deployer, address consumer) internal returns (bool) {
        IFunctionsSubscriptions.Subscription memory sub =
            FunctionsRouter(t.router).getSubscription(t.subscriptionId);
        if (sub.owner != deployer) {
            return false;
        }
        FunctionsRouter(t.router).addConsumer(t.subscriptionId, consumer);
        return true;
    }

    function _write(
        string memory existing,
        Target memory t,
        address deployer,
        address registry,
        address implementation,
        address[] memory consumers,
        bool added
    ) internal {
        string memory k = "contracts";
        vm.serializeAddress(k, "registry", registry);
        vm.serializeAddress(k, "registryImplementation", implementation);
        vm.serializeAddress(k, "claimsInsurance", consumers[0]);
        vm.serializeAddress(k, "riskPricing", consumers[1]);
        vm.serializeAddress(k, "consumers", consumers);
        vm.serializeAddress(k, "owner", deployer);
        vm.serializeAddress(k, "router", t.router);
        vm.serializeBytes32(k, "donId", t.donId);
        vm.serializeUint(k, "subscriptionId", t.subscriptionId);
        string memory contractsJson = vm.serializeBool(k, "consumersAddedToSubscription", added);
        vm.serializeJson("root", existing);
        vm.serializeUint("root", "chainId", block.chainid);
        string memory root = vm.serializeString("root", "contracts", contractsJson);
        DeploymentFile.write(root, block.chainid);
    }

    /// @dev Router, DON id and subscription from env, else from the file's `functions` object.
    function _target(string memory existing) internal view returns (Target memory t) {
        bool local = vm.keyExistsJson(existing, ".functions.router");
        t.router = local ? vm.envOr("ROUTER", vm.parseJsonAddress(existing, ".functions.router")) : vm.envAddress("ROUTER");
        t.donId = vm.keyExistsJson(existing, ".functions.donId") && !_hasEnv("DON_ID")
            ? vm.parseJsonBytes32(existing, ".functions.donId")
            : DeploymentFile.toShortString(vm.envString("DON_ID"));
        t.subscriptionId = uint64(
            local && !_hasEnv("SUBSCRIPTION_ID")
                ? vm.parseJsonUint(existing, ".functions.subscriptionId")
                : vm.envUint("SUBSCRIPTION_ID")
        );
        return t;
    }

    function _hasEnv(string memory name) internal view returns (bool) {
        return bytes(vm.envOr(name, string(""))).length != 0;
    }

    function _grantAll(ModelRegistry registry, bytes32 role, address[] memory accounts) internal {
        for (uint256 i = 0; i < accounts.length; ++i) {
            registry.grantRole(role, accounts[i]);
        }
    }
}
