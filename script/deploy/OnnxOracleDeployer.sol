// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {ModelRegistry} from "../../contracts/ModelRegistry.sol";
import {ClaimsInsurance} from "../../contracts/examples/ClaimsInsurance.sol";
import {RiskPricing} from "../../contracts/examples/RiskPricing.sol";

/// @title OnnxOracleDeployer
/// @notice Deploys the project's contracts: the ModelRegistry behind an ERC-1967 (UUPS) proxy and the
/// ClaimsInsurance and RiskPricing examples, configured for a Functions router, DON and subscription.
/// @dev The single place this logic lives: `script/Deploy.s.sol` and the forge tests both call it.
library OnnxOracleDeployer {
    /// @notice How the ClaimsInsurance consumer is configured.
    struct ConsumerParams {
        address router;
        bytes32 donId;
        uint64 subscriptionId;
        uint32 callbackGasLimit;
        address registry;
        uint8 threshold;
        uint32 tolerance;
        uint32 maxResultAge;
        string source;
        uint16 premiumBps;
        uint16[] payoutRatioBps;
    }

    /// @notice Deploys the registry implementation and its proxy, initialised with `admin`.
    function deployRegistry(address admin) internal returns (ModelRegistry registry, address implementation) {
        implementation = address(new ModelRegistry());
        ERC1967Proxy proxy =
            new ERC1967Proxy(implementation, abi.encodeCall(ModelRegistry.initialize, (admin)));
        return (ModelRegistry(address(proxy)), implementation);
    }

    /// @notice Deploys ClaimsInsurance and configures it; the caller owns it. An empty `source`
    /// leaves the source unset (set it later with `setSource`).
    function deployClaimsInsurance(ConsumerParams memory p) internal returns (ClaimsInsurance insurance) {
        insurance = new ClaimsInsurance(p.router);
        insurance.setRequestConfig(p.donId, p.subscriptionId, p.callbackGasLimit);
        insurance.setAcceptancePolicy(p.registry, p.threshold, p.tolerance, p.maxResultAge);
        if (bytes(p.source).length != 0) {
            insurance.setSource(p.source);
        }
        insurance.setTerms(p.premiumBps, p.payoutRatioBps);
        return insurance;
    }

    /// @notice Deploys RiskPricing (premium from `risk-v1`) with the same routing and acceptance
    /// settings as `p` (its `source` should be the tabular source); the caller owns it.
    function deployRiskPricing(ConsumerParams memory p, uint128 basePremium) internal returns (RiskPricing pricing) {
        pricing = new RiskPricing(p.router, basePremium);
        pricing.setRequestConfig(p.donId, p.subscriptionId, p.callbackGasLimit);
        pricing.setAcceptancePolicy(p.registry, p.threshold, p.tolerance, p.maxResultAge);
        if (bytes(p.source).length != 0) {
            pricing.setSource(p.source);
        }
        return pricing;
    }

    /// @notice The default payout table of `damage-v1`'s severity classes (none, minor, moderate,
    /// severe, total loss) in basis points of the coverage.
    function defaultPayoutRatios() internal pure returns (uint16[] memory ratios) {
        ratios = new uint16[](5);
        ratios[0] = 0;
        ratios[1] = 2_500;
        ratios[2] = 5_000;
        ratios[3] = 7_500;
        ratios[4] = 10_000;
        return ratios;
    }
}
