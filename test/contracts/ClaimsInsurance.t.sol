// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {FunctionsDonTest} from "./helpers/FunctionsDonTest.sol";
import {ClaimsInsurance} from "../../contracts/examples/ClaimsInsurance.sol";
import {InferenceResult} from "../../contracts/libraries/InferenceResult.sol";

/// @dev A policyholder contract that refuses plain transfers: its payouts must be credited instead.
contract RefusingHolder {
    function buy(ClaimsInsurance insurance, uint128 coverage, uint32 term) external payable returns (uint256) {
        return insurance.buyPolicy{value: msg.value}(coverage, term);
    }

    function claim(ClaimsInsurance insurance, uint256 policyId, string calldata uri, bytes32 sha)
        external
        returns (uint256)
    {
        return insurance.fileClaim(policyId, uri, sha);
    }
}

contract ClaimsInsuranceFlowTest is FunctionsDonTest {
    function test_PaysCoverageTimesRatioOfTheAssessedSeverity() public {
        (uint256 claimId, Sent memory sent) = _buyAndClaim();
        uint256 before = HOLDER.balance;
        uint256 pool = insurance.s_pool();
        _deliver(sent, InferenceResult.encode(_result(4)), "");
        assertEq(HOLDER.balance - before, COVERAGE, "total loss pays the full coverage");
        assertEq(pool - insurance.s_pool(), COVERAGE);
        ClaimsInsurance.Claim memory c = insurance.getClaim(claimId);
        assertEq(uint8(c.status), uint8(ClaimsInsurance.ClaimStatus.Settled));
        assertEq(c.payout, COVERAGE);
        assertEq(insurance.s_totalPaid(), COVERAGE);
    }

    function test_NoDamagePaysNothingAndSettles() public {
        (uint256 claimId, Sent memory sent) = _buyAndClaim();
        uint256 before = HOLDER.balance;
        _deliver(sent, InferenceResult.encode(_result(0)), "");
        assertEq(HOLDER.balance, before);
        assertEq(uint8(insurance.getClaim(claimId).status), uint8(ClaimsInsurance.ClaimStatus.Settled));
    }

    function test_SeverityOutsideTheTablePaysNothing() public {
        (uint256 claimId, Sent memory sent) = _buyAndClaim();
        uint256 pool = insurance.s_pool();
        _deliver(sent, InferenceResult.encode(_result(99)), "");
        assertEq(insurance.s_pool(), pool);
        assertEq(insurance.getClaim(claimId).payout, 0);
    }

    function test_PayoutIsCappedByThePool() public {
        (uint256 claimId, Sent memory sent) = _buyAndClaim();
        insurance.withdrawPool(payable(address(0xBEEF)), insurance.s_pool() - 1 ether);
        uint256 before = HOLDER.balance;
        _deliver(sent, InferenceResult.encode(_result(4)), "");
        assertEq(HOLDER.balance - before, 1 ether);
        assertEq(insurance.s_pool(), 0);
        assertEq(insurance.getClaim(claimId).payout, 1 ether);
    }

    function test_RequestCarriesTheProtocolArgs() public {
        (, Sent memory sent) = _buyAndClaim();
        // args per docs/protocol.md: model id, approved hash, input hash, input JSON, threshold, tolerance.
        assertTrue(_contains(sent.data, bytes("damage-v1")));
        assertTrue(_contains(sent.data, bytes(vm.toString(MODEL_HASH))));
        assertTrue(_contains(sent.data, bytes(vm.toString(PHOTO_SHA))));
        assertTrue(
            _contains(
                sent.data,
                bytes(string.concat('{"image":{"url":"', PHOTO_URI, '","sha256":"', vm.toString(PHOTO_SHA), '"}}'))
            )
        );
    }

    function test_CreditsPayoutWhenHolderRefusesTransfers() public {
        RefusingHolder holder = new RefusingHolder();
        uint256 policyId = holder.buy{value: insurance.premiumFor(COVERAGE)}(insurance, COVERAGE, TERM);
        vm.recordLogs();
        holder.claim(insurance, policyId, PHOTO_URI, PHOTO_SHA);
        Sent memory sent = _sentFromLogs(vm.getRecordedLogs());
        _deliver(sent, InferenceResult.encode(_result(2)), "");
        assertEq(insurance.s_owed(address(holder)), COVERAGE / 2);
        assertEq(insurance.s_totalOwed(), COVERAGE / 2);
        assertEq(address(holder).balance, 0);
    }

    function test_RetryAfterRejectionThenPays() public {
        (uint256 claimId, Sent memory sent) = _buyAndClaim();
        _deliver(sent, "", bytes("adapters unreachable"));
        assertEq(uint8(insurance.getClaim(claimId).status), uint8(ClaimsInsurance.ClaimStatus.Rejected));
        vm.recordLogs();
        insurance.retryClaim(claimId, PHOTO_URI);
        Sent memory retry = _sentFromLogs(vm.getRecordedLogs());
        assertTrue(retry.requestId != sent.requestId);
        assertEq(insurance.getClaim(claimId).attempts, 2);
        uint256 before = HOLDER.balance;
        _deliver(retry, InferenceResult.encode(_result(1)), "");
        assertEq(HOLDER.balance - before, COVERAGE / 4);
    }

    function test_LateAnswerToASupersededRequestIsIgnored() public {
        (uint256 claimId, Sent memory sent) = _buyAndClaim();
        vm.warp(block.timestamp + insurance.REQUEST_TIMEOUT() + 1);
        vm.recordLogs();
        insurance.retryClaim(claimId, PHOTO_URI);
        Sent memory retry = _sentFromLogs(vm.getRecordedLogs());
        // The first request is answered late, but before the Coordinator's timeout... via the router.
        InferenceResult.Data memory r = _result(4);
        vm.prank(address(fn.router));
        insurance.handleOracleFulfillment(sent.requestId, InferenceResult.encode(r), "");
        assertEq(uint8(insurance.getClaim(claimId).status), uint8(ClaimsInsurance.ClaimStatus.Pending));
        assertEq(insurance.s_totalPaid(), 0);
        _deliver(retry, InferenceResult.encode(_result(2)), "");
        assertEq(insurance.s_totalPaid(), COVERAGE / 2);
    }

    function test_ClaimExpiresAfterMaxAttempts() public {
        (uint256 claimId, Sent memory sent) = _buyAndClaim();
        for (uint256 i = 1; i < insurance.MAX_ATTEMPTS(); ++i) {
            _deliver(sent, "", bytes("error"));
            vm.recordLogs();
            insurance.retryClaim(claimId, PHOTO_URI);
            sent = _sentFromLogs(vm.getRecordedLogs());
        }
        _deliver(sent, "", bytes("error"));
        vm.expectRevert(
            abi.encodeWithSelector(
                ClaimsInsurance.ClaimNotRetryable.selector, claimId, ClaimsInsurance.ClaimStatus.Rejected
            )
        );
        insurance.retryClaim(claimId, PHOTO_URI);
        insurance.expireClaim(claimId);
        assertEq(uint8(insurance.getClaim(claimId).status), uint8(ClaimsInsurance.ClaimStatus.Expired));
    }

    function test_ClaimExpiresAfterTheGracePeriod() public {
        (uint256 claimId, Sent memory sent) = _buyAndClaim();
        _deliver(sent, "", bytes("error"));
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
        insurance.retryClaim(claimId, PHOTO_URI);
        insurance.expireClaim(claimId);
        assertEq(uint8(insurance.getClaim(claimId).status), uint8(ClaimsInsurance.ClaimStatus.Expired));
    }

    function test_RevertWhen_ClaimingTwice() public {
        vm.startPrank(HOLDER);
        uint256 policyId = insurance.buyPolicy{value: insurance.premiumFor(COVERAGE)}(COVERAGE, TERM);
        insurance.fileClaim(policyId, PHOTO_URI, PHOTO_SHA);
        vm.expectRevert(abi.encodeWithSelector(ClaimsInsurance.AlreadyClaimed.selector, policyId));
        insurance.fileClaim(policyId, PHOTO_URI, PHOTO_SHA);
        vm.stopPrank();
    }

    function test_RevertWhen_ClaimingAfterTheTerm() public {
        vm.startPrank(HOLDER);
        uint256 policyId = insurance.buyPolicy{value: insurance.premiumFor(COVERAGE)}(COVERAGE, TERM);
        uint256 start = block.timestamp;
        vm.warp(start + TERM + 1);
        vm.expectRevert(abi.encodeWithSelector(ClaimsInsurance.OutsideTerm.selector, policyId, start, start + TERM));
        insurance.fileClaim(policyId, PHOTO_URI, PHOTO_SHA);
        vm.stopPrank();
    }

    function test_RevertWhen_StrangerClaims() public {
        uint256 premium = insurance.premiumFor(COVERAGE);
        vm.prank(HOLDER);
        uint256 policyId = insurance.buyPolicy{value: premium}(COVERAGE, TERM);
        vm.expectRevert(abi.encodeWithSelector(ClaimsInsurance.NotPolicyHolder.selector, policyId, address(this)));
        insurance.fileClaim(policyId, PHOTO_URI, PHOTO_SHA);
    }

    function test_RevertWhen_StrangerRetries() public {
        (uint256 claimId, Sent memory sent) = _buyAndClaim();
        _deliver(sent, "", bytes("error"));
        address stranger = makeAddr("stranger");
        uint256 policyId = insurance.getClaim(claimId).policyId;
        vm.expectRevert(abi.encodeWithSelector(ClaimsInsurance.NotPolicyHolder.selector, policyId, stranger));
        vm.prank(stranger);
        insurance.retryClaim(claimId, "ipfs://not-the-photo");
        assertEq(insurance.getClaim(claimId).attempts, 1);
    }

    function test_HolderRetries() public {
        (uint256 claimId, Sent memory sent) = _buyAndClaim();
        _deliver(sent, "", bytes("error"));
        vm.prank(HOLDER);
        insurance.retryClaim(claimId, PHOTO_URI);
        assertEq(uint8(insurance.getClaim(claimId).status), uint8(ClaimsInsurance.ClaimStatus.Pending));
    }

    function test_RevertWhen_PremiumIsWrong() public {
        uint256 premium = insurance.premiumFor(COVERAGE);
        vm.expectRevert(abi.encodeWithSelector(ClaimsInsurance.WrongPremium.selector, premium, premium - 1));
        vm.prank(HOLDER);
        insurance.buyPolicy{value: premium - 1}(COVERAGE, TERM);
    }

    function test_RevertWhen_PoolCannotCoverThePolicy() public {
        uint128 coverage = uint128(insurance.s_pool() * 2);
        uint256 premium = insurance.premiumFor(coverage);
        vm.deal(HOLDER, premium);
        uint256 pool = insurance.s_pool() + premium;
        vm.expectRevert(abi.encodeWithSelector(ClaimsInsurance.InsufficientPool.selector, pool, coverage));
        vm.prank(HOLDER);
        insurance.buyPolicy{value: premium}(coverage, TERM);
    }

    function test_RevertWhen_PhotoUriCouldBreakTheJson() public {
        vm.startPrank(HOLDER);
        uint256 policyId = insurance.buyPolicy{value: insurance.premiumFor(COVERAGE)}(COVERAGE, TERM);
        vm.expectRevert(ClaimsInsurance.InvalidPhotoUri.selector);
        insurance.fileClaim(policyId, 'ipfs://x","url":"https://evil', PHOTO_SHA);
        vm.expectRevert(ClaimsInsurance.InvalidPhotoUri.selector);
        insurance.fileClaim(policyId, "", PHOTO_SHA);
        vm.stopPrank();
    }

    function test_RevertWhen_StrangerWithdrawsPool() public {
        vm.prank(HOLDER);
        vm.expectRevert("Only callable by owner");
        insurance.withdrawPool(payable(HOLDER), 1);
    }

    function testFuzz_PayoutNeverExceedsCoverageOrPool(uint256 severity, uint128 coverage, uint256 poolLeft) public {
        coverage = uint128(bound(coverage, 1, 50 ether));
        vm.startPrank(HOLDER);
        vm.deal(HOLDER, 100 ether);
        uint256 policyId = insurance.buyPolicy{value: insurance.premiumFor(coverage)}(coverage, TERM);
        vm.recordLogs();
        insurance.fileClaim(policyId, PHOTO_URI, PHOTO_SHA);
        vm.stopPrank();
        Sent memory sent = _sentFromLogs(vm.getRecordedLogs());
        poolLeft = bound(poolLeft, 0, insurance.s_pool());
        insurance.withdrawPool(payable(address(0xBEEF)), insurance.s_pool() - poolLeft);

        InferenceResult.Data memory r = _result(bound(severity, 0, 6));
        uint256 before = HOLDER.balance;
        _deliver(sent, InferenceResult.encode(r), "");
        uint256 paid = HOLDER.balance - before;
        assertLe(paid, coverage, "never more than the coverage");
        assertLe(paid, poolLeft, "never more than the pool");
        assertEq(poolLeft - insurance.s_pool(), paid, "pool decreases by the payout");
    }
}

/// @notice Gas of the paths the issue budgets, recorded in snapshots/ClaimsInsurance.json.
contract ClaimsInsuranceGasTest is FunctionsDonTest {
    /// The consumer's acceptance path plus the claim payout must fit in this much callback gas.
    uint256 internal constant CALLBACK_BUDGET = 120_000;

    function test_GasOfRequestAndCallback() public {
        vm.startPrank(HOLDER);
        uint256 policyId = insurance.buyPolicy{value: insurance.premiumFor(COVERAGE)}(COVERAGE, TERM);
        vm.recordLogs();
        vm.startSnapshotGas("ClaimsInsurance", "fileClaim (request)");
        insurance.fileClaim(policyId, PHOTO_URI, PHOTO_SHA);
        vm.stopSnapshotGas();
        vm.stopPrank();
        Sent memory sent = _sentFromLogs(vm.getRecordedLogs());

        bytes memory response = InferenceResult.encode(_result(4));
        vm.prank(address(fn.router));
        vm.startSnapshotGas("ClaimsInsurance", "callback: accept + payout");
        insurance.handleOracleFulfillment(sent.requestId, response, "");
        uint256 used = vm.stopSnapshotGas();
        assertLt(used, CALLBACK_BUDGET, "acceptance + payout within the callback budget");
        assertEq(insurance.s_totalPaid(), COVERAGE);
    }

    function test_GasOfRejectedCallback() public {
        (, Sent memory sent) = _buyAndClaim();
        InferenceResult.Data memory r = _result(4);
        r.modelHash = sha256("unapproved");
        bytes memory response = InferenceResult.encode(r);
        vm.prank(address(fn.router));
        vm.startSnapshotGas("ClaimsInsurance", "callback: reject (model not approved)");
        insurance.handleOracleFulfillment(sent.requestId, response, "");
        uint256 used = vm.stopSnapshotGas();
        assertLt(used, CALLBACK_BUDGET);
    }

    function test_GasOfFullTransmit() public {
        (, Sent memory sent) = _buyAndClaim();
        (bytes memory report, bytes32[3] memory context) = _report(sent, InferenceResult.encode(_result(4)), "");
        (bytes32[] memory rs, bytes32[] memory ss, bytes32 vs) = _sign(report, context, _signerKeys(REQUIRED_SIGNATURES));
        vm.prank(s_transmitters[0], s_transmitters[0]);
        vm.startSnapshotGas("ClaimsInsurance", "coordinator.transmit (DON report, accept + payout)");
        fn.coordinator.transmit(context, report, rs, ss, vs);
        vm.stopSnapshotGas();
        assertEq(insurance.s_totalPaid(), COVERAGE);
    }
}
