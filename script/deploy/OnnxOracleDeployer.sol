// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {ModelRegistry} from "../../contracts/ModelRegistry.sol";
import {InferenceOracle} from "../../contracts/oracles/InferenceOracle.sol";
import {FunctionsInferenceOracle} from "../../contracts/oracles/FunctionsInferenceOracle.sol";
import {CreInferenceOracle} from "../../contracts/oracles/CreInferenceOracle.sol";
import {ZkInferenceOracle} from "../../contracts/oracles/ZkInferenceOracle.sol";

/// @title OnnxOracleDeployer
/// @notice The core deployer: the ModelRegistry behind an ERC-1967 (UUPS) proxy, and inference
/// oracles on any transport (Chainlink Functions, CRE, zero-knowledge proofs) configured with an
/// acceptance policy.
/// Example dApps are deployed apart (`ExamplesDeployer`).
/// @dev The single place this logic lives: the forge scripts and the forge tests both call it. The
/// caller owns everything it deploys.
library OnnxOracleDeployer {
    /// @notice What every oracle is configured with, whatever its transport.
    /// @param registry The model registry.
    /// @param threshold Adapters that must agree.
    /// @param tolerance Absolute distance from the median (result units) within which they agree.
    /// @param maxResultAge Oldest acceptable result, in seconds.
    /// @param callbackGasLimit Gas the client's callback may use.
    /// @param requestFee Wei each request pays.
    struct OracleParams {
        address registry;
        uint8 threshold;
        uint32 tolerance;
        uint32 maxResultAge;
        uint32 callbackGasLimit;
        uint96 requestFee;
    }

    /// @notice Where a Functions oracle sends requests.
    /// @param router The Functions router (v1_0_0).
    /// @param donId The DON id (short string).
    /// @param subscriptionId The subscription that pays for this oracle's requests.
    /// @param fulfillmentGasLimit Gas the router gives each fulfilment (at most 300,000).
    /// @param source The JavaScript the DON runs; empty leaves it to `setSource` later.
    struct FunctionsParams {
        address router;
        bytes32 donId;
        uint64 subscriptionId;
        uint32 fulfillmentGasLimit;
        string source;
    }

    /// @notice Whose reports a CRE oracle accepts.
    /// @param forwarder The KeystoneForwarder.
    /// @param workflowOwner The workflow owner in the report metadata.
    /// @param workflowName The metadata's encoded workflow name (`CrePayload.workflowName`).
    struct CreParams {
        address forwarder;
        address workflowOwner;
        bytes10 workflowName;
    }

    /// @notice The verifier of one circuit: proofs of `modelId` against `weightsCommitment`.
    /// @param modelId The model id (short string).
    /// @param weightsCommitment The circuit's weights commitment (the registry approves it per version).
    /// @param verifier The generated verifier (`contracts/zk/<Name>Groth16Verifier.sol`), deployed.
    struct ZkVerifier {
        bytes32 modelId;
        bytes32 weightsCommitment;
        address verifier;
    }

    /// @notice Deploys the registry implementation and its proxy, initialised with `admin`.
    function deployRegistry(address admin) internal returns (ModelRegistry registry, address implementation) {
        implementation = address(new ModelRegistry());
        ERC1967Proxy proxy =
            new ERC1967Proxy(implementation, abi.encodeCall(ModelRegistry.initialize, (admin)));
        return (ModelRegistry(address(proxy)), implementation);
    }

    /// @notice Deploys and configures a Chainlink Functions oracle (add it to its subscription after).
    function deployFunctionsOracle(FunctionsParams memory f, OracleParams memory p)
        internal
        returns (FunctionsInferenceOracle oracle)
    {
        oracle = new FunctionsInferenceOracle(f.router);
        oracle.setRequestConfig(f.donId, f.subscriptionId, f.fulfillmentGasLimit);
        if (bytes(f.source).length != 0) {
            oracle.setSource(f.source);
        }
        configure(oracle, p);
        return oracle;
    }

    /// @notice Deploys and configures a CRE oracle.
    function deployCreOracle(CreParams memory c, OracleParams memory p)
        internal
        returns (CreInferenceOracle oracle)
    {
        oracle = new CreInferenceOracle(c.forwarder, c.workflowOwner, c.workflowName);
        configure(oracle, p);
        return oracle;
    }

    /// @notice Deploys and configures a zero-knowledge oracle with the verifiers of its circuits.
    /// @dev A proof counts as one agreeing answer, so `p.threshold` must be 1 (requests refuse any
    /// other); `p.tolerance` is unused. The verifiers are deployed by the caller: the generated
    /// verifiers carry snarkjs's GPL-3.0 licence and stay out of this library (docs/zk.md).
    function deployZkOracle(OracleParams memory p, ZkVerifier[] memory verifiers)
        internal
        returns (ZkInferenceOracle oracle)
    {
        oracle = new ZkInferenceOracle();
        configure(oracle, p);
        for (uint256 i = 0; i < verifiers.length; ++i) {
            oracle.setVerifier(verifiers[i].modelId, verifiers[i].weightsCommitment, verifiers[i].verifier);
        }
        return oracle;
    }

    /// @notice Applies the transport-independent settings to `oracle`.
    function configure(InferenceOracle oracle, OracleParams memory p) internal {
        oracle.setAcceptancePolicy(p.registry, p.threshold, p.tolerance, p.maxResultAge);
        if (p.callbackGasLimit != oracle.callbackGasLimit()) {
            oracle.setCallbackGasLimit(p.callbackGasLimit);
        }
        if (p.requestFee != 0) {
            oracle.setRequestFee(p.requestFee);
        }
    }
}
