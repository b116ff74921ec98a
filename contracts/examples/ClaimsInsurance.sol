// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {ConfirmedOwner} from "@chainlink/contracts/src/v0.8/shared/access/ConfirmedOwner.sol";
import {InferenceClient} from "../InferenceClient.sol";
import {IClaimsInsuranceEvents} from "../interfaces/IClaimsInsurance.sol";
import {IInferenceOracle, IInferenceOracleEvents} from "../interfaces/IInferenceOracle.sol";
import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {InferenceResult} from "../libraries/InferenceResult.sol";
import {FunctionsArgs} from "../libraries/FunctionsArgs.sol";

/// @title ClaimsInsurance
/// @notice Example dApp: photo-assessed damage insurance. The insurer (owner) funds a pool in native
/// currency and sets terms; a policyholder buys a policy (premium, coverage, term) under the current
/// terms, which it keeps; after the terms' waiting period and within the term they file a claim with
/// a photo (URI + sha256) that no other claim has used; the contract asks `damage-v1` for the damage
/// severity through its inference oracle (any transport: Chainlink Functions or CRE, chosen at
/// deployment) and, once the result is accepted, pays `coverage * payoutRatioBps[severity] / 10_000`.
/// A payout above the terms' review threshold waits out a review window in which the insurer may
/// dispute it, posting a bond, and send it to a fresh round on a second oracle (another adapter
/// set) or to the terms' arbiter; past the window the holder collects.
/// @dev Money: every policy reserves its largest possible payout at purchase (`reserved()`), so the
/// pool always backs every policy sold; cover the free pool cannot back is refused, `withdrawPool`
/// takes only free funds, and a reservation is released when its claim closes or its policy ends
/// without one. Balance = pool + owed + bonds; pool = free + reserved. Native currency rather than an
/// ERC20: no token to trust, the same code on every chain, no blacklist can block a payout. A payout
/// is pushed with the 2,300-gas stipend; if the holder cannot receive it, it is credited for
/// `withdraw()` instead, so the oracle's callback never reverts. One claim per policy; a claim whose
/// inference is rejected may be retried (up to `MAX_ATTEMPTS`, until `CLAIM_GRACE` after the term),
/// always with the holder's photo (the insurer must repeat the holder's URI), and otherwise expires.
/// Every request pays the oracle's request fee (`requestFee()`): the holder's claim and retries, the
/// insurer's review round.
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
    /// @notice Longest waiting period terms may set.
    uint32 public constant MAX_WAITING_PERIOD = 90 days;
    /// @notice Shortest review window terms may set (zero disables review).
    uint32 public constant MIN_REVIEW_WINDOW = 1 hours;
    /// @notice Longest review window terms may set.
    uint32 public constant MAX_REVIEW_WINDOW = 30 days;
    /// @notice The insurer's bond on a dispute, basis points of the disputed payout.
    uint256 public constant DISPUTE_BOND_BPS = 1_000;
    /// @notice A dispute not decided this long after it was raised is lost by the insurer.
    uint256 public constant DISPUTE_TIMEOUT = 7 days;
    /// @notice Gas the oracle must give this contract's callback: what the costliest paths measurably
    /// need, cold (a payout credited to a holder that refuses transfers: 118,268; a lost dispute whose
    /// payout and bond are credited: 124,015; `ClaimsInsuranceCallbackGasTest`), plus about 20%.
    /// Requests are refused when the oracle's callback gas limit is below it.
    uint32 public constant CALLBACK_GAS_REQUIRED = 150_000;
    /// @notice Largest coverage (the policy record keeps it in 96 bits).
    uint256 public constant MAX_COVERAGE = type(uint96).max;

    /// @notice A claim's state.
    enum ClaimStatus {
        None,
        Pending,
        Rejected,
        Settled,
        Expired,
        UnderReview,
        Disputed
    }

    /// @notice A policy's state: `Active` holds its reservation; `Claimed` has a claim that holds it;
    /// `Closed` released it.
    enum PolicyStatus {
        None,
        Active,
        Claimed,
        Closed
    }

    /// @notice The insurer's terms; a policy keeps the terms it was sold under.
    /// @param premiumBps Premium, basis points of the coverage (rounded up), in (0, BPS].
    /// @param waitingPeriod Seconds from purchase to the first possible claim, at most
    /// `MAX_WAITING_PERIOD`.
    /// @param reviewWindow Seconds a payout above `reviewThreshold` waits before the holder collects
    /// (0: no review, every payout is paid at once), else in [MIN_REVIEW_WINDOW, MAX_REVIEW_WINDOW].
    /// @param reviewThreshold Payouts (wei) above this wait out the review window.
    /// @param minCoverage Smallest coverage sold (wei), not zero.
    /// @param arbiter Who may decide a dispute sent to arbitration (zero: none); not the insurer.
    /// @param payoutRatioBps Payout per severity class, basis points of the coverage, each at most
    /// BPS; exactly as many entries as the registry's active `damage-v1` version has labels.
    struct Terms {
        uint16 premiumBps;
        uint32 waitingPeriod;
        uint32 reviewWindow;
        uint96 reviewThreshold;
        uint96 minCoverage;
        address arbiter;
        uint16[] payoutRatioBps;
    }

    /// @notice A policy (two storage slots).
    struct Policy {
        address holder;
        uint40 start;
        uint40 end;
        PolicyStatus status;
        uint96 coverage;
        uint96 reserved;
        uint32 termsId;
    }

    /// @notice A claim (four storage slots). `since` is when it entered its current state (request
    /// sent, review or dispute started); `payout` and `severity` (capped at 255) are the assessment's
    /// once there is one.
    struct Claim {
        uint64 policyId;
        ClaimStatus status;
        uint8 attempts;
        uint40 since;
        uint96 payout;
        uint8 severity;
        DisputeRoute route;
        bytes32 requestId;
        bytes32 photoSha256;
        bytes32 photoUriHash;
    }

    /// @notice Oracle of dispute reviews (another adapter set); zero if the insurer has none.
    IInferenceOracle internal immutable i_reviewOracle;

    uint256 internal s_pool;
    uint256 internal s_reserved;
    uint256 internal s_bonds;
    uint256 internal s_totalOwed;
    uint256 internal s_totalPaid;
    uint32 internal s_termsCount;
    uint64 internal s_policyCount;
    uint64 internal s_claimCount;
    mapping(uint256 termsId => Terms) internal s_terms;
    mapping(uint256 policyId => Policy) internal s_policies;
    mapping(uint256 claimId => Claim) internal s_claims;
    mapping(bytes32 requestId => uint256 claimId) internal s_claimOfRequest;
    mapping(bytes32 photoSha256 => uint256 claimId) internal s_claimOfPhoto;
    mapping(address holder => uint256 amount) internal s_owed;

    /// @notice Thrown by `buyPolicy()` when `msg.value` is not the premium.
    error WrongPremium(uint256 expected, uint256 sent);
    /// @notice Thrown by `buyPolicy()` on a term outside (waitingPeriod, MAX_TERM].
    error InvalidTerm(uint256 term, uint256 waitingPeriod, uint256 max);
    /// @notice Thrown by `buyPolicy()` on a coverage outside [minCoverage, MAX_COVERAGE].
    error InvalidCoverage(uint256 coverage, uint256 min, uint256 max);
    /// @notice Thrown by `buyPolicy()` before the insurer has set terms.
    error TermsNotSet();
    /// @notice Thrown by `buyPolicy()` when the free pool (with the premium) cannot back `reservation`,
    /// and by `withdrawPool()` when the free pool holds less than `amount`.
    error InsufficientPool(uint256 available, uint256 amount);
    /// @notice Thrown by `fileClaim()` (and `retryClaim()`, unless the insurer) when the caller does not
    /// hold `policyId`.
    error NotPolicyHolder(uint256 policyId, address caller);
    /// @notice Thrown by `fileClaim()` outside the policy's claim period [start + waiting, end].
    error OutsideClaimPeriod(uint256 policyId, uint256 claimableFrom, uint256 end);
    /// @notice Thrown by `fileClaim()` when the policy already has its claim, or is closed.
    error AlreadyClaimed(uint256 policyId);
    /// @notice Thrown by `fileClaim()` when the photo (its sha256) already backs claim `claimId`.
    error PhotoAlreadyUsed(bytes32 photoSha256, uint256 claimId);
    /// @notice Thrown by `fileClaim()` on a zero photo hash.
    error ZeroPhotoHash();
    /// @notice Thrown by `fileClaim()`/`retryClaim()` on an empty photo URI or one longer than `max`.
    error InvalidPhotoUriLength(uint256 length, uint256 max);
    /// @notice Thrown by `fileClaim()`/`retryClaim()` on a photo URI character that could break the
    /// adapter input's JSON (a quote, a backslash or a control character) at `index`.
    error InvalidPhotoUriCharacter(uint256 index, bytes1 character);
    /// @notice Thrown by `retryClaim()` and `disputeClaim()` when the insurer names another photo URI
    /// than the holder's.
    error NotTheHoldersPhotoUri(uint256 claimId, bytes32 uriHash);
    /// @notice Thrown by `retryClaim()`/`expireClaim()` when the claim is not in a state that allows it.
    error ClaimNotRetryable(uint256 claimId, ClaimStatus status);
    /// @notice Thrown by `collect()`, `disputeClaim()` and `resolveDispute()` when the claim is not in
    /// a state (or time) that allows it.
    error ClaimNotCollectable(uint256 claimId, ClaimStatus status, uint256 notBefore);
    /// @notice Thrown by `disputeClaim()` when the window closed at `reviewEndsAt`.
    error ReviewWindowClosed(uint256 claimId, uint256 reviewEndsAt);
    /// @notice Thrown by `disputeClaim()` when `route` is not available (no review oracle, or no
    /// arbiter in the policy's terms).
    error DisputeRouteUnavailable(DisputeRoute route);
    /// @notice Thrown by `disputeClaim()` when `msg.value` is not the bond (plus the review oracle's
    /// request fee on that route).
    error WrongDisputeValue(uint256 expected, uint256 sent);
    /// @notice Thrown by `resolveDispute()` when the caller is not the policy's arbiter.
    error NotArbiter(address caller, address arbiter);
    /// @notice Thrown by `releaseReservation()` while the policy can still be claimed, or is not Active.
    error ReservationInUse(uint256 policyId, PolicyStatus status, uint256 end);
    /// @notice Thrown by requests when the oracle would give this contract's callback less gas than
    /// the accept path with a payout needs.
    error OracleCallbackGasTooLow(uint32 callbackGasLimit, uint32 required);
    /// @notice Thrown by `setTerms()` on a premium rate outside (0, BPS].
    error InvalidPremiumBps(uint16 premiumBps);
    /// @notice Thrown by `setTerms()` on an empty payout table or one with more than `max` classes.
    error InvalidPayoutTableLength(uint256 length, uint256 max);
    /// @notice Thrown by `setTerms()` when the payout of severity class `severity` exceeds BPS.
    error InvalidPayoutRatio(uint256 severity, uint16 ratioBps);
    /// @notice Thrown by `setTerms()` and `buyPolicy()` when the payout table's length is not the
    /// label count the registry records for the active `damage-v1` version `modelHash`.
    error PayoutTableMismatch(bytes32 modelHash, uint256 tableLength, uint256 labelCount);
    /// @notice Thrown by `buyPolicy()` when the registry has no active `damage-v1` version.
    error NoActiveDamageModel();
    /// @notice Thrown by `setTerms()` on a waiting period above `max`.
    error InvalidWaitingPeriod(uint32 waitingPeriod, uint32 max);
    /// @notice Thrown by `setTerms()` on a review window neither 0 nor in [min, max].
    error InvalidReviewWindow(uint32 reviewWindow, uint32 min, uint32 max);
    /// @notice Thrown by `setTerms()` on a zero minimum coverage.
    error ZeroMinCoverage();
    /// @notice Thrown by `setTerms()` when the arbiter is the insurer itself.
    error ArbiterIsInsurer(address arbiter);
    /// @notice Thrown by `withdraw()` when nothing is owed to `holder`.
    error NothingToWithdraw(address holder);
    /// @notice Thrown by `withdraw()` and `withdrawPool()` when sending `amount` to `to` fails.
    error TransferFailed(address to, uint256 amount);

    /// @param oracleAddress The inference oracle (any transport) that assesses claims; it must allow
    /// this contract as a client.
    /// @param reviewOracleAddress A second oracle, with another adapter set, for disputed claims (zero:
    /// none; disputes then go to the terms' arbiter); it must allow this contract as a client.
    constructor(address oracleAddress, address reviewOracleAddress)
        InferenceClient(oracleAddress)
        ConfirmedOwner(msg.sender)
    {
        i_reviewOracle = IInferenceOracle(reviewOracleAddress);
    }

    // ---------------------------------------------------------------- insurer

    /// @notice Adds `msg.value` to the pool.
    function fundPool() external payable {
        s_pool += msg.value;
        emit PoolFunded(msg.sender, msg.value);
    }

    /// @notice Takes `amount` of the free pool (not reserved for policies) to `to`. Owner only.
    /// @param to The recipient.
    /// @param amount Wei to take out; at most `freePool()`.
    function withdrawPool(address payable to, uint256 amount) external onlyOwner {
        uint256 available = s_pool - s_reserved;
        if (amount > available) {
            revert InsufficientPool(available, amount);
        }
        s_pool -= amount;
        emit PoolWithdrawn(to, amount);
        (bool sent,) = to.call{value: amount}("");
        if (!sent) {
            revert TransferFailed(to, amount);
        }
    }

    /// @notice Sets the terms of policies sold from now on (policies already sold keep theirs).
    /// @param terms Premium rate, payout table, waiting period, review window and threshold, minimum
    /// coverage and arbiter (see `Terms`).
    function setTerms(Terms calldata terms) external onlyOwner {
        if (terms.premiumBps == 0 || terms.premiumBps > BPS) {
            revert InvalidPremiumBps(terms.premiumBps);
        }
        uint16[] calldata table = terms.payoutRatioBps;
        if (table.length == 0 || table.length > MAX_SEVERITY_CLASSES) {
            revert InvalidPayoutTableLength(table.length, MAX_SEVERITY_CLASSES);
        }
        for (uint256 i = 0; i < table.length; ++i) {
            if (table[i] > BPS) {
                revert InvalidPayoutRatio(i, table[i]);
            }
        }
        if (terms.waitingPeriod > MAX_WAITING_PERIOD) {
            revert InvalidWaitingPeriod(terms.waitingPeriod, MAX_WAITING_PERIOD);
        }
        if (
            terms.reviewWindow != 0
                && (terms.reviewWindow < MIN_REVIEW_WINDOW || terms.reviewWindow > MAX_REVIEW_WINDOW)
        ) {
            revert InvalidReviewWindow(terms.reviewWindow, MIN_REVIEW_WINDOW, MAX_REVIEW_WINDOW);
        }
        if (terms.minCoverage == 0) {
            revert ZeroMinCoverage();
        }
        if (terms.arbiter != address(0) && terms.arbiter == owner()) {
            revert ArbiterIsInsurer(terms.arbiter);
        }
        // Checked now if the model is registered already, and again at every sale.
        (IModelRegistry registry, bytes32 modelHash) = _damageModel();
        if (modelHash != bytes32(0)) {
            _checkTable(registry, modelHash, table.length);
        }
        uint32 termsId = ++s_termsCount;
        s_terms[termsId] = terms;
        emit TermsSet(
            termsId,
            terms.premiumBps,
            table,
            terms.waitingPeriod,
            terms.reviewWindow,
            terms.reviewThreshold,
            terms.minCoverage,
            terms.arbiter
        );
    }

    /// @notice Disputes a payout under review, posting the bond (`disputeBond(claimId)`); on the
    /// review-oracle route `msg.value` also pays that oracle's request fee. Owner only, within the
    /// review window.
    /// @param claimId A claim `UnderReview`.
    /// @param route `ReviewOracle` (a fresh round on the review oracle's adapters) or `Arbiter`.
    /// @param photoUri The holder's photo URI (review oracle route; ignored for the arbiter).
    function disputeClaim(uint256 claimId, DisputeRoute route, string calldata photoUri)
        external
        payable
        onlyOwner
    {
        Claim storage claim = s_claims[claimId];
        if (claim.status != ClaimStatus.UnderReview) {
            revert ClaimNotCollectable(claimId, claim.status, 0);
        }
        Policy storage policy = s_policies[claim.policyId];
        uint256 reviewEndsAt = uint256(claim.since) + s_terms[policy.termsId].reviewWindow;
        if (block.timestamp > reviewEndsAt) {
            revert ReviewWindowClosed(claimId, reviewEndsAt);
        }
        uint256 bond = disputeBond(claimId);
        bytes32 requestId;
        if (route == DisputeRoute.ReviewOracle && address(i_reviewOracle) != address(0)) {
            uint256 fee = i_reviewOracle.requestFee();
            if (msg.value != bond + fee) {
                revert WrongDisputeValue(bond + fee, msg.value);
            }
            _checkHoldersUri(claimId, claim, photoUri);
            _checkCallbackGas(i_reviewOracle);
            claim.status = ClaimStatus.Disputed;
            claim.route = route;
            claim.since = uint40(block.timestamp);
            s_bonds += bond;
            requestId = i_reviewOracle.requestInference{value: fee}(
                DAMAGE_MODEL, _input(photoUri, claim.photoSha256), claim.photoSha256
            );
            claim.requestId = requestId;
            s_claimOfRequest[requestId] = claimId;
        } else if (route == DisputeRoute.Arbiter && s_terms[policy.termsId].arbiter != address(0)) {
            if (msg.value != bond) {
                revert WrongDisputeValue(bond, msg.value);
            }
            claim.status = ClaimStatus.Disputed;
            claim.route = route;
            claim.since = uint40(block.timestamp);
            s_bonds += bond;
        } else {
            revert DisputeRouteUnavailable(route);
        }
        emit ClaimDisputed(claimId, route, bond, requestId);
    }

    // ---------------------------------------------------------------- arbiter

    /// @notice Decides a dispute sent to arbitration: the holder gets the payout of `severity` under
    /// the policy's terms. Only the arbiter the policy's terms name, before `DISPUTE_TIMEOUT`.
    /// @param claimId A claim `Disputed` on the arbiter route.
    /// @param severity The severity class the arbiter finds.
    function resolveDispute(uint256 claimId, uint256 severity) external {
        Claim storage claim = s_claims[claimId];
        if (
            claim.status != ClaimStatus.Disputed || claim.route != DisputeRoute.Arbiter
                || block.timestamp > uint256(claim.since) + DISPUTE_TIMEOUT
        ) {
            revert ClaimNotCollectable(claimId, claim.status, 0);
        }
        Policy storage policy = s_policies[claim.policyId];
        address arbiter = s_terms[policy.termsId].arbiter;
        if (msg.sender != arbiter) {
            revert NotArbiter(msg.sender, arbiter);
        }
        _resolve(claimId, claim, policy, severity, _payoutOf(policy, severity));
    }

    // ---------------------------------------------------------------- policyholder

    /// @notice The premium of a policy with `coverage` under the current terms (rounded up).
    /// @param coverage Coverage in wei.
    function premiumFor(uint256 coverage) public view returns (uint256) {
        return _premium(coverage, s_terms[s_termsCount].premiumBps);
    }

    /// @notice Buys a policy under the current terms, starting now for `term` seconds; `msg.value`
    /// must be the premium. Reserves the policy's largest payout from the free pool.
    /// @param coverage Coverage in wei, in [minCoverage, MAX_COVERAGE].
    /// @param term Seconds, longer than the waiting period and at most MAX_TERM.
    function buyPolicy(uint128 coverage, uint32 term) external payable returns (uint256 policyId) {
        uint32 termsId = s_termsCount;
        if (termsId == 0) {
            revert TermsNotSet();
        }
        uint256 reservation = _reserve(s_terms[termsId], coverage, term);
        policyId = ++s_policyCount;
        uint40 end = uint40(block.timestamp + term);
        s_policies[policyId] = Policy({
            holder: msg.sender,
            start: uint40(block.timestamp),
            end: end,
            status: PolicyStatus.Active,
            coverage: uint96(coverage),
            reserved: uint96(reservation),
            termsId: termsId
        });
        emit PolicyPurchased(policyId, msg.sender, coverage, msg.value, end, termsId, reservation);
        return policyId;
    }

    /// @notice Files the policy's claim with a photo of the damage and requests its assessment;
    /// `msg.value` pays the oracle's request fee (`requestFee()`). The photo must not back any other
    /// claim, and the policy's waiting period must be over.
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
        uint256 claimableFrom = uint256(policy.start) + s_terms[policy.termsId].waitingPeriod;
        if (block.timestamp < claimableFrom || block.timestamp > policy.end) {
            revert OutsideClaimPeriod(policyId, claimableFrom, policy.end);
        }
        if (policy.status != PolicyStatus.Active) {
            revert AlreadyClaimed(policyId);
        }
        if (photoSha256 == bytes32(0)) {
            revert ZeroPhotoHash();
        }
        uint256 usedBy = s_claimOfPhoto[photoSha256];
        if (usedBy != 0) {
            revert PhotoAlreadyUsed(photoSha256, usedBy);
        }
        policy.status = PolicyStatus.Claimed;
        claimId = ++s_claimCount;
        s_claimOfPhoto[photoSha256] = claimId;
        Claim storage claim = s_claims[claimId];
        claim.policyId = uint64(policyId);
        claim.photoSha256 = photoSha256;
        claim.photoUriHash = keccak256(bytes(photoUri));
        _sendAssessment(claimId, claim, photoUri);
        return claimId;
    }

    /// @notice Sends a claim's assessment again after a rejection, or after its request timed out;
    /// `msg.value` pays the oracle's request fee. The holder may name a new location of the photo
    /// (its sha256 stays the one filed); the insurer may only repeat the holder's URI, so it cannot
    /// burn the holder's attempts with a broken one.
    /// @param claimId The claim.
    /// @param photoUri Where adapters fetch the photo whose sha256 was filed.
    function retryClaim(uint256 claimId, string calldata photoUri) external payable {
        Claim storage claim = s_claims[claimId];
        bool isHolder = msg.sender == s_policies[claim.policyId].holder;
        if (!isHolder && msg.sender != owner()) {
            revert NotPolicyHolder(claim.policyId, msg.sender);
        }
        if (!_retryable(claim)) {
            revert ClaimNotRetryable(claimId, claim.status);
        }
        if (isHolder) {
            claim.photoUriHash = keccak256(bytes(photoUri));
        } else {
            _checkHoldersUri(claimId, claim, photoUri);
        }
        delete s_claimOfRequest[claim.requestId];
        _sendAssessment(claimId, claim, photoUri);
    }

    /// @notice Closes a claim that was rejected (or timed out) and can no longer be retried, and
    /// releases its policy's reservation.
    /// @param claimId The claim.
    function expireClaim(uint256 claimId) external {
        Claim storage claim = s_claims[claimId];
        bool open = claim.status == ClaimStatus.Rejected
            || (claim.status == ClaimStatus.Pending && block.timestamp > claim.since + REQUEST_TIMEOUT);
        if (!open || _retryable(claim)) {
            revert ClaimNotRetryable(claimId, claim.status);
        }
        claim.status = ClaimStatus.Expired;
        delete s_claimOfRequest[claim.requestId];
        emit ClaimExpired(claimId);
        _release(claim.policyId, s_policies[claim.policyId]);
    }

    /// @notice Pays a claim whose review window passed undisputed, or whose dispute was not decided
    /// within `DISPUTE_TIMEOUT` (the insurer loses it: the holder gets the payout and the bond).
    /// Anyone may call it; the money goes to the holder.
    /// @param claimId A claim `UnderReview` or `Disputed`.
    function collect(uint256 claimId) external {
        Claim storage claim = s_claims[claimId];
        Policy storage policy = s_policies[claim.policyId];
        if (claim.status == ClaimStatus.UnderReview) {
            uint256 reviewEndsAt = uint256(claim.since) + s_terms[policy.termsId].reviewWindow;
            if (block.timestamp <= reviewEndsAt) {
                revert ClaimNotCollectable(claimId, claim.status, reviewEndsAt + 1);
            }
            emit ClaimSettled(claimId, claim.severity, claim.payout);
            _settle(claim, policy, claim.payout, 0);
        } else if (claim.status == ClaimStatus.Disputed) {
            uint256 timeout = uint256(claim.since) + DISPUTE_TIMEOUT;
            if (block.timestamp <= timeout) {
                revert ClaimNotCollectable(claimId, claim.status, timeout + 1);
            }
            _loseDispute(claimId, claim, policy);
        } else {
            revert ClaimNotCollectable(claimId, claim.status, 0);
        }
    }

    /// @notice Releases the reservation of a policy that ended without a claim. Anyone may call it.
    /// @param policyId The policy.
    function releaseReservation(uint256 policyId) external {
        Policy storage policy = s_policies[policyId];
        if (policy.status != PolicyStatus.Active || block.timestamp <= policy.end) {
            revert ReservationInUse(policyId, policy.status, policy.end);
        }
        _release(policyId, policy);
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

    /// @notice Funds that back policies and pay claims (wei): `freePool() + reserved()`.
    function pool() external view returns (uint256) {
        return s_pool;
    }

    /// @notice The part of the pool reserved for the largest payouts of the policies sold (wei).
    function reserved() external view returns (uint256) {
        return s_reserved;
    }

    /// @notice The part of the pool that backs no policy: what new cover may reserve and
    /// `withdrawPool` may take (wei).
    function freePool() external view returns (uint256) {
        return s_pool - s_reserved;
    }

    /// @notice Bonds the insurer posted on open disputes (wei).
    function bonds() external view returns (uint256) {
        return s_bonds;
    }

    /// @notice Payouts credited for `withdraw()` and not yet withdrawn, over all holders (wei).
    function totalOwed() external view returns (uint256) {
        return s_totalOwed;
    }

    /// @notice Everything paid out of the pool (pushed or credited) so far (wei); bonds not included.
    function totalPaid() external view returns (uint256) {
        return s_totalPaid;
    }

    /// @notice What `holder` may `withdraw()` (wei).
    /// @param holder A policyholder.
    function owed(address holder) external view returns (uint256) {
        return s_owed[holder];
    }

    /// @notice The premium rate of the current terms, basis points of the coverage.
    function premiumBps() external view returns (uint16) {
        return s_terms[s_termsCount].premiumBps;
    }

    /// @notice The payout ratio (basis points) of each severity class under the current terms.
    function payoutRatios() external view returns (uint16[] memory) {
        return s_terms[s_termsCount].payoutRatioBps;
    }

    /// @notice The id of the current terms (0 before the first `setTerms`).
    function currentTermsId() external view returns (uint32) {
        return s_termsCount;
    }

    /// @notice Terms by id (a policy's are `getTerms(getPolicy(id).termsId)`).
    /// @param termsId The terms' id.
    function getTerms(uint256 termsId) external view returns (Terms memory) {
        return s_terms[termsId];
    }

    /// @notice The second oracle disputes may be sent to (zero if none).
    function reviewOracle() external view returns (address) {
        return address(i_reviewOracle);
    }

    /// @notice The bond the insurer posts to dispute `claimId` (wei).
    /// @param claimId A claim under review.
    function disputeBond(uint256 claimId) public view returns (uint256) {
        return (uint256(s_claims[claimId].payout) * DISPUTE_BOND_BPS) / BPS;
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

    /// @notice The claim a photo (its sha256) backs (zero if none): a photo backs at most one claim.
    /// @param photoSha256 sha256 of the photo file's bytes.
    function claimOfPhoto(bytes32 photoSha256) external view returns (uint256) {
        return s_claimOfPhoto[photoSha256];
    }

    // ---------------------------------------------------------------- inference hooks

    /// @dev Also the review oracle, for disputed claims.
    function _isOracle(address caller) internal view override returns (bool) {
        return caller == address(i_oracle) || (caller == address(i_reviewOracle) && caller != address(0));
    }

    /// @inheritdoc InferenceClient
    function _onInference(bytes32 requestId, bytes32, InferenceResult.Data memory result) internal override {
        uint256 claimId = s_claimOfRequest[requestId];
        Claim storage claim = s_claims[claimId];
        if (claimId == 0 || claim.requestId != requestId) {
            return;
        }
        Policy storage policy = s_policies[claim.policyId];
        uint256 payout = _payoutOf(policy, result.result);
        if (claim.status == ClaimStatus.Pending && msg.sender == address(i_oracle)) {
            delete s_claimOfRequest[requestId];
            Terms storage terms = s_terms[policy.termsId];
            if (terms.reviewWindow != 0 && payout > terms.reviewThreshold) {
                claim.status = ClaimStatus.UnderReview;
                claim.payout = uint96(payout);
                claim.severity = _severityByte(result.result);
                claim.since = uint40(block.timestamp);
                emit ClaimUnderReview(claimId, result.result, payout, block.timestamp + terms.reviewWindow);
                return;
            }
            claim.severity = _severityByte(result.result);
            emit ClaimSettled(claimId, result.result, payout);
            _settle(claim, policy, payout, 0);
        } else if (
            claim.status == ClaimStatus.Disputed && claim.route == DisputeRoute.ReviewOracle
                && msg.sender == address(i_reviewOracle)
        ) {
            delete s_claimOfRequest[requestId];
            _resolve(claimId, claim, policy, result.result, payout);
        }
    }

    /// @inheritdoc InferenceClient
    function _onInferenceRejected(bytes32 requestId, bytes32, IInferenceOracleEvents.RejectReason reason)
        internal
        override
    {
        uint256 claimId = s_claimOfRequest[requestId];
        Claim storage claim = s_claims[claimId];
        if (claimId == 0 || claim.requestId != requestId) {
            return;
        }
        if (claim.status == ClaimStatus.Pending && msg.sender == address(i_oracle)) {
            claim.status = ClaimStatus.Rejected;
            emit ClaimRejected(claimId, reason);
        } else if (
            claim.status == ClaimStatus.Disputed && claim.route == DisputeRoute.ReviewOracle
                && msg.sender == address(i_reviewOracle)
        ) {
            // The review round the insurer asked for produced no result: the dispute is lost.
            delete s_claimOfRequest[requestId];
            _loseDispute(claimId, claim, s_policies[claim.policyId]);
        }
    }

    // ---------------------------------------------------------------- internals

    /// @dev Ends a dispute with the reviewed `payout`: the insurer wins when it is below the disputed
    /// one (its bond returns to the pool), else the holder gets the bond too.
    function _resolve(
        uint256 claimId,
        Claim storage claim,
        Policy storage policy,
        uint256 severity,
        uint256 payout
    ) private {
        uint256 bond = disputeBond(claimId);
        bool insurerWon = payout < claim.payout;
        s_bonds -= bond;
        if (insurerWon) {
            s_pool += bond;
        }
        claim.severity = _severityByte(severity);
        emit DisputeResolved(claimId, insurerWon, payout, bond);
        emit ClaimSettled(claimId, severity, payout);
        _settle(claim, policy, payout, insurerWon ? 0 : bond);
    }

    /// @dev The insurer's dispute failed for lack of a decision: the disputed payout and the bond go
    /// to the holder.
    function _loseDispute(uint256 claimId, Claim storage claim, Policy storage policy) private {
        uint256 bond = disputeBond(claimId);
        s_bonds -= bond;
        emit DisputeResolved(claimId, false, claim.payout, bond);
        emit ClaimSettled(claimId, claim.severity, claim.payout);
        _settle(claim, policy, claim.payout, bond);
    }

    /// @dev Closes a claim: releases its policy's reservation, takes `payout` from the pool and sends
    /// the holder `payout + extra` (a lost dispute's bond, already taken out of the open bonds), or
    /// credits it for `withdraw()`.
    function _settle(Claim storage claim, Policy storage policy, uint256 payout, uint256 extra) private {
        claim.status = ClaimStatus.Settled;
        claim.payout = uint96(payout);
        _release(claim.policyId, policy);
        s_pool -= payout;
        s_totalPaid += payout;
        uint256 toHolder = payout + extra;
        if (toHolder == 0) {
            return;
        }
        address holder = policy.holder;
        // The stipend only (no gas forwarded): enough for an EOA, never enough to re-enter.
        (bool sent,) = payable(holder).call{value: toHolder, gas: 0}("");
        if (!sent) {
            s_owed[holder] += toHolder;
            s_totalOwed += toHolder;
            emit PayoutDeferred(holder, toHolder);
        }
    }

    function _release(uint256 policyId, Policy storage policy) private {
        uint256 amount = policy.reserved;
        policy.status = PolicyStatus.Closed;
        s_reserved -= amount;
        emit ReservationReleased(policyId, amount);
    }

    function _payoutOf(Policy storage policy, uint256 severity) private view returns (uint256) {
        uint16[] storage table = s_terms[policy.termsId].payoutRatioBps;
        if (severity >= table.length) {
            return 0;
        }
        return (uint256(policy.coverage) * table[severity]) / BPS;
    }

    /// @dev Checks a sale under `terms` (term, coverage, premium paid, table fits the active model)
    /// and reserves the policy's largest payout from the free pool, which the premium joins.
    function _reserve(Terms storage terms, uint256 coverage, uint32 term) private returns (uint256 reservation) {
        if (term <= terms.waitingPeriod || term > MAX_TERM) {
            revert InvalidTerm(term, terms.waitingPeriod, MAX_TERM);
        }
        if (coverage < terms.minCoverage || coverage > MAX_COVERAGE) {
            revert InvalidCoverage(coverage, terms.minCoverage, MAX_COVERAGE);
        }
        uint256 premium = _premium(coverage, terms.premiumBps);
        if (msg.value != premium) {
            revert WrongPremium(premium, msg.value);
        }
        uint16[] storage table = terms.payoutRatioBps;
        (IModelRegistry registry, bytes32 modelHash) = _damageModel();
        if (modelHash == bytes32(0)) {
            revert NoActiveDamageModel();
        }
        _checkTable(registry, modelHash, table.length);
        uint256 maxBps = 0;
        for (uint256 i = 0; i < table.length; ++i) {
            if (table[i] > maxBps) {
                maxBps = table[i];
            }
        }
        reservation = (coverage * maxBps) / BPS;
        uint256 newPool = s_pool + premium;
        uint256 newReserved = s_reserved + reservation;
        if (newReserved > newPool) {
            revert InsufficientPool(newPool - s_reserved, reservation);
        }
        s_pool = newPool;
        s_reserved = newReserved;
        return reservation;
    }

    function _severityByte(uint256 severity) private pure returns (uint8) {
        return severity > type(uint8).max ? type(uint8).max : uint8(severity);
    }

    function _premium(uint256 coverage, uint16 rateBps) private pure returns (uint256) {
        // Rounded up: no cover is free.
        return (coverage * rateBps + BPS - 1) / BPS;
    }

    function _sendAssessment(uint256 claimId, Claim storage claim, string calldata photoUri) private {
        _checkUri(photoUri);
        _checkCallbackGas(i_oracle);
        claim.status = ClaimStatus.Pending;
        claim.attempts += 1;
        claim.since = uint40(block.timestamp);
        // The oracle is this contract's own (immutable); it answers later, never within this call.
        bytes32 requestId = _requestInference(DAMAGE_MODEL, _input(photoUri, claim.photoSha256), claim.photoSha256);
        claim.requestId = requestId;
        s_claimOfRequest[requestId] = claimId;
        emit ClaimRequested(claimId, claim.policyId, requestId, photoUri, claim.photoSha256);
    }

    function _input(string calldata photoUri, bytes32 photoSha256) private pure returns (string memory) {
        return string.concat(
            '{"image":{"url":"', photoUri, '","sha256":"', FunctionsArgs.hexString(photoSha256), '"}}'
        );
    }

    function _retryable(Claim storage claim) private view returns (bool) {
        bool open = claim.status == ClaimStatus.Rejected
            || (claim.status == ClaimStatus.Pending && block.timestamp > claim.since + REQUEST_TIMEOUT);
        return open && claim.attempts < MAX_ATTEMPTS
            && block.timestamp <= uint256(s_policies[claim.policyId].end) + CLAIM_GRACE;
    }

    function _checkHoldersUri(uint256 claimId, Claim storage claim, string calldata photoUri) private view {
        bytes32 uriHash = keccak256(bytes(photoUri));
        if (uriHash != claim.photoUriHash) {
            revert NotTheHoldersPhotoUri(claimId, uriHash);
        }
    }

    function _checkCallbackGas(IInferenceOracle inferenceOracle) private view {
        uint32 limit = inferenceOracle.callbackGasLimit();
        if (limit < CALLBACK_GAS_REQUIRED) {
            revert OracleCallbackGasTooLow(limit, CALLBACK_GAS_REQUIRED);
        }
    }

    /// @dev The registry (through the oracle's acceptance policy) and its active `damage-v1` version
    /// (zero if none).
    function _damageModel() private view returns (IModelRegistry registry, bytes32 modelHash) {
        registry = IModelRegistry(i_oracle.acceptancePolicy().registry);
        if (address(registry) == address(0)) {
            return (registry, bytes32(0));
        }
        return (registry, registry.activeVersion(DAMAGE_MODEL));
    }

    function _checkTable(IModelRegistry registry, bytes32 modelHash, uint256 tableLength) private view {
        uint256 labelCount = registry.labelCountOf(DAMAGE_MODEL, modelHash);
        if (tableLength != labelCount) {
            revert PayoutTableMismatch(modelHash, tableLength, labelCount);
        }
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
