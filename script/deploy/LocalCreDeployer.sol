// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {Vm} from "forge-std/Vm.sol";
import {IKeystoneForwarder} from "./IKeystoneForwarder.sol";

/// @title LocalCreDeployer
/// @notice Deploys the CRE side of a local chain: Chainlink's real KeystoneForwarder (1.2.0, built
/// with solc 0.8.24 from ForwarderArtifact.sol, deployed from its artifact) configured with the
/// local DON's signer set.
/// @dev The single place this setup lives: `script/DeployLocalCre.s.sol` and the forge tests both
/// call `deploy`. The forwarder is owned by the caller (`OwnerIsCreator`).
library LocalCreDeployer {
    Vm private constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    /// @notice The forge artifact of Chainlink's KeystoneForwarder.
    string internal constant KEYSTONE_FORWARDER_ARTIFACT = "KeystoneForwarder.sol:KeystoneForwarder";

    /// @notice What to deploy.
    /// @param donId The DON id reports name in their metadata.
    /// @param configVersion The config version reports name.
    /// @param f Faulty nodes tolerated; reports need f + 1 signatures, the DON at least 3f + 1 signers.
    /// @param signers The DON nodes' report signing addresses.
    struct Params {
        uint32 donId;
        uint32 configVersion;
        uint8 f;
        address[] signers;
    }

    /// @notice Deploys the forwarder and sets the DON's config.
    function deploy(Params memory p) internal returns (IKeystoneForwarder forwarder) {
        forwarder = IKeystoneForwarder(vm.deployCode(KEYSTONE_FORWARDER_ARTIFACT));
        forwarder.setConfig(p.donId, p.configVersion, p.f, p.signers);
        return forwarder;
    }
}
