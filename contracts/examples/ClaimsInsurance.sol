// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {InferenceConsumer} from "../InferenceConsumer.sol";
import {InferenceResult} from "../libraries/InferenceResult.sol";
import {FunctionsArgs} from "../libraries/FunctionsArgs.sol";

/// @title ClaimsInsurance
/// @notice Example dApp: photo-assessed damage insurance. The insurer (owner) funds a pool in native
/// currency; a policyholder buys a policy (premium, coverage, term); during the term they file a claim
/// with a photo (URI + sha256); the contract asks `damage-v1` for the damage severity through
/// Chainlink Functions and, once the result is accepted, pays `coverage * payoutRatioBps[severity] /
/// 10_000`, at most once per claim and never more than the coverage or the pool.
/// @dev Native currency rather than an ERC20: no token to trust or approve, the same code on every
/// chain, and a payout that cannot be blocked by a token's blacklist. A payout is pushed with the
/// 2,300-gas stipend; if the holder cannot receive it, it is credited for `withdraw()` instead, so
/// the router's callback never reverts. One claim per policy; a claim whose inference is rejected
/// may be retried (up to `MAX_ATTEMPTS`, until `CLAIM_GRACE` after the term) and otherwise expires.
contract ClaimsInsurance is InferenceConsumer {
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
    /// time out after 5 minutes).
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

    uint256 public s_pool;
    uint256 public s_totalOwed;
    uint256 public s_totalPaid;
    uint16 public s_premiumBps;
    uint64 public s_policyCount;
    uint64 public s_claimCount;
    uint16[] internal s_payoutRatioBps;
    mapping(uint256 => Policy) internal s_policies;
    mapping(uint256 => Claim) internal s_claims;
    mapping(bytes32 => uint256) internal s_claimOfRequest;
    mapping(address => uint256) public s_owed;

    /// @notice Emitted when the pool receives funds.
    event PoolFunded(address indexed from, uint256 amount);
    /// @notice Emitted when the insurer takes funds out of the pool.
    event PoolWithdrawn(address indexed to, uint256 amount);
    /// @notice Emitted when the insurer sets the premium rate and the payout table.
    event TermsSet(uint16 premiumBps, uint16[] payoutRatioBps);
    /// @notice Emitted when a policy is bought.
    event PolicyPurchased(
        uint256 indexed policyId, address indexed holder, uint256 coverage, uint256 premium, uint256 end
    );
    /// @notice Emitted when a claim is filed or retried; `requestId` is its Functions request.
    event ClaimRequested(
        uint256 indexed claimId, uint256 indexed policyId, bytes32 indexed requestId, string photoUri, bytes32 photoSha256
    );
    /// @notice Emitted when an accepted assessment settles a claim.
    event ClaimSettled(uint256 indexed claimId, uint256 severity, uint256 payout);
    /// @notice Emitted when a claim's assessment was rejected; it may be retried.
    event ClaimRejected(uint256 indexed claimId, uint8 reason);
    /// @notice Emitted when a claim can no longer be retried.
    event ClaimExpired(uint256 indexed claimId);
    /// @notice Emitted when a payout could not be pushed and was credited for `withdraw()`.
    event PayoutDeferred(address indexed holder, uint256 amount);

    /// @notice Thrown by `buyPolicy()` when `msg.value` is not the premium.
    error WrongPremium(uint256 expected, uint256 sent);
    /// @notice Thrown by `buyPolicy()` on a zero coverage or a term outside (0, MAX_TERM].
    error InvalidPolicy(uint256 coverage, uint256 term);
    /// @notice Thrown by `buyPolicy()` when the pool cannot cover `coverage`, and by `withdrawPool()`
    /// when it holds less than `amount`.
    error InsufficientPool(uint256 pool, uint256 amount);
    /// @notice Thrown by `fileClaim()` (and `retryClaim()`, unless the insurer) when the caller does not
    /// hold `policyId`.
    error NotPolicyHolder(uint256 policyId, address caller);
    /// @notice Thrown by `fileClaim()` outside the policy's term.
    error OutsideTerm(uint256 policyId, uint256 start, uint256 end);
    /// @notice Thrown by `fileClaim()` when the policy already has its claim.
    error AlreadyClaimed(uint256 policyId);
    /// @notice Thrown by `fileClaim()`/`retryClaim()` on an empty, too long or JSON-unsafe photo URI.
    error InvalidPhotoUri();
    /// @notice Thrown by `retryClaim()`/`expireClaim()` when the claim is not in a state that allows it.
    error ClaimNotRetryable(uint256 claimId, ClaimStatus status);
    /// @notice Thrown by `setTerms()` on an out-of-range rate or table.
    error InvalidTerms();
    /// @notice Thrown by `withdraw()` when nothing is owed, or when sending fails.
    error NothingToWithdraw(address holder);

    constructor(address router) InferenceConsumer(router) {}

    // ---------------------------------------------------------------- insurer

    /// @notice Adds `msg.value` to the pool.
    function fundPool() external payable {
        s_pool += msg.value;
        emit PoolFunded(msg.sender, msg.value);
    }

    /// @notice Takes `amount` out of the pool to `to`. Owner only.
    function withdrawPool(address payable to, uint256 amount) external onlyOwner {
        uint256 pool = s_pool;
        if (amount > pool) {
            revert InsufficientPool(pool, amount);
        }
        s_pool = pool - amount;
        emit PoolWithdrawn(to, amount);
        (bool sent,) = to.call{value: amount}("");
        if (!sent) {
            revert NothingToWithdraw(to);
        }
    }

    /// @notice Sets the premium (basis points of coverage) and the payout ratio of each severity class.
    function setTerms(uint16 premiumBps, uint16[] calldata payoutRatioBps) external onlyOwner {
        if (premiumBps == 0 || premiumBps > BPS || payoutRatioBps.length == 0) {
            revert InvalidTerms();
        }
        if (payoutRatioBps.length > MAX_SEVERITY_CLASSES) {
            revert InvalidTerms();
        }
        for (uint256 i = 0; i < payoutRatioBps.length; ++i) {
            if (payoutRatioBps[i] > BPS) {
                revert InvalidTerms();
            }
        }
        s_premiumBps = premiumBps;
        s_payoutRatioBps = payoutRatioBps;
        emit TermsSet(premiumBps, payoutRatioBps);
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
        uint256 pool = s_pool + premium;
        if (coverage > pool) {
            revert InsufficientPool(pool, coverage);
        }
        s_pool = pool;
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

    /// @notice Files the policy's claim with a photo of the damage and requests its assessment.
    /// @param photoUri Where adapters fetch the photo (`ipfs://...` or `https://...`).
    /// @param photoSha256 sha256 of the photo file's bytes (the inference's input hash).
    function fileClaim(uint256 policyId, string calldata photoUri, bytes32 photoSha256)
        external
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
    /// `photoUri` must point to the photo whose sha256 was filed.
    function retryClaim(uint256 claimId, string calldata photoUri) external {
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
            revert NothingToWithdraw(msg.sender);
        }
    }

    // ---------------------------------------------------------------- views

    /// @notice A policy by id.
    function getPolicy(uint256 policyId) external view returns (Policy memory) {
        return s_policies[policyId];
    }

    /// @notice A claim by id.
    function getClaim(uint256 claimId) external view returns (Claim memory) {
        return s_claims[claimId];
    }

    /// @notice The claim a request assesses (zero if none).
    function claimOfRequest(bytes32 requestId) external view returns (uint256) {
        return s_claimOfRequest[requestId];
    }

    /// @notice The payout ratio (basis points) of each severity class.
    function payoutRatios() external view returns (uint16[] memory) {
        return s_payoutRatioBps;
    }

    // ---------------------------------------------------------------- inference hooks

    /// @inheritdoc InferenceConsumer
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
        uint256 pool = s_pool;
        if (payout > pool) {
            payout = pool;
        }
        claim.status = ClaimStatus.Settled;
        claim.payout = uint128(payout);
        emit ClaimSettled(claimId, result.result, payout);
        if (payout == 0) {
            return;
        }
        s_pool = pool - payout;
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

    /// @inheritdoc InferenceConsumer
    function _onInferenceRejected(bytes32 requestId, bytes32, uint8 reason) internal override {
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
        bytes32 requestId = _requestInference(DAMAGE_MODEL, input, claim.photoSha256);
        claim.status = ClaimStatus.Pending;
        claim.attempts += 1;
        claim.requestedAt = uint40(block.timestamp);
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
            revert InvalidPhotoUri();
        }
        for (uint256 i = 0; i < b.length; ++i) {
            bytes1 c = b[i];
            if (c < 0x20 || c == '"' || c == "\\" || c == 0x7f) {
                revert InvalidPhotoUri();
            }
        }
    }
}
