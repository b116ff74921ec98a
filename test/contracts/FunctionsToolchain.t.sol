// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {Test} from "forge-std/Test.sol";
import {FunctionsClient} from "@chainlink/contracts/src/v0.8/functions/v1_0_0/FunctionsClient.sol";
import {FunctionsRouter} from "@chainlink/contracts/src/v0.8/functions/v1_0_0/FunctionsRouter.sol";
import {FunctionsResponse} from "@chainlink/contracts/src/v0.8/functions/v1_0_0/libraries/FunctionsResponse.sol";

/// @dev The smallest consumer of the real FunctionsClient: records what the router delivers.
contract ProbeClient is FunctionsClient {
    bytes public s_lastResponse;

    constructor(address router) FunctionsClient(router) {}

    function fulfillRequest(bytes32, bytes memory response, bytes memory) internal override {
        s_lastResponse = response;
    }
}

/// @notice Proves the toolchain builds Chainlink's real Functions contracts (solc 0.8.19 from npm)
/// and that the client only accepts the router it was built with.
contract FunctionsToolchainTest is Test {
    FunctionsRouter internal router;
    ProbeClient internal client;

    function setUp() public {
        FunctionsRouter.Config memory config = FunctionsRouter.Config({
            maxConsumersPerSubscription: 100,
            adminFee: 0,
            handleOracleFulfillmentSelector: FunctionsClient.handleOracleFulfillment.selector,
            gasForCallExactCheck: 5_000,
            maxCallbackGasLimits: new uint32[](0),
            subscriptionDepositMinimumRequests: 0,
            subscriptionDepositJuels: 0
        });
        router = new FunctionsRouter(address(0x1111), config);
        client = new ProbeClient(address(router));
    }

    function test_RouterIsDeployedWithItsConfig() public view {
        assertEq(router.getConfig().handleOracleFulfillmentSelector, FunctionsClient.handleOracleFulfillment.selector);
        assertEq(router.typeAndVersion(), "Functions Router v1.0.0");
    }

    function test_RevertWhen_CallerIsNotRouter() public {
        vm.expectRevert(FunctionsClient.OnlyRouterCanFulfill.selector);
        client.handleOracleFulfillment(bytes32(uint256(1)), "x", "");
    }

    function test_RouterCanFulfill() public {
        vm.prank(address(router));
        client.handleOracleFulfillment(bytes32(uint256(1)), "answer", "");
        assertEq(client.s_lastResponse(), bytes("answer"));
        // FunctionsResponse is the router's result enum; importing it proves the library path resolves.
        assertEq(uint8(FunctionsResponse.FulfillResult.FULFILLED), 0);
    }
}
