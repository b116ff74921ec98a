// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {Vm} from "forge-std/Vm.sol";
import {OnnxOracleDeployer} from "../../../script/deploy/OnnxOracleDeployer.sol";
import {ExamplesDeployer} from "../../../script/deploy/ExamplesDeployer.sol";
import {IModelRegistry} from "../../../contracts/interfaces/IModelRegistry.sol";
import {IInferenceOracleEvents} from "../../../contracts/interfaces/IInferenceOracle.sol";
import {IClaimsInsuranceEvents} from "../../../contracts/interfaces/IClaimsInsurance.sol";
import {InferenceOracle} from "../../../contracts/oracles/InferenceOracle.sol";
import {ClaimsInsurance} from "../../../contracts/examples/ClaimsInsurance.sol";
import {InferenceResult} from "../../../contracts/libraries/InferenceResult.sol";
import {RegistryFixture} from "./RegistryFixture.sol";

/// @notice Base of the forge tests that run a dApp on an inference oracle over a real transport:
/// the ModelRegistry (behind its proxy) with `damage-v1` and `risk-v1` approved, an oracle of the
/// transport under test, and ClaimsInsurance on it with a funded pool (damage-v1's manifest payout
/// table, no waiting period, no review window: an accepted severe assessment pays at once). A transport base
/// (`FunctionsDonTest`, `CreDonTest`) deploys its Chainlink contracts and answers requests through
/// them; suites written against this base run on every transport.
abstract contract InferenceTestBase is RegistryFixture, IInferenceOracleEvents, IClaimsInsuranceEvents {
    bytes32 internal constant DAMAGE = bytes32("damage-v1");
    bytes32 internal constant RISK = bytes32("risk-v1");
    uint8 internal constant THRESHOLD = 2;
    uint32 internal constant MAX_AGE = 1 hours;
    uint32 internal constant CALLBACK_GAS = 200_000;
    uint16 internal constant PREMIUM_BPS = 500;
    uint128 internal constant COVERAGE = 10 ether;
    /// damage-v1's classes (manifest): none, minor, moderate, severe.
    uint256 internal constant SEVERE = 3;
    uint256 internal constant MODERATE = 2;
    uint256 internal constant MINOR = 1;
    uint32 internal constant TERM = 30 days;
    uint256 internal constant POOL_FUNDING = 100 ether;
    uint256 internal constant START_TIME = 1_750_000_000;
    string internal constant PHOTO_URI = "ipfs://bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";

    address internal HOLDER = makeAddr("holder");

    bytes32 internal MODEL_HASH = sha256("damage-v1 model.onnx");
    bytes32 internal RISK_HASH = sha256("risk-v1 model.onnx");
    bytes32 internal PHOTO_SHA = sha256("photo of a dented car door");

    InferenceOracle internal oracle;
    ClaimsInsurance internal insurance;

    function setUp() public virtual {
        vm.warp(START_TIME);
        _deployRegistry();
        _register(DAMAGE, MODEL_HASH);
        _register(RISK, RISK_HASH);

        _deployTransport();
        oracle = _newOracle(0);
        // damage-v1's own payout table, read from its manifest: [0, 2500, 6000, 10000] bps.
        insurance = ExamplesDeployer.deployClaimsInsurance(
            address(oracle), PREMIUM_BPS, ExamplesDeployer.damagePayoutTable()
        );
        insurance.fundPool{value: POOL_FUNDING}();
        vm.deal(HOLDER, 100 ether);
    }

    // ------------------------------------------------------------ what a transport provides

    /// @dev Deploys the transport's Chainlink contracts.
    function _deployTransport() internal virtual;

    /// @dev Deploys an oracle on the transport (owned by this test) with the default policy.
    function _newOracle(uint32 tolerance) internal virtual returns (InferenceOracle);

    /// @dev Remembers what answering `requestId` needs, from the logs of its request transaction.
    function _noteRequest(bytes32 requestId, Vm.Log[] memory logs) internal virtual;

    /// @dev Delivers `response` (InferenceResult bytes) for `requestId` through the transport's full
    /// path, authenticated as the oracle network would (DON signatures).
    function _answer(bytes32 requestId, bytes memory response) internal virtual;

    /// @dev Delivers `response` for `requestId` as the transport's trusted caller, without the
    /// transport's own bookkeeping in front (a replay, or an id it never saw).
    function _answerDirectly(bytes32 requestId, bytes memory response) internal virtual;

    /// @dev The address the oracle sees delivering answers (router, forwarder).
    function _transportCaller() internal view virtual returns (address);

    /// @dev Whether a result of the wrong length settles its request (Functions: the response is the
    /// result, so yes) or is refused before reaching it (CRE: the payload's length is wrong, so its
    /// request fields cannot be trusted; the request stays pending).
    function _wrongLengthSettles() internal pure virtual returns (bool);

    // ------------------------------------------------------------ shared helpers

    function _oracleParams(uint32 tolerance) internal view returns (OnnxOracleDeployer.OracleParams memory) {
        return OnnxOracleDeployer.OracleParams({
            registry: address(registry),
            threshold: THRESHOLD,
            tolerance: tolerance,
            maxResultAge: MAX_AGE,
            callbackGasLimit: CALLBACK_GAS,
            requestFee: 0
        });
    }

    /// @dev Replaces `insurance` with a ClaimsInsurance on `oracle` (damage-v1's payout table, no waiting
    /// period) whose payouts above `reviewThreshold` wait `reviewWindow` for a dispute, decided by
    /// `reviewOracle` or by `arbiter`; funds its pool with POOL_FUNDING.
    function _deployInsuranceWithReview(
        InferenceOracle reviewOracle,
        uint32 reviewWindow,
        uint96 reviewThreshold,
        address arbiter
    ) internal {
        ClaimsInsurance.Terms memory terms =
            ExamplesDeployer.immediateTerms(PREMIUM_BPS, ExamplesDeployer.damagePayoutTable());
        terms.reviewWindow = reviewWindow;
        terms.reviewThreshold = reviewThreshold;
        terms.arbiter = arbiter;
        insurance = ExamplesDeployer.deployClaimsInsurance(address(oracle), address(reviewOracle), terms);
        insurance.fundPool{value: POOL_FUNDING}();
    }

    function _proposeOnly(bytes32 modelId, bytes32 modelHash) internal {
        IModelRegistry.Proposal memory proposal = _proposal(modelId, modelHash);
        vm.prank(PROPOSER);
        registry.propose(proposal);
    }

    function _register(bytes32 modelId, bytes32 modelHash) internal {
        _proposeOnly(modelId, modelHash);
        vm.prank(APPROVER);
        registry.approve(modelId, modelHash);
    }

    function _proposal(bytes32 modelId, bytes32 modelHash)
        internal
        view
        returns (IModelRegistry.Proposal memory)
    {
        // damage-v1's classes as its manifest lists them; risk-v1's result is a scalar.
        return _versionOneProposal(
            modelId, modelHash, modelId == DAMAGE ? ExamplesDeployer.damageLabelCount() : 0, bytes32(0)
        );
    }

    /// @dev Retires damage-v1's active version (MODEL_HASH) under the registry's two-person rule:
    /// SECOND_APPROVER proposes revoking it (`revoke`) or deprecating it, APPROVER confirms.
    function _retireDamageModel(bool revoke) internal {
        vm.prank(SECOND_APPROVER);
        if (revoke) {
            registry.proposeRevocation(DAMAGE, MODEL_HASH);
        } else {
            registry.proposeDeprecation(DAMAGE, MODEL_HASH);
        }
        vm.prank(APPROVER);
        if (revoke) {
            registry.revoke(DAMAGE, MODEL_HASH);
        } else {
            registry.deprecate(DAMAGE, MODEL_HASH);
        }
    }

    /// @dev HOLDER buys a policy of COVERAGE for TERM at its premium; returns the policy.
    function _buyPolicy() internal returns (uint256 policyId) {
        uint256 premium = insurance.premiumFor(COVERAGE);
        vm.prank(HOLDER);
        return insurance.buyPolicy{value: premium}(COVERAGE, TERM);
    }

    /// @dev Buys a policy for HOLDER and files its claim with the photo PHOTO_SHA (a photo backs one
    /// claim only); returns the claim and its request id.
    function _buyAndClaim() internal returns (uint256 claimId, bytes32 requestId) {
        return _buyAndClaim(PHOTO_SHA);
    }

    /// @dev Like `_buyAndClaim()` with the photo `photoSha`.
    function _buyAndClaim(bytes32 photoSha) internal returns (uint256 claimId, bytes32 requestId) {
        return _buyAndClaim(photoSha, new address[](0), "");
    }

    /// @dev Like `_buyAndClaim()`, for the gas tests: `cold` is made cold (`_cool`) right before the
    /// claim is filed, and the claim's gas is recorded in snapshots/ClaimsInsurance.json as `gasName`.
    function _buyAndClaimMeasured(address[] memory cold, string memory gasName) internal returns (bytes32 requestId) {
        (, requestId) = _buyAndClaim(PHOTO_SHA, cold, gasName);
        return requestId;
    }

    function _buyAndClaim(bytes32 photoSha, address[] memory cold, string memory gasName)
        private
        returns (uint256 claimId, bytes32 requestId)
    {
        uint256 policyId = _buyPolicy();
        _cool(cold);
        return _fileClaim(HOLDER, policyId, photoSha, gasName);
    }

    /// @dev `who` files the claim of `policyId` with the photo `photoSha`; returns the claim and its
    /// request id.
    function _fileClaim(address who, uint256 policyId, bytes32 photoSha)
        internal
        returns (uint256 claimId, bytes32 requestId)
    {
        return _fileClaim(who, policyId, photoSha, "");
    }

    /// @dev Like `_fileClaim(who, policyId, photoSha)`, recording the claim's gas in
    /// snapshots/ClaimsInsurance.json as `gasName` unless that is empty.
    function _fileClaim(address who, uint256 policyId, bytes32 photoSha, string memory gasName)
        private
        returns (uint256 claimId, bytes32 requestId)
    {
        vm.recordLogs();
        vm.prank(who);
        claimId = insurance.fileClaim(policyId, PHOTO_URI, photoSha);
        if (bytes(gasName).length != 0) {
            vm.snapshotGasLastCall("ClaimsInsurance", gasName);
        }
        requestId = insurance.getClaim(claimId).requestId;
        _noteRequest(requestId, vm.getRecordedLogs());
        return (claimId, requestId);
    }

    /// @dev Retries a claim as HOLDER; returns the new request id.
    function _retry(uint256 claimId) internal returns (bytes32 requestId) {
        vm.recordLogs();
        vm.prank(HOLDER);
        insurance.retryClaim(claimId, PHOTO_URI);
        requestId = insurance.getClaim(claimId).requestId;
        _noteRequest(requestId, vm.getRecordedLogs());
        return requestId;
    }

    /// @dev A well-formed result that fails a check (another input hash): it settles its request
    /// as rejected on every transport.
    function _rejectable() internal view returns (bytes memory) {
        InferenceResult.Data memory r = _result(4);
        r.inputHash = sha256("not the photo that was filed");
        return InferenceResult.encode(r);
    }

    function _result(uint256 severity) internal view returns (InferenceResult.Data memory) {
        return InferenceResult.Data({
            result: severity,
            modelHash: MODEL_HASH,
            inputHash: PHOTO_SHA,
            responded: 3,
            agreed: 3,
            observedAt: uint64(block.timestamp)
        });
    }

    /// @dev The `InferenceRequested` event in `logs` (fails the test if there is none).
    function _requestedEvent(Vm.Log[] memory logs)
        internal
        pure
        returns (bytes32 requestId, bytes32 modelId, address client, bytes32 inputHash)
    {
        Vm.Log memory log = _requestedLog(logs);
        (, inputHash,,,) = abi.decode(log.data, (bytes32, bytes32, string, uint8, uint32));
        return (log.topics[1], log.topics[2], address(uint160(uint256(log.topics[3]))), inputHash);
    }

    /// @dev The `InferenceRequested` log in `logs`; its emitter is the oracle that was asked.
    function _requestedLog(Vm.Log[] memory logs) internal pure returns (Vm.Log memory) {
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].topics[0] == InferenceRequested.selector) {
                return logs[i];
            }
        }
        revert("no InferenceRequested");
    }

    /// @dev Makes every account and slot of `targets` cold, as at the start of a transaction (a test
    /// runs as one transaction, so gas figures would otherwise count warm access).
    function _cool(address[] memory targets) internal {
        for (uint256 i = 0; i < targets.length; ++i) {
            vm.cool(targets[i]);
        }
    }

    /// @dev Whether `needle` occurs in `haystack`.
    function _contains(bytes memory haystack, bytes memory needle) internal pure returns (bool) {
        if (needle.length > haystack.length) {
            return false;
        }
        for (uint256 i = 0; i <= haystack.length - needle.length; ++i) {
            bool found = true;
            for (uint256 j = 0; j < needle.length; ++j) {
                if (haystack[i + j] != needle[j]) {
                    found = false;
                    break;
                }
            }
            if (found) {
                return true;
            }
        }
        return false;
    }
}
