// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {Chainlink} from "@chainlink/contracts/src/v0.8/Chainlink.sol";
import {ChainlinkClient} from "@chainlink/contracts/src/v0.8/ChainlinkClient.sol";
import {OperatorInterface} from "@chainlink/contracts/src/v0.8/interfaces/OperatorInterface.sol";
import {LinkTokenInterface} from "@chainlink/contracts/src/v0.8/shared/interfaces/LinkTokenInterface.sol";

import {IQuorumConsumerEvents} from "./interfaces/IQuorumConsumer.sol";
import {IModelRegistry} from "./interfaces/IModelRegistry.sol";
import {InferenceResult} from "./libraries/InferenceResult.sol";

/// @title QuorumConsumer
/// @notice Base for dApps that take inference results over Chainlink direct request: one request is
/// sent to each of N node operators' `Operator` contracts (each running the onnx-oracle bridge and
/// `directrequest` job, see docs/operators.md), and the result is accepted once at least k answers
/// name the same approved model hash and the requested input hash and lie within a tolerance of
/// their median. Accepted results reach an `_onInference` hook of the same shape as
/// `InferenceClient`'s, and it emits the shared events of `IInferenceOracleEvents`.
/// @dev Each operator fulfils through `Operator.fulfillOracleRequest2` with
/// `abi.encode(bytes32 requestId, uint256 result, bytes32 modelHash, bytes32 inputHash)` (the job
/// spec's `encode_data` task). The Operator calls back with a low-level call and ignores a revert,
/// so answers that arrive from the right operator but do not count (late, wrong input, unapproved
/// model) are recorded with `AnswerRejected` instead of reverting; only a caller that is not the
/// operator asked, or a repeated answer, reverts. The request id handed to `_onInference` is this
/// contract's quorum id, not any one operator's Chainlink request id.
abstract contract QuorumConsumer is ChainlinkClient, IQuorumConsumerEvents {
    using Chainlink for Chainlink.Request;

    /// @notice One operator asked for every request of a model: its Operator contract, the
    /// on-chain id of its `directrequest` job (the job's externalJobID without dashes, as 32 ASCII
    /// bytes) and the LINK fee (juels) it is paid per request.
    struct OracleConfig {
        address operator;
        bytes32 jobId;
        uint96 fee;
    }

    /// @notice Lifecycle of a quorum request. `None` means never sent.
    enum Status {
        None,
        Pending,
        Finalised,
        Rejected,
        Cancelled
    }

    /// @notice State of one quorum request.
    /// @param modelId Requested model id (short string).
    /// @param inputHash Input hash every counted answer must name.
    /// @param tolerance Absolute distance from the median (result units) within which answers agree.
    /// @param deadline Unix time after which answers are late and the request may be cancelled;
    /// equals the `cancelExpiration` each Operator recorded.
    /// @param threshold Agreeing answers needed (k).
    /// @param asked Operators asked (n).
    /// @param answered Answers delivered by the operators asked, counted or not.
    /// @param status Lifecycle state.
    struct QuorumRequest {
        bytes32 modelId;
        bytes32 inputHash;
        uint32 tolerance;
        uint64 deadline;
        uint8 threshold;
        uint8 asked;
        uint8 answered;
        Status status;
    }

    /// @notice One operator's leg of a quorum request, keyed by its Chainlink request id.
    struct OperatorRequest {
        bytes32 quorumId;
        address operator;
        uint96 fee;
        bool answered;
    }

    /// @notice An answer that counts: right input hash, model hash approved for the model id.
    struct Answer {
        uint256 result;
        bytes32 modelHash;
    }

    /// @notice Upper bound on operators per model, which bounds every loop over answers.
    uint256 public constant MAX_ORACLES = 7;
    /// @notice Seconds after a request before its Operator lets it be cancelled: `Operator.EXPIRYTIME`
    /// in Chainlink's operatorforwarder/Operator.sol. Answers after it are late.
    uint256 public constant OPERATOR_EXPIRY = 5 minutes;
    /// @notice CBOR key of the adapter input JSON in each request (read by the job's `parse_input`).
    string public constant REQUEST_INPUT_KEY = "input";

    /// @notice The registry that says which model hashes are approved for a model id.
    IModelRegistry internal immutable i_registry;

    mapping(bytes32 modelId => OracleConfig[]) private s_oracles;
    mapping(bytes32 modelId => uint8) private s_thresholds;
    mapping(bytes32 modelId => uint32) private s_tolerances;

    mapping(bytes32 quorumId => QuorumRequest) private s_requests;
    mapping(bytes32 quorumId => Answer[]) private s_answers;
    mapping(bytes32 quorumId => bytes32[]) private s_operatorRequestIds;
    mapping(bytes32 chainlinkRequestId => OperatorRequest) private s_operatorRequests;
    uint256 private s_quorumNonce;

    /// @notice Thrown by the constructor on a zero LINK token address.
    error ZeroLinkToken();
    /// @notice Thrown by the constructor on a zero registry address.
    error ZeroRegistry();
    /// @notice Thrown by `_setQuorum()` on a zero model id.
    error ZeroModelId();
    /// @notice Thrown by `_setQuorum()` when the operator list is empty or longer than `max`.
    error InvalidOracleCount(bytes32 modelId, uint256 oracles, uint256 max);
    /// @notice Thrown by `_setQuorum()` when the threshold is outside [1, oracles].
    error InvalidQuorumThreshold(bytes32 modelId, uint256 threshold, uint256 oracles);
    /// @notice Thrown by `_setQuorum()` when entry `index` has a zero Operator or job id.
    error InvalidOracleConfig(bytes32 modelId, uint256 index, address operator, bytes32 jobId);
    /// @notice Thrown by `_setQuorum()` when one Operator contract appears twice (it would vote twice).
    error DuplicateOperator(address operator);
    /// @notice Thrown by `_setQuorum()` when the threshold is not a strict majority of the operators
    /// (k <= n/2): k colluders could then finalise whenever the honest answers are kept out.
    error ThresholdNotMajority(bytes32 modelId, uint256 threshold, uint256 oracles);
    /// @notice Thrown by `_requestInferenceQuorum()` when no operators are configured for the model.
    error QuorumNotConfigured(bytes32 modelId);
    /// @notice Thrown by `_requestInferenceQuorum()` when this contract holds too little LINK.
    error InsufficientLink(uint256 balance, uint256 required);
    /// @notice Thrown by `fulfillInference()` when the caller is not the Operator the request went to,
    /// the Chainlink request id is unknown, or the operator already answered.
    error UnexpectedFulfillment(bytes32 chainlinkRequestId, address caller);
    /// @notice Thrown by `cancelInferenceRequest()` when the request is neither pending nor finalised.
    error RequestNotPending(bytes32 quorumId, Status status);
    /// @notice Thrown by `cancelInferenceRequest()` on a finalised request whose operators all answered.
    error NothingToCancel(bytes32 quorumId);
    /// @notice Thrown by `cancelInferenceRequest()` before the request's deadline.
    error RequestNotExpired(bytes32 quorumId, uint256 deadline);

    /// @param link The LINK token (ERC-677) that pays the operators.
    /// @param registry The model registry consulted for every answer.
    constructor(address link, address registry) {
        if (link == address(0)) {
            revert ZeroLinkToken();
        }
        if (registry == address(0)) {
            revert ZeroRegistry();
        }
        _setChainlinkToken(link);
        i_registry = IModelRegistry(registry);
    }

    // ------------------------------------------------------------------ operator callback

    /// @notice Receives one operator's answer through `Operator.fulfillOracleRequest2`.
    /// @dev Reverts only when the caller is not the Operator asked or the answer is a repeat (the
    /// Operator itself never sends either); every other answer that does not count is recorded with
    /// `AnswerRejected` and returns normally.
    /// @param chainlinkRequestId The operator leg's Chainlink request id (first word, as Operator requires).
    /// @param result The adapter's `data.result`.
    /// @param modelHash The adapter's `data.modelHash`.
    /// @param inputHash The adapter's `data.inputHash`.
    function fulfillInference(
        bytes32 chainlinkRequestId,
        uint256 result,
        bytes32 modelHash,
        bytes32 inputHash
    ) external {
        OperatorRequest storage leg = s_operatorRequests[chainlinkRequestId];
        if (leg.operator != msg.sender || leg.answered) {
            revert UnexpectedFulfillment(chainlinkRequestId, msg.sender);
        }
        _validateChainlinkCallback(chainlinkRequestId);
        leg.answered = true;

        bytes32 quorumId = leg.quorumId;
        QuorumRequest storage request = s_requests[quorumId];
        request.answered += 1;

        RejectReason reason = _checkAnswer(request, modelHash, inputHash);
        if (reason != RejectReason.None) {
            emit AnswerRejected(quorumId, msg.sender, reason);
        } else {
            s_answers[quorumId].push(Answer({result: result, modelHash: modelHash}));
            emit AnswerRecorded(quorumId, msg.sender, result, modelHash);
            if (_tryFinalise(quorumId, request, modelHash)) {
                return;
            }
        }
        if (request.status == Status.Pending && request.answered == request.asked) {
            request.status = Status.Rejected;
            emit InferenceRejected(quorumId, request.modelId, RejectReason.InsufficientAgreement);
            _onInferenceRejected(quorumId, request.modelId, RejectReason.InsufficientAgreement);
        }
    }

    // ------------------------------------------------------------------ cancellation

    /// @notice After the deadline, takes back through each Operator's `cancelOracleRequest` the LINK of
    /// every operator that has not answered. A still-pending request (k never reached) is cancelled and
    /// the dApp hears of it through `_onInferenceRejected(..., Expired)`; on a finalised request only
    /// the unanswered legs are cancelled and the result stands.
    /// @dev Anyone may call it: the LINK returns to this contract.
    /// @param quorumId The id returned by `_requestInferenceQuorum`.
    function cancelInferenceRequest(bytes32 quorumId) external {
        QuorumRequest storage request = s_requests[quorumId];
        Status status = request.status;
        if (status != Status.Pending && status != Status.Finalised) {
            revert RequestNotPending(quorumId, status);
        }
        if (block.timestamp < request.deadline) {
            revert RequestNotExpired(quorumId, request.deadline);
        }

        bytes32[] storage legIds = s_operatorRequestIds[quorumId];
        uint256 refunded = 0;
        for (uint256 i = 0; i < legIds.length; ++i) {
            OperatorRequest storage leg = s_operatorRequests[legIds[i]];
            if (!leg.answered) {
                leg.answered = true;
                // Called directly, not through ChainlinkClient's _cancelChainlinkRequest, so that one leg
                // the Operator no longer holds (its callback reverted, e.g. in a dApp hook, after the
                // Operator had already settled it) cannot block the refund of the others.
                try OperatorInterface(leg.operator)
                    .cancelOracleRequest(
                        legIds[i], leg.fee, this.fulfillInference.selector, request.deadline
                    ) {
                    refunded += leg.fee;
                } catch {
                    emit OperatorCancelFailed(quorumId, legIds[i], leg.operator);
                }
            }
        }
        if (status == Status.Finalised) {
            if (refunded == 0) {
                revert NothingToCancel(quorumId);
            }
            emit QuorumCancelled(quorumId, refunded);
            return;
        }
        request.status = Status.Cancelled;
        emit QuorumCancelled(quorumId, refunded);
        emit InferenceRejected(quorumId, request.modelId, RejectReason.Expired);
        _onInferenceRejected(quorumId, request.modelId, RejectReason.Expired);
    }

    // ------------------------------------------------------------------ views

    /// @notice The operators, threshold and tolerance configured for `modelId`.
    function getQuorumConfig(bytes32 modelId)
        external
        view
        returns (OracleConfig[] memory oracles, uint8 threshold, uint32 tolerance)
    {
        return (s_oracles[modelId], s_thresholds[modelId], s_tolerances[modelId]);
    }

    /// @notice The state of a quorum request.
    function getRequest(bytes32 quorumId) external view returns (QuorumRequest memory) {
        return s_requests[quorumId];
    }

    /// @notice The answers that counted so far for a quorum request, in arrival order.
    function getAnswers(bytes32 quorumId) external view returns (Answer[] memory) {
        return s_answers[quorumId];
    }

    /// @notice The Chainlink request ids of a quorum request's operator legs, in configuration order.
    function getOperatorRequestIds(bytes32 quorumId) external view returns (bytes32[] memory) {
        return s_operatorRequestIds[quorumId];
    }

    /// @notice The operator leg behind a Chainlink request id.
    function getOperatorRequest(bytes32 chainlinkRequestId) external view returns (OperatorRequest memory) {
        return s_operatorRequests[chainlinkRequestId];
    }

    // ------------------------------------------------------------------ for inheriting dApps

    /// @notice Sets who is asked for `modelId` and how many must agree. Applies to later requests only.
    /// @param modelId Model id (short string).
    /// @param oracles Operators to ask, at most `MAX_ORACLES`, each Operator contract at most once.
    /// @param threshold Agreeing answers needed: a strict majority of `oracles` (n/2 < k <= n).
    /// @param tolerance Absolute distance from the median (in result units) within which answers agree.
    function _setQuorum(bytes32 modelId, OracleConfig[] memory oracles, uint8 threshold, uint32 tolerance)
        internal
    {
        if (modelId == bytes32(0)) {
            revert ZeroModelId();
        }
        if (oracles.length == 0 || oracles.length > MAX_ORACLES) {
            revert InvalidOracleCount(modelId, oracles.length, MAX_ORACLES);
        }
        if (threshold == 0 || threshold > oracles.length) {
            revert InvalidQuorumThreshold(modelId, threshold, oracles.length);
        }
        if (2 * uint256(threshold) <= oracles.length) {
            revert ThresholdNotMajority(modelId, threshold, oracles.length);
        }
        delete s_oracles[modelId];
        OracleConfig[] storage stored = s_oracles[modelId];
        for (uint256 i = 0; i < oracles.length; ++i) {
            OracleConfig memory oracle = oracles[i];
            if (oracle.operator == address(0) || oracle.jobId == bytes32(0)) {
                revert InvalidOracleConfig(modelId, i, oracle.operator, oracle.jobId);
            }
            for (uint256 j = 0; j < i; ++j) {
                if (oracles[j].operator == oracle.operator) {
                    revert DuplicateOperator(oracle.operator);
                }
            }
            stored.push(oracle);
        }
        s_thresholds[modelId] = threshold;
        s_tolerances[modelId] = tolerance;
        emit QuorumConfigured(modelId, uint8(oracles.length), threshold, tolerance);
    }

    /// @notice Sends the same inference request to every operator configured for `modelId`, paying
    /// each its fee in LINK from this contract's balance.
    /// @param modelId Model id (short string); selects the operators and their jobs.
    /// @param input Adapter input as JSON, the `data` fields besides `model` (docs/protocol.md), e.g.
    /// `{"features":{...}}`; the job merges it with its model id and posts it to the adapter.
    /// @param inputHash The input hash every counted answer must report.
    /// @return quorumId The id later passed to `_onInference` / `_onInferenceRejected`.
    function _requestInferenceQuorum(bytes32 modelId, string memory input, bytes32 inputHash)
        internal
        returns (bytes32 quorumId)
    {
        OracleConfig[] storage oracles = s_oracles[modelId];
        uint256 count = oracles.length;
        if (count == 0) {
            revert QuorumNotConfigured(modelId);
        }
        uint256 totalFee = 0;
        for (uint256 i = 0; i < count; ++i) {
            totalFee += oracles[i].fee;
        }
        uint256 balance = LinkTokenInterface(_chainlinkTokenAddress()).balanceOf(address(this));
        if (balance < totalFee) {
            revert InsufficientLink(balance, totalFee);
        }

        s_quorumNonce += 1;
        quorumId = keccak256(abi.encode(address(this), block.chainid, s_quorumNonce));
        QuorumRequest memory request = QuorumRequest({
            modelId: modelId,
            inputHash: inputHash,
            tolerance: s_tolerances[modelId],
            deadline: uint64(block.timestamp + OPERATOR_EXPIRY),
            threshold: s_thresholds[modelId],
            asked: uint8(count),
            answered: 0,
            status: Status.Pending
        });
        s_requests[quorumId] = request;
        emit InferenceRequested(
            quorumId,
            modelId,
            address(this),
            i_registry.activeVersion(modelId),
            inputHash,
            input,
            request.threshold,
            request.tolerance
        );

        bytes32[] storage legIds = s_operatorRequestIds[quorumId];
        for (uint256 i = 0; i < count; ++i) {
            OracleConfig memory oracle = oracles[i];
            Chainlink.Request memory req = _buildOperatorRequest(oracle.jobId, this.fulfillInference.selector);
            req._add(REQUEST_INPUT_KEY, input);
            bytes32 legId = _sendOperatorRequestTo(oracle.operator, req, oracle.fee);
            s_operatorRequests[legId] = OperatorRequest({
                quorumId: quorumId, operator: oracle.operator, fee: oracle.fee, answered: false
            });
            legIds.push(legId);
            emit OperatorRequested(quorumId, legId, oracle.operator, oracle.fee);
        }
        return quorumId;
    }

    /// @notice Called once per request when at least k answers agree.
    /// @param requestId The quorum id returned by `_requestInferenceQuorum`.
    /// @param modelId The requested model id.
    /// @param result Median of the agreeing group, its model and input hash, the number of answers
    /// that counted (`responded`) and of those within tolerance of the median (`agreed`), and the
    /// block time of finalisation (`observedAt`).
    function _onInference(bytes32 requestId, bytes32 modelId, InferenceResult.Data memory result)
        internal
        virtual;

    /// @notice Called when a request ends without an accepted result: every operator answered without
    /// k agreeing (`InsufficientAgreement`), or it was cancelled after its deadline (`Expired`).
    /// @param requestId The quorum id returned by `_requestInferenceQuorum`.
    /// @param modelId The requested model id.
    /// @param reason Why no result was accepted.
    function _onInferenceRejected(bytes32 requestId, bytes32 modelId, RejectReason reason) internal virtual {}

    // ------------------------------------------------------------------ internals

    /// @dev Why an answer from the operator asked does not count, or `None` if it counts.
    function _checkAnswer(QuorumRequest storage request, bytes32 modelHash, bytes32 inputHash)
        private
        view
        returns (RejectReason)
    {
        if (request.status != Status.Pending) {
            return RejectReason.UnknownRequest;
        }
        if (block.timestamp > request.deadline) {
            return RejectReason.Expired;
        }
        if (inputHash != request.inputHash) {
            return RejectReason.InputHashMismatch;
        }
        if (!i_registry.isApproved(request.modelId, modelHash)) {
            return RejectReason.ModelNotApproved;
        }
        return RejectReason.None;
    }

    /// @dev Among the counted answers naming `modelHash`, takes the median and counts those within
    /// tolerance of it; finalises and calls `_onInference` when that count reaches the threshold.
    /// For an even number of answers the median is the lower middle one, so it is always one of the
    /// answers actually given.
    function _tryFinalise(bytes32 quorumId, QuorumRequest storage request, bytes32 modelHash)
        private
        returns (bool finalised)
    {
        Answer[] storage answers = s_answers[quorumId];
        uint256 total = answers.length;
        uint256[] memory group = new uint256[](total);
        uint256 size = 0;
        for (uint256 i = 0; i < total; ++i) {
            if (answers[i].modelHash == modelHash) {
                // insertion sort: at most MAX_ORACLES entries
                uint256 value = answers[i].result;
                uint256 j = size;
                while (j > 0 && group[j - 1] > value) {
                    group[j] = group[j - 1];
                    --j;
                }
                group[j] = value;
                ++size;
            }
        }
        if (size < request.threshold) {
            return false;
        }
        uint256 median = group[(size - 1) / 2];
        uint256 tolerance = request.tolerance;
        uint256 agreed = 0;
        for (uint256 i = 0; i < size; ++i) {
            uint256 distance = group[i] > median ? group[i] - median : median - group[i];
            if (distance <= tolerance) {
                ++agreed;
            }
        }
        if (agreed < request.threshold) {
            return false;
        }

        request.status = Status.Finalised;
        InferenceResult.Data memory data = InferenceResult.Data({
            result: median,
            modelHash: modelHash,
            inputHash: request.inputHash,
            responded: uint8(total),
            agreed: uint8(agreed),
            observedAt: uint64(block.timestamp)
        });
        emit InferenceAccepted(quorumId, request.modelId, median, modelHash, uint8(agreed));
        _onInference(quorumId, request.modelId, data);
        return true;
    }
}
