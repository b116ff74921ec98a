// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {Vm} from "forge-std/Vm.sol";
import {
    FunctionsResponse
} from "@chainlink/contracts/src/v0.8/functions/v1_0_0/libraries/FunctionsResponse.sol";
import {LocalFunctionsDeployer} from "../../../script/deploy/LocalFunctionsDeployer.sol";
import {OnnxOracleDeployer} from "../../../script/deploy/OnnxOracleDeployer.sol";
import {InferenceOracle} from "../../../contracts/oracles/InferenceOracle.sol";
import {FunctionsInferenceOracle} from "../../../contracts/oracles/FunctionsInferenceOracle.sol";
import {InferenceTestBase} from "./InferenceTestBase.sol";
import {DonKeys} from "./DonKeys.sol";

/// @notice The Chainlink Functions transport for `InferenceTestBase`: the real FunctionsRouter
/// (v1_0_0) and FunctionsCoordinator (v1_3_0) with a 4-node DON (f = 1) whose OCR reports the tests
/// build and sign with the nodes' keys, and a funded subscription per oracle.
abstract contract FunctionsDonTest is InferenceTestBase {
    uint256 internal constant N = 4;
    uint8 internal constant F = 1;
    /// (n + f) / 2 + 1
    uint256 internal constant REQUIRED_SIGNATURES = 3;
    bytes32 internal constant DON_ID = bytes32("local-don");
    uint32 internal constant FULFILLMENT_GAS = 300_000;
    uint96 internal constant SUBSCRIPTION_FUNDING = 1_000 ether;
    /// Used when forge may not read functions-source/ (see `_source`).
    string internal constant PLACEHOLDER_SOURCE = "return Functions.encodeUint256(0)";

    uint256[N] internal SIGNER_KEYS = [uint256(0x400), 0x401, 0x402, 0x403];
    uint256[N] internal TRANSMITTER_KEYS = [uint256(0x404), 0x405, 0x406, 0x407];
    address[] internal s_signers;
    address[] internal s_transmitters;
    address internal TOS_SIGNER = makeAddr("tos-signer");

    bytes32 internal constant ORACLE_REQUEST = keccak256(
        "OracleRequest(bytes32,address,address,uint64,address,bytes,uint16,bytes32,uint64,"
        "(bytes32,address,uint96,address,uint64,uint32,uint72,uint72,uint40,uint40,uint32))"
    );
    bytes32 internal constant REQUEST_PROCESSED =
        keccak256("RequestProcessed(bytes32,uint64,uint96,address,uint8,bytes,bytes,bytes)");

    LocalFunctionsDeployer.Deployment internal fn;

    /// What the tests need to answer one request.
    struct Sent {
        bytes32 requestId;
        FunctionsResponse.Commitment commitment;
        bytes data;
    }

    mapping(bytes32 requestId => Sent) internal s_sent;

    // ------------------------------------------------------------ transport

    function _deployTransport() internal virtual override {
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
                subscriptionFunding: SUBSCRIPTION_FUNDING,
                subscriptionCount: 1
            })
        );
    }

    /// @dev Each oracle gets its own funded subscription (the first oracle the deployment's).
    function _newOracle(uint32 tolerance) internal virtual override returns (InferenceOracle) {
        uint64 subscriptionId = address(oracle) == address(0)
            ? fn.subscriptionId
            : LocalFunctionsDeployer.addSubscription(fn, address(this), SUBSCRIPTION_FUNDING);
        FunctionsInferenceOracle created = OnnxOracleDeployer.deployFunctionsOracle(
            OnnxOracleDeployer.FunctionsParams({
                router: address(fn.router),
                donId: DON_ID,
                subscriptionId: subscriptionId,
                fulfillmentGasLimit: FULFILLMENT_GAS,
                source: _source()
            }),
            _oracleParams(tolerance)
        );
        fn.router.addConsumer(subscriptionId, address(created));
        return created;
    }

    function _noteRequest(bytes32 requestId, Vm.Log[] memory logs) internal virtual override {
        Sent memory sent = _sentFromLogs(logs);
        assertEq(sent.requestId, requestId, "the router's request id");
        s_sent[requestId] = sent;
    }

    function _answer(bytes32 requestId, bytes memory response) internal virtual override {
        _deliver(s_sent[requestId], response, "");
    }

    function _answerDirectly(bytes32 requestId, bytes memory response) internal virtual override {
        vm.prank(address(fn.router));
        FunctionsInferenceOracle(address(oracle)).handleOracleFulfillment(requestId, response, "");
    }

    function _transportCaller() internal view virtual override returns (address) {
        return address(fn.router);
    }

    function _wrongLengthSettles() internal pure virtual override returns (bool) {
        return true;
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

    function _signerKeys(uint256 count) internal view returns (uint256[] memory) {
        return DonKeys.first(SIGNER_KEYS, count);
    }

    /// @dev Transmits a report signed by `keys` from `transmitter`; reverts bubble up.
    function _transmit(
        Sent memory sent,
        bytes memory response,
        bytes memory err,
        uint256[] memory keys,
        address transmitter
    ) internal {
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
                (,, FunctionsResponse.FulfillResult code,,,) = abi.decode(
                    logs[i].data, (uint96, address, FunctionsResponse.FulfillResult, bytes, bytes, bytes)
                );
                return code;
            }
        }
        revert("no RequestProcessed");
    }
}
