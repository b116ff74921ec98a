// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {OnnxOracleDeployer} from "../../../script/deploy/OnnxOracleDeployer.sol";
import {ExamplesDeployer} from "../../../script/deploy/ExamplesDeployer.sol";
import {IModelRegistry} from "../../../contracts/interfaces/IModelRegistry.sol";
import {IInferenceOracleEvents} from "../../../contracts/interfaces/IInferenceOracle.sol";
import {IRiskPricingEvents} from "../../../contracts/interfaces/IRiskPricing.sol";
import {IZkInferenceOracle} from "../../../contracts/interfaces/IZkInferenceOracle.sol";
import {InferenceClient} from "../../../contracts/InferenceClient.sol";
import {InferenceOracle} from "../../../contracts/oracles/InferenceOracle.sol";
import {ZkInferenceOracle} from "../../../contracts/oracles/ZkInferenceOracle.sol";
import {RiskPricing} from "../../../contracts/examples/RiskPricing.sol";
import {InferenceResult} from "../../../contracts/libraries/InferenceResult.sol";
import {RiskV1Groth16Verifier} from "../../../contracts/zk/RiskV1Groth16Verifier.sol";
import {RegistryFixture} from "../helpers/RegistryFixture.sol";
import {RiskV1ProofVector} from "./vectors/RiskV1ProofVector.sol";
import {RiskV1RequestVectors} from "./vectors/RiskV1RequestVectors.sol";

/// @dev A dApp for any model id: forwards a request and records the results it receives.
contract ZkTestClient is InferenceClient {
    mapping(bytes32 requestId => uint256 result) public results;

    constructor(address oracleAddress) InferenceClient(oracleAddress) {}

    function request(bytes32 modelId, string calldata input, bytes32 inputHash) external returns (bytes32) {
        return _requestInference(modelId, input, inputHash);
    }

    function _onInference(bytes32 requestId, bytes32, InferenceResult.Data memory result) internal override {
        results[requestId] = result.result;
    }
}

/// @notice RiskPricing on the zero-knowledge oracle with the real risk-v1 verifier and real proofs
/// (made by the prover with the committed proving key: test/contracts/zk/vectors/). The registry
/// holds risk-v1 at its real model hash with its weights commitment, approved by a second person.
abstract contract ZkOracleTestBase is RegistryFixture, IInferenceOracleEvents, IRiskPricingEvents, IZkInferenceOracle {
    bytes32 internal constant RISK = bytes32("risk-v1");
    uint128 internal constant BASE = 0.1 ether;
    uint32 internal constant MAX_AGE = 1 hours;
    uint32 internal constant CALLBACK_GAS = 200_000;
    uint256 internal constant SCALE = 10_000;
    uint256 internal constant START_TIME = 1_750_000_000;
    /// Issue 16's goal for one verification (`verifyProof`), and a bound on the whole fulfilment.
    uint256 internal constant VERIFY_GAS_GOAL = 250_000;
    uint256 internal constant FULFIL_GAS_BOUND = 350_000;

    address internal CUSTOMER = makeAddr("customer");
    address internal PROVER = makeAddr("prover");

    bytes32 internal WEIGHTS = bytes32(RiskV1ProofVector.WEIGHTS_COMMITMENT);
    bytes32 internal OTHER_WEIGHTS = bytes32(RiskV1ProofVector.OTHER_WEIGHTS_COMMITMENT);
    bytes32 internal COMMITMENT_A = bytes32(RiskV1ProofVector.INPUT_COMMITMENT);
    bytes32 internal COMMITMENT_B = bytes32(RiskV1RequestVectors.INPUT_COMMITMENT_OTHER_FEATURES);
    /// sha256 of adapter/models/risk-v1/model.onnx, from its manifest.
    bytes32 internal RISK_HASH;

    RiskV1Groth16Verifier internal verifier;
    ZkInferenceOracle internal oracle;
    RiskPricing internal pricing;

    function setUp() public virtual {
        vm.warp(START_TIME);
        RISK_HASH = vm.parseJsonBytes32(vm.readFile("adapter/models/risk-v1/manifest.json"), ".file.sha256");
        _deployRegistry();
        _register(RISK, RISK_HASH, WEIGHTS);

        verifier = new RiskV1Groth16Verifier();
        OnnxOracleDeployer.ZkVerifier[] memory verifiers = new OnnxOracleDeployer.ZkVerifier[](1);
        verifiers[0] = OnnxOracleDeployer.ZkVerifier({
            modelId: RISK, weightsCommitment: WEIGHTS, verifier: address(verifier)
        });
        oracle = OnnxOracleDeployer.deployZkOracle(_params(1), verifiers);
        pricing = ExamplesDeployer.deployRiskPricing(address(oracle), BASE);
        // With no request fee, RiskPricing serves only the customers its owner allows.
        pricing.setCustomer(CUSTOMER, true);
    }

    function _params(uint8 threshold) internal view returns (OnnxOracleDeployer.OracleParams memory) {
        return OnnxOracleDeployer.OracleParams({
            registry: address(registry),
            threshold: threshold,
            tolerance: 0,
            maxResultAge: MAX_AGE,
            callbackGasLimit: CALLBACK_GAS,
            requestFee: 0
        });
    }

    function _register(bytes32 modelId, bytes32 modelHash, bytes32 weightsCommitment) internal {
        _propose(modelId, modelHash, weightsCommitment);
        vm.prank(APPROVER);
        registry.approve(modelId, modelHash);
    }

    function _propose(bytes32 modelId, bytes32 modelHash, bytes32 weightsCommitment) internal {
        IModelRegistry.Proposal memory proposal =
            _versionOneProposal(modelId, modelHash, 0, weightsCommitment);
        // Built first: the sha256 precompile calls in it would take the prank.
        vm.prank(PROPOSER);
        registry.propose(proposal);
    }

    function _quote(bytes32 commitment) internal returns (bytes32 requestId) {
        vm.prank(CUSTOMER);
        return pricing.requestQuoteByHash(commitment, "");
    }

    function _request(bytes32 commitment) internal view returns (InferenceOracle.Request memory) {
        return InferenceOracle.Request({client: address(pricing), modelId: RISK, inputHash: commitment});
    }

    /// The sample request's statement and its proof (RiskV1ProofVector).
    function _answerA() internal view returns (ZkAnswer memory) {
        return _riskAnswer(RiskV1ProofVector.RESULT, COMMITMENT_A, RiskV1ProofVector.PROOF);
    }

    /// Another customer's statement and its proof.
    function _answerB() internal view returns (ZkAnswer memory) {
        return _riskAnswer(
            RiskV1RequestVectors.RESULT_OTHER_FEATURES, COMMITMENT_B, RiskV1RequestVectors.PROOF_OTHER_FEATURES
        );
    }

    /// A statement that risk-v1 (its registered hash and weights) gives `result` for the input
    /// committed to as `inputCommitment`, with its proof.
    function _riskAnswer(uint256 result, bytes32 inputCommitment, bytes memory proof)
        internal
        view
        returns (ZkAnswer memory)
    {
        return ZkAnswer({
            result: result,
            modelHash: RISK_HASH,
            inputCommitment: inputCommitment,
            weightsCommitment: WEIGHTS,
            proof: proof
        });
    }

    function _fulfil(bytes32 requestId, bytes32 commitment, ZkAnswer memory answer) internal {
        vm.prank(PROVER);
        oracle.fulfill(requestId, _request(commitment), answer);
    }

    function _premium(uint256 risk) internal pure returns (uint256) {
        return (uint256(BASE) * (SCALE + risk)) / SCALE;
    }
}
