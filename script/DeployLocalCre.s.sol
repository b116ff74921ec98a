// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {Script} from "forge-std/Script.sol";
import {console2} from "forge-std/console2.sol";
import {IKeystoneForwarder} from "./deploy/IKeystoneForwarder.sol";
import {LocalCreDeployer} from "./deploy/LocalCreDeployer.sol";
import {DeploymentFile} from "./deploy/DeploymentFile.sol";
import {CrePayload} from "../contracts/libraries/CrePayload.sol";

/// @title DeployLocalCre
/// @notice Deploys the CRE side of a local chain (anvil): Chainlink's real KeystoneForwarder (1.2.0)
/// configured with a 4-node DON (f = 1, so reports need 2 signatures), and records the workflow
/// whose reports the CRE oracles will accept. Writes `deployments/<chainid>.json` (key `cre`),
/// keeping what is there; then `TRANSPORT=cre script/Deploy.s.sol` reads it.
///
/// Run: `forge build test/contracts/KeystoneToolchain.t.sol` (the forwarder is solc 0.8.24 and a
/// forge script compiles only its own version; a full `forge build` also does), then
/// `forge script script/DeployLocalCre.s.sol --rpc-url $RPC_URL --broadcast --private-key $KEY`
///
/// Env (all optional):
/// - `CRE_DON_SIGNERS`: comma-separated report signing addresses of the DON's nodes. Default: the
///   keys m/44'/60'/0'/0/10..13 of anvil's public mnemonic (DEV ONLY: everyone knows them). They
///   only sign; any funded account may transmit (the forwarder checks signatures, not senders).
/// - `CRE_DON_F` (1), `CRE_DON_ID` (1), `CRE_CONFIG_VERSION` (1).
/// - `WORKFLOW_OWNER` (the broadcaster), `WORKFLOW_NAME` (`onnx-oracle-inference`).
contract DeployLocalCre is Script {
    uint256 internal constant DON_SIZE = 4;
    /// @notice First mnemonic index of the default DON signer keys (after anvil's 10 funded accounts).
    uint32 internal constant FIRST_SIGNER_INDEX = 10;

    function run() external returns (IKeystoneForwarder forwarder) {
        address[] memory signers = vm.envOr("CRE_DON_SIGNERS", ",", _defaultSigners());
        LocalCreDeployer.Params memory p = LocalCreDeployer.Params({
            donId: uint32(vm.envOr("CRE_DON_ID", uint256(1))),
            configVersion: uint32(vm.envOr("CRE_CONFIG_VERSION", uint256(1))),
            f: uint8(vm.envOr("CRE_DON_F", uint256(1))),
            signers: signers
        });
        string memory workflowName = vm.envOr("WORKFLOW_NAME", string("onnx-oracle-inference"));

        uint256 startBlock = block.number;
        vm.startBroadcast();
        (, address broadcaster,) = vm.readCallers();
        forwarder = LocalCreDeployer.deploy(p);
        vm.stopBroadcast();
        address workflowOwner = vm.envOr("WORKFLOW_OWNER", broadcaster);

        string memory k = "cre";
        vm.serializeAddress(k, "forwarder", address(forwarder));
        vm.serializeUint(k, "donId", p.donId);
        vm.serializeUint(k, "configVersion", p.configVersion);
        vm.serializeUint(k, "f", p.f);
        vm.serializeAddress(k, "signers", signers);
        vm.serializeAddress(k, "workflowOwner", workflowOwner);
        vm.serializeString(k, "workflowName", workflowName);
        vm.serializeBytes(k, "workflowNameEncoded", abi.encodePacked(CrePayload.workflowName(workflowName)));
        string memory json = vm.serializeUint(k, "startBlock", startBlock);

        string memory file = DeploymentFile.path(block.chainid);
        vm.serializeJson("root", vm.isFile(file) ? vm.readFile(file) : "{}");
        vm.serializeUint("root", "chainId", block.chainid);
        string memory root = vm.serializeString("root", "cre", json);
        DeploymentFile.write(root, block.chainid);
        console2.log("KeystoneForwarder", address(forwarder));
        return forwarder;
    }

    /// @dev Keys 10..13 of anvil's public mnemonic. DEV ONLY.
    function _defaultSigners() internal pure returns (address[] memory signers) {
        signers = new address[](DON_SIZE);
        for (uint32 i = 0; i < DON_SIZE; ++i) {
            signers[i] = vm.addr(vm.deriveKey(DeploymentFile.ANVIL_MNEMONIC, FIRST_SIGNER_INDEX + i));
        }
        return signers;
    }
}
