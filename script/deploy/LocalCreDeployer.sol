// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {Vm} from "forge-std/Vm.sol";
import {IKeystoneForwarder} from "./IKeystoneForwarder.sol";

/// @title LocalCreDeployer
/// @notice Deploys the CRE side of a local chain: Chainlink's real KeystoneForwarder (1.2.0)
/// configured with the local DON's signer set.
/// @dev The forwarder is `pragma solidity 0.8.24` and this project's code 0.8.19, so it cannot be
/// imported here; it is deployed from the artifact that test/contracts/KeystoneToolchain.t.sol puts
/// into the build (`forge build`, or `forge build test/contracts/KeystoneToolchain.t.sol`: a forge
/// script compiles only its own compiler version). The single place this setup lives:
/// `script/DeployLocalCre.s.sol` and the forge tests both call `deploy`. The forwarder is owned by
/// the caller (`OwnerIsCreator`).
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

    /// @notice Thrown by `deploy()` when the build holds no KeystoneForwarder artifact.
    error KeystoneForwarderNotBuilt(string hint);

    /// @notice Deploys the forwarder and sets the DON's config.
    function deploy(Params memory p) internal returns (IKeystoneForwarder forwarder) {
        try vm.deployCode(KEYSTONE_FORWARDER_ARTIFACT) returns (address deployed) {
            forwarder = IKeystoneForwarder(deployed);
        } catch {
            revert KeystoneForwarderNotBuilt("run `forge build test/contracts/KeystoneToolchain.t.sol` first");
        }
        forwarder.setConfig(p.donId, p.configVersion, p.f, p.signers);
        return forwarder;
    }
}
