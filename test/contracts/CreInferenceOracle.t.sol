// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {Test} from "forge-std/Test.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {IReceiver} from "@chainlink/contracts/src/v0.8/keystone/interfaces/IReceiver.sol";
import {IRouter} from "@chainlink/contracts/src/v0.8/keystone/interfaces/IRouter.sol";
import {IKeystoneForwarder, IKeystoneForwarderEvents} from "../../script/deploy/IKeystoneForwarder.sol";
import {ICreInferenceOracle} from "../../contracts/interfaces/ICreInferenceOracle.sol";
import {CreInferenceOracle} from "../../contracts/oracles/CreInferenceOracle.sol";
import {CrePayload} from "../../contracts/libraries/CrePayload.sol";
import {InferenceResult} from "../../contracts/libraries/InferenceResult.sol";
import {ClaimsInsurance} from "../../contracts/examples/ClaimsInsurance.sol";
import {CreDonTest} from "./helpers/CreDonTest.sol";
import {KeystoneReports} from "./helpers/KeystoneReports.sol";
import {InferenceTestBase} from "./helpers/InferenceTestBase.sol";
import {PendingClaimTest} from "./helpers/PendingClaimTest.sol";

/// @dev A pending claim, and the state every refused report must leave untouched.
abstract contract CreClaimTest is CreDonTest, PendingClaimTest, IKeystoneForwarderEvents, ICreInferenceOracle {
    function setUp() public virtual override(InferenceTestBase, PendingClaimTest) {
        PendingClaimTest.setUp();
    }

    function _creOracle() internal view returns (CreInferenceOracle) {
        return CreInferenceOracle(address(oracle));
    }

    /// Nothing paid, the claim and the request still open: a correct report may still come.
    function _assertStillPending() internal view {
        assertTrue(oracle.isPending(s_requestId), "request still pending");
        assertEq(uint8(insurance.getClaim(s_claimId).status), uint8(ClaimsInsurance.ClaimStatus.Pending));
        assertEq(insurance.pool(), s_poolBefore, "pool unchanged");
        assertEq(HOLDER.balance, s_holderBefore, "nothing paid");
        assertEq(insurance.totalPaid(), 0);
    }

    function _paysSevere() internal {
        uint256 before = HOLDER.balance;
        _answer(s_requestId, InferenceResult.encode(_result(SEVERE)));
        assertEq(HOLDER.balance - before, COVERAGE, "the correct report still pays");
    }
}

/// @notice The real KeystoneForwarder (1.2.0) in front of the oracle: a 4-signer DON with f = 1, so
/// exactly f + 1 = 2 distinct valid signatures, and each (receiver, execution, report id) once.
contract CreForwarderTest is CreClaimTest {
    function test_AcceptsReportWithFPlusOneSignatures() public {
        KeystoneReports.Header memory header = _header();
        vm.expectEmit(true, true, true, true, address(forwarder));
        emit ReportProcessed(address(oracle), header.executionId, REPORT_ID, true);
        bool delivered = _sendReport(
            address(oracle), header, _validPayload(s_requestId, _result(2)), _signerKeys(REQUIRED_SIGNATURES)
        );
        assertTrue(delivered);
        assertFalse(oracle.isPending(s_requestId));
        assertEq(HOLDER.balance - s_holderBefore, (uint256(COVERAGE) * 6_000) / 10_000, "moderate damage pays 60%");
    }

    function test_AnyTwoOfTheFourSignersSuffice() public {
        uint256[] memory keys = new uint256[](2);
        keys[0] = SIGNER_KEYS[3];
        keys[1] = SIGNER_KEYS[1];
        assertTrue(_sendReport(address(oracle), _header(), _validPayload(s_requestId, _result(1)), keys));
        assertEq(HOLDER.balance - s_holderBefore, COVERAGE / 4);
    }

    function test_RevertWhen_ASignerIsNotInTheDon() public {
        uint256[] memory keys = _signerKeys(REQUIRED_SIGNATURES);
        keys[1] = 0xBAD;
        vm.expectRevert(abi.encodeWithSelector(IKeystoneForwarder.InvalidSigner.selector, vm.addr(0xBAD)));
        _sendReport(address(oracle), _header(), _validPayload(s_requestId, _result(SEVERE)), keys);
        _assertStillPending();
    }

    function test_RevertWhen_TooFewSignatures() public {
        vm.expectRevert(abi.encodeWithSelector(IKeystoneForwarder.InvalidSignatureCount.selector, 2, 1));
        _sendReport(address(oracle), _header(), _validPayload(s_requestId, _result(SEVERE)), _signerKeys(1));
        _assertStillPending();
    }

    function test_RevertWhen_TooManySignatures() public {
        vm.expectRevert(abi.encodeWithSelector(IKeystoneForwarder.InvalidSignatureCount.selector, 2, 3));
        _sendReport(address(oracle), _header(), _validPayload(s_requestId, _result(SEVERE)), _signerKeys(3));
        _assertStillPending();
    }

    function test_RevertWhen_ASignerSignsTwice() public {
        uint256[] memory keys = new uint256[](2);
        keys[0] = SIGNER_KEYS[0];
        keys[1] = SIGNER_KEYS[0];
        vm.expectRevert(
            abi.encodeWithSelector(IKeystoneForwarder.DuplicateSigner.selector, vm.addr(SIGNER_KEYS[0]))
        );
        _sendReport(address(oracle), _header(), _validPayload(s_requestId, _result(SEVERE)), keys);
        _assertStillPending();
    }

    function test_RevertWhen_SignaturesAreOverAnotherPayload() public {
        KeystoneReports.Header memory header = _header();
        bytes memory signedRaw = KeystoneReports.rawReport(header, _validPayload(s_requestId, _result(0)));
        bytes memory sentRaw = KeystoneReports.rawReport(header, _validPayload(s_requestId, _result(SEVERE)));
        bytes memory context = KeystoneReports.context(CONFIG_DIGEST, s_sequence);
        bytes[] memory signatures = KeystoneReports.sign(signedRaw, context, _signerKeys(REQUIRED_SIGNATURES));
        vm.expectPartialRevert(IKeystoneForwarder.InvalidSigner.selector);
        vm.prank(TRANSMITTER);
        forwarder.report(address(oracle), sentRaw, context, signatures);
        _assertStillPending();
    }

    function test_RevertWhen_TheDonConfigIsUnknown() public {
        KeystoneReports.Header memory header = _header();
        header.configVersion = CONFIG_VERSION + 1;
        uint64 configId = (uint64(DON_ID) << 32) | (CONFIG_VERSION + 1);
        vm.expectRevert(abi.encodeWithSelector(IKeystoneForwarder.InvalidConfig.selector, configId));
        _sendReport(address(oracle), header, _validPayload(s_requestId, _result(SEVERE)), _signerKeys(2));
        _assertStillPending();
    }

    function test_RevertWhen_TheSameExecutionIsReplayed() public {
        KeystoneReports.Header memory header = _header();
        bytes memory payload = _validPayload(s_requestId, _result(SEVERE));
        _sendReport(address(oracle), header, payload, _signerKeys(2));
        uint256 pool = insurance.pool();
        bytes32 transmissionId =
            forwarder.getTransmissionId(address(oracle), header.executionId, header.reportId);
        vm.expectRevert(abi.encodeWithSelector(IRouter.AlreadyAttempted.selector, transmissionId));
        _sendReport(address(oracle), header, payload, _signerKeys(2));
        assertEq(insurance.pool(), pool, "paid once");
    }

    function test_ANewExecutionForAFinishedRequestIsRejected() public {
        _paysSevere();
        uint256 pool = insurance.pool();
        uint256 balance = HOLDER.balance;
        KeystoneReports.Header memory header = _header();
        vm.expectEmit(true, true, false, true, address(oracle));
        emit ReportRejected(s_requestId, address(forwarder), RejectReason.UnknownRequest);
        bool delivered =
            _sendReport(address(oracle), header, _validPayload(s_requestId, _result(SEVERE)), _signerKeys(2));
        assertTrue(delivered, "onReport returned normally: the forwarder records success");
        assertEq(insurance.pool(), pool, "paid once");
        assertEq(HOLDER.balance, balance);
    }
}

/// @notice The receiver's own checks, which run inside the forwarder's call and therefore never
/// revert: every refused report emits `ReportRejected` and leaves the request pending.
contract CreReceiverTest is CreClaimTest {
    function _expectReportRejected(bytes32 requestId, address sender, RejectReason reason) internal {
        vm.expectEmit(true, true, false, true, address(oracle));
        emit ReportRejected(requestId, sender, reason);
    }

    /// @dev A valid payload under `header`, which names a workflow the oracle does not accept: the
    /// forwarder delivers it, the oracle refuses it, and a correct report afterwards still pays.
    function _expectWorkflowRefused(KeystoneReports.Header memory header) internal {
        _expectReportRejected(s_requestId, address(forwarder), RejectReason.UnauthorizedWorkflow);
        assertTrue(
            _sendReport(address(oracle), header, _validPayload(s_requestId, _result(SEVERE)), _signerKeys(2))
        );
        _assertStillPending();
        _paysSevere();
    }

    function test_RejectsAnotherWorkflowOwner() public {
        KeystoneReports.Header memory header = _header();
        header.workflowOwner = makeAddr("someone else's workflow");
        _expectWorkflowRefused(header);
    }

    function test_RejectsAnotherWorkflowName() public {
        KeystoneReports.Header memory header = _header();
        header.workflowName = CrePayload.workflowName("another-workflow");
        _expectWorkflowRefused(header);
    }

    function test_RejectsAReportStraightFromANonForwarder() public {
        address stranger = makeAddr("stranger");
        _expectReportRejected(s_requestId, stranger, RejectReason.UnauthorizedSender);
        vm.prank(stranger);
        _creOracle().onReport(KeystoneReports.metadata(_header()), _validPayload(s_requestId, _result(SEVERE)));
        _assertStillPending();
        _paysSevere();
    }

    function test_RejectsMetadataOfAnotherLength() public {
        _expectReportRejected(s_requestId, address(forwarder), RejectReason.UnauthorizedWorkflow);
        vm.prank(address(forwarder));
        _creOracle().onReport(new bytes(63), _validPayload(s_requestId, _result(SEVERE)));
        _assertStillPending();
    }

    function test_RejectsAShortPayload() public {
        bytes memory payload = _validPayload(s_requestId, _result(SEVERE));
        assembly {
            mstore(payload, 319)
        }
        _expectReportRejected(s_requestId, address(forwarder), RejectReason.MalformedResult);
        assertTrue(_sendReport(address(oracle), _header(), payload, _signerKeys(2)));
        _assertStillPending();
        _paysSevere();
    }

    function test_RejectsAPayloadWhoseClientIsNoAddress() public {
        bytes memory payload = abi.encodePacked(
            abi.encode(s_requestId, uint256(uint160(address(insurance))) | (1 << 200), DAMAGE, PHOTO_SHA),
            InferenceResult.encode(_result(SEVERE))
        );
        _expectReportRejected(s_requestId, address(forwarder), RejectReason.MalformedResult);
        assertTrue(_sendReport(address(oracle), _header(), payload, _signerKeys(2)));
        _assertStillPending();
    }

    function test_RejectsAnEmptyPayloadWithoutARequestId() public {
        _expectReportRejected(bytes32(0), address(forwarder), RejectReason.MalformedResult);
        assertTrue(_sendReport(address(oracle), _header(), "", _signerKeys(2)));
        _assertStillPending();
    }

    function test_RequestFieldsThatDoNotMatchTheCommitmentAreUnknown() public {
        bytes memory otherClient = abi.encodePacked(
            abi.encode(s_requestId, makeAddr("other client"), DAMAGE, PHOTO_SHA),
            InferenceResult.encode(_result(SEVERE))
        );
        bytes memory otherModel = abi.encodePacked(
            abi.encode(s_requestId, address(insurance), RISK, PHOTO_SHA), InferenceResult.encode(_result(SEVERE))
        );
        InferenceResult.Data memory r = _result(SEVERE);
        r.inputHash = sha256("another photo");
        // A report claiming another requested input (and a result for it) does not reach the request.
        bytes memory otherInput = abi.encodePacked(
            abi.encode(s_requestId, address(insurance), DAMAGE, r.inputHash), InferenceResult.encode(r)
        );
        bytes[3] memory payloads = [otherClient, otherModel, otherInput];
        for (uint256 i = 0; i < payloads.length; ++i) {
            _expectReportRejected(s_requestId, address(forwarder), RejectReason.UnknownRequest);
            assertTrue(_sendReport(address(oracle), _header(), payloads[i], _signerKeys(2)));
            _assertStillPending();
        }
        _paysSevere();
    }

    function test_ResultForAnotherInputThanRequestedIsInputHashMismatch() public {
        InferenceResult.Data memory r = _result(SEVERE);
        r.inputHash = sha256("another photo");
        vm.expectEmit(true, true, false, true, address(oracle));
        emit InferenceRejected(s_requestId, DAMAGE, RejectReason.InputHashMismatch);
        _sendReport(address(oracle), _header(), _validPayload(s_requestId, r), _signerKeys(2));
        assertFalse(oracle.isPending(s_requestId));
        assertEq(insurance.totalPaid(), 0);
    }

    function test_RetryAfterARejectionPaysOnce() public {
        InferenceResult.Data memory stale = _result(SEVERE);
        vm.warp(block.timestamp + MAX_AGE + 1);
        _answer(s_requestId, InferenceResult.encode(stale));
        assertEq(uint8(insurance.getClaim(s_claimId).status), uint8(ClaimsInsurance.ClaimStatus.Rejected));
        bytes32 retry = _retry(s_claimId);
        assertTrue(retry != s_requestId, "a new request");
        _answer(retry, InferenceResult.encode(_result(SEVERE)));
        assertEq(insurance.totalPaid(), COVERAGE);
        // The first request's report, delivered again by a new execution, changes nothing.
        _answerDirectly(s_requestId, InferenceResult.encode(_result(SEVERE)));
        assertEq(insurance.totalPaid(), COVERAGE);
    }

    function testFuzz_ArbitraryReportsNeverRevertNorPay(bytes calldata payload) public {
        vm.assume(payload.length != CrePayload.ENCODED_LENGTH);
        assertTrue(_sendReport(address(oracle), _header(), payload, _signerKeys(2)), "onReport never reverts");
        _assertStillPending();
    }

    function testFuzz_WellFormedReportsForOtherRequestsNeverPay(
        bytes32 requestId,
        address client,
        bytes32 modelId,
        InferenceResult.Data memory result
    ) public {
        vm.assume(requestId != s_requestId);
        bytes memory payload = abi.encodePacked(
            abi.encode(requestId, client, modelId, PHOTO_SHA), InferenceResult.encode(result)
        );
        assertTrue(_sendReport(address(oracle), _header(), payload, _signerKeys(2)));
        _assertStillPending();
    }

    function testFuzz_AnyCallerAnyBytesNeverReverts(
        address caller,
        bytes calldata metadata,
        bytes calldata report
    ) public {
        vm.prank(caller);
        _creOracle().onReport(metadata, report);
        _assertStillPending();
    }
}

/// @notice Identity and configuration of the CRE oracle.
contract CreOracleConfigTest is CreDonTest, ICreInferenceOracle {
    function test_SupportsIReceiverAndERC165() public view {
        CreInferenceOracle cre = CreInferenceOracle(address(oracle));
        assertTrue(cre.supportsInterface(type(IReceiver).interfaceId));
        assertTrue(cre.supportsInterface(type(IERC165).interfaceId));
        assertFalse(cre.supportsInterface(0xffffffff));
        assertEq(cre.forwarder(), address(forwarder));
        (address owner, bytes10 name) = cre.workflow();
        assertEq(owner, WORKFLOW_OWNER);
        assertEq(name, WORKFLOW_NAME);
    }

    function test_ForwarderIsChainlinks() public view {
        assertEq(forwarder.typeAndVersion(), "Forwarder and Router 1.0.0");
    }

    function test_RevertWhen_ConstructedWithZeroes() public {
        vm.expectRevert(ICreInferenceOracle.ZeroForwarder.selector);
        new CreInferenceOracle(address(0), WORKFLOW_OWNER, WORKFLOW_NAME);
        vm.expectRevert(ICreInferenceOracle.ZeroWorkflowOwner.selector);
        new CreInferenceOracle(address(forwarder), address(0), WORKFLOW_NAME);
        vm.expectRevert(ICreInferenceOracle.ZeroWorkflowName.selector);
        new CreInferenceOracle(address(forwarder), WORKFLOW_OWNER, bytes10(0));
    }

    function test_OwnerMovesToANewWorkflow() public {
        CreInferenceOracle cre = CreInferenceOracle(address(oracle));
        address newOwner = makeAddr("new workflow owner");
        bytes10 newName = CrePayload.workflowName("onnx-oracle-inference-v2");
        vm.expectEmit(false, false, false, true, address(oracle));
        emit WorkflowSet(newOwner, newName);
        cre.setWorkflow(newOwner, newName);

        (uint256 claimId, bytes32 requestId) = _buyAndClaim();
        // The old workflow's report is refused, the new one's accepted.
        _answer(requestId, InferenceResult.encode(_result(SEVERE)));
        assertTrue(oracle.isPending(requestId));
        KeystoneReports.Header memory header = _header();
        header.workflowOwner = newOwner;
        header.workflowName = newName;
        _sendReport(address(oracle), header, _validPayload(requestId, _result(SEVERE)), _signerKeys(2));
        assertEq(uint8(insurance.getClaim(claimId).status), uint8(ClaimsInsurance.ClaimStatus.Settled));
    }

    function test_RevertWhen_StrangerSetsTheWorkflow() public {
        vm.prank(HOLDER);
        vm.expectRevert("Only callable by owner");
        CreInferenceOracle(address(oracle)).setWorkflow(HOLDER, WORKFLOW_NAME);
    }

    function test_RequestIdsAreDistinctPerOracleAndRequest() public {
        (, bytes32 first) = _buyAndClaim();
        (, bytes32 second) = _buyAndClaim(sha256("another photo"));
        assertTrue(first != second);
        assertEq(first, keccak256(abi.encode(block.chainid, address(oracle), uint64(1))));
    }
}

/// @dev Exposes the library's calldata functions.
contract CrePayloadHarness {
    function tryDecode(bytes calldata payload) external pure returns (bool ok, CrePayload.Data memory data) {
        return CrePayload.tryDecode(payload);
    }

    function decodeMetadata(bytes calldata metadata) external pure returns (bool, bytes10, address) {
        return CrePayload.decodeMetadata(metadata);
    }

    /// The strict ABI decoding of the documented tuple (reverts on dirty high bits).
    function strictDecode(bytes calldata payload)
        external
        pure
        returns (bytes32, address, bytes32, bytes32, uint256, bytes32, bytes32, uint8, uint8, uint64)
    {
        return abi.decode(
            payload, (bytes32, address, bytes32, bytes32, uint256, bytes32, bytes32, uint8, uint8, uint64)
        );
    }
}

/// @notice The payload layout of docs/protocol.md: decode(encode(x)) = x, and the decoder accepts
/// exactly the 320-byte strings that strict ABI decoding of the documented tuple accepts with
/// `agreed <= responded`.
contract CrePayloadTest is Test {
    CrePayloadHarness internal harness = new CrePayloadHarness();

    function testFuzz_DecodesWhatItEncodes(CrePayload.Data memory data) public view {
        data.result.agreed = uint8(bound(data.result.agreed, 0, data.result.responded));
        bytes memory encoded = CrePayload.encode(data);
        assertEq(encoded.length, CrePayload.ENCODED_LENGTH);
        assertEq(
            encoded,
            abi.encode(
                data.requestId,
                data.client,
                data.modelId,
                data.requestedInputHash,
                data.result.result,
                data.result.modelHash,
                data.result.inputHash,
                data.result.responded,
                data.result.agreed,
                data.result.observedAt
            )
        );
        (bool ok, CrePayload.Data memory decoded) = harness.tryDecode(encoded);
        assertTrue(ok);
        assertEq(keccak256(abi.encode(decoded)), keccak256(abi.encode(data)));
    }

    function testFuzz_AcceptsExactlyWhatStrictDecodingAccepts(uint256[10] memory words, uint8 dirty)
        public
        view
    {
        // Make the range checks bite about half the time.
        if (dirty % 2 == 0) {
            words[1] = uint160(words[1]);
            words[7] = uint8(words[7]);
            words[8] = bound(words[8], 0, words[7]);
            words[9] = uint64(words[9]);
        }
        bytes memory payload = abi.encodePacked(words);
        (bool ok,) = harness.tryDecode(payload);
        bool strict;
        try harness.strictDecode(payload) returns (
            bytes32,
            address,
            bytes32,
            bytes32,
            uint256,
            bytes32,
            bytes32,
            uint8 responded,
            uint8 agreed,
            uint64
        ) {
            strict = agreed <= responded;
        } catch {
            strict = false;
        }
        assertEq(ok, strict);
    }

    function testFuzz_RejectsEveryOtherLength(bytes calldata payload) public view {
        vm.assume(payload.length != CrePayload.ENCODED_LENGTH);
        (bool ok,) = harness.tryDecode(payload);
        assertFalse(ok);
    }

    function test_WorkflowNameIsCresEncoding() public pure {
        // CRE: the first 10 characters of the hex sha256 of the name, as ASCII bytes.
        string memory hexDigest = vm.toString(sha256(bytes("onnx-oracle-inference")));
        bytes memory expected = new bytes(10);
        for (uint256 i = 0; i < 10; ++i) {
            expected[i] = bytes(hexDigest)[i + 2];
        }
        assertEq(CrePayload.workflowName("onnx-oracle-inference"), bytes10(expected));
    }

    function test_ReadsTheWorkflowFromMetadata() public view {
        KeystoneReports.Header memory h;
        h.workflowCid = keccak256("cid");
        h.workflowName = bytes10("abcdef0123");
        h.workflowOwner = address(0xBEEF);
        h.reportId = 0x0001;
        (bool ok, bytes10 name, address owner) = harness.decodeMetadata(KeystoneReports.metadata(h));
        assertTrue(ok);
        assertEq(name, h.workflowName);
        assertEq(owner, address(0xBEEF));
    }
}
