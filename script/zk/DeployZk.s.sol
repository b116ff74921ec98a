// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {Script} from "forge-std/Script.sol";
import {console2} from "forge-std/console2.sol";
import {ModelRegistry} from "../../contracts/ModelRegistry.sol";
import {ZkInferenceOracle} from "../../contracts/oracles/ZkInferenceOracle.sol";
import {RiskPricing} from "../../contracts/examples/RiskPricing.sol";
import {RiskV1Groth16Verifier} from "../../contracts/zk/RiskV1Groth16Verifier.sol";
import {OnnxOracleDeployer} from "../deploy/OnnxOracleDeployer.sol";
import {ExamplesDeployer} from "../deploy/ExamplesDeployer.sol";
import {DeploymentFile} from "../deploy/DeploymentFile.sol";

/// @title DeployZk
/// @notice Deploys the zero-knowledge path: the risk-v1 Groth16 verifier (generated,
/// contracts/zk/RiskV1Groth16Verifier.sol, GPL-3.0), a `ZkInferenceOracle` (threshold 1) with that
/// verifier set for risk-v1's weights commitment, and `RiskPricing` on it; the ModelRegistry behind
/// its UUPS proxy unless `REGISTRY` names one. Writes the `zk` key of `deployments/<chainid>.json`.
/// Registering risk-v1 (with its weights commitment: `npm run registry -- propose
/// adapter/models/risk-v1`, then `approve` by a second person) is a registry operation, apart.
///
/// Run: `ZK_WEIGHTS_COMMITMENT=<risk-v1's, decimal or 0x hex> forge script script/zk/DeployZk.s.sol
/// --rpc-url $RPC_URL --broadcast --private-key $KEY`
///
/// Env: `ZK_WEIGHTS_COMMITMENT` (required: `weightsCommitment` of zk/circuits/risk-v1/format.json),
/// `REGISTRY` (reuse a registry proxy), `REGISTRY_PROPOSERS`, `REGISTRY_APPROVERS` (comma-separated,
/// granted on a new registry, whose admin stays the deployer: for governance use script/Deploy.s.sol's
/// timelock hand-over), `MAX_RESULT_AGE` (3600 s), `CALLBACK_GAS_LIMIT` (200000), `REQUEST_FEE_WEI`
/// (0), `BASE_PREMIUM_WEI` (0.01 ether).
contract DeployZk is Script {
    bytes32 internal constant RISK_MODEL = bytes32("risk-v1");

    /// @notice What was deployed.
    struct Deployed {
        ModelRegistry registry;
        address verifier;
        ZkInferenceOracle oracle;
        RiskPricing pricing;
        bytes32 weightsCommitment;
        address deployer;
    }

    function run() external returns (Deployed memory d) {
        d.weightsCommitment = bytes32(vm.envUint("ZK_WEIGHTS_COMMITMENT"));
        string memory file = DeploymentFile.path(block.chainid);
        string memory existing = vm.isFile(file) ? vm.readFile(file) : "{}";

        vm.startBroadcast();
        (, d.deployer,) = vm.readCallers();
        d.registry = ModelRegistry(vm.envOr("REGISTRY", address(0)));
        if (address(d.registry) == address(0)) {
            (d.registry,) = OnnxOracleDeployer.deployRegistry(d.deployer);
            _grantAll(d.registry, d.registry.PROPOSER_ROLE(), vm.envOr("REGISTRY_PROPOSERS", ",", new address[](0)));
            _grantAll(d.registry, d.registry.APPROVER_ROLE(), vm.envOr("REGISTRY_APPROVERS", ",", new address[](0)));
        }
        d.verifier = address(new RiskV1Groth16Verifier());
        OnnxOracleDeployer.ZkVerifier[] memory verifiers = new OnnxOracleDeployer.ZkVerifier[](1);
        verifiers[0] = OnnxOracleDeployer.ZkVerifier({
            modelId: RISK_MODEL, weightsCommitment: d.weightsCommitment, verifier: d.verifier
        });
        d.oracle = OnnxOracleDeployer.deployZkOracle(
            OnnxOracleDeployer.OracleParams({
                registry: address(d.registry),
                threshold: 1,
                tolerance: 0,
                maxResultAge: uint32(vm.envOr("MAX_RESULT_AGE", uint256(1 hours))),
                callbackGasLimit: uint32(vm.envOr("CALLBACK_GAS_LIMIT", uint256(200_000))),
                requestFee: uint96(vm.envOr("REQUEST_FEE_WEI", uint256(0)))
            }),
            verifiers
        );
        d.pricing = ExamplesDeployer.deployRiskPricing(
            address(d.oracle), uint128(vm.envOr("BASE_PREMIUM_WEI", uint256(0.01 ether)))
        );
        vm.stopBroadcast();

        _write(existing, d);
        console2.log("registry", address(d.registry));
        console2.log("zk oracle", address(d.oracle), "verifier", d.verifier);
        console2.log("riskPricing", address(d.pricing));
        return d;
    }

    function _write(string memory existing, Deployed memory d) internal {
        string memory k = "zk";
        vm.serializeAddress(k, "registry", address(d.registry));
        vm.serializeAddress(k, "verifier", d.verifier);
        vm.serializeAddress(k, "oracle", address(d.oracle));
        vm.serializeAddress(k, "riskPricing", address(d.pricing));
        vm.serializeBytes32(k, "weightsCommitment", d.weightsCommitment);
        string memory zkJson = vm.serializeAddress(k, "owner", d.deployer);
        vm.serializeJson("root", existing);
        vm.serializeUint("root", "chainId", block.chainid);
        string memory root = vm.serializeString("root", "zk", zkJson);
        DeploymentFile.write(root, block.chainid);
    }

    function _grantAll(ModelRegistry registry, bytes32 role, address[] memory accounts) internal {
        for (uint256 i = 0; i < accounts.length; ++i) {
            registry.grantRole(role, accounts[i]);
        }
    }
}
