// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {InferenceOracle} from "../../contracts/oracles/InferenceOracle.sol";
import {ClaimsInsurance} from "../../contracts/examples/ClaimsInsurance.sol";
import {RiskPricing} from "../../contracts/examples/RiskPricing.sol";

/// @title ExamplesDeployer
/// @notice Deploys the example dApps on an inference oracle of any transport and allows them as the
/// oracle's clients. The caller must own the oracle; it owns the dApps.
/// @dev Used by `script/Deploy.s.sol` and the forge tests.
library ExamplesDeployer {
    /// @notice Deploys ClaimsInsurance on `oracle` with its terms.
    /// @param oracle The inference oracle (owned by the caller).
    /// @param premiumBps Premium rate, basis points of the coverage.
    /// @param payoutRatioBps Payout per severity class, basis points of the coverage.
    function deployClaimsInsurance(address oracle, uint16 premiumBps, uint16[] memory payoutRatioBps)
        internal
        returns (ClaimsInsurance insurance)
    {
        insurance = new ClaimsInsurance(oracle);
        insurance.setTerms(premiumBps, payoutRatioBps);
        InferenceOracle(oracle).setClient(address(insurance), true);
        return insurance;
    }

    /// @notice Deploys RiskPricing on `oracle`.
    /// @param oracle The inference oracle (owned by the caller).
    /// @param basePremium The premium at zero risk (wei).
    function deployRiskPricing(address oracle, uint128 basePremium) internal returns (RiskPricing pricing) {
        pricing = new RiskPricing(oracle, basePremium);
        InferenceOracle(oracle).setClient(address(pricing), true);
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
