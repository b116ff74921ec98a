// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {ConfirmedOwner} from "@chainlink/contracts/src/v0.8/shared/access/ConfirmedOwner.sol";
import {InferenceClient} from "../InferenceClient.sol";
import {IClaimsInsuranceEvents} from "../interfaces/IClaimsInsurance.sol";
import {IInferenceOracleEvents} from "../interfaces/IInferenceOracle.sol";
import {InferenceResult} from "../libraries/InferenceResult.sol";
import {FunctionsArgs} from "../libraries/FunctionsArgs.sol";

/// @title ClaimsInsurance
/// @notice Example dApp: photo-assessed damage insurance. The insurer (owner) funds a pool in native
/// currency; a policyholder buys a policy (premium, coverage, term); during the term they file a claim
/// with a photo (URI + sha256); the contract asks `damage-v1` for the damage severity through its
/// inference oracle (any transport: Chainlink Functions or CRE, chosen at deployment) and, once the
/// result is accepted, pays `coverage * payoutRatioBps[severity] / 10_000`, at most once per claim and
/// never more than the coverage or the pool.
/// @dev Native currency rather than an ERC20: no token to trust or approve, the same code on every
/// chain, and a payout that cannot be blocked by a token's blacklist. A payout is pushed with the
/// 2,300-gas stipend; if the holder cannot receive it, it is credited for `withdraw()` instead, so
/// the oracle's callback never reverts. One claim per policy; a claim whose inference is rejected
/// may be retried (up to `MAX_ATTEMPTS`, until `CLAIM_GRACE` after the term) and otherwise expires.
/// Filing or retrying a claim pays the oracle's request fee (`requestFee()`, zero by default).
contract ClaimsInsurance is InferenceClient, ConfirmedOwner, IClaimsInsuranceEvents {
    /// @notice The model that assesses damage photos; its result is the severity class index.
    bytes32 public constant DAMAGE_MODEL = bytes32("damage-v1");
    /// @notice Basis points in one.
    uint256 public constant BPS = 10_000;
    /// @notice Longest term a policy may have.
    uint256 public constant MAX_TERM = 365 days;
    /// @notice How long after a policy's end its claim may still be retried.
    uint256 public constant CLAIM_GRACE = 7 days;
    /// @notice Requests per claim (the first and the retries).
    uint8 public constant MAX_ATTEMPTS = 3;
    /// @notice After this long without an answer a pending claim may be retried (Functions requests
    /// time out after 5 minutes; a CRE report that could not be delivered never arrives).
    uint256 public constant REQUEST_TIMEOUT = 10 minutes;
    /// @notice Longest photo URI accepted.
    uint256 public constant MAX_URI_LENGTH = 256;
    /// @notice Most severity classes the payout table may have.
    uint256 public constant MAX_SEVERITY_CLASSES = 16;

    /// @notice A claim's state.
    enum ClaimStatus {
        None,
        Pending,
        Rejected,
        Settled,
        Expired
    }

    /// @notice A policy (two storage slots).
    struct Policy {
        address holder;
        uint40 start;
        uint40 end;
        bool claimed;
        uint128 coverage;
        uint128 premium;
    }

    /// @notice A claim (three storage slots).
    struct Claim {
        uint64 policyId;
        ClaimStatus status;
        uint8 attempts;
        uint40 requestedAt;
        uint128 payout;
        bytes32 requestId;
        bytes32 photoSha256;
    }

    uint256 internal s_pool;
    uint256 internal s_totalOwed;
    uint256 internal s_totalPaid;
    uint16 internal s_premiumBps;
    uint64 internal s_policyCount;
    uint64 internal s_claimCount;
    uint16[] internal s_payoutRatioBps;
    mapping(uint256 => Policy) internal s_policies;
    mapping(uint256 => Claim) internal s_claims;
    mapping(bytes32 => uint256) internal s_claimOfRequest;
    mapping(address => uint256) internal s_owed;

    /// @notice Thrown by `buyPolicy()` when `msg.value` is not the premium.
    error WrongPremium(uint256 expected, uint256 sent);
    /// @notice Thrown by `buyPolicy()` on a zero coverage or a term outside (0, MAX_TERM].
    error InvalidPolicy(uint256 coverage, uint256 term);
    /// @notice Thrown by `buyPolicy()` when the pool cannot cover `coverage`, and by `withdrawPool()`
    /// when it holds less than `amount`.
    error InsufficientPool(uint256 available, uint256 amount);
    /// @notice Thrown by `fileClaim()` (and `retryClaim()`, unless the insurer) when the caller does not
    /// hold `policyId`.
    error NotPolicyHolder(uint256 policyId, address caller);
    /// @notice Thrown by `fileClaim()` outside the policy's term.
    error OutsideTerm(uint256 policyId, uint256 start, uint256 end);
    /// @notice Thrown by `fileClaim()` when the policy already has its claim.
    error AlreadyClaimed(uint256 policyId);
    /// @notice Thrown by `fileClaim()`/`retryClaim()` on an empty photo URI or one longer than `max`.
    error InvalidPhotoUriLength(uint256 length, uint256 max);
    /// @notice Thrown by `fileClaim()`/`retryClaim()` on a photo URI character that could break the
    /// adapter input's JSON (a quote, a backslash or a control character) at `index`.
    error InvalidPhotoUriCharacter(uint256 index, bytes1 character);
    /// @notice Thrown by `retryClaim()`/`expireClaim()` when the claim is not in a state that allows it.
    error ClaimNotRetryable(uint256 claimId, ClaimStatus status);
    /// @notice Thrown by `setTerms()` on a premium rate outside (0, BPS].
    error InvalidPremiumBps(uint16 premiumBps);
    /// @notice Thrown by `setTerms()` on an empty payout table or one with more than `max` classes.
    error InvalidPayoutTableLength(uint256 length, uint256 max);
    /// @notice Thrown by `setTerms()` when the payout of severity class `severity` exceeds BPS.
    error InvalidPayoutRatio(uint256 severity, uint16 ratioBps);
    /// @notice Thrown by `withdraw()` when nothing is owed to `holder`.
    error NothingToWithdraw(address holder);
    /// @notice Thrown by `withdraw()` and `withdrawPool()` when sending `amount` to `to` fails.
    error TransferFailed(address to, uint256 amount);

    /// @param oracleAddress The inference oracle (any transport) that assesses claims; it must allow
    /// this contract as a client.
    constructor(address oracleAddress) InferenceClient(oracleAddress) ConfirmedOwner(msg.sender) {}

    // ---------------------------------------------------------------- insurer

    /// @notice Adds `msg.value` to the pool.
    function fundPool() external payable {
        s_pool += msg.value;
        emit PoolFunded(msg.sender, msg.value);
    }

    /// @notice Takes `amount` out of the pool to `to`. Owner only.
    /// @param to The recipient.
    /// @param amount Wei to take out; at most the pool.
    function withdrawPool(address payable to, uint256 amount) external onlyOwner {
        uint256 available = s_pool;
        if (amount > available) {
            revert InsufficientPool(available, amount);
        }
        s_pool = available - amount;
        emit PoolWithdrawn(to, amount);
        (bool sent,) = to.call{value: amount}("");
        if (!sent) {
            revert TransferFailed(to, amount);
        }
    }

    /// @notice Sets the premium (basis points of coverage) and the payout ratio of each severity class.
    /// @param premiumRateBps Premium as basis points of the coverage, in (0, BPS].
    /// @param payoutRatioBps Payout per severity class (the model's result), basis points of the
    /// coverage, each at most BPS; 1 to MAX_SEVERITY_CLASSES entries.
    function setTerms(uint16 premiumRateBps, uint16[] calldata payoutRatioBps) external onlyOwner {
        if (premiumRateBps == 0 || premiumRateBps > BPS) {
            revert InvalidPremiumBps(premiumRateBps);
        }
        if (payoutRatioBps.length == 0 || payoutRatioBps.length > MAX_SEVERITY_CLASSES) {
            revert InvalidPayoutTableLength(payoutRatioBps.length, MAX_SEVERITY_CLASSES);
        }
        for (uint256 i = 0; i < payoutRatioBps.length; ++i) {
            if (payoutRatioBps[i] > BPS) {
                revert InvalidPayoutRatio(i, payoutRatioBps[i]);
            }
        }
        s_premiumBps = premiumRateBps;
        s_payoutRatioBps = payoutRatioBps;
        emit TermsSet(premiumRateBps, payoutRatioBps);
    }

    // ---------------------------------------------------------------- policyholder

    /// @notice The premium of a policy with `coverage`.
    function premiumFor(uint256 coverage) public view returns (uint256) {
        return (coverage * s_premiumBps) / BPS;
    }

    /// @notice Buys a policy starting now for `term` seconds; `msg.value` must be the premium.
    function buyPolicy(uint128 coverage, uint32 term) external payable returns (uint256 policyId) {
        if (coverage == 0 || term == 0 || term > MAX_TERM || s_premiumBps == 0) {
            revert InvalidPolicy(coverage, term);
        }
        uint256 premium = premiumFor(coverage);
        if (msg.value != premium) {
            revert WrongPremium(premium, msg.value);
        }
        uint256 available = s_pool + premium;
        if (coverage > available) {
            revert InsufficientPool(available, coverage);
        }
        s_pool = available;
        policyId = ++s_policyCount;
        uint40 end = uint40(block.timestamp + term);
        s_policies[policyId] = Policy({
            holder: msg.sender,
            start: uint40(block.timestamp),
            end: end,
            claimed: false,
            coverage: coverage,
            premium: uint128(premium)
        });
        emit PolicyPurchased(policyId, msg.sender, coverage, premium, end);
        return policyId;
    }

    /// @notice Files the policy's claim with a photo of the damage and requests its assessment;
    /// `msg.value` pays the oracle's request fee (`requestFee()`).
    /// @param policyId The caller's policy.
    /// @param photoUri Where adapters fetch the photo (`ipfs://...` or `https://...`).
    /// @param photoSha256 sha256 of the photo file's bytes (the inference's input hash).
    function fileClaim(uint256 policyId, string calldata photoUri, bytes32 photoSha256)
        external
        payable
        returns (uint256 claimId)
    {
        Policy storage policy = s_policies[policyId];
        if (policy.holder != msg.sender) {
            revert NotPolicyHolder(policyId, msg.sender);
        }
        if (block.timestamp < policy.start || block.timestamp > policy.end) {
            revert OutsideTerm(policyId, policy.start, policy.end);
        }
        if (policy.claimed) {
            revert AlreadyClaimed(policyId);
        }
        policy.claimed = true;
        claimId = ++s_claimCount;
        Claim storage claim = s_claims[claimId];
        claim.policyId = uint64(policyId);
        claim.photoSha256 = photoSha256;
        _sendAssessment(claimId, claim, photoUri);
        return claimId;
    }

    /// @notice Sends a claim's assessment again after a rejection, or after its request timed out.
    /// Only the policyholder or the insurer may (a stranger could burn the attempts with a bad URI);
    /// `msg.value` pays the oracle's request fee.
    /// @param claimId The claim.
    /// @param photoUri Where adapters fetch the photo whose sha256 was filed.
    function retryClaim(uint256 claimId, string calldata photoUri) external payable {
        Claim storage claim = s_claims[claimId];
        if (msg.sender != s_policies[claim.policyId].holder && msg.sender != owner()) {
            revert NotPolicyHolder(claim.policyId, msg.sender);
        }
        if (!_retryable(claim)) {
            revert ClaimNotRetryable(claimId, claim.status);
        }
        delete s_claimOfRequest[claim.requestId];
        _sendAssessment(claimId, claim, photoUri);
    }

    /// @notice Closes a claim that was rejected (or timed out) and can no longer be retried.
    /// @param claimId The claim.
    function expireClaim(uint256 claimId) external {
        Claim storage claim = s_claims[claimId];
        bool open = claim.status == ClaimStatus.Rejected
            || (claim.status == ClaimStatus.Pending && block.timestamp > claim.requestedAt + REQUEST_TIMEOUT);
        if (!open || _retryable(claim)) {
            revert ClaimNotRetryable(claimId, claim.status);
        }
        claim.status = ClaimStatus.Expired;
        delete s_claimOfRequest[claim.requestId];
        emit ClaimExpired(claimId);
    }

    /// @notice Sends the caller what is owed to them from payouts that could not be pushed.
    function withdraw() external {
        uint256 amount = s_owed[msg.sender];
        if (amount == 0) {
            revert NothingToWithdraw(msg.sender);
        }
        s_owed[msg.sender] = 0;
        s_totalOwed -= amount;
        (bool sent,) = msg.sender.call{value: amount}("");
        if (!sent) {
            revert TransferFailed(msg.sender, amount);
        }
    }

    // ---------------------------------------------------------------- views

    /// @notice Funds that back policies and pay claims (wei).
    function pool() external view returns (uint256) {
        return s_pool;
    }

    /// @notice Payouts credited for `withdraw()` and not yet withdrawn, over all holders (wei).
    function totalOwed() external view returns (uint256) {
        return s_totalOwed;
    }

    /// @notice Everything paid out (pushed or credited) so far (wei).
    function totalPaid() external view returns (uint256) {
        return s_totalPaid;
    }

    /// @notice What `holder` may `withdraw()` (wei).
    /// @param holder A policyholder.
    function owed(address holder) external view returns (uint256) {
        return s_owed[holder];
    }

    /// @notice The premium rate, basis points of the coverage.
    function premiumBps() external view returns (uint16) {
        return s_premiumBps;
    }

    /// @notice Policies sold so far (ids 1 to this).
    function policyCount() external view returns (uint64) {
        return s_policyCount;
    }

    /// @notice Claims filed so far (ids 1 to this).
    function claimCount() external view returns (uint64) {
        return s_claimCount;
    }

    /// @notice A policy by id.
    /// @param policyId The policy.
    function getPolicy(uint256 policyId) external view returns (Policy memory) {
        return s_policies[policyId];
    }

    /// @notice A claim by id.
    /// @param claimId The claim.
    function getClaim(uint256 claimId) external view returns (Claim memory) {
        return s_claims[claimId];
    }

    /// @notice The claim a request assesses (zero if none).
    /// @param requestId The inference request.
    function claimOfRequest(bytes32 requestId) external view returns (uint256) {
        return s_claimOfRequest[requestId];
    }

    /// @notice The payout ratio (basis points) of each severity class.
    function payoutRatios() external view returns (uint16[] memory) {
        return s_payoutRatioBps;
    }

    // ---------------------------------------------------------------- inference hooks

    /// @inheritdoc InferenceClient
    function _onInference(bytes32 requestId, bytes32, InferenceResult.Data memory result) internal override {
        uint256 claimId = s_claimOfRequest[requestId];
        Claim storage claim = s_claims[claimId];
        if (claimId == 0 || claim.status != ClaimStatus.Pending || claim.requestId != requestId) {
            return;
        }
        delete s_claimOfRequest[requestId];
        Policy storage policy = s_policies[claim.policyId];
        uint256 payout = 0;
        if (result.result < s_payoutRatioBps.length) {
            payout = (uint256(policy.coverage) * s_payoutRatioBps[result.result]) / BPS;
        }
        uint256 available = s_pool;
        if (payout > available) {
            payout = available;
        }
        claim.status = ClaimStatus.Settled;
        claim.payout = uint128(payout);
        emit ClaimSettled(claimId, result.result, payout);
        if (payout == 0) {
            return;
        }
        s_pool = available - payout;
        s_totalPaid += payout;
        address holder = policy.holder;
        // The stipend only (no gas forwarded): enough for an EOA, never enough to re-enter.
        (bool sent,) = payable(holder).call{value: payout, gas: 0}("");
        if (!sent) {
            s_owed[holder] += payout;
            s_totalOwed += payout;
            emit PayoutDeferred(holder, payout);
        }
    }

    /// @inheritdoc InferenceClient
    function _onInferenceRejected(bytes32 requestId, bytes32, IInferenceOracleEvents.RejectReason reason)
        internal
        override
    {
        uint256 claimId = s_claimOfRequest[requestId];
        Claim storage claim = s_claims[claimId];
        if (claimId == 0 || claim.status != ClaimStatus.Pending || claim.requestId != requestId) {
            return;
        }
        claim.status = ClaimStatus.Rejected;
        emit ClaimRejected(claimId, reason);
    }

    // ---------------------------------------------------------------- internals

    function _sendAssessment(uint256 claimId, Claim storage claim, string calldata photoUri) private {
        _checkUri(photoUri);
        string memory input = string.concat(
            '{"image":{"url":"', photoUri, '","sha256":"', FunctionsArgs.hexString(claim.photoSha256), '"}}'
        );
        claim.status = ClaimStatus.Pending;
        claim.attempts += 1;
        claim.requestedAt = uint40(block.timestamp);
        // The oracle is this contract's own (immutable); it answers later, never within this call.
        bytes32 requestId = _requestInference(DAMAGE_MODEL, input, claim.photoSha256);
        claim.requestId = requestId;
        s_claimOfRequest[requestId] = claimId;
        emit ClaimRequested(claimId, claim.policyId, requestId, photoUri, claim.photoSha256);
    }

    function _retryable(Claim storage claim) private view returns (bool) {
        bool open = claim.status == ClaimStatus.Rejected
            || (claim.status == ClaimStatus.Pending && block.timestamp > claim.requestedAt + REQUEST_TIMEOUT);
        return open && claim.attempts < MAX_ATTEMPTS
            && block.timestamp <= uint256(s_policies[claim.policyId].end) + CLAIM_GRACE;
    }

    /// @dev The URI is spliced into JSON: no quotes, backslashes or control characters.
    function _checkUri(string calldata uri) private pure {
        bytes calldata b = bytes(uri);
        if (b.length == 0 || b.length > MAX_URI_LENGTH) {
            revert InvalidPhotoUriLength(b.length, MAX_URI_LENGTH);
        }
        for (uint256 i = 0; i < b.length; ++i) {
            bytes1 c = b[i];
            if (c < 0x20 || c == '"' || c == "\\" || c == 0x7f) {
                revert InvalidPhotoUriCharacter(i, c);
            }
        }
    }
}
