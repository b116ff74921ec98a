// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {InferenceTestBase} from "./InferenceTestBase.sol";

/// @notice `InferenceTestBase` with one claim filed by HOLDER and waiting for its answer, and the pool
/// and HOLDER balances from before it was answered (what a refused or rejected answer must leave as
/// they are). The acceptance matrix and the CRE receiver suites start from it.
abstract contract PendingClaimTest is InferenceTestBase {
    uint256 internal s_claimId;
    bytes32 internal s_requestId;
    uint256 internal s_poolBefore;
    uint256 internal s_holderBefore;

    function setUp() public virtual override {
        super.setUp();
        (s_claimId, s_requestId) = _buyAndClaim();
        s_poolBefore = insurance.pool();
        s_holderBefore = HOLDER.balance;
    }
}
