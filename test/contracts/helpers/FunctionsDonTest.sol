// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {Test} from "forge-std/Test.sol";
import {Vm} from "forge-std/Vm.sol";
import {FunctionsResponse} from "@chainlink/contracts/src/v0.8/functions/v1_0_0/libraries/FunctionsResponse.sol";
import {LocalFunctionsDeployer} from "../../../script/deploy/LocalFunctionsDeployer.sol";
import {OnnxOracleDeployer} from "../../../script/deploy/OnnxOracleDeployer.sol";
import {ModelRegistry} from "../../../contracts/ModelRegistry.sol";
import {IModelRegistry} from "../../../contracts/interfaces/IModelRegistry.sol";
import {ClaimsInsurance} from "../../../contracts/examples/ClaimsInsurance.sol";
import {IInferenceConsumer} from "../../../contracts/interfaces/IInferenceConsumer.sol";
import {InferenceResult} from "../../../contracts/libraries/InferenceResult.sol";

/// @notice Base of the forge tests that run against the real Chainlink Functions contracts: a
/// FunctionsRouter (v1_0_0) and FunctionsCoordinator (v1_3_0) with a 4-node DON (f = 1) whose OCR
/// reports the tests build and sign with the nodes' keys, a funded subscription, the ModelRegistry
/// (behind its proxy) with `damage-v1` approved, and ClaimsInsurance with a funded pool.
abstract contract FunctionsDonTest is Test {
    uint256 internal constant N = 4;
    uint8 internal constant F = 1;
    /// (n + f) / 2 + 1
    uint256 internal constant REQUIRED_SIGNATURES = 3;
    bytes32 internal constant DON_ID = bytes32("local-don");
    bytes32 internal constant DAMAGE = bytes32("damage-v1");
    bytes32 internal constant RISK = bytes32("risk-v1");
    uint32 internal constant CALLBACK_GAS = 300_000;
    uint8 internal constant THRESHOLD = 2;
    uint32 internal constant MAX_AGE = 1 hours;
    uint16 internal constant PREMIUM_BPS = 500;
    uint128 internal constant COVERAGE = 10 ether;
    uint32 internal constant TERM = 30 days;
    uint256 internal constant POOL_FUNDING = 100 ether;
    string internal constant PHOTO_URI = "ipfs://bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku";
    /// Used when forge may not read functions-source/ (see `_source`).
    string internal constant PLACEHOLDER_SOURCE = "return Functions.encodeUint256(0)";

    uint256[N] internal SIGNER_KEYS = [uint256(0x400), 0x401, 0x402, 0x403];
    uint256[N] internal TRANSMITTER_KEYS = [uint256(0x404), 0x405, 0x406, 0x407];
    address[] internal s_signers;
    address[] internal s_transmitters;

    address internal PROPOSER = makeAddr("proposer");
    address internal APPROVER = makeAddr("approver");
    /// Proposes retiring an active version, which APPROVER confirms (the registry's two-person rule).
    address internal SECOND_APPROVER = makeAddr("second approver");
    address internal HOLDER = makeAddr("holder");
    address internal TOS_SIGNER = makeAddr("tos-signer");

    bytes32 internal MODEL_HASH = sha256("damage-v1 model.onnx");
    bytes32 internal RISK_HASH = sha256("risk-v1 model.onnx");
    bytes32 internal PHOTO_SHA = sha256("photo of a dented car door");

    bytes32 internal constant ORACLE_REQUEST = keccak256(
        "OracleRequest(bytes32,address,address,uint64,address,bytes,uint16,bytes32,uint64,"
        "(bytes32,address,uint96,address,uint64,uint32,uint72,uint72,uint40,uint40,uint32))"
    );
    bytes32 internal constant REQUEST_PROCESSED =
        keccak256("RequestProcessed(bytes32,uint64,uint96,address,uint8,bytes,bytes,bytes)");

    /// Copies of IInferenceConsumer's events for vm.expectEmit (solc 0.8.19 cannot emit `I.Event`).
    event InferenceAccepted(
        bytes32 indexed requestId, bytes32 indexed modelId, uint256 result, bytes32 modelHash, uint8 agreed
    );
    event InferenceRejected(bytes32 indexed requestId, bytes32 indexed modelId, IInferenceConsumer.RejectReason reason);

    LocalFunctionsDeployer.Deployment internal fn;
    ModelRegistry internal registry;
    ClaimsInsurance internal insurance;

    /// What the tests need to answer one request.
    struct Sent {
        bytes32 requestId;
        FunctionsResponse.Commitment commitment;
        bytes data;
    }

    function setUp() public virtual {
        vm.warp(1_750_000_000);
        for (uint256 i = 0; i < N; ++i) {
            s_signers.push(vm.addr(SIGNER_KEYS[i]));
            s_transmitters.push(vm.addr(TRANSMITTER_KEYS[i]));
        }
        fn = LocalFunctionsDeployer.deploy(
            LocalFunctionsDeployer.Params({
                owner: address(this),
                signers: s_signers,
                transmitters: s_transmitters,
                f: F,
                tosSigner: TOS_SIGNER,
                donId: DON_ID,
                subscriptionFunding: 1_000 ether
            })
        );
        (registry,) = OnnxOracleDeployer.deployRegistry(address(this));
        registry.grantRole(registry.PROPOSER_ROLE(), PROPOSER);
        registry.grantRole(registry.APPROVER_ROLE(), APPROVER);
        registry.grantRole(registry.APPROVER_ROLE(), SECOND_APPROVER);
        _register(DAMAGE, MODEL_HASH);
        _register(RISK, RISK_HASH);

        insurance = OnnxOracleDeployer.deployClaimsInsurance(
            OnnxOracleDeployer.ConsumerParams({
                router: address(fn.router),
                donId: DON_ID,
                subscriptionId: fn.subscriptionId,
                callbackGasLimit: CALLBACK_GAS,
                registry: address(registry),
                threshold: THRESHOLD,
                tolerance: 0,
                maxResultAge: MAX_AGE,
                source: _source(),
                premiumBps: PREMIUM_BPS,
                payoutRatioBps: OnnxOracleDeployer.defaultPayoutRatios()
            })
        );
        fn.router.addConsumer(fn.subscriptionId, address(insurance));
        insurance.fundPool{value: POOL_FUNDING}();
        vm.deal(HOLDER, 100 ether);
    }

    /// @dev The real image source when forge may read it (foundry.toml fs_permissions), else a
    /// placeholder: the DON is simulated here, so only the request's size depends on it.
    function _source() internal view returns (string memory) {
        try vm.readFile("functions-source/image-inference.js") returns (string memory source) {
            return source;
        } catch {
            return PLACEHOLDER_SOURCE;
        }
    }

    function _proposeOnly(bytes32 modelId, bytes32 modelHash) internal {
        IModelRegistry.Proposal memory proposal = _proposal(modelId, modelHash);
        vm.prank(PROPOSER);
        registry.propose(proposal);
    }

    function _register(bytes32 modelId, bytes32 modelHash) internal {
        _proposeOnly(modelId, modelHash);
        vm.prank(APPROVER);
        registry.approve(modelId, modelHash);
    }

    function _proposal(bytes32 modelId, bytes32 modelHash) internal pure returns (IModelRegistry.Proposal memory) {
        return IModelRegistry.Proposal({
            modelId: modelId,
            modelHash: modelHash,
            version: bytes12("1.0.0"),
            codeCommit: bytes20(keccak256("commit")),
            provenanceHash: keccak256(abi.encode("provenance", modelHash)),
            datasetDigest: sha256("dataset"),
            hyperparamsHash: sha256("hyperparameters"),
            labelCount: 0,
            weightsCommitment: bytes32(0),
            weightsUri: "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"
        });
    }

    // ------------------------------------------------------------ requests

    /// @dev Buys a policy for HOLDER and files its claim; returns the claim id and the request.
    function _buyAndClaim() internal returns (uint256 claimId, Sent memory sent) {
        vm.startPrank(HOLDER);
        uint256 policyId = insurance.buyPolicy{value: insurance.premiumFor(COVERAGE)}(COVERAGE, TERM);
        vm.recordLogs();
        claimId = insurance.fileClaim(policyId, PHOTO_URI, PHOTO_SHA);
        vm.stopPrank();
        sent = _sentFromLogs(vm.getRecordedLogs());
        return (claimId, sent);
    }

    /// @dev The request id, commitment and CBOR data of the OracleRequest the Coordinator emitted.
    function _sentFromLogs(Vm.Log[] memory logs) internal view returns (Sent memory sent) {
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].emitter == address(fn.coordinator) && logs[i].topics[0] == ORACLE_REQUEST) {
                sent.requestId = logs[i].topics[1];
                (,,, sent.data,,,, sent.commitment) = abi.decode(
                    logs[i].data,
                    (address, uint64, address, bytes, uint16, bytes32, uint64, FunctionsResponse.Commitment)
                );
                return sent;
            }
        }
        revert("no OracleRequest");
    }

    /// @dev Whether `needle` occurs in `haystack`.
    function _contains(bytes memory haystack, bytes memory needle) internal pure returns (bool) {
        if (needle.length > haystack.length) {
            return false;
        }
        for (uint256 i = 0; i <= haystack.length - needle.length; ++i) {
            bool found = true;
            for (uint256 j = 0; j < needle.length; ++j) {
                if (haystack[i + j] != needle[j]) {
                    found = false;
                    break;
                }
            }
            if (found) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------ results

    function _result(uint256 severity) internal view returns (InferenceResult.Data memory) {
        return InferenceResult.Data({
            result: severity,
            modelHash: MODEL_HASH,
            inputHash: PHOTO_SHA,
            responded: 3,
            agreed: 3,
            observedAt: uint64(block.timestamp)
        });
    }

    // ------------------------------------------------------------ OCR reports

    function _report(Sent memory sent, bytes memory response, bytes memory err)
        internal
        view
        returns (bytes memory report, bytes32[3] memory context)
    {
        bytes32[] memory ids = new bytes32[](1);
        ids[0] = sent.requestId;
        bytes[] memory results = new bytes[](1);
        results[0] = response;
        bytes[] memory errors = new bytes[](1);
        errors[0] = err;
        bytes[] memory onchainMeta = new bytes[](1);
        onchainMeta[0] = abi.encode(sent.commitment);
        bytes[] memory offchainMeta = new bytes[](1);
        report = abi.encode(ids, results, errors, onchainMeta, offchainMeta);
        context = [fn.configDigest, bytes32(uint256(0x0101)), bytes32(0)];
        return (report, context);
    }

    function _sign(bytes memory report, bytes32[3] memory context, uint256[] memory keys)
        internal
        pure
        returns (bytes32[] memory rs, bytes32[] memory ss, bytes32 vs)
    {
        rs = new bytes32[](keys.length);
        ss = new bytes32[](keys.length);
        bytes memory v = new bytes(32);
        bytes32 digest = keccak256(abi.encodePacked(keccak256(report), context));
        for (uint256 i = 0; i < keys.length; ++i) {
            (uint8 vi, bytes32 r, bytes32 s) = vm.sign(keys[i], digest);
            rs[i] = r;
            ss[i] = s;
            v[i] = bytes1(vi - 27);
        }
        vs = bytes32(v);
        return (rs, ss, vs);
    }

    function _signerKeys(uint256 count) internal view returns (uint256[] memory keys) {
        keys = new uint256[](count);
        for (uint256 i = 0; i < count; ++i) {
            keys[i] = SIGNER_KEYS[i];
        }
        return keys;
    }

    /// @dev Transmits a report signed by `keys` from `transmitter`; reverts bubble up.
    function _transmit(Sent memory sent, bytes memory response, bytes memory err, uint256[] memory keys, address transmitter)
        internal
    {
        (bytes memory report, bytes32[3] memory context) = _report(sent, response, err);
        (bytes32[] memory rs, bytes32[] memory ss, bytes32 vs) = _sign(report, context, keys);
        vm.prank(transmitter, transmitter);
        fn.coordinator.transmit(context, report, rs, ss, vs);
    }

    /// @dev Delivers through the DON with exactly the required signatures, from transmitter 1, and
    /// returns the router's verdict on the callback.
    function _deliver(Sent memory sent, bytes memory response, bytes memory err)
        internal
        returns (FunctionsResponse.FulfillResult)
    {
        vm.recordLogs();
        _transmit(sent, response, err, _signerKeys(REQUIRED_SIGNATURES), s_transmitters[0]);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].emitter == address(fn.router) && logs[i].topics[0] == REQUEST_PROCESSED) {
                (,, FunctionsResponse.FulfillResult code,,,) =
                    abi.decode(logs[i].data, (uint96, address, FunctionsResponse.FulfillResult, bytes, bytes, bytes));
                return code;
            }
        }
        revert("no RequestProcessed");
    }
}
