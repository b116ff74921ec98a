// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {CommonBase} from "forge-std/Base.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {Vm} from "forge-std/Vm.sol";
import {ClaimsInsurance} from "../../contracts/examples/ClaimsInsurance.sol";
import {IClaimsInsuranceEvents} from "../../contracts/interfaces/IClaimsInsurance.sol";
import {InferenceOracle} from "../../contracts/oracles/InferenceOracle.sol";
import {InferenceResult} from "../../contracts/libraries/InferenceResult.sol";
import {InferenceTestBase} from "./helpers/InferenceTestBase.sol";
import {FunctionsDonTest} from "./helpers/FunctionsDonTest.sol";
import {CreDonTest} from "./helpers/CreDonTest.sol";

/// @dev What the handler asks of the test: deliver answers through the transport under test.
interface ITransportDriver {
    function noteRequest(bytes32 requestId, Vm.Log[] memory logs) external;
    function answer(bytes32 requestId, bytes memory response) external;
    function answerDirectly(bytes32 requestId, bytes memory response) external;
}

/// @dev Drives ClaimsInsurance through its oracle and the transport's full path, as holders, as the
/// insurer (it owns the contract: withdrawals, disputes) and as the arbiter: policies of any size
/// (the pool refuses what it cannot back), claims with fresh photos paying the request fee,
/// DON-signed answers with valid, rejectable, malformed or foreign results, retries, answers again
/// to settled requests, reviews, disputes, arbitration, collection, expiry, reservation releases,
/// time passing, funding and withdrawals. Ghost variables record what actually moved.
contract ClaimsHandler is CommonBase, StdUtils, IClaimsInsuranceEvents {
    ClaimsInsurance internal immutable i_insurance;
    InferenceOracle internal immutable i_oracle;
    ITransportDriver internal immutable i_driver;
    bytes32 internal immutable i_modelHash;
    address internal immutable i_arbiter;
    string internal constant URI = "ipfs://bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";

    uint256[] public s_claims;
    uint256[] public s_policies;
    mapping(uint256 claimId => uint256 amount) public s_received;
    mapping(uint256 claimId => uint256 times) public s_timesPaid;
    uint256 public s_ghostPaidOut;
    uint256 public s_ghostDeposits;
    uint256 public s_ghostWithdrawn;
    uint256 public s_ghostBondsPosted;
    uint256 public s_ghostBondsToPool;
    uint256 public s_ghostBondsToHolders;
    uint256 public s_ghostFees;
    uint256 public s_doublePays;
    uint256 public s_overCoverage;
    uint256 public s_photoNonce;

    constructor(
        ClaimsInsurance insurance,
        InferenceOracle oracle,
        ITransportDriver driver,
        bytes32 modelHash,
        address arbiter
    ) {
        i_insurance = insurance;
        i_oracle = oracle;
        i_driver = driver;
        i_modelHash = modelHash;
        i_arbiter = arbiter;
    }

    receive() external payable {}

    function claimCount() external view returns (uint256) {
        return s_claims.length;
    }

    function policyCount() external view returns (uint256) {
        return s_policies.length;
    }

    function acceptOwnership() external {
        i_insurance.acceptOwnership();
    }

    // ------------------------------------------------------------------ the insurer

    function fund(uint256 amount) external {
        amount = bound(amount, 0, 20 ether);
        vm.deal(address(this), address(this).balance + amount);
        i_insurance.fundPool{value: amount}();
        s_ghostDeposits += amount;
    }

    /// Tries to take up to twice the free pool: only the free part may ever leave.
    function withdrawPool(uint256 amount) external {
        amount = bound(amount, 0, i_insurance.freePool() * 2 + 1);
        try i_insurance.withdrawPool(payable(address(this)), amount) {
            s_ghostWithdrawn += amount;
        } catch {}
    }

    function dispute(uint256 claimSeed, bool toArbiter) external {
        if (s_claims.length == 0) {
            return;
        }
        uint256 claimId = s_claims[bound(claimSeed, 0, s_claims.length - 1)];
        uint256 bond = i_insurance.disputeBond(claimId);
        // The review route pays the review oracle's own request fee.
        uint256 value = toArbiter ? bond : bond + InferenceOracle(i_insurance.reviewOracle()).requestFee();
        vm.deal(address(this), address(this).balance + value);
        vm.recordLogs();
        try i_insurance.disputeClaim{value: value}(
            claimId, toArbiter ? DisputeRoute.Arbiter : DisputeRoute.ReviewOracle, URI
        ) {
            s_ghostBondsPosted += bond;
            if (!toArbiter) {
                s_ghostFees += value - bond;
                i_driver.noteRequest(i_insurance.getClaim(claimId).requestId, vm.getRecordedLogs());
            }
        } catch {}
    }

    // ------------------------------------------------------------------ holders

    function buyAndClaim(uint256 actorSeed, uint128 coverage, bool claimNow) external {
        address holder = address(uint160(bound(actorSeed, 1, 3) + 0xA11CE));
        coverage = uint128(bound(coverage, 1 gwei, 60 ether));
        uint256 premium = i_insurance.premiumFor(coverage);
        vm.deal(holder, premium);
        vm.prank(holder);
        try i_insurance.buyPolicy{value: premium}(coverage, 30 days) returns (uint256 policyId) {
            s_ghostDeposits += premium;
            s_policies.push(policyId);
            if (claimNow) {
                _claim(holder, policyId);
            }
        } catch {}
    }

    function claim(uint256 policySeed) external {
        if (s_policies.length == 0) {
            return;
        }
        uint256 policyId = s_policies[bound(policySeed, 0, s_policies.length - 1)];
        _claim(i_insurance.getPolicy(policyId).holder, policyId);
    }

    function _claim(address holder, uint256 policyId) internal {
        uint256 fee = i_oracle.requestFee();
        bytes32 photo = keccak256(abi.encode("photo", ++s_photoNonce));
        vm.deal(holder, holder.balance + fee);
        vm.recordLogs();
        vm.prank(holder);
        try i_insurance.fileClaim{value: fee}(policyId, URI, photo) returns (uint256 claimId) {
            s_ghostFees += fee;
            s_claims.push(claimId);
            i_driver.noteRequest(i_insurance.getClaim(claimId).requestId, vm.getRecordedLogs());
        } catch {}
    }

    function retry(uint256 claimSeed) external {
        if (s_claims.length == 0) {
            return;
        }
        uint256 claimId = s_claims[bound(claimSeed, 0, s_claims.length - 1)];
        address holder = i_insurance.getPolicy(i_insurance.getClaim(claimId).policyId).holder;
        uint256 fee = i_oracle.requestFee();
        vm.deal(holder, holder.balance + fee);
        vm.recordLogs();
        vm.prank(holder);
        try i_insurance.retryClaim{value: fee}(claimId, URI) {
            s_ghostFees += fee;
            i_driver.noteRequest(i_insurance.getClaim(claimId).requestId, vm.getRecordedLogs());
        } catch {}
    }

    // ------------------------------------------------------------------ the oracle network

    function deliver(uint256 claimSeed, uint256 severity, uint8 kind) external {
        if (s_claims.length == 0) {
            return;
        }
        uint256 claimId = s_claims[bound(claimSeed, 0, s_claims.length - 1)];
        ClaimsInsurance.Claim memory c = i_insurance.getClaim(claimId);
        if (c.status != ClaimsInsurance.ClaimStatus.Pending && c.status != ClaimsInsurance.ClaimStatus.Disputed) {
            return;
        }
        InferenceResult.Data memory r = _result(bound(severity, 0, 5), c.photoSha256);
        bytes memory response = InferenceResult.encode(r);
        kind = kind % 4;
        if (kind == 1) {
            r.agreed = 1;
            r.responded = 3;
            response = InferenceResult.encode(r);
        } else if (kind == 2) {
            response = abi.encodePacked(severity);
        } else if (kind == 3) {
            r.inputHash = keccak256(abi.encode(severity));
            response = InferenceResult.encode(r);
        }
        _observe(claimId, abi.encodeCall(ITransportDriver.answer, (c.requestId, response)));
    }

    /// The claim's current request answered again as the transport's trusted caller, whatever its
    /// state (for a settled claim: a replay of an answer that already counted).
    function replay(uint256 claimSeed, uint256 severity) external {
        if (s_claims.length == 0) {
            return;
        }
        uint256 claimId = s_claims[bound(claimSeed, 0, s_claims.length - 1)];
        ClaimsInsurance.Claim memory c = i_insurance.getClaim(claimId);
        bytes memory response = InferenceResult.encode(_result(bound(severity, 0, 3), c.photoSha256));
        _observe(claimId, abi.encodeCall(ITransportDriver.answerDirectly, (c.requestId, response)));
    }

    // ------------------------------------------------------------------ arbiter, anyone, time

    function arbitrate(uint256 claimSeed, uint256 severity) external {
        if (s_claims.length == 0) {
            return;
        }
        uint256 claimId = s_claims[bound(claimSeed, 0, s_claims.length - 1)];
        vm.prank(i_arbiter);
        _observe(claimId, abi.encodeCall(ClaimsInsurance.resolveDispute, (claimId, bound(severity, 0, 4))));
    }

    function collect(uint256 claimSeed) external {
        if (s_claims.length == 0) {
            return;
        }
        uint256 claimId = s_claims[bound(claimSeed, 0, s_claims.length - 1)];
        _observe(claimId, abi.encodeCall(ClaimsInsurance.collect, (claimId)));
    }

    function expire(uint256 claimSeed) external {
        if (s_claims.length == 0) {
            return;
        }
        try i_insurance.expireClaim(s_claims[bound(claimSeed, 0, s_claims.length - 1)]) {} catch {}
    }

    function release(uint256 policySeed) external {
        if (s_policies.length == 0) {
            return;
        }
        try i_insurance.releaseReservation(s_policies[bound(policySeed, 0, s_policies.length - 1)]) {} catch {}
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + bound(seconds_, 0, 10 days));
    }

    // ------------------------------------------------------------------ bookkeeping

    function _result(uint256 severity, bytes32 photo) internal view returns (InferenceResult.Data memory) {
        return InferenceResult.Data({
            result: severity,
            modelHash: i_modelHash,
            inputHash: photo,
            responded: 3,
            agreed: 3,
            observedAt: uint64(block.timestamp)
        });
    }

    /// Runs `action` (a call on the driver or the insurance) and books what reached the claim's holder.
    function _observe(uint256 claimId, bytes memory action) internal {
        ClaimsInsurance.Claim memory c = i_insurance.getClaim(claimId);
        ClaimsInsurance.Policy memory policy = i_insurance.getPolicy(c.policyId);
        address holder = policy.holder;
        uint256 before = holder.balance + i_insurance.owed(holder);
        uint256 bond = i_insurance.disputeBond(claimId);
        bool disputed = c.status == ClaimsInsurance.ClaimStatus.Disputed;
        address target = _isInsuranceCall(action) ? address(i_insurance) : address(i_driver);
        (bool ok,) = target.call(action);
        ok;
        ClaimsInsurance.Claim memory after_ = i_insurance.getClaim(claimId);
        if (disputed && after_.status == ClaimsInsurance.ClaimStatus.Settled) {
            if (after_.payout < c.payout) {
                s_ghostBondsToPool += bond;
            } else {
                s_ghostBondsToHolders += bond;
            }
        }
        uint256 received = holder.balance + i_insurance.owed(holder) - before;
        if (received > 0) {
            s_timesPaid[claimId] += 1;
            if (s_timesPaid[claimId] > 1) {
                s_doublePays += 1;
            }
            if (received > uint256(policy.coverage) + bond) {
                s_overCoverage += 1;
            }
            s_received[claimId] += received;
            s_ghostPaidOut += received;
        }
    }

    function _isInsuranceCall(bytes memory action) internal pure returns (bool) {
        bytes4 selector = bytes4(action);
        return selector == ClaimsInsurance.resolveDispute.selector || selector == ClaimsInsurance.collect.selector;
    }
}

/// @notice ClaimsInsurance's money, attacked through each transport: the pool backs every policy
/// sold (free + reserved = pool, reserved = the sum of open policies' reservations, liabilities
/// never exceed the balance), every settled claim received its full table payout, no claim is paid
/// twice or beyond its coverage (plus a forfeited bond), payouts are exactly the pool's decrease, and
/// the oracles hold exactly the request fees that were paid.
abstract contract ClaimsInsuranceInvariants is InferenceTestBase, ITransportDriver {
    uint96 internal constant FEE = 0.001 ether;
    address internal ARBITER = makeAddr("arbiter");
    ClaimsHandler internal handler;
    InferenceOracle internal reviewOracle;

    function setUp() public virtual override {
        super.setUp();
        oracle.setRequestFee(FEE);
        reviewOracle = _newOracle(0);
        _deployInsuranceWithReview(reviewOracle, 1 days, 5 ether, ARBITER);
        handler = new ClaimsHandler(insurance, oracle, this, MODEL_HASH, ARBITER);
        insurance.transferOwnership(address(handler));
        handler.acceptOwnership();

        bytes4[] memory selectors = new bytes4[](14);
        selectors[0] = ClaimsHandler.fund.selector;
        selectors[1] = ClaimsHandler.withdrawPool.selector;
        selectors[2] = ClaimsHandler.dispute.selector;
        selectors[3] = ClaimsHandler.buyAndClaim.selector;
        selectors[4] = ClaimsHandler.claim.selector;
        selectors[5] = ClaimsHandler.retry.selector;
        selectors[6] = ClaimsHandler.deliver.selector;
        selectors[7] = ClaimsHandler.replay.selector;
        selectors[8] = ClaimsHandler.arbitrate.selector;
        selectors[9] = ClaimsHandler.collect.selector;
        selectors[10] = ClaimsHandler.expire.selector;
        selectors[11] = ClaimsHandler.release.selector;
        selectors[12] = ClaimsHandler.warp.selector;
        selectors[13] = ClaimsHandler.buyAndClaim.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    function noteRequest(bytes32 requestId, Vm.Log[] memory logs) external {
        _noteRequest(requestId, logs);
    }

    function answer(bytes32 requestId, bytes memory response) external {
        _answer(requestId, response);
    }

    function answerDirectly(bytes32 requestId, bytes memory response) external {
        _answerDirectly(requestId, response);
    }

    /// The handler's paths do pay, review, dispute, book and collect fees (so the invariants are not
    /// vacuous).
    function test_HandlerPaysReviewsDisputesAndNeverPaysTwice() public {
        handler.buyAndClaim(1, 4 ether, true);
        handler.deliver(0, SEVERE, 0);
        assertEq(handler.s_ghostPaidOut(), 4 ether, "at or below the threshold: paid at once");
        handler.replay(0, SEVERE);
        assertEq(handler.s_doublePays(), 0);

        handler.buyAndClaim(2, 10 ether, true);
        handler.deliver(1, SEVERE, 0);
        uint256 claimId = handler.s_claims(1);
        assertEq(uint8(insurance.getClaim(claimId).status), uint8(ClaimsInsurance.ClaimStatus.UnderReview));
        handler.dispute(1, false);
        assertEq(insurance.bonds(), 1 ether);
        handler.deliver(1, MINOR, 0);
        assertEq(handler.s_ghostPaidOut(), 4 ether + 2.5 ether, "the review's payout");
        assertEq(handler.s_ghostBondsToPool(), 1 ether);
        assertEq(address(oracle).balance, 2 * FEE, "the claimants paid their requests");
        assertEq(address(reviewOracle).balance, 0, "the review oracle charges no fee here");
        assertEq(insurance.reserved(), 0);
    }

    function invariant_FreePoolPlusReservedIsThePool() public view {
        assertEq(insurance.freePool() + insurance.reserved(), insurance.pool());
        uint256 open = 0;
        for (uint256 i = 0; i < handler.policyCount(); ++i) {
            ClaimsInsurance.Policy memory p = insurance.getPolicy(handler.s_policies(i));
            if (p.status != ClaimsInsurance.PolicyStatus.Closed) {
                open += p.reserved;
            }
        }
        assertEq(insurance.reserved(), open, "reserved = the open policies' reservations");
    }

    function invariant_LiabilitiesNeverExceedTheBalance() public view {
        uint256 balance = address(insurance).balance;
        assertLe(insurance.reserved() + insurance.totalOwed() + insurance.bonds(), balance);
        assertEq(balance, insurance.pool() + insurance.totalOwed() + insurance.bonds(), "no fee lands here");
    }

    function invariant_EverySettledClaimReceivedItsFullTablePayout() public view {
        for (uint256 i = 0; i < handler.claimCount(); ++i) {
            uint256 claimId = handler.s_claims(i);
            ClaimsInsurance.Claim memory c = insurance.getClaim(claimId);
            if (c.status != ClaimsInsurance.ClaimStatus.Settled) {
                assertEq(handler.s_received(claimId), 0, "nothing paid before settlement");
                continue;
            }
            ClaimsInsurance.Policy memory p = insurance.getPolicy(c.policyId);
            uint16[] memory table = insurance.getTerms(p.termsId).payoutRatioBps;
            uint256 expected = c.severity < table.length ? (uint256(p.coverage) * table[c.severity]) / 10_000 : 0;
            assertEq(c.payout, expected, "the table payout of the final severity");
            assertGe(handler.s_received(claimId), expected, "received in full (paid or credited)");
            assertEq(uint8(p.status), uint8(ClaimsInsurance.PolicyStatus.Closed), "its reservation released");
        }
    }

    function invariant_NoClaimPaidTwice() public view {
        assertEq(handler.s_doublePays(), 0);
        assertEq(handler.s_overCoverage(), 0);
    }

    function invariant_PayoutsEqualPoolDecrease() public view {
        // Everything that entered the pool is still in it, was withdrawn, or was paid to a holder.
        assertEq(
            POOL_FUNDING + handler.s_ghostDeposits() + handler.s_ghostBondsToPool() - handler.s_ghostWithdrawn()
                - insurance.pool(),
            insurance.totalPaid()
        );
        assertEq(insurance.totalPaid() + handler.s_ghostBondsToHolders(), handler.s_ghostPaidOut());
        assertEq(
            handler.s_ghostBondsPosted() - handler.s_ghostBondsToPool() - handler.s_ghostBondsToHolders(),
            insurance.bonds()
        );
    }

    function invariant_OraclesHoldExactlyTheFeesPaid() public view {
        assertEq(address(oracle).balance + address(reviewOracle).balance, handler.s_ghostFees());
    }
}

contract FunctionsClaimsInsuranceInvariantTest is FunctionsDonTest, ClaimsInsuranceInvariants {
    function setUp() public override(InferenceTestBase, ClaimsInsuranceInvariants) {
        ClaimsInsuranceInvariants.setUp();
    }
}

contract CreClaimsInsuranceInvariantTest is CreDonTest, ClaimsInsuranceInvariants {
    function setUp() public override(InferenceTestBase, ClaimsInsuranceInvariants) {
        ClaimsInsuranceInvariants.setUp();
    }
}
