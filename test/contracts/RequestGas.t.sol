// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {FunctionsClient} from "@chainlink/contracts/src/v0.8/functions/v1_0_0/FunctionsClient.sol";
import {FunctionsRequest} from "@chainlink/contracts/src/v0.8/functions/v1_0_0/libraries/FunctionsRequest.sol";
import {FunctionsDonTest} from "./helpers/FunctionsDonTest.sol";
import {InferenceConsumer} from "../../contracts/InferenceConsumer.sol";
import {InferenceResult} from "../../contracts/libraries/InferenceResult.sol";
import {FunctionsArgs} from "../../contracts/libraries/FunctionsArgs.sol";

/// @dev The smallest InferenceConsumer: exposes `_requestInference`.
contract InferenceHarness is InferenceConsumer {
    constructor(address router) InferenceConsumer(router) {}

    function request(bytes32 modelId, string calldata input, bytes32 inputHash) external returns (bytes32) {
        return _requestInference(modelId, input, inputHash);
    }

    function _onInference(bytes32, bytes32, InferenceResult.Data memory) internal override {}
}

/// @dev The textbook consumer, for comparison: the source is a `string` in storage and every request
/// CBOR-encodes it with FunctionsRequest. Same args, same pending record.
contract StorageSourceClient is FunctionsClient {
    using FunctionsRequest for FunctionsRequest.Request;

    string internal s_source;
    bytes32 internal s_donId;
    uint64 internal s_subscriptionId;
    mapping(bytes32 => bytes32[2]) internal s_pending;

    constructor(address router, string memory source, bytes32 donId, uint64 subscriptionId) FunctionsClient(router) {
        s_source = source;
        s_donId = donId;
        s_subscriptionId = subscriptionId;
    }

    function request(bytes32 modelId, bytes32 modelHash, string calldata input, bytes32 inputHash)
        external
        returns (bytes32 requestId)
    {
        FunctionsRequest.Request memory req;
        req.initializeRequestForInlineJavaScript(s_source);
        string[] memory args = new string[](6);
        args[0] = FunctionsArgs.shortString(modelId);
        args[1] = FunctionsArgs.hexString(modelHash);
        args[2] = FunctionsArgs.hexString(inputHash);
        args[3] = input;
        args[4] = FunctionsArgs.decimal(2);
        args[5] = FunctionsArgs.decimal(0);
        req.setArgs(args);
        requestId = _sendRequest(req.encodeCBOR(), s_subscriptionId, 300_000, s_donId);
        s_pending[requestId] = [modelId, inputHash];
        return requestId;
    }

    function fulfillRequest(bytes32, bytes memory, bytes memory) internal override {}
}

/// @notice What keeping the source as contract code saves on every request, measured against the
/// textbook storage-string consumer with the same source and args; both produce identical bytes.
contract RequestGasTest is FunctionsDonTest {
    /// Size of functions-source/image-inference.js when this was measured. forge may not read
    /// functions-source/ (foundry.toml fs_permissions), so a same-sized stand-in is used.
    uint256 internal constant SOURCE_BYTES = 14_885;
    string internal constant INPUT = '{"image":{"url":"ipfs://bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"}}';

    function _standInSource() internal pure returns (string memory) {
        bytes memory line = "// onnx-oracle stand-in line for a Functions source of realistic size...\n";
        bytes memory out = new bytes(SOURCE_BYTES);
        for (uint256 i = 0; i < SOURCE_BYTES; ++i) {
            out[i] = line[i % line.length];
        }
        return string(out);
    }

    function test_SourceAsCodeIsCheaperAndByteIdentical() public {
        string memory source = _standInSource();
        InferenceHarness harness = new InferenceHarness(address(fn.router));
        harness.setRequestConfig(DON_ID, fn.subscriptionId, CALLBACK_GAS);
        harness.setAcceptancePolicy(address(registry), 2, 0, MAX_AGE);
        harness.setSource(source);
        StorageSourceClient textbook = new StorageSourceClient(address(fn.router), source, DON_ID, fn.subscriptionId);
        fn.router.addConsumer(fn.subscriptionId, address(harness));
        fn.router.addConsumer(fn.subscriptionId, address(textbook));

        // A test runs as one transaction: cool everything so each request pays cold access, as it would
        // on chain, and neither benefits from the other having run first.
        (, InferenceConsumer.Routing memory routing,,) = harness.getConfig();
        address[] memory touched = new address[](6);
        touched[0] = address(textbook);
        touched[1] = address(harness);
        touched[2] = routing.source;
        touched[3] = address(fn.router);
        touched[4] = address(fn.coordinator);
        touched[5] = address(registry);
        _cool(touched);

        vm.recordLogs();
        vm.startSnapshotGas("RequestGas", "request, 14885-byte source in storage (textbook)");
        textbook.request(DAMAGE, MODEL_HASH, INPUT, PHOTO_SHA);
        uint256 storageGas = vm.stopSnapshotGas();
        Sent memory a = _sentFromLogs(vm.getRecordedLogs());

        _cool(touched);
        vm.recordLogs();
        vm.startSnapshotGas("RequestGas", "request, 14885-byte source as contract code (InferenceConsumer)");
        harness.request(DAMAGE, INPUT, PHOTO_SHA);
        uint256 codeGas = vm.stopSnapshotGas();
        Sent memory b = _sentFromLogs(vm.getRecordedLogs());

        assertEq(keccak256(b.data), keccak256(a.data), "the DON receives the same request bytes");
        assertLt(codeGas * 2, storageGas, "at least twice as cheap");
    }

    function _cool(address[] memory targets) internal {
        for (uint256 i = 0; i < targets.length; ++i) {
            vm.cool(targets[i]);
        }
    }
}
