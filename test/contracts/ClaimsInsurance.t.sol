// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {ClaimsInsurance} from "../../contracts/examples/ClaimsInsurance.sol";
import {InferenceClient} from "../../contracts/InferenceClient.sol";
import {FunctionsInferenceOracle} from "../../contracts/oracles/FunctionsInferenceOracle.sol";
import {InferenceResult} from "../../contracts/libraries/InferenceResult.sol";
import {InferenceTestBase} from "./helpers/InferenceTestBase.sol";
import {FunctionsDonTest} from "./helpers/FunctionsDonTest.sol";
import {CreDonTest} from "./helpers/CreDonTest.sol";
import {KeystoneReports} from "./helpers/KeystoneReports.sol";

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
/// change with the oracle it is deployed on.
abstract contract ClaimsInsuranceFlow is InferenceTestBase {
    function test_PaysCoverageTimesRatioOfTheAssessedSeverity() public {
        (uint256 claimId, bytes32 requestId) = _buyAndClaim();
        uint256 before = HOLDER.balance;
        uint256 pool = insurance.pool();
        vm.expectEmit(true, false, false, true, address(insurance));
        emit ClaimSettled(claimId, 4, COVERAGE);
        _answer(requestId, InferenceResult.encode(_result(4)));
        assertEq(HOLDER.balance - before, COVERAGE, "total loss pays the full coverage");
        assertEq(pool - insurance.pool(), COVERAGE);
        ClaimsInsurance.Claim memory c = insurance.getClaim(claimId);
        assertEq(uint8(c.status), uint8(ClaimsInsurance.ClaimStatus.Settled));
        assertEq(c.payout, COVERAGE);
        assertEq(insurance.totalPaid(), COVERAGE);
    }

    function test_NoDamagePaysNothingAndSettles() public {
        (uint256 claimId, bytes32 requestId) = _buyAndClaim();
        uint256 before = HOLDER.balance;
        _answer(requestId, InferenceResult.encode(_result(0)));
        assertEq(HOLDER.balance, before);
        assertEq(uint8(insurance.getClaim(claimId).status), uint8(ClaimsInsurance.ClaimStatus.Settled));
    }

    function test_SeverityOutsideTheTablePaysNothing() public {
        (uint256 claimId, bytes32 requestId) = _buyAndClaim();
        uint256 pool = insurance.pool();
        _answer(requestId, InferenceResult.encode(_result(99)));
        assertEq(insurance.pool(), pool);
        assertEq(insurance.getClaim(claimId).payout, 0);
    }

    function test_PayoutIsCappedByThePool() public {
        (uint256 claimId, bytes32 requestId) = _buyAndClaim();
        insurance.withdrawPool(payable(address(0xBEEF)), insurance.pool() - 1 ether);
        uint256 before = HOLDER.balance;
        _answer(requestId, InferenceResult.encode(_result(4)));
        assertEq(HOLDER.balance - before, 1 ether);
        assertEq(insurance.pool(), 0);
        assertEq(insurance.getClaim(claimId).payout, 1 ether);
    }

    function test_CreditsPayoutWhenHolderRefusesTransfers() public {
        RefusingHolder holder = new RefusingHolder();
        uint256 policyId = holder.buy{value: insurance.premiumFor(COVERAGE)}(insurance, COVERAGE, TERM);
        vm.recordLogs();
        uint256 claimId = holder.claim(insurance, policyId, PHOTO_URI, PHOTO_SHA);
        bytes32 requestId = insurance.getClaim(claimId).requestId;
        _noteRequest(requestId, vm.getRecordedLogs());
        _answer(requestId, InferenceResult.encode(_result(2)));
        assertEq(insurance.owed(address(holder)), COVERAGE / 2);
        assertEq(insurance.totalOwed(), COVERAGE / 2);
        assertEq(address(holder).balance, 0);
    }

    function test_RetryAfterRejectionThenPays() public {
        (uint256 claimId, bytes32 requestId) = _buyAndClaim();
        InferenceResult.Data memory wrong = _result(4);
        wrong.inputHash = sha256("another photo");
        vm.expectEmit(true, false, false, true, address(insurance));
        emit ClaimRejected(claimId, RejectReason.InputHashMismatch);
        _answer(requestId, InferenceResult.encode(wrong));
        assertEq(uint8(insurance.getClaim(claimId).status), uint8(ClaimsInsurance.ClaimStatus.Rejected));
        bytes32 retry = _retry(claimId);
        assertTrue(retry != requestId);
        assertEq(insurance.getClaim(claimId).attempts, 2);
        uint256 before = HOLDER.balance;
        _answer(retry, InferenceResult.encode(_result(1)));
        assertEq(HOLDER.balance - before, COVERAGE / 4);
    }

    function test_LateAnswerToASupersededRequestIsIgnored() public {
        (uint256 claimId, bytes32 requestId) = _buyAndClaim();
        vm.warp(block.timestamp + insurance.REQUEST_TIMEOUT() + 1);
        bytes32 retry = _retry(claimId);
        // The first request is still pending at the oracle and is answered late.
        InferenceResult.Data memory r = _result(4);
        _answer(requestId, InferenceResult.encode(r));
        assertEq(uint8(insurance.getClaim(claimId).status), uint8(ClaimsInsurance.ClaimStatus.Pending));
        assertEq(insurance.totalPaid(), 0);
        _answer(retry, InferenceResult.encode(_result(2)));
        assertEq(insurance.totalPaid(), COVERAGE / 2);
    }

    function test_ClaimExpiresAfterMaxAttempts() public {
        (uint256 claimId, bytes32 requestId) = _buyAndClaim();
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
        insurance.retryClaim(claimId, PHOTO_URI);
        insurance.expireClaim(claimId);
        assertEq(uint8(insurance.getClaim(claimId).status), uint8(ClaimsInsurance.ClaimStatus.Expired));
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

    function testFuzz_PayoutNeverExceedsCoverageOrPool(uint256 severity, uint128 coverage, uint256 poolLeft)
        public
    {
        coverage = uint128(bound(coverage, 1, 50 ether));
        vm.startPrank(HOLDER);
        vm.deal(HOLDER, 100 ether);
        uint256 policyId = insurance.buyPolicy{value: insurance.premiumFor(coverage)}(coverage, TERM);
        vm.recordLogs();
        uint256 claimId = insurance.fileClaim(policyId, PHOTO_URI, PHOTO_SHA);
        vm.stopPrank();
        bytes32 requestId = insurance.getClaim(claimId).requestId;
        _noteRequest(requestId, vm.getRecordedLogs());
        poolLeft = bound(poolLeft, 0, insurance.pool());
        insurance.withdrawPool(payable(address(0xBEEF)), insurance.pool() - poolLeft);

        InferenceResult.Data memory r = _result(bound(severity, 0, 6));
        uint256 before = HOLDER.balance;
        _answer(requestId, InferenceResult.encode(r));
        uint256 paid = HOLDER.balance - before;
        assertLe(paid, coverage, "never more than the coverage");
        assertLe(paid, poolLeft, "never more than the pool");
        assertEq(poolLeft - insurance.pool(), paid, "pool decreases by the payout");
    }
}

contract FunctionsClaimsInsuranceFlowTest is FunctionsDonTest, ClaimsInsuranceFlow {}

contract CreClaimsInsuranceFlowTest is CreDonTest, ClaimsInsuranceFlow {}

/// @notice The dApp's own rules: terms, policies and claims as the insurer and holders use them
/// (transport-independent; run on the CRE oracle).
contract ClaimsInsuranceRulesTest is CreDonTest {
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
        vm.expectRevert(
            abi.encodeWithSelector(ClaimsInsurance.OutsideTerm.selector, policyId, start, start + TERM)
        );
        insurance.fileClaim(policyId, PHOTO_URI, PHOTO_SHA);
        vm.stopPrank();
    }

    function test_RevertWhen_StrangerClaims() public {
        uint256 premium = insurance.premiumFor(COVERAGE);
        vm.prank(HOLDER);
        uint256 policyId = insurance.buyPolicy{value: premium}(COVERAGE, TERM);
        vm.expectRevert(
            abi.encodeWithSelector(ClaimsInsurance.NotPolicyHolder.selector, policyId, address(this))
        );
        insurance.fileClaim(policyId, PHOTO_URI, PHOTO_SHA);
    }

    function test_HolderRetries() public {
        (uint256 claimId, bytes32 requestId) = _buyAndClaim();
        _answer(requestId, _rejectable());
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
        uint128 coverage = uint128(insurance.pool() * 2);
        uint256 premium = insurance.premiumFor(coverage);
        vm.deal(HOLDER, premium);
        uint256 available = insurance.pool() + premium;
        vm.expectRevert(
            abi.encodeWithSelector(ClaimsInsurance.InsufficientPool.selector, available, coverage)
        );
        vm.prank(HOLDER);
        insurance.buyPolicy{value: premium}(coverage, TERM);
    }

    function test_RevertWhen_PhotoUriCouldBreakTheJson() public {
        vm.startPrank(HOLDER);
        uint256 policyId = insurance.buyPolicy{value: insurance.premiumFor(COVERAGE)}(COVERAGE, TERM);
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

    function test_RevertWhen_TermsAreOutOfRange() public {
        uint16[] memory table = new uint16[](2);
        table[1] = 10_001;
        vm.expectRevert(abi.encodeWithSelector(ClaimsInsurance.InvalidPremiumBps.selector, 0));
        insurance.setTerms(0, table);
        vm.expectRevert(abi.encodeWithSelector(ClaimsInsurance.InvalidPremiumBps.selector, 10_001));
        insurance.setTerms(10_001, table);
        vm.expectRevert(abi.encodeWithSelector(ClaimsInsurance.InvalidPayoutRatio.selector, 1, 10_001));
        insurance.setTerms(500, table);
        vm.expectRevert(abi.encodeWithSelector(ClaimsInsurance.InvalidPayoutTableLength.selector, 0, 16));
        insurance.setTerms(500, new uint16[](0));
        vm.expectRevert(abi.encodeWithSelector(ClaimsInsurance.InvalidPayoutTableLength.selector, 17, 16));
        insurance.setTerms(500, new uint16[](17));
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
        assertEq(insurance.premiumBps(), PREMIUM_BPS);
        assertEq(insurance.policyCount(), 0);
        assertEq(insurance.claimCount(), 0);
        assertEq(insurance.oracle(), address(oracle));
        assertEq(insurance.payoutRatios().length, 5);
    }

    function test_RevertWhen_DeployedWithoutAnOracle() public {
        vm.expectRevert(InferenceClient.ZeroOracle.selector);
        new ClaimsInsurance(address(0));
    }
}

/// @notice Gas of the Functions paths the issues budget, recorded in snapshots/ClaimsInsurance.json.
contract FunctionsClaimsInsuranceGasTest is FunctionsDonTest {
    /// The oracle's acceptance path plus the claim payout must fit in this much fulfilment gas.
    uint256 internal constant FULFILMENT_BUDGET = 120_000;

    function test_GasOfRequestAndFulfilment() public {
        vm.startPrank(HOLDER);
        uint256 policyId = insurance.buyPolicy{value: insurance.premiumFor(COVERAGE)}(COVERAGE, TERM);
        _cool(_functionsAccounts());
        vm.recordLogs();
        uint256 claimId = insurance.fileClaim(policyId, PHOTO_URI, PHOTO_SHA);
        vm.snapshotGasLastCall("ClaimsInsurance", "Functions: fileClaim (request)");
        vm.stopPrank();
        bytes32 requestId = insurance.getClaim(claimId).requestId;
        _noteRequest(requestId, vm.getRecordedLogs());

        bytes memory response = InferenceResult.encode(_result(4));
        _cool(_functionsAccounts());
        vm.prank(address(fn.router));
        FunctionsInferenceOracle(address(oracle)).handleOracleFulfillment(requestId, response, "");
        uint256 used = vm.snapshotGasLastCall("ClaimsInsurance", "Functions: fulfillRequest, accept + payout");
        assertLt(used, FULFILMENT_BUDGET, "acceptance + payout within the fulfilment budget");
        assertEq(insurance.totalPaid(), COVERAGE);
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
        InferenceResult.Data memory r = _result(4);
        r.modelHash = sha256("unapproved");
        bytes memory response = InferenceResult.encode(r);
        _cool(_functionsAccounts());
        vm.prank(address(fn.router));
        FunctionsInferenceOracle(address(oracle)).handleOracleFulfillment(requestId, response, "");
        uint256 used = vm.snapshotGasLastCall(
            "ClaimsInsurance", "Functions: fulfillRequest, reject (model not approved)"
        );
        assertLt(used, FULFILMENT_BUDGET);
    }

    function test_GasOfFullTransmit() public {
        (, bytes32 requestId) = _buyAndClaim();
        (bytes memory report, bytes32[3] memory context) =
            _report(s_sent[requestId], InferenceResult.encode(_result(4)), "");
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
        vm.startPrank(HOLDER);
        uint256 policyId = insurance.buyPolicy{value: insurance.premiumFor(COVERAGE)}(COVERAGE, TERM);
        _cool(_creAccounts());
        vm.recordLogs();
        uint256 claimId = insurance.fileClaim(policyId, PHOTO_URI, PHOTO_SHA);
        vm.snapshotGasLastCall("ClaimsInsurance", "CRE: fileClaim (request)");
        vm.stopPrank();
        bytes32 requestId = insurance.getClaim(claimId).requestId;
        _noteRequest(requestId, vm.getRecordedLogs());

        KeystoneReports.Header memory header = _header();
        bytes memory raw = KeystoneReports.rawReport(header, _validPayload(requestId, _result(4)));
        bytes memory context = KeystoneReports.context(CONFIG_DIGEST, s_sequence);
        bytes[] memory signatures = KeystoneReports.sign(raw, context, _signerKeys(REQUIRED_SIGNATURES));
        _cool(_creAccounts());
        vm.prank(TRANSMITTER);
        forwarder.report(address(oracle), raw, context, signatures);
        uint256 used = vm.snapshotGasLastCall(
            "ClaimsInsurance", "CRE: forwarder.report (2 signatures, accept + payout)"
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

    function test_GasOfRejectedReport() public {
        (, bytes32 requestId) = _buyAndClaim();
        InferenceResult.Data memory r = _result(4);
        r.modelHash = sha256("unapproved");
        KeystoneReports.Header memory header = _header();
        bytes memory raw = KeystoneReports.rawReport(header, _validPayload(requestId, r));
        bytes memory context = KeystoneReports.context(CONFIG_DIGEST, s_sequence);
        bytes[] memory signatures = KeystoneReports.sign(raw, context, _signerKeys(REQUIRED_SIGNATURES));
        _cool(_creAccounts());
        vm.prank(TRANSMITTER);
        forwarder.report(address(oracle), raw, context, signatures);
        uint256 used = vm.snapshotGasLastCall(
            "ClaimsInsurance", "CRE: forwarder.report (2 signatures, reject: model not approved)"
        );
        assertLe(used, DELIVERY_GAS_GOAL);
        assertEq(insurance.totalPaid(), 0);
    }
}
