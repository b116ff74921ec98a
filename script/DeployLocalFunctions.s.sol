// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {Script} from "forge-std/Script.sol";
import {console2} from "forge-std/console2.sol";
import {LocalFunctionsDeployer} from "./deploy/LocalFunctionsDeployer.sol";
import {DeploymentFile} from "./deploy/DeploymentFile.sol";

/// @title DeployLocalFunctions
/// @notice Deploys Chainlink Functions on a local chain (anvil): LINK, LINK/ETH and LINK/USD feeds,
/// the real FunctionsRouter (v1_0_0) and FunctionsCoordinator (v1_3_0) with a 4-node DON (f = 1),
/// the TermsOfServiceAllowList, and funded subscriptions owned by the broadcaster (one per example
/// dApp's oracle). Writes `deployments/<chainid>.json` (key `functions`), replacing the file.
///
/// Run: `forge script script/DeployLocalFunctions.s.sol --rpc-url $RPC_URL --broadcast --private-key $KEY`
///
/// Env (all optional):
/// - `DON_SIGNERS`, `DON_TRANSMITTERS`: comma-separated addresses of the DON's OCR signers and
///   transmitters (4 each). Default: anvil's well-known dev accounts 2-5 (signers) and 6-9
///   (transmitters). DEV ONLY: those keys are public; never use them beyond a local chain.
/// - `DON_F` (1), `DON_ID` (`local-don`, a short string), `SUBSCRIPTION_FUNDING_LINK` (1000 each),
///   `SUBSCRIPTION_COUNT` (2: ClaimsInsurance's and RiskPricing's oracles), `TOS_SIGNER` (anvil
///   account 1: the key that signs Terms of Service acceptances).
contract DeployLocalFunctions is Script {
    uint256 internal constant DON_SIZE = 4;

    function run() external returns (LocalFunctionsDeployer.Deployment memory d) {
        address[] memory signers = vm.envOr("DON_SIGNERS", ",", _anvilAddresses(2));
        address[] memory transmitters = vm.envOr("DON_TRANSMITTERS", ",", _anvilAddresses(6));
        uint8 f = uint8(vm.envOr("DON_F", uint256(1)));
        bytes32 donId = DeploymentFile.toShortString(vm.envOr("DON_ID", string("local-don")));
        uint256 funding = vm.envOr("SUBSCRIPTION_FUNDING_LINK", uint256(1_000));
        address tosSigner = vm.envOr("TOS_SIGNER", vm.addr(_anvilKey(1)));

        uint256 startBlock = block.number;
        vm.startBroadcast();
        (, address owner,) = vm.readCallers();
        d = LocalFunctionsDeployer.deploy(
            LocalFunctionsDeployer.Params({
                owner: owner,
                signers: signers,
                transmitters: transmitters,
                f: f,
                tosSigner: tosSigner,
                donId: donId,
                subscriptionFunding: uint96(funding * 1e18),
                subscriptionCount: uint8(vm.envOr("SUBSCRIPTION_COUNT", uint256(2)))
            })
        );
        vm.stopBroadcast();

        string memory json = DeploymentFile.functionsJson(d, signers, transmitters, f, owner, tosSigner, startBlock);
        string memory root = vm.serializeUint("root", "chainId", block.chainid);
        root = vm.serializeString("root", "functions", json);
        DeploymentFile.write(root, block.chainid);
        console2.log("Functions deployed; router", address(d.router), "subscription", d.subscriptionId);
        return d;
    }

    /// @dev anvil's dev accounts `first` .. `first + 3`, from its public mnemonic. DEV ONLY.
    function _anvilAddresses(uint32 first) internal pure returns (address[] memory addresses) {
        addresses = new address[](DON_SIZE);
        for (uint32 i = 0; i < DON_SIZE; ++i) {
            addresses[i] = vm.addr(_anvilKey(first + i));
        }
        return addresses;
    }

    function _anvilKey(uint32 index) internal pure returns (uint256) {
        return vm.deriveKey(DeploymentFile.ANVIL_MNEMONIC, index);
    }
}
