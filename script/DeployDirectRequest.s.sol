// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {Script} from "forge-std/Script.sol";
import {console2} from "forge-std/console2.sol";

import {Operator} from "@chainlink/contracts/src/v0.8/operatorforwarder/Operator.sol";
import {LinkToken} from "@chainlink/contracts/src/v0.8/shared/token/ERC677/LinkToken.sol";

import {QuorumConsumer} from "../contracts/QuorumConsumer.sol";
import {QuorumClaimsExample} from "../contracts/examples/QuorumClaimsExample.sol";
import {IModelRegistry} from "../contracts/interfaces/IModelRegistry.sol";
import {ModelRegistry} from "../contracts/ModelRegistry.sol";
import {OnnxOracleDeployer} from "./deploy/OnnxOracleDeployer.sol";

/// @title DeployDirectRequest
/// @notice Deploys the direct-request path for a local chain or a testnet rehearsal: one Operator
/// per node operator (each authorising its node's sending key), the QuorumClaimsExample consumer
/// asking all of them for one model with k-of-n agreement, and, unless given, a LINK token and a
/// model registry with the model approved. Prints one line `DIRECT_REQUEST_DEPLOYMENT=<json>`.
/// @dev Run with `forge script script/DeployDirectRequest.s.sol --broadcast --private-key <deployer>`.
/// Environment:
/// - NODE_ADDRESSES   comma-separated node sending keys, one Operator each (n = their count)
/// - JOB_IDS          comma-separated bytes32 job ids, one per node (`npm run job-spec` prints them)
/// - MODEL_ID         model id, e.g. risk-v1
/// - THRESHOLD        agreeing answers needed (k); TOLERANCE absolute result tolerance (default 0)
/// - FEE_JUELS        LINK paid to each operator per request (default 0.1 LINK)
/// - LINK_TOKEN       existing LINK token; if unset a LinkToken is deployed and LINK_FUNDING_JUELS
///                    (default 100 LINK) minted to the consumer
/// - REGISTRY         existing model registry; if unset one is deployed and MODEL_HASH (sha256 of
///                    model.onnx) proposed by the deployer and approved by APPROVER_PRIVATE_KEY (the
///                    registry's two-person rule), with MODEL_VERSION, PROVENANCE_HASH and
///                    LABEL_COUNT (classes the result indexes; default 0, a scalar result) and
///                    WEIGHTS_COMMITMENT (its zero-knowledge circuit's, e.g. risk-v1's from
///                    zk/circuits/risk-v1/format.json; default zero: no circuit)
contract DeployDirectRequest is Script {
    uint256 internal constant DEFAULT_FEE_JUELS = 0.1 ether;
    uint256 internal constant DEFAULT_LINK_FUNDING_JUELS = 100 ether;

    /// @notice Thrown when MODEL_ID does not fit a bytes32 short string.
    error ModelIdTooLong(uint256 length);
    /// @notice Thrown when NODE_ADDRESSES and JOB_IDS differ in length.
    error NodeJobCountMismatch(uint256 nodes, uint256 jobIds);

    function run() external {
        address[] memory nodes = vm.envAddress("NODE_ADDRESSES", ",");
        bytes32[] memory jobIds = vm.envBytes32("JOB_IDS", ",");
        if (nodes.length != jobIds.length) {
            revert NodeJobCountMismatch(nodes.length, jobIds.length);
        }
        bytes32 modelId = _shortString(vm.envString("MODEL_ID"));
        uint96 fee = uint96(vm.envOr("FEE_JUELS", DEFAULT_FEE_JUELS));

        vm.startBroadcast();
        (, address deployer,) = vm.readCallers();

        address link = vm.envOr("LINK_TOKEN", address(0));
        bool deployedLink = link == address(0);
        if (deployedLink) {
            LinkToken token = new LinkToken();
            token.grantMintRole(deployer);
            link = address(token);
        }

        address registry = vm.envOr("REGISTRY", address(0));
        bool deployedRegistry = registry == address(0);
        if (deployedRegistry) {
            (ModelRegistry created,) = OnnxOracleDeployer.deployRegistry(deployer);
            registry = address(created);
        }

        QuorumConsumer.OracleConfig[] memory oracles = new QuorumConsumer.OracleConfig[](nodes.length);
        address[] memory operators = new address[](nodes.length);
        for (uint256 i = 0; i < nodes.length; ++i) {
            Operator op = new Operator(link, deployer);
            address[] memory senders = new address[](1);
            senders[0] = nodes[i];
            op.setAuthorizedSenders(senders);
            operators[i] = address(op);
            oracles[i] = QuorumConsumer.OracleConfig({operator: address(op), jobId: jobIds[i], fee: fee});
        }

        QuorumClaimsExample consumer = new QuorumClaimsExample(link, registry);
        consumer.configureQuorum(
            modelId, oracles, uint8(vm.envUint("THRESHOLD")), uint32(vm.envOr("TOLERANCE", uint256(0)))
        );
        if (deployedLink) {
            LinkToken(link)
                .mint(address(consumer), vm.envOr("LINK_FUNDING_JUELS", DEFAULT_LINK_FUNDING_JUELS));
        }
        vm.stopBroadcast();

        if (deployedRegistry) {
            _approveModel(ModelRegistry(registry), deployer, modelId);
        }

        string memory key = "deployment";
        vm.serializeAddress(key, "link", link);
        vm.serializeAddress(key, "registry", registry);
        vm.serializeAddress(key, "operators", operators);
        vm.serializeAddress(key, "nodes", nodes);
        string memory json = vm.serializeAddress(key, "consumer", address(consumer));
        console2.log(string.concat("DIRECT_REQUEST_DEPLOYMENT=", json));
    }

    /// @dev Proposes MODEL_HASH as the deployer and approves it as APPROVER_PRIVATE_KEY.
    function _approveModel(ModelRegistry registry, address deployer, bytes32 modelId) internal {
        bytes32 modelHash = vm.envBytes32("MODEL_HASH");
        uint256 approverKey = vm.envUint("APPROVER_PRIVATE_KEY");
        address approver = vm.addr(approverKey);

        vm.startBroadcast(deployer);
        registry.grantRole(registry.PROPOSER_ROLE(), deployer);
        registry.grantRole(registry.APPROVER_ROLE(), approver);
        registry.propose(
            IModelRegistry.Proposal({
                modelId: modelId,
                modelHash: modelHash,
                version: bytes12(_shortString(vm.envOr("MODEL_VERSION", string("1.0.0")))),
                codeCommit: bytes20(0),
                provenanceHash: vm.envOr("PROVENANCE_HASH", bytes32(0)),
                datasetDigest: bytes32(0),
                hyperparamsHash: bytes32(0),
                labelCount: uint16(vm.envOr("LABEL_COUNT", uint256(0))),
                weightsCommitment: vm.envOr("WEIGHTS_COMMITMENT", bytes32(0)),
                weightsUri: ""
            })
        );
        vm.stopBroadcast();

        vm.startBroadcast(approverKey);
        registry.approve(modelId, modelHash);
        vm.stopBroadcast();
    }

    /// @dev ASCII left-aligned, zero-padded (docs/protocol.md).
    function _shortString(string memory s) internal pure returns (bytes32 out) {
        bytes memory b = bytes(s);
        if (b.length > 31) {
            revert ModelIdTooLong(b.length);
        }
        assembly {
            out := mload(add(b, 32))
        }
        // clear the bytes past the length (mload reads a whole word)
        out &= bytes32(type(uint256).max << (8 * (32 - b.length)));
        return out;
    }
}
