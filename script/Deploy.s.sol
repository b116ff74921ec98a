// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {Script} from "forge-std/Script.sol";
import {console2} from "forge-std/console2.sol";
import {FunctionsRouter} from "@chainlink/contracts/src/v0.8/functions/v1_0_0/FunctionsRouter.sol";
import {
    IFunctionsSubscriptions
} from "@chainlink/contracts/src/v0.8/functions/v1_0_0/interfaces/IFunctionsSubscriptions.sol";
import {ModelRegistry} from "../contracts/ModelRegistry.sol";
import {InferenceOracle} from "../contracts/oracles/InferenceOracle.sol";
import {FunctionsInferenceOracle} from "../contracts/oracles/FunctionsInferenceOracle.sol";
import {ClaimsInsurance} from "../contracts/examples/ClaimsInsurance.sol";
import {RiskPricing} from "../contracts/examples/RiskPricing.sol";
import {CrePayload} from "../contracts/libraries/CrePayload.sol";
import {OnnxOracleDeployer} from "./deploy/OnnxOracleDeployer.sol";
import {ExamplesDeployer} from "./deploy/ExamplesDeployer.sol";
import {GovernanceDeployer} from "./deploy/GovernanceDeployer.sol";
import {DeploymentFile} from "./deploy/DeploymentFile.sol";

/// @title Deploy
/// @notice Deploys the ModelRegistry behind its UUPS proxy and the ClaimsInsurance and RiskPricing
/// examples, each on its own inference oracle of the transport `TRANSPORT` (`functions`, the
/// default, or `cre`); writes `deployments/<chainid>.json` (key `contracts`, keeping the `functions`
/// and `cre` keys the local deploy scripts wrote, if any).
///
/// Run: `TRANSPORT=functions|cre forge script script/Deploy.s.sol --rpc-url $RPC_URL --broadcast
/// --private-key $KEY`
///
/// Env, both transports (all optional): `REGISTRY` (reuse an existing registry proxy),
/// `REGISTRY_PROPOSERS`, `REGISTRY_APPROVERS` (comma-separated addresses granted those roles),
/// `TIMELOCK`, `TIMELOCK_MIN_DELAY`, `TIMELOCK_PROPOSERS`, `TIMELOCK_EXECUTORS` (a new registry's
/// admin and upgrader roles go to that timelock, see GovernanceDeployer),
/// `AGREEMENT_THRESHOLD` (2) and `ADAPTER_COUNT` (3: the adapters in the DON secrets; the threshold
/// must be a strict majority of them and at most them), `TOLERANCE` (0, ClaimsInsurance),
/// `RISK_TOLERANCE` (100, RiskPricing), `MAX_RESULT_AGE` (3600 s), `CALLBACK_GAS_LIMIT` (200000: gas
/// for the dApp's callback; at least each dApp's `CALLBACK_GAS_REQUIRED`), `REQUEST_FEE_WEI` (0: what
/// each request costs its sender; while it is 0 RiskPricing serves only customers its owner allows),
/// `BASE_PREMIUM_WEI` (0.01 ether).
///
/// ClaimsInsurance's first terms: the payout table is damage-v1's manifest's
/// (`adapter/models/damage-v1/manifest.json`, `outputs.payoutRatioBps`: the one source), and
/// `PREMIUM_BPS` (500), `CLAIM_WAITING_PERIOD` (3 days), `REVIEW_WINDOW` (3 days; 0 = no review),
/// `REVIEW_THRESHOLD_WEI` (1 ether: payouts above it wait out the review window), `MIN_COVERAGE_WEI`
/// (0.01 ether), `ARBITER` (unset: no arbitration). A review oracle for disputes (another adapter set)
/// is deployed when `REVIEW_SUBSCRIPTION_ID` (Functions; optional `REVIEW_SECRETS_SLOT` +
/// `REVIEW_SECRETS_VERSION` name its adapters) or `REVIEW_WORKFLOW_NAME` (CRE; optional
/// `REVIEW_WORKFLOW_OWNER`) is set.
///
/// `TRANSPORT=functions`: `ROUTER`, `DON_ID` (short string, e.g. `fun-ethereum-sepolia-1`),
/// `SUBSCRIPTION_ID` (ClaimsInsurance's oracle) and `RISK_SUBSCRIPTION_ID` (RiskPricing's: one
/// subscription per dApp, refused if equal), required unless `deployments/<chainid>.json` has them under `functions`
/// (local chains: `subscriptionIds`). Optional: `FULFILLMENT_GAS_LIMIT` (300000),
/// `FUNCTIONS_SOURCE` (the text of functions-source/image-inference.js; unset leaves it to
/// `setSource` later), `FUNCTIONS_TABULAR_SOURCE` (tabular-inference.js, for RiskPricing),
/// `SECRETS_SLOT` + `SECRETS_VERSION` (DON-hosted secrets of ClaimsInsurance's oracle). The oracles
/// are added to their subscriptions when the broadcaster owns them.
///
/// `TRANSPORT=cre`: `FORWARDER` (the KeystoneForwarder), `WORKFLOW_OWNER`, `WORKFLOW_NAME` (the
/// workflow's name; its metadata encoding is derived here), required unless the file has them
/// under `cre` (written by script/DeployLocalCre.s.sol).
contract Deploy is Script {
    /// @notice Thrown when `TRANSPORT` is neither `functions` nor `cre`.
    error UnknownTransport(string transport);

    string internal constant FUNCTIONS = "functions";
    string internal constant CRE = "cre";

    /// @notice Where the Functions oracles send requests.
    struct FunctionsTarget {
        address router;
        bytes32 donId;
        uint64 claimsSubscriptionId;
        uint64 riskSubscriptionId;
        uint64 reviewSubscriptionId;
    }

    /// @notice Whose reports the CRE oracles accept.
    struct CreTarget {
        address forwarder;
        address workflowOwner;
        string workflowName;
    }

    /// @notice What was deployed.
    struct Deployed {
        ModelRegistry registry;
        address registryImplementation;
        address timelock;
        InferenceOracle insuranceOracle;
        InferenceOracle pricingOracle;
        InferenceOracle reviewOracle;
        ClaimsInsurance insurance;
        RiskPricing pricing;
        address deployer;
        bool addedToSubscriptions;
    }

    function run() external returns (ModelRegistry registry, ClaimsInsurance insurance) {
        string memory transport = vm.envOr("TRANSPORT", string(FUNCTIONS));
        string memory file = DeploymentFile.path(block.chainid);
        string memory existing = vm.isFile(file) ? vm.readFile(file) : "{}";
        bool functions = _is(transport, FUNCTIONS);
        if (!functions && !_is(transport, CRE)) {
            revert UnknownTransport(transport);
        }

        Deployed memory d;
        FunctionsTarget memory ft;
        CreTarget memory ct;
        vm.startBroadcast();
        (, d.deployer,) = vm.readCallers();
        (d.registry, d.registryImplementation) = _registry(d.deployer);
        // A new registry's admin and upgrades go to a timelock; the deployer keeps neither.
        if (d.registryImplementation != address(0)) {
            d.timelock = GovernanceDeployer.governRegistry(
                d.registry, d.deployer, GovernanceDeployer.paramsFromEnv(d.deployer)
            );
        }
        if (functions) {
            ft = _functionsTarget(existing);
            _deployFunctionsOracles(d, ft);
        } else {
            ct = _creTarget(existing);
            _deployCreOracles(d, ct);
        }
        d.insurance = ExamplesDeployer.deployClaimsInsurance(
            address(d.insuranceOracle), address(d.reviewOracle), _insuranceTerms()
        );
        d.pricing = ExamplesDeployer.deployRiskPricing(
            address(d.pricingOracle), uint128(vm.envOr("BASE_PREMIUM_WEI", uint256(0.01 ether)))
        );
        vm.stopBroadcast();
        _checkFits(d);

        _write(existing, transport, d, ft, ct);
        console2.log("transport", transport);
        console2.log("registry", address(d.registry));
        console2.log("claimsInsurance", address(d.insurance), "oracle", address(d.insuranceOracle));
        console2.log("riskPricing", address(d.pricing), "oracle", address(d.pricingOracle));
        return (d.registry, d.insurance);
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

    /// @dev ClaimsInsurance's first terms: the manifest's payout table and the env's settings.
    function _insuranceTerms() internal view returns (ClaimsInsurance.Terms memory) {
        return ClaimsInsurance.Terms({
            premiumBps: uint16(vm.envOr("PREMIUM_BPS", uint256(500))),
            waitingPeriod: uint32(vm.envOr("CLAIM_WAITING_PERIOD", uint256(3 days))),
            reviewWindow: uint32(vm.envOr("REVIEW_WINDOW", uint256(3 days))),
            reviewThreshold: uint96(vm.envOr("REVIEW_THRESHOLD_WEI", uint256(1 ether))),
            minCoverage: uint96(vm.envOr("MIN_COVERAGE_WEI", uint256(0.01 ether))),
            arbiter: vm.envOr("ARBITER", address(0)),
            payoutRatioBps: ExamplesDeployer.damagePayoutTable()
        });
    }

    /// @dev Refuses settings that cannot work: a threshold that is no strict majority of the adapters
    /// (or exceeds them), and callback gas below what each dApp's callback measurably needs.
    function _checkFits(Deployed memory d) internal view {
        ExamplesDeployer.checkThreshold(
            vm.envOr("AGREEMENT_THRESHOLD", uint256(2)), vm.envOr("ADAPTER_COUNT", uint256(3))
        );
        ExamplesDeployer.checkCallbackGas(address(d.insuranceOracle), d.insurance.CALLBACK_GAS_REQUIRED());
        if (address(d.reviewOracle) != address(0)) {
            ExamplesDeployer.checkCallbackGas(address(d.reviewOracle), d.insurance.CALLBACK_GAS_REQUIRED());
        }
        ExamplesDeployer.checkCallbackGas(address(d.pricingOracle), d.pricing.CALLBACK_GAS_REQUIRED());
    }

    /// @dev The transport-independent settings of one oracle.
    function _oracleParams(address registry, uint32 tolerance)
        internal
        view
        returns (OnnxOracleDeployer.OracleParams memory)
    {
        return OnnxOracleDeployer.OracleParams({
            registry: registry,
            threshold: uint8(vm.envOr("AGREEMENT_THRESHOLD", uint256(2))),
            tolerance: tolerance,
            maxResultAge: uint32(vm.envOr("MAX_RESULT_AGE", uint256(1 hours))),
            callbackGasLimit: uint32(vm.envOr("CALLBACK_GAS_LIMIT", uint256(200_000))),
            requestFee: uint96(vm.envOr("REQUEST_FEE_WEI", uint256(0)))
        });
    }

    /// @dev The settings of an oracle serving ClaimsInsurance (damage-v1's classes: TOLERANCE, 0 by default).
    function _claimsOracleParams(Deployed memory d) internal view returns (OnnxOracleDeployer.OracleParams memory) {
        return _oracleParams(address(d.registry), uint32(vm.envOr("TOLERANCE", uint256(0))));
    }

    /// @dev The settings of an oracle serving RiskPricing (risk-v1's score: RISK_TOLERANCE, 100 by default).
    function _pricingOracleParams(Deployed memory d) internal view returns (OnnxOracleDeployer.OracleParams memory) {
        return _oracleParams(address(d.registry), uint32(vm.envOr("RISK_TOLERANCE", uint256(100))));
    }

    function _deployFunctionsOracles(Deployed memory d, FunctionsTarget memory t) internal {
        FunctionsInferenceOracle insuranceOracle =
            _deployFunctionsOracle(t, t.claimsSubscriptionId, "FUNCTIONS_SOURCE", _claimsOracleParams(d));
        _setSecrets(insuranceOracle, "SECRETS_SLOT", "SECRETS_VERSION");
        FunctionsInferenceOracle pricingOracle =
            _deployFunctionsOracle(t, t.riskSubscriptionId, "FUNCTIONS_TABULAR_SOURCE", _pricingOracleParams(d));
        d.insuranceOracle = insuranceOracle;
        d.pricingOracle = pricingOracle;
        bool added = _addConsumer(t.router, t.claimsSubscriptionId, d.deployer, address(insuranceOracle));
        added = _addConsumer(t.router, t.riskSubscriptionId, d.deployer, address(pricingOracle)) && added;
        if (t.reviewSubscriptionId != 0) {
            FunctionsInferenceOracle reviewOracle =
                _deployFunctionsOracle(t, t.reviewSubscriptionId, "FUNCTIONS_SOURCE", _claimsOracleParams(d));
            _setSecrets(reviewOracle, "REVIEW_SECRETS_SLOT", "REVIEW_SECRETS_VERSION");
            d.reviewOracle = reviewOracle;
            added = _addConsumer(t.router, t.reviewSubscriptionId, d.deployer, address(reviewOracle)) && added;
        }
        d.addedToSubscriptions = added;
    }

    /// @dev One Functions oracle on `t`'s router and DON, paid by `subscriptionId`, running the source
    /// the env variable `sourceVar` holds (none: the oracle's placeholder), with FULFILLMENT_GAS_LIMIT.
    function _deployFunctionsOracle(
        FunctionsTarget memory t,
        uint64 subscriptionId,
        string memory sourceVar,
        OnnxOracleDeployer.OracleParams memory params
    ) internal returns (FunctionsInferenceOracle) {
        return OnnxOracleDeployer.deployFunctionsOracle(
            OnnxOracleDeployer.FunctionsParams({
                router: t.router,
                donId: t.donId,
                subscriptionId: subscriptionId,
                fulfillmentGasLimit: uint32(vm.envOr("FULFILLMENT_GAS_LIMIT", uint256(300_000))),
                source: vm.envOr(sourceVar, string(""))
            }),
            params
        );
    }

    /// @dev Points `oracle` at DON-hosted secrets: the slot and version in the env variables `slotVar`
    /// and `versionVar`, when a version is set (none: the oracle sends no secrets).
    function _setSecrets(FunctionsInferenceOracle oracle, string memory slotVar, string memory versionVar) internal {
        uint256 version = vm.envOr(versionVar, uint256(0));
        if (version != 0) {
            oracle.setDonHostedSecrets(uint8(vm.envOr(slotVar, uint256(0))), uint64(version));
        }
    }

    function _deployCreOracles(Deployed memory d, CreTarget memory t) internal {
        OnnxOracleDeployer.CreParams memory c = OnnxOracleDeployer.CreParams({
            forwarder: t.forwarder,
            workflowOwner: t.workflowOwner,
            workflowName: CrePayload.workflowName(t.workflowName)
        });
        d.insuranceOracle = OnnxOracleDeployer.deployCreOracle(c, _claimsOracleParams(d));
        d.pricingOracle = OnnxOracleDeployer.deployCreOracle(c, _pricingOracleParams(d));
        string memory reviewWorkflow = vm.envOr("REVIEW_WORKFLOW_NAME", string(""));
        if (bytes(reviewWorkflow).length != 0) {
            d.reviewOracle = OnnxOracleDeployer.deployCreOracle(
                OnnxOracleDeployer.CreParams({
                    forwarder: t.forwarder,
                    workflowOwner: vm.envOr("REVIEW_WORKFLOW_OWNER", t.workflowOwner),
                    workflowName: CrePayload.workflowName(reviewWorkflow)
                }),
                _claimsOracleParams(d)
            );
        }
    }

    /// @dev Adds `consumer` to the subscription when `deployer` owns it.
    function _addConsumer(address router, uint64 subscriptionId, address deployer, address consumer)
        internal
        returns (bool)
    {
        IFunctionsSubscriptions.Subscription memory sub =
            FunctionsRouter(router).getSubscription(subscriptionId);
        if (sub.owner != deployer) {
            return false;
        }
        FunctionsRouter(router).addConsumer(subscriptionId, consumer);
        return true;
    }

    function _write(
        string memory existing,
        string memory transport,
        Deployed memory d,
        FunctionsTarget memory ft,
        CreTarget memory ct
    ) internal {
        string memory k = "contracts";
        vm.serializeString(k, "transport", transport);
        vm.serializeAddress(k, "registry", address(d.registry));
        vm.serializeAddress(k, "registryImplementation", d.registryImplementation);
        vm.serializeAddress(k, "timelock", d.timelock);
        vm.serializeAddress(k, "claimsInsurance", address(d.insurance));
        vm.serializeAddress(k, "riskPricing", address(d.pricing));
        vm.serializeAddress(k, "claimsInsuranceOracle", address(d.insuranceOracle));
        vm.serializeAddress(k, "riskPricingOracle", address(d.pricingOracle));
        vm.serializeAddress(k, "claimsInsuranceReviewOracle", address(d.reviewOracle));
        address[] memory oracles = new address[](2);
        oracles[0] = address(d.insuranceOracle);
        oracles[1] = address(d.pricingOracle);
        vm.serializeAddress(k, "oracles", oracles);
        if (_is(transport, FUNCTIONS)) {
            uint256[] memory subscriptions = new uint256[](2);
            subscriptions[0] = ft.claimsSubscriptionId;
            subscriptions[1] = ft.riskSubscriptionId;
            vm.serializeAddress(k, "router", ft.router);
            vm.serializeBytes32(k, "donId", ft.donId);
            vm.serializeUint(k, "subscriptionIds", subscriptions);
            vm.serializeBool(k, "oraclesAddedToSubscriptions", d.addedToSubscriptions);
        } else {
            vm.serializeAddress(k, "forwarder", ct.forwarder);
            vm.serializeAddress(k, "workflowOwner", ct.workflowOwner);
            vm.serializeString(k, "workflowName", ct.workflowName);
            vm.serializeBytes(
                k, "workflowNameEncoded", abi.encodePacked(CrePayload.workflowName(ct.workflowName))
            );
        }
        string memory contractsJson = vm.serializeAddress(k, "owner", d.deployer);
        vm.serializeJson("root", existing);
        vm.serializeUint("root", "chainId", block.chainid);
        string memory root = vm.serializeString("root", "contracts", contractsJson);
        DeploymentFile.write(root, block.chainid);
    }

    /// @dev Router, DON id and both subscriptions from env, else from the file's `functions` object.
    function _functionsTarget(string memory existing) internal view returns (FunctionsTarget memory t) {
        bool local = vm.keyExistsJson(existing, ".functions.router");
        t.router = local
            ? vm.envOr("ROUTER", vm.parseJsonAddress(existing, ".functions.router"))
            : vm.envAddress("ROUTER");
        t.donId = vm.keyExistsJson(existing, ".functions.donId") && !_hasEnv("DON_ID")
            ? vm.parseJsonBytes32(existing, ".functions.donId")
            : DeploymentFile.toShortString(vm.envString("DON_ID"));
        uint256[] memory fileSubscriptions = vm.keyExistsJson(existing, ".functions.subscriptionIds")
            ? vm.parseJsonUintArray(existing, ".functions.subscriptionIds")
            : new uint256[](0);
        t.claimsSubscriptionId = uint64(
            !_hasEnv("SUBSCRIPTION_ID") && fileSubscriptions.length > 0
                ? fileSubscriptions[0]
                : vm.envUint("SUBSCRIPTION_ID")
        );
        t.riskSubscriptionId = uint64(
            !_hasEnv("RISK_SUBSCRIPTION_ID") && fileSubscriptions.length > 1
                ? fileSubscriptions[1]
                : vm.envUint("RISK_SUBSCRIPTION_ID")
        );
        t.reviewSubscriptionId = uint64(vm.envOr("REVIEW_SUBSCRIPTION_ID", uint256(0)));
        // Each dApp's oracle (and the review oracle) bills its own subscription.
        uint64[] memory ids = new uint64[](t.reviewSubscriptionId == 0 ? 2 : 3);
        ids[0] = t.claimsSubscriptionId;
        ids[1] = t.riskSubscriptionId;
        if (t.reviewSubscriptionId != 0) {
            ids[2] = t.reviewSubscriptionId;
        }
        ExamplesDeployer.checkSeparateSubscriptions(ids);
        return t;
    }

    /// @dev Forwarder and workflow from env, else from the file's `cre` object.
    function _creTarget(string memory existing) internal view returns (CreTarget memory t) {
        bool local = vm.keyExistsJson(existing, ".cre.forwarder");
        t.forwarder = local && !_hasEnv("FORWARDER")
            ? vm.parseJsonAddress(existing, ".cre.forwarder")
            : vm.envAddress("FORWARDER");
        t.workflowOwner = local && !_hasEnv("WORKFLOW_OWNER")
            ? vm.parseJsonAddress(existing, ".cre.workflowOwner")
            : vm.envAddress("WORKFLOW_OWNER");
        t.workflowName = local && !_hasEnv("WORKFLOW_NAME")
            ? vm.parseJsonString(existing, ".cre.workflowName")
            : vm.envString("WORKFLOW_NAME");
        return t;
    }

    function _is(string memory a, string memory b) internal pure returns (bool) {
        return keccak256(bytes(a)) == keccak256(bytes(b));
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
