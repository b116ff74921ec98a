// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {ClaimsInsurance} from "../../contracts/examples/ClaimsInsurance.sol";
import {InferenceClient} from "../../contracts/InferenceClient.sol";
import {IInferenceOracle} from "../../contracts/interfaces/IInferenceOracle.sol";
import {IModelRegistry} from "../../contracts/interfaces/IModelRegistry.sol";
import {FunctionsInferenceOracle} from "../../contracts/oracles/FunctionsInferenceOracle.sol";
import {InferenceOracle} from "../../contracts/oracles/InferenceOracle.sol";
import {InferenceResult} from "../../contracts/libraries/InferenceResult.sol";
import {ExamplesDeployer} from "../../script/deploy/ExamplesDeployer.sol";
import {InferenceTestBase} from "./helpers/InferenceTestBase.sol";
import {FunctionsDonTest} from "./helpers/FunctionsDonTest.sol";
import {CreDonTest} from "./helpers/CreDonTest.sol";

/// @dev A policyholder contract that refuses plain transfers: its payouts must be credited instead.
contract RefusingHolder {
    function buy(ClaimsInsurance insurance, uint128 coverage, uint32 term)
        external
        payable
        returns (uint256)
    {
        return insurance.buyPolicy{value: msg.value}(coverage, term);
    }

    function claim(ClaimsInsurance insurance, uint256 policyId, string calldata uri, bytes32 sha)
        external
        returns (uint256)
    {
        return insurance.fileClaim(policyId, uri, sha);
    }
}

/// @notice The insurance flow, written once and run on each transport: the dApp's code does not
/// change with the oracle it is deployed on. The payout table is damage-v1's, read from its manifest.
abstract contract ClaimsInsuranceFlow is InferenceTestBase {
    function test_PaysCoverageTimesRatioOfTheAssessedSeverity() public {
        (uint256 claimId, bytes32 requestId) = _buyAndClaim();
        uint256 before = HOLDER.balance;
        uint256 pool = insurance.pool();
        vm.expectEmit(true, false, false, true, address(insurance));
        emit ClaimSettled(claimId, SEVERE, COVERAGE);
        _answer(requestId, InferenceResult.encode(_result(SEVERE)));
        assertEq(HOLDER.balance - before, COVERAGE, "severe damage pays the full coverage");
        assertEq(pool - insurance.pool(), COVERAGE);
        ClaimsInsurance.Claim memory c = insurance.getClaim(claimId);
        assertEq(uint8(c.status), uint8(ClaimsInsurance.ClaimStatus.Settled));
        assertEq(c.payout, COVERAGE);
        assertEq(c.severity, SEVERE);
        assertEq(insurance.totalPaid(), COVERAGE);
        assertEq(insurance.reserved(), 0, "the claim's reservation is released");
    }

    function test_NoDamagePaysNothingAndSettles() public {
        (uint256 claimId, bytes32 requestId) = _buyAndClaim();
        uint256 before = HOLDER.balance;
        _answer(requestId, InferenceResult.encode(_result(0)));
        assertEq(HOLDER.balance, before);
        assertEq(uint8(insurance.getClaim(claimId).status), uint8(ClaimsInsurance.ClaimStatus.Settled));
        assertEq(insurance.reserved(), 0);
    }

    function test_SeverityOutsideTheTablePaysNothing() public {
        (uint256 claimId, bytes32 requestId) = _buyAndClaim();
        uint256 pool = insurance.pool();
        _answer(requestId, InferenceResult.encode(_result(4)));
        assertEq(insurance.pool(), pool);
        assertEq(insurance.getClaim(claimId).payout, 0);
    }

    function test_CreditsPayoutWhenHolderRefusesTransfers() public {
        RefusingHolder holder = new RefusingHolder();
        uint256 policyId = holder.buy{value: insurance.premiumFor(COVERAGE)}(insurance, COVERAGE, TERM);
        vm.recordLogs();
        uint256 claimId = holder.claim(insurance, policyId, PHOTO_URI, PHOTO_SHA);
        bytes32 requestId = insurance.getClaim(claimId).requestId;
        _noteRequest(requestId, vm.getRecordedLogs());
        _answer(requestId, InferenceResult.encode(_result(MODERATE)));
        uint256 moderate = (uint256(COVERAGE) * 6_000) / 10_000;
        assertEq(insurance.owed(address(holder)), moderate);
        assertEq(insurance.totalOwed(), moderate);
        assertEq(address(holder).balance, 0);
    }

    function test_RetryAfterRejectionThenPays() public {
        (uint256 claimId, bytes32 requestId) = _buyAndClaim();
        InferenceResult.Data memory wrong = _result(SEVERE);
        wrong.inputHash = sha256("another photo");
        vm.expectEmit(true, false, false, true, address(insurance));
        emit ClaimRejected(claimId, RejectReason.InputHashMismatch);
        _answer(requestId, InferenceResult.encode(wrong));
        assertEq(uint8(insurance.getClaim(claimId).status), uint8(ClaimsInsurance.ClaimStatus.Rejected));
        bytes32 retry = _retry(claimId);
        assertTrue(retry != requestId);
        assertEq(insurance.getClaim(claimId).attempts, 2);
        uint256 before = HOLDER.balance;
        _answer(retry, InferenceResult.encode(_result(MINOR)));
        assertEq(HOLDER.balance - before, COVERAGE / 4);
    }

    function test_LateAnswerToASupersededRequestIsIgnored() public {
        (uint256 claimId, bytes32 requestId) = _buyAndClaim();
        vm.warp(block.timestamp + insurance.REQUEST_TIMEOUT() + 1);
        bytes32 retry = _retry(claimId);
        // The first request is still pending at the oracle and is answered late.
        _answer(requestId, InferenceResult.encode(_result(SEVERE)));
        assertEq(uint8(insurance.getClaim(claimId).status), uint8(ClaimsInsurance.ClaimStatus.Pending));
        assertEq(insurance.totalPaid(), 0);
        _answer(retry, InferenceResult.encode(_result(MODERATE)));
        assertEq(insurance.totalPaid(), (uint256(COVERAGE) * 6_000) / 10_000);
    }

    function test_ClaimExpiresAfterMaxAttemptsAndReleasesItsReservation() public {
        (uint256 claimId, bytes32 requestId) = _buyAndClaim();
        assertEq(insurance.reserved(), COVERAGE);
        for (uint256 i = 1; i < insurance.MAX_ATTEMPTS(); ++i) {
            _answer(requestId, _rejectable());
            requestId = _retry(claimId);
        }
        _answer(requestId, _rejectable());
        vm.expectRevert(
            abi.encodeWithSelector(
                ClaimsInsurance.ClaimNotRetryable.selector, claimId, ClaimsInsurance.ClaimStatus.Rejected
            )
        );
        vm.prank(HOLDER);
        insurance.retryClaim(claimId, PHOTO_URI);
        vm.expectEmit(true, false, false, true, address(insurance));
        emit ReservationReleased(insurance.getClaim(claimId).policyId, COVERAGE);
        insurance.expireClaim(claimId);
        assertEq(uint8(insurance.getClaim(claimId).status), uint8(ClaimsInsurance.ClaimStatus.Expired));
        assertEq(insurance.reserved(), 0);
    }

    function test_ClaimExpiresAfterTheGracePeriod() public {
        (uint256 claimId, bytes32 requestId) = _buyAndClaim();
        _answer(requestId, _rejectable());
        vm.expectRevert(
            abi.encodeWithSelector(
                ClaimsInsurance.ClaimNotRetryable.selector, claimId, ClaimsInsurance.ClaimStatus.Rejected
            )
        );
        insurance.expireClaim(claimId);
        vm.warp(block.timestamp + TERM + insurance.CLAIM_GRACE() + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                ClaimsInsurance.ClaimNotRetryable.selector, claimId, ClaimsInsurance.ClaimStatus.Rejected
            )
        );
        vm.prank(HOLDER);
        insurance.retryClaim(claimId, PHOTO_URI);
        insurance.expireClaim(claimId);
        assertEq(uint8(insurance.getClaim(claimId).status), uint8(ClaimsInsurance.ClaimStatus.Expired));
    }

    function test_StrangerCannotBurnAttempts() public {
        (uint256 claimId, bytes32 requestId) = _buyAndClaim();
        _answer(requestId, _rejectable());
        address stranger = makeAddr("stranger");
        uint256 policyId = insurance.getClaim(claimId).policyId;
        vm.expectRevert(abi.encodeWithSelector(ClaimsInsurance.NotPolicyHolder.selector, policyId, stranger));
        vm.prank(stranger);
        insurance.retryClaim(claimId, "ipfs://not-the-photo");
        assertEq(insurance.getClaim(claimId).attempts, 1);
    }

    /// Whatever the coverage, severity and the insurer's attempt to empty the pool first, the holder
    /// receives exactly the table payout of the assessed severity.
    function testFuzz_EverySettledClaimIsPaidItsFullTablePayout(
        uint256 severity,
        uint128 coverage,
        uint256 withdrawal
    ) public {
        coverage = uint128(bound(coverage, 1 gwei, POOL_FUNDING));
        vm.deal(HOLDER, 100 ether);
        uint256 premium = insurance.premiumFor(coverage);
        vm.prank(HOLDER);
        uint256 policyId = insurance.buyPolicy{value: premium}(coverage, TERM);
        (, bytes32 requestId) = _fileClaim(HOLDER, policyId, PHOTO_SHA);
        // The insurer takes what it can; it can never reach what backs the policy.
        withdrawal = bound(withdrawal, 0, insurance.pool());
        if (withdrawal > insurance.freePool()) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    ClaimsInsurance.InsufficientPool.selector, insurance.freePool(), withdrawal
                )
            );
        }
        insurance.withdrawPool(payable(address(0xBEEF)), withdrawal);

        severity = bound(severity, 0, 5);
        uint16[] memory table = insurance.payoutRatios();
        uint256 expected = severity < table.length ? (uint256(coverage) * table[severity]) / 10_000 : 0;
        uint256 before = HOLDER.balance;
        uint256 pool = insurance.pool();
        _answer(requestId, InferenceResult.encode(_result(severity)));
        assertEq(HOLDER.balance - before, expected, "the full table payout");
        assertLe(expected, coverage, "never more than the coverage");
        assertEq(pool - insurance.pool(), expected, "pool decreases by the payout");
        assertEq(insurance.reserved(), 0);
    }
}

contract FunctionsClaimsInsuranceFlowTest is FunctionsDonTest, ClaimsInsuranceFlow {}

contract CreClaimsInsuranceFlowTest is CreDonTest, ClaimsInsuranceFlow {}

/// @notice Issue 13.1, over-committed pool: each policy reserves its largest payout at purchase, cover
/// the free pool cannot back is refused, and `withdrawPool` never touches reserved funds.
contract ClaimsInsurancePoolTest is CreDonTest {
    address internal BOB = makeAddr("bob");

    function _buy(address who, uint128 coverage) internal returns (uint256 policyId) {
        uint256 premium = insurance.premiumFor(coverage);
        vm.deal(who, who.balance + premium);
        vm.prank(who);
        return insurance.buyPolicy{value: premium}(coverage, TERM);
    }

    function _claim(address who, uint256 policyId, bytes32 photo) internal returns (bytes32 requestId) {
        (, requestId) = _fileClaim(who, policyId, photo);
        return requestId;
    }

    function _severe(bytes32 photo) internal view returns (bytes memory) {
        InferenceResult.Data memory r = _result(SEVERE);
        r.inputHash = photo;
        return InferenceResult.encode(r);
    }

    /// The review's numbers: a 100 ETH pool sold 100 ETH and then 105 ETH of cover, and the second
    /// severe claim was paid 35.25 ETH and Settled for good. Now the second sale is refused.
    function test_RevertWhen_CoverExceedsTheFreePool() public {
        assertEq(insurance.pool(), 100 ether);
        uint256 first = _buy(HOLDER, 100 ether);
        assertEq(insurance.reserved(), 100 ether, "the first policy reserves its severe payout");
        assertEq(insurance.freePool(), 5 ether, "only its premium is free");
        uint256 premium = insurance.premiumFor(105 ether);
        vm.deal(BOB, premium);
        vm.expectRevert(
            abi.encodeWithSelector(ClaimsInsurance.InsufficientPool.selector, 5 ether + premium, 105 ether)
        );
        vm.prank(BOB);
        insurance.buyPolicy{value: premium}(105 ether, TERM);

        // What was sold is paid in full.
        uint256 before = HOLDER.balance;
        _answer(_claim(HOLDER, first, PHOTO_SHA), _severe(PHOTO_SHA));
        assertEq(HOLDER.balance - before, 100 ether);
    }

    /// With a pool that backs both, two severe claims are both paid their full table payout.
    function test_TwoSevereClaimsOnABackedPoolArePaidInFull() public {
        insurance.fundPool{value: 100 ether}();
        uint256 first = _buy(HOLDER, 100 ether);
        uint256 second = _buy(BOB, 105 ether);
        assertEq(insurance.reserved(), 205 ether);
        bytes32 photoB = sha256("bob's photo");
        bytes32 a = _claim(HOLDER, first, PHOTO_SHA);
        bytes32 b = _claim(BOB, second, photoB);
        uint256 holderBefore = HOLDER.balance;
        uint256 bobBefore = BOB.balance;
        _answer(a, _severe(PHOTO_SHA));
        _answer(b, _severe(photoB));
        assertEq(HOLDER.balance - holderBefore, 100 ether);
        assertEq(BOB.balance - bobBefore, 105 ether);
        assertEq(insurance.reserved(), 0);
    }

    function test_RevertWhen_WithdrawingReservedFunds() public {
        _buy(HOLDER, 60 ether);
        uint256 free = insurance.freePool();
        assertEq(free, 100 ether + insurance.premiumFor(60 ether) - 60 ether);
        vm.expectRevert(abi.encodeWithSelector(ClaimsInsurance.InsufficientPool.selector, free, free + 1));
        insurance.withdrawPool(payable(address(0xBEEF)), free + 1);
        insurance.withdrawPool(payable(address(0xBEEF)), free);
        assertEq(insurance.pool(), insurance.reserved(), "everything left backs the policy");
    }

    function test_ReservationReleasedWhenThePolicyEndsUnclaimed() public {
        uint256 policyId = _buy(HOLDER, 10 ether);
        vm.expectRevert(
            abi.encodeWithSelector(
                ClaimsInsurance.ReservationInUse.selector,
                policyId,
                ClaimsInsurance.PolicyStatus.Active,
                block.timestamp + TERM
            )
        );
        insurance.releaseReservation(policyId);
        vm.warp(block.timestamp + TERM + 1);
        vm.expectEmit(true, false, false, true, address(insurance));
        emit ReservationReleased(policyId, 10 ether);
        insurance.releaseReservation(policyId);
        assertEq(insurance.reserved(), 0);
        assertEq(uint8(insurance.getPolicy(policyId).status), uint8(ClaimsInsurance.PolicyStatus.Closed));
        // Released once: a closed policy can neither be released again nor claimed.
        vm.expectRevert(
            abi.encodeWithSelector(
                ClaimsInsurance.ReservationInUse.selector,
                policyId,
                ClaimsInsurance.PolicyStatus.Closed,
                START_TIME + TERM
            )
        );
        insurance.releaseReservation(policyId);
    }

    function test_RevertWhen_ReleasingAClaimedPolicy() public {
        uint256 policyId = _buy(HOLDER, 10 ether);
        _claim(HOLDER, policyId, PHOTO_SHA);
        vm.warp(block.timestamp + TERM + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                ClaimsInsurance.ReservationInUse.selector,
                policyId,
                ClaimsInsurance.PolicyStatus.Claimed,
                START_TIME + TERM
            )
        );
        insurance.releaseReservation(policyId);
        assertEq(insurance.reserved(), 10 ether, "the open claim keeps its backing");
    }

    function testFuzz_SalesNeverReserveMoreThanThePool(uint128[6] memory coverages, uint256 withdrawal) public {
        for (uint256 i = 0; i < coverages.length; ++i) {
            uint128 coverage = uint128(bound(coverages[i], 1 gwei, 80 ether));
            uint256 premium = insurance.premiumFor(coverage);
            vm.deal(HOLDER, premium);
            uint256 free = insurance.freePool();
            vm.prank(HOLDER);
            try insurance.buyPolicy{value: premium}(coverage, TERM) {
                assertLe(coverage, free + premium, "sold only what the free pool backs");
            } catch {
                assertGt(coverage, free + premium, "refused only what it cannot back");
            }
            assertLe(insurance.reserved(), insurance.pool());
            assertEq(insurance.freePool() + insurance.reserved(), insurance.pool());
        }
        withdrawal = bound(withdrawal, 0, insurance.freePool());
        insurance.withdrawPool(payable(address(0xBEEF)), withdrawal);
        assertLe(insurance.reserved(), insurance.pool());
    }
}

/// @notice Issue 13.2, the claimant controls the evidence: a waiting period, one claim per photo.
contract ClaimsInsuranceEvidenceTest is CreDonTest {
    uint32 internal constant WAITING = 3 days;
    address internal BOB = makeAddr("bob");

    function setUp() public override {
        super.setUp();
        ClaimsInsurance.Terms memory terms =
            ExamplesDeployer.immediateTerms(PREMIUM_BPS, ExamplesDeployer.damagePayoutTable());
        terms.waitingPeriod = WAITING;
        insurance.setTerms(terms);
    }

    function _buy(address who) internal returns (uint256 policyId) {
        uint256 premium = insurance.premiumFor(COVERAGE);
        vm.deal(who, who.balance + premium);
        vm.prank(who);
        return insurance.buyPolicy{value: premium}(COVERAGE, TERM);
    }

    /// "Buy cover, claim at once": refused until the waiting period is over.
    function test_RevertWhen_ClaimingDuringTheWaitingPeriod() public {
        uint256 policyId = _buy(HOLDER);
        vm.warp(block.timestamp + WAITING - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                ClaimsInsurance.OutsideClaimPeriod.selector, policyId, START_TIME + WAITING, START_TIME + TERM
            )
        );
        vm.prank(HOLDER);
        insurance.fileClaim(policyId, PHOTO_URI, PHOTO_SHA);
        vm.warp(START_TIME + WAITING);
        vm.prank(HOLDER);
        insurance.fileClaim(policyId, PHOTO_URI, PHOTO_SHA);
    }

    /// "... repeat": the same photo cannot back a second claim, on any policy, of any holder.
    function test_RevertWhen_APhotoBacksASecondClaim() public {
        uint256 first = _buy(HOLDER);
        uint256 second = _buy(HOLDER);
        uint256 bobs = _buy(BOB);
        vm.warp(block.timestamp + WAITING);
        vm.prank(HOLDER);
        uint256 claimId = insurance.fileClaim(first, PHOTO_URI, PHOTO_SHA);
        assertEq(insurance.claimOfPhoto(PHOTO_SHA), claimId);
        vm.expectRevert(abi.encodeWithSelector(ClaimsInsurance.PhotoAlreadyUsed.selector, PHOTO_SHA, claimId));
        vm.prank(HOLDER);
        insurance.fileClaim(second, "https://elsewhere.example/same.png", PHOTO_SHA);
        vm.expectRevert(abi.encodeWithSelector(ClaimsInsurance.PhotoAlreadyUsed.selector, PHOTO_SHA, claimId));
        vm.prank(BOB);
        insurance.fileClaim(bobs, PHOTO_URI, PHOTO_SHA);
    }

    /// A rejected (then expired) claim's photo stays used: a rejection is no way to recycle evidence.
    function test_RevertWhen_AnExpiredClaimsPhotoIsReused() public {
        uint256 first = _buy(HOLDER);
        vm.warp(block.timestamp + WAITING);
        (uint256 claimId, bytes32 requestId) = _fileClaim(HOLDER, first, PHOTO_SHA);
        _answer(requestId, _rejectable());
        vm.warp(START_TIME + TERM + insurance.CLAIM_GRACE() + 1);
        insurance.expireClaim(claimId);
        // A new policy, past its own waiting period: only the photo stands in the way.
        uint256 second = _buy(HOLDER);
        vm.warp(block.timestamp + WAITING);
        vm.expectRevert(abi.encodeWithSelector(ClaimsInsurance.PhotoAlreadyUsed.selector, PHOTO_SHA, claimId));
        vm.prank(HOLDER);
        insurance.fileClaim(second, PHOTO_URI, PHOTO_SHA);
    }

    function test_RevertWhen_TheTermIsNotLongerThanTheWaitingPeriod() public {
        uint256 premium = insurance.premiumFor(COVERAGE);
        vm.expectRevert(
            abi.encodeWithSelector(ClaimsInsurance.InvalidTerm.selector, WAITING, WAITING, 365 days)
        );
        vm.prank(HOLDER);
        insurance.buyPolicy{value: premium}(COVERAGE, WAITING);
    }

    function test_RevertWhen_PhotoHashIsZero() public {
        uint256 policyId = _buy(HOLDER);
        vm.warp(block.timestamp + WAITING);
        vm.expectRevert(ClaimsInsurance.ZeroPhotoHash.selector);
        vm.prank(HOLDER);
        insurance.fileClaim(policyId, PHOTO_URI, bytes32(0));
    }
}

/// @notice Issue 13.2, review window: a payout above the insurer's threshold waits; the insurer may
/// dispute it with a bond on a second oracle (another adapter set) or before the terms' arbiter;
/// past the window, or when the dispute is not decided in time, the holder collects. Written once
/// and run on each transport.
abstract contract ClaimsInsuranceReview is InferenceTestBase {
    uint32 internal constant WINDOW = 2 days;
    uint96 internal constant REVIEW_ABOVE = 5 ether;
    address internal ARBITER = makeAddr("arbiter");

    InferenceOracle internal reviewOracle;

    function setUp() public virtual override {
        super.setUp();
        reviewOracle = _newOracle(0);
        _deployInsuranceWithReview(reviewOracle, WINDOW, REVIEW_ABOVE, ARBITER);
    }

    /// A severe claim (10 ETH, above the 5 ETH threshold) waiting in review.
    function _underReview() internal returns (uint256 claimId) {
        bytes32 requestId;
        (claimId, requestId) = _buyAndClaim();
        vm.expectEmit(true, false, false, true, address(insurance));
        emit ClaimUnderReview(claimId, SEVERE, COVERAGE, block.timestamp + WINDOW);
        _answer(requestId, InferenceResult.encode(_result(SEVERE)));
        assertEq(uint8(insurance.getClaim(claimId).status), uint8(ClaimsInsurance.ClaimStatus.UnderReview));
        return claimId;
    }

    function _disputeOnReviewOracle(uint256 claimId) internal returns (bytes32 requestId) {
        uint256 bond = insurance.disputeBond(claimId);
        vm.recordLogs();
        insurance.disputeClaim{value: bond}(claimId, DisputeRoute.ReviewOracle, PHOTO_URI);
        requestId = insurance.getClaim(claimId).requestId;
        _noteRequest(requestId, vm.getRecordedLogs());
        return requestId;
    }

    function test_PayoutAboveTheThresholdWaitsOutTheWindowThenTheHolderCollects() public {
        uint256 claimId = _underReview();
        uint256 before = HOLDER.balance;
        assertEq(insurance.reserved(), COVERAGE, "still backed while in review");
        vm.expectRevert(
            abi.encodeWithSelector(
                ClaimsInsurance.ClaimNotCollectable.selector,
                claimId,
                ClaimsInsurance.ClaimStatus.UnderReview,
                block.timestamp + WINDOW + 1
            )
        );
        insurance.collect(claimId);
        vm.warp(block.timestamp + WINDOW + 1);
        insurance.collect(claimId);
        assertEq(HOLDER.balance - before, COVERAGE);
        assertEq(uint8(insurance.getClaim(claimId).status), uint8(ClaimsInsurance.ClaimStatus.Settled));
        assertEq(insurance.reserved(), 0);
    }

    function test_PayoutAtOrBelowTheThresholdIsPaidAtOnce() public {
        (uint256 claimId, bytes32 requestId) = _buyAndClaim();
        uint256 before = HOLDER.balance;
        _answer(requestId, InferenceResult.encode(_result(MINOR)));
        assertEq(HOLDER.balance - before, COVERAGE / 4);
        assertEq(uint8(insurance.getClaim(claimId).status), uint8(ClaimsInsurance.ClaimStatus.Settled));
    }

    function test_InsurerWinsADisputeOnTheReviewOracle() public {
        uint256 claimId = _underReview();
        uint256 bond = insurance.disputeBond(claimId);
        assertEq(bond, COVERAGE / 10);
        bytes32 requestId = _disputeOnReviewOracle(claimId);
        assertEq(_requestedOracle(requestId), address(reviewOracle), "the review runs on the other oracle");
        assertEq(insurance.bonds(), bond);
        uint256 before = HOLDER.balance;
        uint256 pool = insurance.pool();
        vm.expectEmit(true, false, false, true, address(insurance));
        emit DisputeResolved(claimId, true, COVERAGE / 4, bond);
        _answer(requestId, InferenceResult.encode(_result(MINOR)));
        assertEq(HOLDER.balance - before, COVERAGE / 4, "the review's payout");
        assertEq(insurance.pool(), pool - COVERAGE / 4 + bond, "the bond returns to the pool");
        assertEq(insurance.bonds(), 0);
        assertEq(insurance.reserved(), 0);
    }

    /// @dev Puts a claim under review, has the insurer dispute it on the review oracle, answers the
    /// review round with `response`, and checks that the insurer lost: the holder gets the full payout
    /// and the bond. Returns the claim.
    function _insurerLosesTheReview(bytes memory response) internal returns (uint256 claimId) {
        claimId = _underReview();
        uint256 bond = insurance.disputeBond(claimId);
        bytes32 requestId = _disputeOnReviewOracle(claimId);
        uint256 before = HOLDER.balance;
        _answer(requestId, response);
        assertEq(HOLDER.balance - before, COVERAGE + bond, "the payout and the bond");
        return claimId;
    }

    function test_InsurerLosesADisputeOnTheReviewOracleAndForfeitsTheBond() public {
        _insurerLosesTheReview(InferenceResult.encode(_result(SEVERE)));
        assertEq(insurance.bonds(), 0);
    }

    function test_ARejectedReviewRoundLosesTheDispute() public {
        uint256 claimId = _insurerLosesTheReview(_rejectable());
        assertEq(uint8(insurance.getClaim(claimId).status), uint8(ClaimsInsurance.ClaimStatus.Settled));
    }

    function test_ArbiterDecidesADispute() public {
        uint256 claimId = _underReview();
        uint256 bond = insurance.disputeBond(claimId);
        insurance.disputeClaim{value: bond}(claimId, DisputeRoute.Arbiter, "");
        vm.expectRevert(abi.encodeWithSelector(ClaimsInsurance.NotArbiter.selector, address(this), ARBITER));
        insurance.resolveDispute(claimId, 0);
        uint256 before = HOLDER.balance;
        vm.prank(ARBITER);
        insurance.resolveDispute(claimId, MODERATE);
        assertEq(HOLDER.balance - before, (uint256(COVERAGE) * 6_000) / 10_000);
        assertEq(insurance.getClaim(claimId).severity, MODERATE);
    }

    function test_AnUndecidedDisputeTimesOutInTheHoldersFavour() public {
        uint256 claimId = _underReview();
        uint256 bond = insurance.disputeBond(claimId);
        insurance.disputeClaim{value: bond}(claimId, DisputeRoute.Arbiter, "");
        vm.warp(block.timestamp + insurance.DISPUTE_TIMEOUT());
        vm.expectRevert();
        insurance.collect(claimId);
        vm.warp(block.timestamp + 1);
        vm.expectRevert(); // too late for the arbiter
        vm.prank(ARBITER);
        insurance.resolveDispute(claimId, 0);
        uint256 before = HOLDER.balance;
        insurance.collect(claimId);
        assertEq(HOLDER.balance - before, COVERAGE + bond);
    }

    function test_RevertWhen_DisputingAfterTheWindow() public {
        uint256 claimId = _underReview();
        uint256 endsAt = block.timestamp + WINDOW;
        vm.warp(endsAt + 1);
        uint256 bond = insurance.disputeBond(claimId);
        vm.expectRevert(abi.encodeWithSelector(ClaimsInsurance.ReviewWindowClosed.selector, claimId, endsAt));
        insurance.disputeClaim{value: bond}(claimId, DisputeRoute.Arbiter, "");
    }

    function test_RevertWhen_DisputingWithoutTheBond() public {
        uint256 claimId = _underReview();
        uint256 bond = insurance.disputeBond(claimId);
        vm.expectRevert(abi.encodeWithSelector(ClaimsInsurance.WrongDisputeValue.selector, bond, 0));
        insurance.disputeClaim(claimId, DisputeRoute.Arbiter, "");
    }

    /// The insurer cannot sink the review round with a broken photo location.
    function test_RevertWhen_TheInsurerReviewsAnotherPhotoUri() public {
        uint256 claimId = _underReview();
        uint256 bond = insurance.disputeBond(claimId);
        vm.expectRevert(
            abi.encodeWithSelector(
                ClaimsInsurance.NotTheHoldersPhotoUri.selector, claimId, keccak256("https://broken.example/x")
            )
        );
        insurance.disputeClaim{value: bond}(claimId, DisputeRoute.ReviewOracle, "https://broken.example/x");
    }

    function test_RevertWhen_AStrangerDisputes() public {
        uint256 claimId = _underReview();
        vm.deal(HOLDER, 10 ether);
        vm.expectRevert("Only callable by owner");
        vm.prank(HOLDER);
        insurance.disputeClaim{value: 1 ether}(claimId, DisputeRoute.Arbiter, "");
    }

    function test_RevertWhen_TheMainOracleAnswersTheReviewRequest() public {
        uint256 claimId = _underReview();
        bytes32 requestId = _disputeOnReviewOracle(claimId);
        // Only the review oracle settles the review: the main oracle's callback for that id is ignored.
        vm.prank(address(oracle));
        insurance.onInferenceAccepted(requestId, DAMAGE, _result(MINOR));
        assertEq(uint8(insurance.getClaim(claimId).status), uint8(ClaimsInsurance.ClaimStatus.Disputed));
        vm.expectRevert(abi.encodeWithSelector(InferenceClient.CallerIsNotOracle.selector, address(this)));
        insurance.onInferenceAccepted(requestId, DAMAGE, _result(MINOR));
    }

    function _requestedOracle(bytes32 requestId) internal view virtual returns (address);
}

contract FunctionsClaimsInsuranceReviewTest is FunctionsDonTest, ClaimsInsuranceReview {
    function setUp() public override(InferenceTestBase, ClaimsInsuranceReview) {
        ClaimsInsuranceReview.setUp();
    }

    function _requestedOracle(bytes32 requestId) internal view override returns (address) {
        return s_sent[requestId].commitment.client;
    }
}

contract CreClaimsInsuranceReviewTest is CreDonTest, ClaimsInsuranceReview {
    function setUp() public override(InferenceTestBase, ClaimsInsuranceReview) {
        ClaimsInsuranceReview.setUp();
    }

    function _requestedOracle(bytes32 requestId) internal view override returns (address) {
        return s_asked[requestId].oracle;
    }
}

/// @notice Issue 13.3, one payout table: the manifest's, refused when it does not fit the registry's
/// label count for the active version.
contract ClaimsInsurancePayoutTableTest is CreDonTest {
    function test_DeployedTableIsTheManifests() public view {
        uint16[] memory table = insurance.payoutRatios();
        assertEq(table.length, 4);
        assertEq(table[0], 0);
        assertEq(table[1], 2_500);
        assertEq(table[2], 6_000);
        assertEq(table[3], 10_000);
        assertEq(registry.labelCountOf(DAMAGE, MODEL_HASH), 4);
    }

    /// The demo's figure: a severe claim on 1 ETH of cover pays 1.0 ETH.
    function test_SevereClaimOnOneEtherPaysOneEther() public {
        uint256 premium = insurance.premiumFor(1 ether);
        vm.prank(HOLDER);
        uint256 policyId = insurance.buyPolicy{value: premium}(1 ether, TERM);
        (, bytes32 requestId) = _fileClaim(HOLDER, policyId, PHOTO_SHA);
        uint256 before = HOLDER.balance;
        _answer(requestId, InferenceResult.encode(_result(SEVERE)));
        assertEq(HOLDER.balance - before, 1 ether);
    }

    /// The old deployer's five ratios [0, 2500, 5000, 7500, 10000] no longer fit damage-v1's four classes.
    function test_RevertWhen_TheTableLengthIsNotTheLabelCount() public {
        uint16[] memory five = new uint16[](5);
        (five[1], five[2], five[3], five[4]) = (2_500, 5_000, 7_500, 10_000);
        vm.expectRevert(abi.encodeWithSelector(ClaimsInsurance.PayoutTableMismatch.selector, MODEL_HASH, 5, 4));
        insurance.setTerms(ExamplesDeployer.immediateTerms(PREMIUM_BPS, five));
    }

    /// A new active version with another label count stops sales under the old table until the
    /// insurer sets a table that fits.
    function test_RevertWhen_SellingUnderATableTheActiveVersionNoLongerFits() public {
        bytes32 v2 = sha256("damage-v1 retrained with five classes");
        IModelRegistry.Proposal memory proposal = _proposal(DAMAGE, v2);
        proposal.labelCount = 5;
        vm.prank(PROPOSER);
        registry.propose(proposal);
        vm.prank(APPROVER);
        registry.approve(DAMAGE, v2);
        assertEq(registry.activeVersion(DAMAGE), v2);
        uint256 premium = insurance.premiumFor(COVERAGE);
        vm.expectRevert(abi.encodeWithSelector(ClaimsInsurance.PayoutTableMismatch.selector, v2, 4, 5));
        vm.prank(HOLDER);
        insurance.buyPolicy{value: premium}(COVERAGE, TERM);
    }

    function test_RevertWhen_BuyingBeforeTermsAreSet() public {
        ClaimsInsurance fresh = new ClaimsInsurance(address(oracle), address(0));
        vm.expectRevert(ClaimsInsurance.TermsNotSet.selector);
        fresh.buyPolicy(1 ether, TERM);
    }
}

/// @notice Issue 13.4, LINK drain: no free cover, and every request's fee is paid by whoever causes it.
contract ClaimsInsuranceLinkDrainTest is CreDonTest {
    uint96 internal constant FEE = 0.002 ether;

    /// Cover under 20 wei used to cost nothing at 5%; the premium now rounds up and cover has a floor.
    function test_PremiumRoundsUp() public view {
        assertEq(insurance.premiumFor(1), 1);
        assertEq(insurance.premiumFor(19), 1);
        assertEq(insurance.premiumFor(20), 1);
        assertEq(insurance.premiumFor(21), 2);
        assertEq(insurance.premiumFor(10 ether), 0.5 ether);
    }

    function test_RevertWhen_CoverIsBelowTheMinimum() public {
        uint256 min = insurance.getTerms(insurance.currentTermsId()).minCoverage;
        uint256 premium = insurance.premiumFor(min - 1);
        vm.expectRevert(
            abi.encodeWithSelector(ClaimsInsurance.InvalidCoverage.selector, min - 1, min, type(uint96).max)
        );
        vm.prank(HOLDER);
        insurance.buyPolicy{value: premium}(uint128(min - 1), TERM);
    }

    function testFuzz_NoCoverIsFree(uint128 coverage) public {
        uint256 min = insurance.getTerms(insurance.currentTermsId()).minCoverage;
        coverage = uint128(bound(coverage, min, POOL_FUNDING));
        uint256 premium = insurance.premiumFor(coverage);
        assertGt(premium, 0);
        assertGe(premium * 10_000, uint256(coverage) * PREMIUM_BPS, "never below the rate");
        vm.expectRevert(abi.encodeWithSelector(ClaimsInsurance.WrongPremium.selector, premium, 0));
        vm.prank(HOLDER);
        insurance.buyPolicy(coverage, TERM);
    }

    /// The claimant's request pays the oracle's fee; without it the oracle refuses the request.
    function test_RevertWhen_AClaimDoesNotPayTheRequestFee() public {
        oracle.setRequestFee(FEE);
        uint256 policyId = _buyPolicy();
        vm.startPrank(HOLDER);
        vm.expectRevert(abi.encodeWithSelector(IInferenceOracle.WrongRequestFee.selector, FEE, 0));
        insurance.fileClaim(policyId, PHOTO_URI, PHOTO_SHA);
        insurance.fileClaim{value: FEE}(policyId, PHOTO_URI, PHOTO_SHA);
        vm.stopPrank();
        assertEq(address(oracle).balance, FEE, "the holder paid for the request");
        assertEq(address(insurance).balance, insurance.pool(), "no fee lands in the pool");
    }

    /// The review round's fee is the insurer's: it is the one who causes it.
    function test_TheInsurerPaysTheReviewRoundFee() public {
        InferenceOracle reviewOracle = _newOracle(0);
        reviewOracle.setRequestFee(FEE);
        _deployInsuranceWithReview(reviewOracle, 1 days, 1 ether, address(0));
        (uint256 claimId, bytes32 requestId) = _buyAndClaim();
        _answer(requestId, InferenceResult.encode(_result(SEVERE)));
        uint256 bond = insurance.disputeBond(claimId);
        vm.expectRevert(abi.encodeWithSelector(ClaimsInsurance.WrongDisputeValue.selector, bond + FEE, bond));
        insurance.disputeClaim{value: bond}(claimId, DisputeRoute.ReviewOracle, PHOTO_URI);
        insurance.disputeClaim{value: bond + FEE}(claimId, DisputeRoute.ReviewOracle, PHOTO_URI);
        assertEq(address(reviewOracle).balance, FEE);
        assertEq(insurance.bonds(), bond);
    }
}

/// @notice Issue 13.5, insurer powers: retries use the holder's photo, terms changes apply to new
/// policies only, and the oracle must give the callback the gas the payout needs.
contract ClaimsInsuranceInsurerPowersTest is CreDonTest {
    function _rejectedClaim() internal returns (uint256 claimId) {
        bytes32 requestId;
        (claimId, requestId) = _buyAndClaim();
        _answer(requestId, _rejectable());
        return claimId;
    }

    /// The insurer retrying with a broken URL would burn the holder's attempts: refused.
    function test_RevertWhen_TheInsurerRetriesWithAnotherPhotoUri() public {
        uint256 claimId = _rejectedClaim();
        vm.expectRevert(
            abi.encodeWithSelector(
                ClaimsInsurance.NotTheHoldersPhotoUri.selector, claimId, keccak256("https://404.example/x")
            )
        );
        insurance.retryClaim(claimId, "https://404.example/x");
        assertEq(insurance.getClaim(claimId).attempts, 1, "no attempt burnt");
    }

    function test_TheInsurerRetriesWithTheHoldersPhotoUri() public {
        uint256 claimId = _rejectedClaim();
        insurance.retryClaim(claimId, PHOTO_URI);
        assertEq(insurance.getClaim(claimId).attempts, 2);
        assertEq(uint8(insurance.getClaim(claimId).status), uint8(ClaimsInsurance.ClaimStatus.Pending));
    }

    /// The holder may move the photo (same sha256); the insurer must then use the new location.
    function test_TheHolderRetriesFromANewLocation() public {
        uint256 claimId = _rejectedClaim();
        string memory moved = "https://photos.example/claims/dent.png";
        vm.recordLogs();
        vm.prank(HOLDER);
        insurance.retryClaim(claimId, moved);
        assertEq(insurance.getClaim(claimId).photoUriHash, keccak256(bytes(moved)));
        assertEq(insurance.getClaim(claimId).photoSha256, PHOTO_SHA, "the evidence itself is fixed");
        bytes32 requestId = insurance.getClaim(claimId).requestId;
        _noteRequest(requestId, vm.getRecordedLogs());
        _answer(requestId, _rejectable());
        vm.expectRevert(
            abi.encodeWithSelector(ClaimsInsurance.NotTheHoldersPhotoUri.selector, claimId, keccak256(bytes(PHOTO_URI)))
        );
        insurance.retryClaim(claimId, PHOTO_URI);
        insurance.retryClaim(claimId, moved);
    }

    /// New terms (a meaner table, a waiting period) do not reach a policy already sold.
    function test_TermsChangesApplyToNewPoliciesOnly() public {
        uint256 policyId = _buyPolicy();
        assertEq(insurance.getPolicy(policyId).termsId, 1);

        uint16[] memory mean = new uint16[](4);
        mean[3] = 1;
        ClaimsInsurance.Terms memory terms = ExamplesDeployer.immediateTerms(10_000, mean);
        terms.waitingPeriod = 30 days;
        vm.expectEmit(true, false, false, true, address(insurance));
        emit TermsSet(2, 10_000, mean, 30 days, 0, 0, 1 gwei, address(0));
        insurance.setTerms(terms);
        assertEq(insurance.premiumFor(COVERAGE), COVERAGE, "new policies pay the new rate");

        (, bytes32 requestId) = _fileClaim(HOLDER, policyId, PHOTO_SHA);
        uint256 before = HOLDER.balance;
        _answer(requestId, InferenceResult.encode(_result(SEVERE)));
        assertEq(HOLDER.balance - before, COVERAGE, "paid under the terms it was sold under");
    }

    /// A callback gas limit below what the payout needs is refused before any attempt is spent.
    function test_RevertWhen_TheOracleCallbackGasIsBelowWhatThePayoutNeeds() public {
        uint32 required = insurance.CALLBACK_GAS_REQUIRED();
        oracle.setCallbackGasLimit(required - 1);
        uint256 policyId = _buyPolicy();
        vm.startPrank(HOLDER);
        vm.expectRevert(
            abi.encodeWithSelector(ClaimsInsurance.OracleCallbackGasTooLow.selector, required - 1, required)
        );
        insurance.fileClaim(policyId, PHOTO_URI, PHOTO_SHA);
        vm.stopPrank();
    }

    function test_RevertWhen_TheArbiterIsTheInsurer() public {
        ClaimsInsurance.Terms memory terms =
            ExamplesDeployer.immediateTerms(PREMIUM_BPS, ExamplesDeployer.damagePayoutTable());
        terms.arbiter = address(this);
        vm.expectRevert(abi.encodeWithSelector(ClaimsInsurance.ArbiterIsInsurer.selector, address(this)));
        insurance.setTerms(terms);
    }

    function test_RevertWhen_TermsAreOutOfRange() public {
        uint16[] memory table = ExamplesDeployer.damagePayoutTable();
        ClaimsInsurance.Terms memory terms = ExamplesDeployer.immediateTerms(0, table);
        vm.expectRevert(abi.encodeWithSelector(ClaimsInsurance.InvalidPremiumBps.selector, 0));
        insurance.setTerms(terms);
        terms.premiumBps = 10_001;
        vm.expectRevert(abi.encodeWithSelector(ClaimsInsurance.InvalidPremiumBps.selector, 10_001));
        insurance.setTerms(terms);
        terms.premiumBps = PREMIUM_BPS;
        table[1] = 10_001;
        vm.expectRevert(abi.encodeWithSelector(ClaimsInsurance.InvalidPayoutRatio.selector, 1, 10_001));
        insurance.setTerms(terms);
        terms.payoutRatioBps = new uint16[](0);
        vm.expectRevert(abi.encodeWithSelector(ClaimsInsurance.InvalidPayoutTableLength.selector, 0, 16));
        insurance.setTerms(terms);
        terms.payoutRatioBps = new uint16[](17);
        vm.expectRevert(abi.encodeWithSelector(ClaimsInsurance.InvalidPayoutTableLength.selector, 17, 16));
        insurance.setTerms(terms);
        terms.payoutRatioBps = ExamplesDeployer.damagePayoutTable();
        terms.waitingPeriod = 90 days + 1;
        vm.expectRevert(
            abi.encodeWithSelector(ClaimsInsurance.InvalidWaitingPeriod.selector, 90 days + 1, 90 days)
        );
        insurance.setTerms(terms);
        terms.waitingPeriod = 0;
        terms.reviewWindow = 1 hours - 1;
        vm.expectRevert(
            abi.encodeWithSelector(ClaimsInsurance.InvalidReviewWindow.selector, 1 hours - 1, 1 hours, 30 days)
        );
        insurance.setTerms(terms);
        terms.reviewWindow = 0;
        terms.minCoverage = 0;
        vm.expectRevert(ClaimsInsurance.ZeroMinCoverage.selector);
        insurance.setTerms(terms);
    }

    function test_RevertWhen_AStrangerSetsTerms() public {
        ClaimsInsurance.Terms memory terms =
            ExamplesDeployer.immediateTerms(PREMIUM_BPS, ExamplesDeployer.damagePayoutTable());
        vm.expectRevert("Only callable by owner");
        vm.prank(HOLDER);
        insurance.setTerms(terms);
    }
}

/// @notice The dApp's own rules: policies and claims as holders use them (transport-independent;
/// run on the CRE oracle).
contract ClaimsInsuranceRulesTest is CreDonTest {
    function test_RevertWhen_ClaimingTwice() public {
        uint256 policyId = _buyPolicy();
        vm.startPrank(HOLDER);
        insurance.fileClaim(policyId, PHOTO_URI, PHOTO_SHA);
        bytes32 anotherPhoto = sha256("another photo");
        vm.expectRevert(abi.encodeWithSelector(ClaimsInsurance.AlreadyClaimed.selector, policyId));
        insurance.fileClaim(policyId, PHOTO_URI, anotherPhoto);
        vm.stopPrank();
    }

    function test_RevertWhen_ClaimingAfterTheTerm() public {
        uint256 policyId = _buyPolicy();
        vm.startPrank(HOLDER);
        uint256 start = block.timestamp;
        vm.warp(start + TERM + 1);
        vm.expectRevert(
            abi.encodeWithSelector(ClaimsInsurance.OutsideClaimPeriod.selector, policyId, start, start + TERM)
        );
        insurance.fileClaim(policyId, PHOTO_URI, PHOTO_SHA);
        vm.stopPrank();
    }

    function test_RevertWhen_StrangerClaims() public {
        uint256 policyId = _buyPolicy();
        vm.expectRevert(
            abi.encodeWithSelector(ClaimsInsurance.NotPolicyHolder.selector, policyId, address(this))
        );
        insurance.fileClaim(policyId, PHOTO_URI, PHOTO_SHA);
    }

    function test_RevertWhen_PremiumIsWrong() public {
        uint256 premium = insurance.premiumFor(COVERAGE);
        vm.expectRevert(abi.encodeWithSelector(ClaimsInsurance.WrongPremium.selector, premium, premium - 1));
        vm.prank(HOLDER);
        insurance.buyPolicy{value: premium - 1}(COVERAGE, TERM);
    }

    function test_RevertWhen_PhotoUriCouldBreakTheJson() public {
        uint256 policyId = _buyPolicy();
        vm.startPrank(HOLDER);
        vm.expectRevert(
            abi.encodeWithSelector(ClaimsInsurance.InvalidPhotoUriCharacter.selector, 8, bytes1('"'))
        );
        insurance.fileClaim(policyId, 'ipfs://x","url":"https://evil', PHOTO_SHA);
        vm.expectRevert(
            abi.encodeWithSelector(ClaimsInsurance.InvalidPhotoUriCharacter.selector, 4, bytes1(0x0a))
        );
        insurance.fileClaim(policyId, "http\nx", PHOTO_SHA);
        vm.expectRevert(abi.encodeWithSelector(ClaimsInsurance.InvalidPhotoUriLength.selector, 0, 256));
        insurance.fileClaim(policyId, "", PHOTO_SHA);
        vm.stopPrank();
    }

    function test_RevertWhen_StrangerWithdrawsPool() public {
        vm.prank(HOLDER);
        vm.expectRevert("Only callable by owner");
        insurance.withdrawPool(payable(HOLDER), 1);
    }

    function test_RevertWhen_WithdrawingWithNothingOwed() public {
        vm.expectRevert(abi.encodeWithSelector(ClaimsInsurance.NothingToWithdraw.selector, HOLDER));
        vm.prank(HOLDER);
        insurance.withdraw();
    }

    function test_GettersNameWhatUsersSee() public view {
        assertEq(insurance.pool(), POOL_FUNDING);
        assertEq(insurance.freePool(), POOL_FUNDING);
        assertEq(insurance.reserved(), 0);
        assertEq(insurance.premiumBps(), PREMIUM_BPS);
        assertEq(insurance.policyCount(), 0);
        assertEq(insurance.claimCount(), 0);
        assertEq(insurance.oracle(), address(oracle));
        assertEq(insurance.reviewOracle(), address(0));
        assertEq(insurance.currentTermsId(), 1);
        assertEq(insurance.payoutRatios().length, 4);
    }

    function test_RevertWhen_DeployedWithoutAnOracle() public {
        vm.expectRevert(InferenceClient.ZeroOracle.selector);
        new ClaimsInsurance(address(0), address(0));
    }
}

/// @notice Issue 13.5, callback gas derived from measurement: the costliest accept path (a payout
/// credited to a holder that refuses transfers, every slot cold, as in a real fulfilment) and the
/// costliest review path (a lost dispute: payout and bond credited) fit `CALLBACK_GAS_REQUIRED`, and
/// that constant is no wild guess (within 1.5x of the measurement). Through the oracle with exactly
/// that limit, the payout is delivered.
contract ClaimsInsuranceCallbackGasTest is CreDonTest {
    function _refusingClaim() internal returns (RefusingHolder holder, uint256 claimId, bytes32 requestId) {
        holder = new RefusingHolder();
        uint256 premium = insurance.premiumFor(COVERAGE);
        uint256 policyId = holder.buy{value: premium}(insurance, COVERAGE, TERM);
        vm.recordLogs();
        claimId = holder.claim(insurance, policyId, PHOTO_URI, PHOTO_SHA);
        requestId = insurance.getClaim(claimId).requestId;
        _noteRequest(requestId, vm.getRecordedLogs());
        return (holder, claimId, requestId);
    }

    function _measureAccept(address from, bytes32 requestId, uint256 severity) internal returns (uint256 used) {
        InferenceResult.Data memory r = _result(severity);
        vm.cool(address(insurance));
        vm.prank(from);
        uint256 start = gasleft();
        insurance.onInferenceAccepted(requestId, DAMAGE, r);
        used = start - gasleft();
    }

    function test_CallbackGasRequiredCoversTheCreditedPayout() public {
        (RefusingHolder holder,, bytes32 requestId) = _refusingClaim();
        uint256 used = _measureAccept(address(oracle), requestId, SEVERE);
        assertEq(insurance.owed(address(holder)), COVERAGE, "the costliest path ran");
        uint256 required = insurance.CALLBACK_GAS_REQUIRED();
        assertLe(used, required, "fits the requirement");
        assertGe(used * 3, required * 2, "the requirement is derived from the measurement (<= 1.5x)");
        vm.snapshotValue("ClaimsInsurance", "callback: accept + credited payout (cold)", used);
    }

    function test_CallbackGasRequiredCoversALostDispute() public {
        InferenceOracle reviewOracle = _newOracle(0);
        _deployInsuranceWithReview(reviewOracle, 1 days, 1 ether, address(0));
        (RefusingHolder holder, uint256 claimId, bytes32 requestId) = _refusingClaim();
        uint256 underReview = _measureAccept(address(oracle), requestId, SEVERE);
        uint256 bond = insurance.disputeBond(claimId);
        vm.recordLogs();
        insurance.disputeClaim{value: bond}(claimId, DisputeRoute.ReviewOracle, PHOTO_URI);
        bytes32 reviewId = insurance.getClaim(claimId).requestId;
        uint256 resolved = _measureAccept(address(reviewOracle), reviewId, SEVERE);
        assertEq(insurance.owed(address(holder)), COVERAGE + bond, "the costliest review path ran");
        uint256 required = insurance.CALLBACK_GAS_REQUIRED();
        assertLe(underReview, required);
        assertLe(resolved, required);
        vm.snapshotValue("ClaimsInsurance", "callback: accept into review (cold)", underReview);
        vm.snapshotValue("ClaimsInsurance", "callback: review resolves, payout + bond credited (cold)", resolved);
    }

    function test_AnOracleGivingExactlyTheRequiredGasDeliversThePayout() public {
        oracle.setCallbackGasLimit(insurance.CALLBACK_GAS_REQUIRED());
        (RefusingHolder holder,, bytes32 requestId) = _refusingClaim();
        vm.recordLogs();
        _answer(requestId, InferenceResult.encode(_result(SEVERE)));
        assertEq(insurance.owed(address(holder)), COVERAGE);
        assertEq(oracle.undelivered(requestId), bytes32(0), "nothing left for redelivery");
    }
}

/// @notice Gas of the Functions paths the issues budget, recorded in snapshots/ClaimsInsurance.json.
contract FunctionsClaimsInsuranceGasTest is FunctionsDonTest {
    /// The oracle's acceptance path plus the claim payout must fit in this much fulfilment gas.
    uint256 internal constant FULFILMENT_BUDGET = 120_000;

    function test_GasOfPurchase() public {
        uint256 premium = insurance.premiumFor(COVERAGE);
        _cool(_functionsAccounts());
        vm.prank(HOLDER);
        insurance.buyPolicy{value: premium}(COVERAGE, TERM);
        vm.snapshotGasLastCall("ClaimsInsurance", "buyPolicy (reserve + label-count check)");
    }

    function test_GasOfRequestAndFulfilment() public {
        bytes32 requestId = _buyAndClaimMeasured(_functionsAccounts(), "Functions: fileClaim (request)");
        uint256 used = _fulfilMeasured(
            requestId, InferenceResult.encode(_result(SEVERE)), "Functions: fulfillRequest, accept + payout"
        );
        assertLt(used, FULFILMENT_BUDGET, "acceptance + payout within the fulfilment budget");
        assertEq(insurance.totalPaid(), COVERAGE);
    }

    /// @dev The router's callback with `response` for `requestId`, the accounts it touches made cold
    /// first; returns its gas, recorded as `gasName`.
    function _fulfilMeasured(bytes32 requestId, bytes memory response, string memory gasName)
        internal
        returns (uint256 used)
    {
        _cool(_functionsAccounts());
        _answerDirectly(requestId, response);
        return vm.snapshotGasLastCall("ClaimsInsurance", gasName);
    }

    function _functionsAccounts() internal view returns (address[] memory accounts) {
        accounts = new address[](6);
        accounts[0] = address(fn.router);
        accounts[1] = address(fn.coordinator);
        accounts[2] = address(oracle);
        accounts[3] = address(insurance);
        accounts[4] = address(registry);
        (FunctionsInferenceOracle.Routing memory routing,,) =
            FunctionsInferenceOracle(address(oracle)).getRequestConfig();
        accounts[5] = routing.source;
        return accounts;
    }

    function test_GasOfRejectedFulfilment() public {
        (, bytes32 requestId) = _buyAndClaim();
        InferenceResult.Data memory r = _result(SEVERE);
        r.modelHash = sha256("unapproved");
        uint256 used = _fulfilMeasured(
            requestId, InferenceResult.encode(r), "Functions: fulfillRequest, reject (model not approved)"
        );
        assertLt(used, FULFILMENT_BUDGET);
    }

    function test_GasOfFullTransmit() public {
        (, bytes32 requestId) = _buyAndClaim();
        (bytes memory report, bytes32[3] memory context) =
            _report(s_sent[requestId], InferenceResult.encode(_result(SEVERE)), "");
        (bytes32[] memory rs, bytes32[] memory ss, bytes32 vs) =
            _sign(report, context, _signerKeys(REQUIRED_SIGNATURES));
        _cool(_functionsAccounts());
        vm.prank(s_transmitters[0], s_transmitters[0]);
        fn.coordinator.transmit(context, report, rs, ss, vs);
        vm.snapshotGasLastCall(
            "ClaimsInsurance", "Functions: coordinator.transmit (3 signatures, accept + payout)"
        );
        assertEq(insurance.totalPaid(), COVERAGE);
    }
}

/// @notice Gas of the CRE paths, recorded in snapshots/ClaimsInsurance.json. Goal (issue 11): report
/// delivery through the forwarder with f = 1, signature checks and the payout included, at most
/// 250,000 gas.
contract CreClaimsInsuranceGasTest is CreDonTest {
    uint256 internal constant DELIVERY_GAS_GOAL = 250_000;

    function test_GasOfRequestAndDelivery() public {
        bytes32 requestId = _buyAndClaimMeasured(_creAccounts(), "CRE: fileClaim (request)");
        uint256 used = _reportMeasured(
            _validPayload(requestId, _result(SEVERE)), "CRE: forwarder.report (2 signatures, accept + payout)"
        );
        assertEq(insurance.totalPaid(), COVERAGE);
        assertLe(used, DELIVERY_GAS_GOAL, "CRE delivery within 250,000 gas");
    }

    function _creAccounts() internal view returns (address[] memory accounts) {
        accounts = new address[](4);
        accounts[0] = address(forwarder);
        accounts[1] = address(oracle);
        accounts[2] = address(insurance);
        accounts[3] = address(registry);
        return accounts;
    }

    /// @dev `payload` reported to the oracle through the forwarder with f + 1 signatures, the accounts
    /// it touches made cold first; returns its gas, recorded as `gasName`.
    function _reportMeasured(bytes memory payload, string memory gasName) internal returns (uint256 used) {
        _forward(address(oracle), _header(), payload, _signerKeys(REQUIRED_SIGNATURES), _creAccounts());
        return vm.snapshotGasLastCall("ClaimsInsurance", gasName);
    }

    function test_GasOfRejectedReport() public {
        (, bytes32 requestId) = _buyAndClaim();
        InferenceResult.Data memory r = _result(SEVERE);
        r.modelHash = sha256("unapproved");
        uint256 used = _reportMeasured(
            _validPayload(requestId, r), "CRE: forwarder.report (2 signatures, reject: model not approved)"
        );
        assertLe(used, DELIVERY_GAS_GOAL);
        assertEq(insurance.totalPaid(), 0);
    }
}

/// @dev Exposes the deploy checks (internal library functions) as calls, so reverts can be expected.
contract ExamplesDeployerHarness {
    function checkThreshold(uint256 threshold, uint256 adapterCount) external pure {
        ExamplesDeployer.checkThreshold(threshold, adapterCount);
    }

    function checkCallbackGas(address oracle, uint256 required) external view {
        ExamplesDeployer.checkCallbackGas(oracle, required);
    }

    function checkSeparateSubscriptions(uint64[] memory ids) external pure {
        ExamplesDeployer.checkSeparateSubscriptions(ids);
    }
}

/// @notice Issue 13.4/13.5 at deployment: a threshold that is not a strict majority (or cannot be met),
/// a callback gas limit below the dApp's requirement, or two dApps on one subscription are refused.
contract ExamplesDeployerChecksTest is CreDonTest {
    ExamplesDeployerHarness internal harness = new ExamplesDeployerHarness();

    function test_RevertWhen_TheThresholdIsNotAStrictMajority() public {
        harness.checkThreshold(2, 3);
        harness.checkThreshold(3, 5);
        vm.expectRevert(abi.encodeWithSelector(ExamplesDeployer.ThresholdNotAMajority.selector, 2, 5));
        harness.checkThreshold(2, 5);
        vm.expectRevert(abi.encodeWithSelector(ExamplesDeployer.ThresholdNotAMajority.selector, 2, 4));
        harness.checkThreshold(2, 4);
    }

    function test_RevertWhen_TheThresholdCannotBeMet() public {
        vm.expectRevert(abi.encodeWithSelector(ExamplesDeployer.ThresholdNotAMajority.selector, 4, 3));
        harness.checkThreshold(4, 3);
    }

    function testFuzz_ThresholdCheckAcceptsExactlyTheStrictMajorities(uint8 threshold, uint8 adapters) public {
        bool ok = threshold <= adapters && uint256(threshold) * 2 > adapters;
        if (!ok) {
            vm.expectRevert(
                abi.encodeWithSelector(ExamplesDeployer.ThresholdNotAMajority.selector, threshold, adapters)
            );
        }
        harness.checkThreshold(threshold, adapters);
    }

    function test_RevertWhen_TheCallbackGasIsBelowTheDappsRequirement() public {
        uint256 required = insurance.CALLBACK_GAS_REQUIRED();
        harness.checkCallbackGas(address(oracle), required);
        oracle.setCallbackGasLimit(uint32(required - 1));
        vm.expectRevert(
            abi.encodeWithSelector(
                ExamplesDeployer.CallbackGasBelowRequired.selector, address(oracle), required - 1, required
            )
        );
        harness.checkCallbackGas(address(oracle), required);
    }

    function test_RevertWhen_TwoDappsShareASubscription() public {
        uint64[] memory ids = new uint64[](3);
        (ids[0], ids[1], ids[2]) = (1, 2, 3);
        harness.checkSeparateSubscriptions(ids);
        ids[2] = 1;
        vm.expectRevert(abi.encodeWithSelector(ExamplesDeployer.SharedSubscription.selector, 1));
        harness.checkSeparateSubscriptions(ids);
    }

    function test_ManifestTableHasOneEntryPerLabel() public view {
        assertEq(ExamplesDeployer.damagePayoutTable().length, ExamplesDeployer.damageLabelCount());
    }
}
