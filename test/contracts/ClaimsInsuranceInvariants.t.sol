// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {CommonBase} from "forge-std/Base.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {Vm} from "forge-std/Vm.sol";
import {FunctionsResponse} from "@chainlink/contracts/src/v0.8/functions/v1_0_0/libraries/FunctionsResponse.sol";
import {FunctionsCoordinator} from "@chainlink/contracts/src/v0.8/functions/v1_3_0/FunctionsCoordinator.sol";
import {FunctionsDonTest} from "./helpers/FunctionsDonTest.sol";
import {ClaimsInsurance} from "../../contracts/examples/ClaimsInsurance.sol";
import {FunctionsInferenceOracle} from "../../contracts/oracles/FunctionsInferenceOracle.sol";
import {InferenceResult} from "../../contracts/libraries/InferenceResult.sol";

/// @dev Drives ClaimsInsurance through its Functions oracle and the real DON: policies, claims,
/// signed reports with valid, erroring, malformed or foreign results, retries, replays of settled
/// requests straight from the router, request fees, and funding. Ghost variables record what
/// actually left the contracts.
contract ClaimsHandler is CommonBase, StdUtils {
    ClaimsInsurance internal immutable i_insurance;
    FunctionsInferenceOracle internal immutable i_oracle;
    FunctionsCoordinator internal immutable i_coordinator;
    address internal immutable i_router;
    bytes32 internal immutable i_configDigest;
    bytes32 internal immutable i_modelHash;
    bytes32 internal immutable i_photoSha;
    address internal immutable i_transmitter;
    uint256[] internal s_signerKeys;
    string internal constant URI = "ipfs://bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";
    bytes32 internal constant ORACLE_REQUEST = keccak256(
        "OracleRequest(bytes32,address,address,uint64,address,bytes,uint16,bytes32,uint64,"
        "(bytes32,address,uint96,address,uint64,uint32,uint72,uint72,uint40,uint40,uint32))"
    );

    uint256[] public s_claims;
    mapping(uint256 => FunctionsResponse.Commitment) internal s_commitmentOf;
    mapping(uint256 => uint256) public s_timesPaid;
    uint256 public s_ghostPaidOut;
    uint256 public s_ghostDeposits;
    uint256 public s_doublePays;
    uint256 public s_overCoverage;
    uint256 public s_ghostFees;

    constructor(
        ClaimsInsurance insurance,
        FunctionsInferenceOracle oracle,
        FunctionsCoordinator coordinator,
        address router,
        bytes32 configDigest,
        bytes32 modelHash,
        bytes32 photoSha,
        address transmitter,
        uint256[] memory signerKeys
    ) {
        i_insurance = insurance;
        i_oracle = oracle;
        i_coordinator = coordinator;
        i_router = router;
        i_configDigest = configDigest;
        i_modelHash = modelHash;
        i_photoSha = photoSha;
        i_transmitter = transmitter;
        s_signerKeys = signerKeys;
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
        vm.deal(holder, premium);
        vm.prank(holder);
        uint256 policyId = i_insurance.buyPolicy{value: premium}(coverage, 30 days);
        s_ghostDeposits += premium;
        uint256 fee = i_oracle.requestFee();
        vm.deal(holder, fee);
        vm.recordLogs();
        vm.prank(holder);
        uint256 claimId = i_insurance.fileClaim{value: fee}(policyId, URI, i_photoSha);
        s_ghostFees += fee;
        s_claims.push(claimId);
        s_commitmentOf[claimId] = _commitment(vm.getRecordedLogs());
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
        InferenceResult.Data memory r = InferenceResult.Data({
            result: bound(severity, 0, 6),
            modelHash: i_modelHash,
            inputHash: i_photoSha,
            responded: 3,
            agreed: 3,
            observedAt: uint64(block.timestamp)
        });
        bytes memory response = InferenceResult.encode(r);
        bytes memory err = "";
        kind = kind % 4;
        if (kind == 1) {
            response = "";
            err = "adapters disagree";
        } else if (kind == 2) {
            response = abi.encodePacked(severity);
        } else if (kind == 3) {
            r.inputHash = keccak256(abi.encode(severity));
            response = InferenceResult.encode(r);
        }
        _observe(claimId, c.policyId, _transmitAction(claimId, response, err));
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
            s_commitmentOf[claimId] = _commitment(vm.getRecordedLogs());
            s_ghostFees += fee;
        } catch {}
    }

    /// A settled request answered again straight from the router: must never pay twice.
    function replay(uint256 claimSeed, uint256 severity) external {
        if (s_claims.length == 0) {
            return;
        }
        uint256 claimId = s_claims[bound(claimSeed, 0, s_claims.length - 1)];
        ClaimsInsurance.Claim memory c = i_insurance.getClaim(claimId);
        InferenceResult.Data memory r = InferenceResult.Data({
            result: bound(severity, 0, 4),
            modelHash: i_modelHash,
            inputHash: i_photoSha,
            responded: 3,
            agreed: 3,
            observedAt: uint64(block.timestamp)
        });
        bytes memory response = InferenceResult.encode(r);
        bytes32 requestId = c.requestId;
        _observe(claimId, c.policyId, abi.encodeCall(this.routerCallback, (requestId, response)));
    }

    function routerCallback(bytes32 requestId, bytes calldata response) external {
        vm.prank(i_router);
        i_oracle.handleOracleFulfillment(requestId, response, "");
    }

    function transmitSigned(bytes32[3] calldata context, bytes calldata report) external {
        bytes32 digest = keccak256(abi.encodePacked(keccak256(report), context));
        bytes32[] memory rs = new bytes32[](s_signerKeys.length);
        bytes32[] memory ss = new bytes32[](s_signerKeys.length);
        bytes memory v = new bytes(32);
        for (uint256 i = 0; i < s_signerKeys.length; ++i) {
            (uint8 vi, bytes32 r, bytes32 s) = vm.sign(s_signerKeys[i], digest);
            rs[i] = r;
            ss[i] = s;
            v[i] = bytes1(vi - 27);
        }
        vm.prank(i_transmitter, i_transmitter);
        i_coordinator.transmit(context, report, rs, ss, bytes32(v));
    }

    function _transmitAction(uint256 claimId, bytes memory response, bytes memory err)
        internal
        view
        returns (bytes memory)
    {
        FunctionsResponse.Commitment memory commitment = s_commitmentOf[claimId];
        bytes32[] memory ids = new bytes32[](1);
        ids[0] = commitment.requestId;
        bytes[] memory results = new bytes[](1);
        results[0] = response;
        bytes[] memory errors = new bytes[](1);
        errors[0] = err;
        bytes[] memory onchainMeta = new bytes[](1);
        onchainMeta[0] = abi.encode(commitment);
        bytes memory report = abi.encode(ids, results, errors, onchainMeta, new bytes[](1));
        bytes32[3] memory context = [i_configDigest, bytes32(uint256(0x0101)), bytes32(0)];
        return abi.encodeCall(this.transmitSigned, (context, report));
    }

    /// Runs `action` (a call on this handler) and books what left the contract.
    function _observe(uint256 claimId, uint256 policyId, bytes memory action) internal {
        address holder = i_insurance.getPolicy(policyId).holder;
        uint256 before = holder.balance + i_insurance.owed(holder);
        (bool ok,) = address(this).call(action);
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

    function _commitment(Vm.Log[] memory logs) internal view returns (FunctionsResponse.Commitment memory c) {
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].emitter == address(i_coordinator) && logs[i].topics[0] == ORACLE_REQUEST) {
                (,,,,,,, c) = abi.decode(
                    logs[i].data,
                    (address, uint64, address, bytes, uint16, bytes32, uint64, FunctionsResponse.Commitment)
                );
                return c;
            }
        }
        revert("no OracleRequest");
    }
}

contract ClaimsInsuranceInvariantTest is FunctionsDonTest {
    ClaimsHandler internal handler;

    function setUp() public override {
        super.setUp();
        oracle.setRequestFee(0.001 ether);
        handler = new ClaimsHandler(
            insurance,
            FunctionsInferenceOracle(address(oracle)),
            fn.coordinator,
            address(fn.router),
            fn.configDigest,
            MODEL_HASH,
            PHOTO_SHA,
            s_transmitters[0],
            _signerKeys(REQUIRED_SIGNATURES)
        );
        bytes4[] memory selectors = new bytes4[](5);
        selectors[0] = ClaimsHandler.fund.selector;
        selectors[1] = ClaimsHandler.buyAndClaim.selector;
        selectors[2] = ClaimsHandler.deliver.selector;
        selectors[3] = ClaimsHandler.retry.selector;
        selectors[4] = ClaimsHandler.replay.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
        targetContract(address(handler));
    }

    /// The handler's paths do pay and do book (so the invariants are not vacuous).
    function test_HandlerPaysThroughTheDonAndNeverTwice() public {
        handler.buyAndClaim(1, 10 ether);
        handler.deliver(0, 4, 0);
        assertEq(handler.s_ghostPaidOut(), 10 ether);
        assertEq(insurance.totalPaid(), 10 ether);
        handler.replay(0, 4);
        assertEq(handler.s_ghostPaidOut(), 10 ether);
        assertEq(handler.s_doublePays(), 0);
        assertEq(address(oracle).balance, 0.001 ether, "the claimant paid the request fee");
    }

    function invariant_PoolStaysSolvent() public view {
        assertGe(address(insurance).balance, insurance.pool() + insurance.totalOwed());
    }

    function invariant_OracleHoldsExactlyTheFeesPaid() public view {
        assertEq(address(oracle).balance, handler.s_ghostFees());
        assertEq(address(insurance).balance, insurance.pool() + insurance.totalOwed(), "no fee lands in the pool");
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
}
