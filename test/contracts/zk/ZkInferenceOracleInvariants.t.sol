// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {CommonBase} from "forge-std/Base.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {IZkInferenceOracle} from "../../../contracts/interfaces/IZkInferenceOracle.sol";
import {InferenceOracle} from "../../../contracts/oracles/InferenceOracle.sol";
import {ZkInferenceOracle} from "../../../contracts/oracles/ZkInferenceOracle.sol";
import {RiskPricing} from "../../../contracts/examples/RiskPricing.sol";
import {RiskV1ProofVector} from "./vectors/RiskV1ProofVector.sol";
import {RiskV1RequestVectors} from "./vectors/RiskV1RequestVectors.sol";
import {ZkOracleTestBase} from "./ZkOracleTestBase.sol";

/// @dev Drives RiskPricing on the zero-knowledge oracle as customers and provers would, honest or
/// not: quotes for two customers' commitments paying the request fee; valid proofs, proofs with a
/// flipped bit, another result, another customer's proof, re-sent proofs; fee withdrawals. Ghost
/// variables record what the contracts should hold.
contract ZkPricingHandler is CommonBase, StdUtils {
    ZkInferenceOracle internal immutable i_oracle;
    RiskPricing internal immutable i_pricing;
    bytes32 internal immutable i_modelHash;
    address internal immutable i_owner;

    bytes32[] public s_requests;
    mapping(bytes32 requestId => bytes32 commitment) public s_commitmentOf;
    uint256 public s_ghostFees;
    uint256 public s_ghostWithdrawn;
    uint256 public s_acceptedFulfilments;
    uint256 public s_wrongAccepted;

    constructor(ZkInferenceOracle oracle, RiskPricing pricing, bytes32 modelHash, address owner) {
        i_oracle = oracle;
        i_pricing = pricing;
        i_modelHash = modelHash;
        i_owner = owner;
    }

    function requestCount() external view returns (uint256) {
        return s_requests.length;
    }

    /// The proven result of a commitment the handler uses.
    function trueResult(bytes32 commitment) public pure returns (uint256) {
        return commitment == bytes32(RiskV1ProofVector.INPUT_COMMITMENT)
            ? RiskV1ProofVector.RESULT
            : RiskV1RequestVectors.RESULT_OTHER_FEATURES;
    }

    function quote(uint256 customerSeed, bool other) external {
        address customer = address(uint160(bound(customerSeed, 1, 3) + 0xC0FFEE));
        bytes32 commitment = other
            ? bytes32(RiskV1RequestVectors.INPUT_COMMITMENT_OTHER_FEATURES)
            : bytes32(RiskV1ProofVector.INPUT_COMMITMENT);
        uint256 fee = i_oracle.requestFee();
        vm.deal(customer, fee);
        vm.prank(customer);
        bytes32 requestId = i_pricing.requestQuoteByHash{value: fee}(commitment, "");
        s_requests.push(requestId);
        s_commitmentOf[requestId] = commitment;
        s_ghostFees += fee;
    }

    /// `kind`: 0 the right proof, 1 a flipped bit, 2 another result, 3 the other customer's proof,
    /// 4 the other customer's proof relabelled with this request's commitment.
    function fulfil(uint256 index, uint8 kind, uint256 bit) external {
        if (s_requests.length == 0) {
            return;
        }
        bytes32 requestId = s_requests[bound(index, 0, s_requests.length - 1)];
        bytes32 commitment = s_commitmentOf[requestId];
        bool isA = commitment == bytes32(RiskV1ProofVector.INPUT_COMMITMENT);
        kind = uint8(bound(kind, 0, 4));
        IZkInferenceOracle.ZkAnswer memory answer = _answer(isA != (kind >= 3));
        if (kind == 1) {
            bit = bound(bit, 0, 256 * 8 - 1);
            answer.proof[bit / 8] ^= bytes1(uint8(1) << uint8(bit % 8));
        } else if (kind == 2) {
            answer.result = bound(bit, 0, 10_000);
        } else if (kind == 4) {
            answer.inputCommitment = commitment;
        }
        InferenceOracle.Request memory request = InferenceOracle.Request({
            client: address(i_pricing), modelId: bytes32("risk-v1"), inputHash: commitment
        });
        vm.prank(address(0xBEEF));
        try i_oracle.fulfill(requestId, request, answer) {
            s_acceptedFulfilments += 1;
            if (kind != 0 && answer.result != trueResult(commitment)) {
                s_wrongAccepted += 1;
            }
        } catch {}
    }

    function withdraw(uint256 amount) external {
        amount = bound(amount, 0, address(i_oracle).balance);
        vm.prank(i_owner);
        i_oracle.withdrawFees(payable(address(0xFEE5)), amount);
        s_ghostWithdrawn += amount;
    }

    function _answer(bool forA) internal view returns (IZkInferenceOracle.ZkAnswer memory) {
        return IZkInferenceOracle.ZkAnswer({
            result: forA ? RiskV1ProofVector.RESULT : RiskV1RequestVectors.RESULT_OTHER_FEATURES,
            modelHash: i_modelHash,
            inputCommitment: forA
                ? bytes32(RiskV1ProofVector.INPUT_COMMITMENT)
                : bytes32(RiskV1RequestVectors.INPUT_COMMITMENT_OTHER_FEATURES),
            weightsCommitment: bytes32(RiskV1ProofVector.WEIGHTS_COMMITMENT),
            proof: forA ? RiskV1ProofVector.PROOF : RiskV1RequestVectors.PROOF_OTHER_FEATURES
        });
    }
}

/// @notice Whatever customers and provers do: a quote is priced only from the true result of its
/// own features, at most once; fees are all accounted for.
contract ZkInferenceOracleInvariantTest is ZkOracleTestBase {
    ZkPricingHandler internal handler;

    function setUp() public override {
        super.setUp();
        oracle.setRequestFee(0.001 ether);
        handler = new ZkPricingHandler(oracle, pricing, RISK_HASH, address(this));
        targetContract(address(handler));
    }

    /// forge-config: default.invariant.runs = 16
    /// forge-config: default.invariant.depth = 24
    function invariant_QuotesArePricedOnlyFromTheirOwnProvenResult() public view {
        uint256 settled;
        for (uint256 i = 0; i < handler.requestCount(); ++i) {
            bytes32 requestId = handler.s_requests(i);
            uint256 premium = pricing.getQuote(requestId).premium;
            if (oracle.isPending(requestId)) {
                assertEq(premium, 0, "a pending quote is unpriced");
            } else {
                settled += 1;
                assertEq(
                    premium, _premium(handler.trueResult(handler.s_commitmentOf(requestId))), "true price"
                );
            }
        }
        assertEq(settled, handler.s_acceptedFulfilments(), "one settlement per accepted proof");
        assertEq(handler.s_wrongAccepted(), 0, "no wrong statement accepted");
    }

    /// forge-config: default.invariant.runs = 16
    /// forge-config: default.invariant.depth = 24
    function invariant_FeesAreAccountedFor() public view {
        assertEq(address(oracle).balance, handler.s_ghostFees() - handler.s_ghostWithdrawn());
        assertEq(address(0xFEE5).balance, handler.s_ghostWithdrawn());
    }
}
