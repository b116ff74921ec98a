// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {Vm} from "forge-std/Vm.sol";
import {console2} from "forge-std/console2.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {ModelRegistry} from "../../contracts/ModelRegistry.sol";

/// @title GovernanceDeployer
/// @notice Hands the registry's governance to an OpenZeppelin TimelockController (4.9.3): the
/// timelock gets DEFAULT_ADMIN_ROLE (grants and revokes proposers, approvers and upgraders) and
/// UPGRADER_ROLE, and the deployer renounces both, so no single key can change who approves models
/// or swap the implementation without a public, delayed operation that anyone can watch.
/// @dev Used by `script/Deploy.s.sol` and the forge tests. In production the timelock's proposers
/// and executors are a multisig (e.g. a Safe); with no proposer given the deployer proposes, which
/// keeps the delay but is for development only (docs/contracts.md, "Governance").
library GovernanceDeployer {
    Vm private constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    /// @notice The timelock's minimum delay when `TIMELOCK_MIN_DELAY` is unset.
    uint256 internal constant DEFAULT_MIN_DELAY = 2 days;

    /// @notice How the timelock is set up.
    /// @param timelock An existing timelock to hand over to; zero deploys a new one.
    /// @param minDelay Seconds between scheduling and executing an operation.
    /// @param proposers Who may schedule (and cancel) operations.
    /// @param executors Who may execute them once ready (`address(0)` in the list: anyone).
    struct TimelockParams {
        address timelock;
        uint256 minDelay;
        address[] proposers;
        address[] executors;
    }

    /// @notice Thrown by `deployTimelock()` with no proposer: nobody could ever govern the registry.
    error NoTimelockProposers();
    /// @notice Thrown by `handOverRegistry()` when the timelock address has no code.
    error TimelockHasNoCode(address timelock);
    /// @notice Thrown by `handOverRegistry()` if, after the hand-over, `account` still holds (or the
    /// timelock lacks) `role`.
    error HandOverIncomplete(address account, bytes32 role);

    /// @notice Reads the timelock settings from the environment: `TIMELOCK` (reuse one),
    /// `TIMELOCK_MIN_DELAY` (seconds, default 2 days), `TIMELOCK_PROPOSERS` and `TIMELOCK_EXECUTORS`
    /// (comma-separated addresses; proposers default to `deployer`, executors to the proposers).
    /// @param deployer The broadcasting account, the development fallback proposer.
    function paramsFromEnv(address deployer) internal view returns (TimelockParams memory p) {
        p.timelock = vm.envOr("TIMELOCK", address(0));
        p.minDelay = vm.envOr("TIMELOCK_MIN_DELAY", DEFAULT_MIN_DELAY);
        p.proposers = vm.envOr("TIMELOCK_PROPOSERS", ",", new address[](0));
        if (p.proposers.length == 0 && p.timelock == address(0)) {
            console2.log("TIMELOCK_PROPOSERS unset: the deployer proposes timelock operations (development only)");
            p.proposers = new address[](1);
            p.proposers[0] = deployer;
        }
        p.executors = vm.envOr("TIMELOCK_EXECUTORS", ",", new address[](0));
        if (p.executors.length == 0) {
            p.executors = p.proposers;
        }
        return p;
    }

    /// @notice Deploys a TimelockController that administers itself (no admin account).
    /// @param p The delay, proposers and executors (`p.timelock` is ignored).
    function deployTimelock(TimelockParams memory p) internal returns (TimelockController timelock) {
        if (p.proposers.length == 0) {
            revert NoTimelockProposers();
        }
        return new TimelockController(p.minDelay, p.proposers, p.executors, address(0));
    }

    /// @notice Grants DEFAULT_ADMIN_ROLE and UPGRADER_ROLE to `timelock` and renounces both for
    /// `deployer` (who must be the caller, i.e. the broadcaster). Call it after the deployer's last
    /// use of its admin powers (granting the first proposers and approvers).
    /// @param registry The registry proxy.
    /// @param timelock The timelock that governs it from now on.
    /// @param deployer The account giving up its roles.
    function handOverRegistry(ModelRegistry registry, address timelock, address deployer) internal {
        if (timelock.code.length == 0) {
            revert TimelockHasNoCode(timelock);
        }
        bytes32 admin = registry.DEFAULT_ADMIN_ROLE();
        bytes32 upgrader = registry.UPGRADER_ROLE();
        registry.grantRole(admin, timelock);
        registry.grantRole(upgrader, timelock);
        registry.renounceRole(upgrader, deployer);
        registry.renounceRole(admin, deployer);
        _require(registry.hasRole(admin, timelock), timelock, admin);
        _require(registry.hasRole(upgrader, timelock), timelock, upgrader);
        _require(!registry.hasRole(admin, deployer), deployer, admin);
        _require(!registry.hasRole(upgrader, deployer), deployer, upgrader);
    }

    /// @notice `deployTimelock` (unless `p.timelock` names one) then `handOverRegistry`.
    /// @return timelock The timelock now governing the registry.
    function governRegistry(ModelRegistry registry, address deployer, TimelockParams memory p)
        internal
        returns (address timelock)
    {
        timelock = p.timelock != address(0) ? p.timelock : address(deployTimelock(p));
        handOverRegistry(registry, timelock, deployer);
        return timelock;
    }

    function _require(bool ok, address account, bytes32 role) private pure {
        if (!ok) {
            revert HandOverIncomplete(account, role);
        }
    }
}
