// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {ConfirmedOwner} from "@chainlink/contracts/src/v0.8/shared/access/ConfirmedOwner.sol";
import {LinkTokenInterface} from "@chainlink/contracts/src/v0.8/shared/interfaces/LinkTokenInterface.sol";

import {QuorumConsumer} from "../QuorumConsumer.sol";
import {IQuorumClaimsExampleEvents} from "../interfaces/IQuorumClaimsExample.sol";
import {InferenceResult} from "../libraries/InferenceResult.sol";

/// @title QuorumClaimsExample
/// @notice A minimal claims desk on the direct-request path: the owner asks the configured node
/// operators to assess a claim with a model, and the assessment is stored once k of them agree.
/// It shows the whole surface a dApp needs from `QuorumConsumer`: configure, request, two hooks.
contract QuorumClaimsExample is QuorumConsumer, ConfirmedOwner, IQuorumClaimsExampleEvents {
    /// @notice A stored assessment of a claim.
    /// @param result Agreed model output (fixed point by the model's scale).
    /// @param modelHash Model version the agreeing operators ran.
    /// @param agreed Operators within tolerance of the median.
    /// @param assessedAt Block time of the assessment.
    struct Assessment {
        uint256 result;
        bytes32 modelHash;
        uint8 agreed;
        uint64 assessedAt;
    }

    mapping(bytes32 claimId => Assessment) private s_assessments;
    mapping(bytes32 requestId => bytes32 claimId) private s_claimOfRequest;
    mapping(bytes32 claimId => bytes32 requestId) private s_pendingRequestOfClaim;

    /// @notice Thrown by `requestAssessment()` while an assessment of the claim is pending.
    error AssessmentPending(bytes32 claimId, bytes32 requestId);
    /// @notice Thrown by `requestAssessment()` when the claim has already been assessed.
    error AlreadyAssessed(bytes32 claimId);
    /// @notice Thrown by `withdrawLink()` when the LINK transfer fails.
    error LinkTransferFailed(address to, uint256 amount);

    /// @param link The LINK token.
    /// @param registry The model registry.
    constructor(address link, address registry) QuorumConsumer(link, registry) ConfirmedOwner(msg.sender) {}

    /// @notice Sets the operators, threshold and tolerance for a model. Owner only.
    /// @param modelId Model id (short string).
    /// @param oracles Operators to ask, each Operator contract at most once.
    /// @param threshold Agreeing answers needed (k).
    /// @param tolerance Absolute distance from the median (result units) within which answers agree.
    function configureQuorum(
        bytes32 modelId,
        OracleConfig[] calldata oracles,
        uint8 threshold,
        uint32 tolerance
    ) external onlyOwner {
        _setQuorum(modelId, oracles, threshold, tolerance);
    }

    /// @notice Asks the operators configured for `modelId` to assess `claimId`. Owner only.
    /// @param claimId The claim.
    /// @param modelId Model id (short string).
    /// @param input Adapter input JSON (the `data` fields besides `model`).
    /// @param inputHash The input hash the operators must report.
    function requestAssessment(bytes32 claimId, bytes32 modelId, string calldata input, bytes32 inputHash)
        external
        onlyOwner
        returns (bytes32 requestId)
    {
        bytes32 pending = s_pendingRequestOfClaim[claimId];
        if (pending != bytes32(0)) {
            revert AssessmentPending(claimId, pending);
        }
        if (s_assessments[claimId].assessedAt != 0) {
            revert AlreadyAssessed(claimId);
        }
        requestId = _requestInferenceQuorum(modelId, input, inputHash);
        s_claimOfRequest[requestId] = claimId;
        s_pendingRequestOfClaim[claimId] = requestId;
        emit AssessmentRequested(claimId, requestId, modelId);
        return requestId;
    }

    /// @notice Sends LINK held by this contract to `to`. Owner only.
    /// @param to The recipient.
    /// @param amount Juels to send.
    function withdrawLink(address to, uint256 amount) external onlyOwner {
        if (!LinkTokenInterface(_chainlinkTokenAddress()).transfer(to, amount)) {
            revert LinkTransferFailed(to, amount);
        }
    }

    /// @notice The stored assessment of a claim (`assessedAt` is zero if none).
    /// @param claimId The claim.
    function getAssessment(bytes32 claimId) external view returns (Assessment memory) {
        return s_assessments[claimId];
    }

    /// @inheritdoc QuorumConsumer
    function _onInference(bytes32 requestId, bytes32, InferenceResult.Data memory result) internal override {
        bytes32 claimId = s_claimOfRequest[requestId];
        delete s_pendingRequestOfClaim[claimId];
        s_assessments[claimId] = Assessment({
            result: result.result,
            modelHash: result.modelHash,
            agreed: result.agreed,
            assessedAt: result.observedAt
        });
        emit ClaimAssessed(claimId, requestId, result.result, result.modelHash);
    }

    /// @inheritdoc QuorumConsumer
    function _onInferenceRejected(bytes32 requestId, bytes32, RejectReason reason) internal override {
        bytes32 claimId = s_claimOfRequest[requestId];
        delete s_pendingRequestOfClaim[claimId];
        emit AssessmentFailed(claimId, requestId, reason);
    }
}
