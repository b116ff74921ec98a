// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {ModelRegistry} from "../../contracts/ModelRegistry.sol";
import {GovernanceDeployer} from "../../script/deploy/GovernanceDeployer.sol";
import {OnnxOracleDeployer} from "../../script/deploy/OnnxOracleDeployer.sol";
import {ModelRegistryBase} from "./ModelRegistry.t.sol";
import {ModelRegistryNext} from "./ModelRegistryUpgrade.t.sol";

/// @dev Calls the library from a contract, so `vm.expectRevert` sees its reverts at a lower depth.
contract GovernanceDeployerHarness {
    function deployTimelock(GovernanceDeployer.TimelockParams memory p) external returns (address) {
        return address(GovernanceDeployer.deployTimelock(p));
    }
}

/// @notice The deploy logic hands the registry's admin and upgrades to a TimelockController: the
/// deployer keeps no power, and every role change or upgrade is a public operation that waits out
/// the delay.
contract ModelRegistryGovernanceTest is ModelRegistryBase {
    uint256 internal constant DELAY = 2 days;
    address internal MULTISIG = makeAddr("governance multisig");
    TimelockController internal timelock;

    function setUp() public override {
        super.setUp();
        address[] memory members = new address[](1);
        members[0] = MULTISIG;
        address governor = GovernanceDeployer.governRegistry(
            registry,
            address(this),
            GovernanceDeployer.TimelockParams({
                timelock: address(0), minDelay: DELAY, proposers: members, executors: members
            })
        );
        timelock = TimelockController(payable(governor));
    }

    function test_DeployerKeepsNoAdminOrUpgraderRole() public {
        assertFalse(registry.hasRole(registry.DEFAULT_ADMIN_ROLE(), address(this)));
        assertFalse(registry.hasRole(registry.UPGRADER_ROLE(), address(this)));
        assertTrue(registry.hasRole(registry.DEFAULT_ADMIN_ROLE(), address(timelock)));
        assertTrue(registry.hasRole(registry.UPGRADER_ROLE(), address(timelock)));
        assertEq(timelock.getMinDelay(), DELAY);
        // The timelock administers itself: no account can rewrite its proposers without the delay.
        assertTrue(timelock.hasRole(timelock.TIMELOCK_ADMIN_ROLE(), address(timelock)));
        assertFalse(timelock.hasRole(timelock.TIMELOCK_ADMIN_ROLE(), address(this)));
        assertTrue(timelock.hasRole(timelock.PROPOSER_ROLE(), MULTISIG));
        assertTrue(timelock.hasRole(timelock.EXECUTOR_ROLE(), MULTISIG));
    }

    function test_RevertWhen_TheDeployerGrantsARole() public {
        bytes32 role = registry.APPROVER_ROLE();
        vm.expectRevert(_roleError(address(this), registry.DEFAULT_ADMIN_ROLE()));
        registry.grantRole(role, STRANGER);
    }

    function test_RevertWhen_TheDeployerUpgrades() public {
        address next = address(new ModelRegistryNext());
        vm.expectRevert(_roleError(address(this), registry.UPGRADER_ROLE()));
        registry.upgradeTo(next);
    }

    function test_TimelockUpgradesOnlyAfterTheDelay() public {
        _register(DAMAGE, HASH_1);
        address next = address(new ModelRegistryNext());
        bytes memory call = abi.encodeCall(registry.upgradeTo, (next));
        vm.prank(MULTISIG);
        timelock.schedule(address(registry), 0, call, bytes32(0), bytes32("upgrade-1"), DELAY);

        vm.warp(block.timestamp + DELAY - 1);
        vm.expectRevert("TimelockController: operation is not ready");
        vm.prank(MULTISIG);
        timelock.execute(address(registry), 0, call, bytes32(0), bytes32("upgrade-1"));

        vm.warp(block.timestamp + 1);
        vm.prank(MULTISIG);
        timelock.execute(address(registry), 0, call, bytes32(0), bytes32("upgrade-1"));
        assertEq(ModelRegistryNext(address(registry)).registryVersion(), 3);
        assertEq(registry.activeVersion(DAMAGE), HASH_1);
    }

    function test_TimelockGrantsAnApproverAfterTheDelay() public {
        bytes memory call = abi.encodeCall(registry.grantRole, (registry.APPROVER_ROLE(), STRANGER));
        vm.prank(MULTISIG);
        timelock.schedule(address(registry), 0, call, bytes32(0), bytes32(0), DELAY);
        assertFalse(registry.hasRole(registry.APPROVER_ROLE(), STRANGER));
        vm.warp(block.timestamp + DELAY);
        vm.prank(MULTISIG);
        timelock.execute(address(registry), 0, call, bytes32(0), bytes32(0));
        assertTrue(registry.hasRole(registry.APPROVER_ROLE(), STRANGER));
    }

    function test_RevertWhen_AStrangerSchedulesAnUpgrade() public {
        bytes memory call = abi.encodeCall(registry.upgradeTo, (address(new ModelRegistryNext())));
        vm.expectRevert(_roleError(STRANGER, timelock.PROPOSER_ROLE()));
        vm.prank(STRANGER);
        timelock.schedule(address(registry), 0, call, bytes32(0), bytes32(0), DELAY);
    }

    function test_RevertWhen_ScheduledWithLessThanTheDelay() public {
        bytes memory call = abi.encodeCall(registry.upgradeTo, (address(new ModelRegistryNext())));
        vm.expectRevert("TimelockController: insufficient delay");
        vm.prank(MULTISIG);
        timelock.schedule(address(registry), 0, call, bytes32(0), bytes32(0), DELAY - 1);
    }

    function test_AProposerCancelsAScheduledUpgrade() public {
        bytes memory call = abi.encodeCall(registry.upgradeTo, (address(new ModelRegistryNext())));
        vm.startPrank(MULTISIG);
        timelock.schedule(address(registry), 0, call, bytes32(0), bytes32(0), DELAY);
        bytes32 id = timelock.hashOperation(address(registry), 0, call, bytes32(0), bytes32(0));
        timelock.cancel(id);
        vm.warp(block.timestamp + DELAY);
        vm.expectRevert("TimelockController: operation is not ready");
        timelock.execute(address(registry), 0, call, bytes32(0), bytes32(0));
        vm.stopPrank();
    }

    function test_ApproversKeepWorkingWithoutTheTimelock() public {
        // Day-to-day model approvals need no governance operation.
        _register(DAMAGE, HASH_1);
        assertTrue(registry.isApproved(DAMAGE, HASH_1));
    }

    function test_HandOverToAnExistingTimelock() public {
        (ModelRegistry second,) = _freshRegistry();
        address governor = GovernanceDeployer.governRegistry(
            second,
            address(this),
            GovernanceDeployer.TimelockParams({
                timelock: address(timelock), minDelay: 0, proposers: new address[](0), executors: new address[](0)
            })
        );
        assertEq(governor, address(timelock));
        assertTrue(second.hasRole(second.DEFAULT_ADMIN_ROLE(), address(timelock)));
        assertFalse(second.hasRole(second.DEFAULT_ADMIN_ROLE(), address(this)));
    }

    function test_RevertWhen_HandingOverToAnAccountWithoutCode() public {
        (ModelRegistry second,) = _freshRegistry();
        vm.expectRevert(abi.encodeWithSelector(GovernanceDeployer.TimelockHasNoCode.selector, MULTISIG));
        this.handOver(second, MULTISIG);
        assertTrue(second.hasRole(second.DEFAULT_ADMIN_ROLE(), address(this)), "nothing handed over");
    }

    function test_RevertWhen_TheTimelockHasNoProposer() public {
        GovernanceDeployerHarness harness = new GovernanceDeployerHarness();
        vm.expectRevert(GovernanceDeployer.NoTimelockProposers.selector);
        harness.deployTimelock(
            GovernanceDeployer.TimelockParams({
                timelock: address(0), minDelay: DELAY, proposers: new address[](0), executors: new address[](0)
            })
        );
    }

    /// @dev External so `expectRevert` can catch the library's revert; renounces as this contract.
    function handOver(ModelRegistry target, address governor) external {
        GovernanceDeployer.handOverRegistry(target, governor, address(this));
    }

    function _freshRegistry() internal returns (ModelRegistry second, address secondImplementation) {
        return OnnxOracleDeployer.deployRegistry(address(this));
    }
}
