// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {CommonBase} from "forge-std/Base.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {Vm} from "forge-std/Vm.sol";
import {ClaimsInsurance} from "../../contracts/examples/ClaimsInsurance.sol";
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

/// @dev Drives ClaimsInsurance through its oracle and the transport's full path: policies, claims
/// paying the request fee, DON-signed answers with valid, rejectable, malformed or foreign results,
/// retries, answers again to settled requests, and funding. Ghost variables record what actually
/// left the contracts.
contract ClaimsHandler is CommonBase, StdUtils {
    ClaimsInsurance internal immutable i_insurance;
    InferenceOracle internal immutable i_oracle;
    ITransportDriver internal immutable i_driver;
    bytes32 internal immutable i_modelHash;
    bytes32 internal immutable i_photoSha;
    string internal constant URI = "ipfs://bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";

    uint256[] public s_claims;
    mapping(uint256 => uint256) public s_timesPaid;
    uint256 public s_ghostPaidOut;
    uint256 public s_ghostDeposits;
    uint256 public s_ghostFees;
    uint256 public s_doublePays;
    uint256 public s_overCoverage;

    constructor(
        ClaimsInsurance insurance,
        InferenceOracle oracle,
        ITransportDriver driver,
        bytes32 modelHash,
        bytes32 photoSha
    ) {
        i_insurance = insurance;
        i_oracle = oracle;
        i_driver = driver;
        i_modelHash = modelHash;
        i_photoSha = photoSha;
    }

    function claimCount() external view returns (uint256) {
        return s_claims.length;
    }

    function fund(uint256 amount) external {
        amount = bound(amount, 0, 20 ether);
        vm.deal(address(this), amount);
        i_insurance.fundPool{value: amount}();
        s_ghostDeposits += amount;
    }

    function buyAndClaim(uint256 actorSeed, uint128 coverage) external {
        address holder = address(uint160(bound(actorSeed, 1, 3) + 0xA11CE));
        coverage = uint128(bound(coverage, 1 ether, 40 ether));
        if (coverage > i_insurance.pool()) {
            return;
        }
        uint256 premium = i_insurance.premiumFor(coverage);
        uint256 fee = i_oracle.requestFee();
        vm.deal(holder, premium + fee);
        vm.prank(holder);
        uint256 policyId = i_insurance.buyPolicy{value: premium}(coverage, 30 days);
        s_ghostDeposits += premium;
        vm.recordLogs();
        vm.prank(holder);
        uint256 claimId = i_insurance.fileClaim{value: fee}(policyId, URI, i_photoSha);
        s_ghostFees += fee;
        s_claims.push(claimId);
        i_driver.noteRequest(i_insurance.getClaim(claimId).requestId, vm.getRecordedLogs());
    }

    function deliver(uint256 claimSeed, uint256 severity, uint8 kind) external {
        if (s_claims.length == 0) {
            return;
        }
        uint256 claimId = s_claims[bound(claimSeed, 0, s_claims.length - 1)];
        ClaimsInsurance.Claim memory c = i_insurance.getClaim(claimId);
        if (c.status != ClaimsInsurance.ClaimStatus.Pending) {
            return;
        }
        InferenceResult.Data memory r = _result(bound(severity, 0, 6));
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
        _observe(claimId, c.policyId, abi.encodeCall(ITransportDriver.answer, (c.requestId, response)));
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

    /// The claim's current request answered again as the transport's trusted caller, whatever its
    /// state (for a settled claim: a replay of an answer that already counted).
    function replay(uint256 claimSeed, uint256 severity) external {
        if (s_claims.length == 0) {
            return;
        }
        uint256 claimId = s_claims[bound(claimSeed, 0, s_claims.length - 1)];
        ClaimsInsurance.Claim memory c = i_insurance.getClaim(claimId);
        bytes memory response = InferenceResult.encode(_result(bound(severity, 0, 4)));
        _observe(
            claimId, c.policyId, abi.encodeCall(ITransportDriver.answerDirectly, (c.requestId, response))
        );
    }

    function _result(uint256 severity) internal view returns (InferenceResult.Data memory) {
        return InferenceResult.Data({
            result: severity,
            modelHash: i_modelHash,
            inputHash: i_photoSha,
            responded: 3,
            agreed: 3,
            observedAt: uint64(block.timestamp)
        });
    }

    /// Runs `action` (a call on the driver) and books what reached the claim's holder.
    function _observe(uint256 claimId, uint256 policyId, bytes memory action) internal {
        address holder = i_insurance.getPolicy(policyId).holder;
        uint256 before = holder.balance + i_insurance.owed(holder);
        (bool ok,) = address(i_driver).call(action);
        ok;
        uint256 received = holder.balance + i_insurance.owed(holder) - before;
        if (received > 0) {
            s_timesPaid[claimId] += 1;
            if (s_timesPaid[claimId] > 1) {
                s_doublePays += 1;
            }
            if (received > i_insurance.getPolicy(policyId).coverage) {
                s_overCoverage += 1;
            }
            s_ghostPaidOut += received;
        }
    }
}

/// @notice ClaimsInsurance's money, attacked through each transport: the pool stays solvent, no
/// claim is paid twice or beyond its coverage, payouts are exactly the pool's decrease, and the
/// oracle holds exactly the request fees claimants paid.
abstract contract ClaimsInsuranceInvariants is InferenceTestBase, ITransportDriver {
    uint96 internal constant FEE = 0.001 ether;
    ClaimsHandler internal handler;

    function setUp() public virtual override {
        super.setUp();
        oracle.setRequestFee(FEE);
        handler = new ClaimsHandler(insurance, oracle, this, MODEL_HASH, PHOTO_SHA);
        bytes4[] memory selectors = new bytes4[](5);
        selectors[0] = ClaimsHandler.fund.selector;
        selectors[1] = ClaimsHandler.buyAndClaim.selector;
        selectors[2] = ClaimsHandler.deliver.selector;
        selectors[3] = ClaimsHandler.retry.selector;
        selectors[4] = ClaimsHandler.replay.selector;
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

    /// The handler's paths do pay, do book and do collect fees (so the invariants are not vacuous).
    function test_HandlerPaysThroughTheTransportAndNeverTwice() public {
        handler.buyAndClaim(1, 10 ether);
        handler.deliver(0, 4, 0);
        assertEq(handler.s_ghostPaidOut(), 10 ether);
        assertEq(insurance.totalPaid(), 10 ether);
        handler.replay(0, 4);
        assertEq(handler.s_ghostPaidOut(), 10 ether);
        assertEq(handler.s_doublePays(), 0);
        assertEq(address(oracle).balance, FEE, "the claimant paid the request fee");
    }

    function invariant_PoolStaysSolvent() public view {
        assertGe(address(insurance).balance, insurance.pool() + insurance.totalOwed());
    }

    function invariant_NoClaimPaidTwice() public view {
        assertEq(handler.s_doublePays(), 0);
        assertEq(handler.s_overCoverage(), 0);
    }

    function invariant_PayoutsEqualPoolDecrease() public view {
        // Everything that entered the pool is either still in it or was paid to a holder.
        assertEq(POOL_FUNDING + handler.s_ghostDeposits() - insurance.pool(), insurance.totalPaid());
        assertEq(insurance.totalPaid(), handler.s_ghostPaidOut());
    }

    function invariant_OracleHoldsExactlyTheFeesPaid() public view {
        assertEq(address(oracle).balance, handler.s_ghostFees());
        assertEq(
            address(insurance).balance, insurance.pool() + insurance.totalOwed(), "no fee lands in the pool"
        );
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
