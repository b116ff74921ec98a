// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {Vm} from "forge-std/Vm.sol";
import {InferenceOracle} from "../../contracts/oracles/InferenceOracle.sol";
import {ClaimsInsurance} from "../../contracts/examples/ClaimsInsurance.sol";
import {RiskPricing} from "../../contracts/examples/RiskPricing.sol";

/// @title ExamplesDeployer
/// @notice Deploys the example dApps on inference oracles of any transport and allows them as the
/// oracles' clients; reads `damage-v1`'s payout table from its manifest (the one source of the
/// table); checks that an oracle's settings can work for a dApp. The caller must own the oracles;
/// it owns the dApps.
/// @dev Used by `script/Deploy.s.sol` and the forge tests (it reads files through forge's cheatcodes,
/// so it runs only inside forge).
library ExamplesDeployer {
    Vm private constant VM = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    /// @notice damage-v1's manifest, relative to the project root (forge's fs_permissions allow it).
    string internal constant DAMAGE_MANIFEST = "adapter/models/damage-v1/manifest.json";

    /// @notice Thrown when the threshold is not a strict majority of the adapters, or exceeds them.
    error ThresholdNotAMajority(uint256 threshold, uint256 adapterCount);
    /// @notice Thrown when an oracle's callback gas limit is below what the dApp's callback needs.
    error CallbackGasBelowRequired(address oracle, uint256 callbackGasLimit, uint256 required);
    /// @notice Thrown when two dApps (or a dApp and its review oracle) would share one subscription.
    error SharedSubscription(uint64 subscriptionId);
    /// @notice Thrown when the manifest's payout table has an entry above 10,000 bps or of the wrong
    /// length.
    error InvalidManifestPayoutTable(uint256 length, uint256 labelCount);

    /// @notice Deploys ClaimsInsurance on `oracle` (and `reviewOracle` for disputes, zero for none)
    /// with `terms`, and allows it as the oracles' client.
    /// @param oracle The inference oracle that assesses claims (owned by the caller).
    /// @param reviewOracle A second oracle with another adapter set (owned by the caller), or zero.
    /// @param terms The insurer's first terms.
    function deployClaimsInsurance(address oracle, address reviewOracle, ClaimsInsurance.Terms memory terms)
        internal
        returns (ClaimsInsurance insurance)
    {
        insurance = new ClaimsInsurance(oracle, reviewOracle);
        insurance.setTerms(terms);
        InferenceOracle(oracle).setClient(address(insurance), true);
        if (reviewOracle != address(0)) {
            InferenceOracle(reviewOracle).setClient(address(insurance), true);
        }
        return insurance;
    }

    /// @notice Deploys ClaimsInsurance on `oracle` with no review oracle, and terms with no waiting
    /// period and no review (every accepted assessment pays at once): the oracle test suites' setup.
    /// @param oracle The inference oracle (owned by the caller).
    /// @param premiumBps Premium rate, basis points of the coverage.
    /// @param payoutRatioBps Payout per severity class, basis points of the coverage.
    function deployClaimsInsurance(address oracle, uint16 premiumBps, uint16[] memory payoutRatioBps)
        internal
        returns (ClaimsInsurance insurance)
    {
        return deployClaimsInsurance(oracle, address(0), immediateTerms(premiumBps, payoutRatioBps));
    }

    /// @notice Terms with no waiting period and no review window, a 1 gwei minimum coverage and no
    /// arbiter.
    function immediateTerms(uint16 premiumBps, uint16[] memory payoutRatioBps)
        internal
        pure
        returns (ClaimsInsurance.Terms memory)
    {
        return ClaimsInsurance.Terms({
            premiumBps: premiumBps,
            waitingPeriod: 0,
            reviewWindow: 0,
            reviewThreshold: 0,
            minCoverage: 1 gwei,
            arbiter: address(0),
            payoutRatioBps: payoutRatioBps
        });
    }

    /// @notice Deploys RiskPricing on `oracle` and allows it as the oracle's client.
    /// @param oracle The inference oracle (owned by the caller).
    /// @param basePremium The premium at zero risk (wei).
    function deployRiskPricing(address oracle, uint128 basePremium) internal returns (RiskPricing pricing) {
        pricing = new RiskPricing(oracle, basePremium);
        InferenceOracle(oracle).setClient(address(pricing), true);
        return pricing;
    }

    /// @notice damage-v1's payout table (basis points of the coverage per severity class) as its
    /// manifest states it (`outputs.payoutRatioBps`), checked against the manifest's labels.
    function damagePayoutTable() internal view returns (uint16[] memory table) {
        string memory json = VM.readFile(DAMAGE_MANIFEST);
        uint256[] memory raw = VM.parseJsonUintArray(json, ".outputs.payoutRatioBps");
        uint256 labels = VM.parseJsonStringArray(json, ".outputs.labels").length;
        if (raw.length != labels) {
            revert InvalidManifestPayoutTable(raw.length, labels);
        }
        table = new uint16[](raw.length);
        for (uint256 i = 0; i < raw.length; ++i) {
            if (raw[i] > 10_000) {
                revert InvalidManifestPayoutTable(raw.length, labels);
            }
            table[i] = uint16(raw[i]);
        }
        return table;
    }

    /// @notice The number of classes damage-v1's manifest lists (`outputs.labels`).
    function damageLabelCount() internal view returns (uint16) {
        return uint16(VM.parseJsonStringArray(VM.readFile(DAMAGE_MANIFEST), ".outputs.labels").length);
    }

    /// @notice Reverts unless `threshold` is a strict majority of `adapterCount` adapters and at most
    /// `adapterCount` (otherwise either a minority decides or no round can ever succeed).
    function checkThreshold(uint256 threshold, uint256 adapterCount) internal pure {
        if (threshold > adapterCount || threshold * 2 <= adapterCount) {
            revert ThresholdNotAMajority(threshold, adapterCount);
        }
    }

    /// @notice Reverts unless `oracle` gives its clients' callbacks at least `required` gas.
    function checkCallbackGas(address oracle, uint256 required) internal view {
        uint256 limit = InferenceOracle(oracle).callbackGasLimit();
        if (limit < required) {
            revert CallbackGasBelowRequired(oracle, limit, required);
        }
    }

    /// @notice Reverts when two of `subscriptionIds` are equal (each oracle bills its own).
    function checkSeparateSubscriptions(uint64[] memory subscriptionIds) internal pure {
        for (uint256 i = 0; i < subscriptionIds.length; ++i) {
            for (uint256 j = i + 1; j < subscriptionIds.length; ++j) {
                if (subscriptionIds[i] == subscriptionIds[j]) {
                    revert SharedSubscription(subscriptionIds[i]);
                }
            }
        }
    }
}
