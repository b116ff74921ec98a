// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {FunctionsRouter} from "@chainlink/contracts/src/v0.8/functions/v1_0_0/FunctionsRouter.sol";
import {FunctionsCoordinator} from "@chainlink/contracts/src/v0.8/functions/v1_3_0/FunctionsCoordinator.sol";
import {FunctionsBillingConfig} from "@chainlink/contracts/src/v0.8/functions/v1_3_0/interfaces/IFunctionsBilling.sol";
import {TermsOfServiceAllowList} from
    "@chainlink/contracts/src/v0.8/functions/v1_3_0/accessControl/TermsOfServiceAllowList.sol";
import {TermsOfServiceAllowListConfig} from
    "@chainlink/contracts/src/v0.8/functions/v1_3_0/accessControl/interfaces/ITermsOfServiceAllowList.sol";
import {LinkToken} from "@chainlink/contracts/src/v0.8/shared/token/ERC677/LinkToken.sol";
import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol";

/// @title LocalFunctionsDeployer
/// @notice Deploys Chainlink Functions on a local chain exactly as the real contracts need it: LINK
/// (the real ERC677 LinkToken), LINK/ETH and LINK/USD feeds (Chainlink's MockV3Aggregator: no
/// feeds exist locally), the v1_0_0 FunctionsRouter, the v1_3_0 FunctionsCoordinator with an OCR
/// config for the given DON, the v1_3_0 TermsOfServiceAllowList, and a funded subscription (more with
/// `addSubscription`: one per oracle, so that each dApp pays for its own requests).
/// @dev The single place this setup lives: `script/DeployLocalFunctions.s.sol` and the forge tests
/// both call `deploy`. Every contract is owned by the caller (`owner`): the broadcaster in a script,
/// the test contract in a test.
library LocalFunctionsDeployer {
    /// @notice The callback selector the router calls on clients (`handleOracleFulfillment`).
    bytes4 internal constant HANDLE_ORACLE_FULFILLMENT = 0x0ca76175;
    /// @notice 1 LINK in juels.
    uint96 internal constant JUELS_PER_LINK = 1e18;
    /// @notice LINK/ETH answer (18 decimals): 0.006 ETH per LINK.
    int256 internal constant LINK_ETH_RATE = 6_000_000_000_000_000;
    /// @notice LINK/USD answer (8 decimals): 15 USD per LINK.
    int256 internal constant LINK_USD_RATE = 1_500_000_000;
    /// @notice The largest callback gas limit the router allows (Chainlink Functions' 300,000).
    uint32 internal constant MAX_CALLBACK_GAS = 300_000;

    /// @notice What to deploy.
    /// @param owner The account that sends the deployment (owns everything, owns the subscription).
    /// @param signers The DON's OCR signer addresses (n of them).
    /// @param transmitters The DON's OCR transmitter addresses (n of them).
    /// @param f Faulty nodes tolerated; the Coordinator requires (n + f) / 2 + 1 signatures.
    /// @param tosSigner The key that signs Terms of Service acceptances for other accounts.
    /// @param donId The DON id routes are registered under, e.g. `bytes32("local-don")`.
    /// @param subscriptionFunding LINK (juels) minted to `owner` and put into each subscription.
    /// @param subscriptionCount Subscriptions to create (at least 1): one per oracle, so that each
    /// dApp pays for its own requests.
    struct Params {
        address owner;
        address[] signers;
        address[] transmitters;
        uint8 f;
        address tosSigner;
        bytes32 donId;
        uint96 subscriptionFunding;
        uint8 subscriptionCount;
    }

    /// @notice What was deployed.
    struct Deployment {
        LinkToken link;
        MockV3Aggregator linkNativeFeed;
        MockV3Aggregator linkUsdFeed;
        FunctionsRouter router;
        FunctionsCoordinator coordinator;
        TermsOfServiceAllowList allowList;
        bytes32 donId;
        uint64 subscriptionId;
        uint64[] subscriptionIds;
        bytes32 configDigest;
    }

    /// @notice Deploys and wires everything; see `Params`.
    function deploy(Params memory p) internal returns (Deployment memory d) {
        d.donId = p.donId;
        d.link = new LinkToken();
        d.linkNativeFeed = new MockV3Aggregator(18, LINK_ETH_RATE);
        d.linkUsdFeed = new MockV3Aggregator(8, LINK_USD_RATE);
        d.router = new FunctionsRouter(address(d.link), routerConfig());
        d.coordinator = new FunctionsCoordinator(
            address(d.router), billingConfig(), address(d.linkNativeFeed), address(d.linkUsdFeed)
        );
        d.coordinator.setConfig(p.signers, p.transmitters, p.f, "", 1, "");
        (,, d.configDigest) = d.coordinator.latestConfigDetails();

        address[] memory allowed = new address[](1);
        allowed[0] = p.owner;
        d.allowList = new TermsOfServiceAllowList(
            TermsOfServiceAllowListConfig({enabled: true, signerPublicKey: p.tosSigner}), allowed, new address[](0)
        );

        bytes32[] memory ids = new bytes32[](2);
        ids[0] = p.donId;
        ids[1] = d.router.getAllowListId();
        address[] memory addresses = new address[](2);
        addresses[0] = address(d.coordinator);
        addresses[1] = address(d.allowList);
        d.router.proposeContractsUpdate(ids, addresses);
        d.router.updateContracts();

        d.link.grantMintRole(p.owner);
        d.subscriptionIds = new uint64[](p.subscriptionCount == 0 ? 1 : p.subscriptionCount);
        for (uint256 i = 0; i < d.subscriptionIds.length; ++i) {
            d.subscriptionIds[i] = addSubscription(d, p.owner, p.subscriptionFunding);
        }
        d.subscriptionId = d.subscriptionIds[0];
        return d;
    }

    /// @notice Creates another subscription owned by `owner` (the caller, who must hold LINK's
    /// minter role: `deploy` grants it) and funds it with `funding` newly minted juels.
    function addSubscription(Deployment memory d, address owner, uint96 funding)
        internal
        returns (uint64 subscriptionId)
    {
        subscriptionId = d.router.createSubscription();
        d.link.mint(owner, funding);
        d.link.transferAndCall(address(d.router), funding, abi.encode(subscriptionId));
        return subscriptionId;
    }

    /// @notice Router configuration: no admin fee (required by the v1_3_0 Coordinator's commitment
    /// check), a 300,000 callback gas ceiling, no subscription deposit.
    function routerConfig() internal pure returns (FunctionsRouter.Config memory) {
        uint32[] memory maxCallbackGasLimits = new uint32[](1);
        maxCallbackGasLimits[0] = MAX_CALLBACK_GAS;
        return FunctionsRouter.Config({
            maxConsumersPerSubscription: 100,
            adminFee: 0,
            handleOracleFulfillmentSelector: HANDLE_ORACLE_FULFILLMENT,
            gasForCallExactCheck: 5_000,
            maxCallbackGasLimits: maxCallbackGasLimits,
            subscriptionDepositMinimumRequests: 0,
            subscriptionDepositJuels: 0
        });
    }

    /// @notice Billing configuration: the values of Chainlink's own Functions test setup.
    function billingConfig() internal pure returns (FunctionsBillingConfig memory) {
        return FunctionsBillingConfig({
            fulfillmentGasPriceOverEstimationBP: 5_000,
            feedStalenessSeconds: 24 hours,
            gasOverheadBeforeCallback: 105_000,
            gasOverheadAfterCallback: 93_942,
            minimumEstimateGasPriceWei: 1 gwei,
            maxSupportedRequestDataVersion: 1,
            fallbackUsdPerUnitLink: 1_400_000_000,
            fallbackUsdPerUnitLinkDecimals: 8,
            fallbackNativePerUnitLink: 5_000_000_000_000_000,
            requestTimeoutSeconds: 5 minutes,
            donFeeCentsUsd: 100,
            operationFeeCentsUsd: 100
        });
    }
}
