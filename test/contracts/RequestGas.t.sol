// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

import {Vm} from "forge-std/Vm.sol";
import {FunctionsClient} from "@chainlink/contracts/src/v0.8/functions/v1_0_0/FunctionsClient.sol";
import {
    FunctionsRequest
} from "@chainlink/contracts/src/v0.8/functions/v1_0_0/libraries/FunctionsRequest.sol";
import {FunctionsDonTest} from "./helpers/FunctionsDonTest.sol";
import {CreDonTest} from "./helpers/CreDonTest.sol";
import {InferenceClient} from "../../contracts/InferenceClient.sol";
import {FunctionsInferenceOracle} from "../../contracts/oracles/FunctionsInferenceOracle.sol";
import {InferenceOracle} from "../../contracts/oracles/InferenceOracle.sol";
import {OnnxOracleDeployer} from "../../script/deploy/OnnxOracleDeployer.sol";
import {InferenceResult} from "../../contracts/libraries/InferenceResult.sol";
import {FunctionsArgs} from "../../contracts/libraries/FunctionsArgs.sol";

/// @dev The smallest dApp: forwards a request to its oracle and ignores the answer.
contract MinimalClient is InferenceClient {
    constructor(address oracleAddress) InferenceClient(oracleAddress) {}

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

    constructor(address router, string memory source, bytes32 donId, uint64 subscriptionId)
        FunctionsClient(router)
    {
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

/// @dev What both transports' request measurements share: the input, and cooling every account a
/// request touches so that it pays cold access, as it would on chain (a test runs as one transaction).
library RequestGasInput {
    string internal constant INPUT =
        '{"image":{"url":"ipfs://bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"}}';
}

/// @notice Functions: what keeping the source as contract code saves on every request, measured
/// against the textbook storage-string consumer with the same source and args (both produce
/// identical bytes), and a request through a minimal client and the Functions oracle.
contract RequestGasTest is FunctionsDonTest {
    /// Size of functions-source/image-inference.js when this was measured. forge may not read
    /// functions-source/ (foundry.toml fs_permissions), so a same-sized stand-in is used.
    uint256 internal constant SOURCE_BYTES = 14_885;

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
        FunctionsInferenceOracle functionsOracle = OnnxOracleDeployer.deployFunctionsOracle(
            OnnxOracleDeployer.FunctionsParams({
                router: address(fn.router),
                donId: DON_ID,
                subscriptionId: fn.subscriptionId,
                fulfillmentGasLimit: FULFILLMENT_GAS,
                source: source
            }),
            _oracleParams(0)
        );
        MinimalClient client = new MinimalClient(address(functionsOracle));
        functionsOracle.setClient(address(client), true);
        StorageSourceClient textbook =
            new StorageSourceClient(address(fn.router), source, DON_ID, fn.subscriptionId);
        fn.router.addConsumer(fn.subscriptionId, address(functionsOracle));
        fn.router.addConsumer(fn.subscriptionId, address(textbook));

        (FunctionsInferenceOracle.Routing memory routing,,) = functionsOracle.getRequestConfig();
        address[] memory touched = new address[](7);
        touched[0] = address(textbook);
        touched[1] = address(client);
        touched[2] = address(functionsOracle);
        touched[3] = routing.source;
        touched[4] = address(fn.router);
        touched[5] = address(fn.coordinator);
        touched[6] = address(registry);
        _cool(touched);

        vm.recordLogs();
        textbook.request(DAMAGE, MODEL_HASH, RequestGasInput.INPUT, PHOTO_SHA);
        uint256 storageGas = vm.snapshotGasLastCall(
            "RequestGas", "Functions: request, 14885-byte source in storage (textbook)"
        );
        Sent memory a = _sentFromLogs(vm.getRecordedLogs());

        _cool(touched);
        vm.recordLogs();
        client.request(DAMAGE, RequestGasInput.INPUT, PHOTO_SHA);
        uint256 codeGas = vm.snapshotGasLastCall(
            "RequestGas", "Functions: request, 14885-byte source as contract code (minimal client)"
        );
        Sent memory b = _sentFromLogs(vm.getRecordedLogs());

        assertEq(keccak256(b.data), keccak256(a.data), "the DON receives the same request bytes");
        assertLt(codeGas * 2, storageGas, "at least twice as cheap");
    }
}

/// @notice CRE: a request through a minimal client and the CRE oracle, cold. Goal (issue 11): at
/// most 80,000 gas.
contract CreRequestGasTest is CreDonTest {
    uint256 internal constant REQUEST_GAS_GOAL = 80_000;

    function test_CreRequestFitsTheGoal() public {
        InferenceOracle creOracle = _newOracle(0);
        MinimalClient client = new MinimalClient(address(creOracle));
        creOracle.setClient(address(client), true);
        address[] memory touched = new address[](3);
        touched[0] = address(client);
        touched[1] = address(creOracle);
        touched[2] = address(registry);
        _cool(touched);
        vm.recordLogs();
        bytes32 requestId = client.request(DAMAGE, RequestGasInput.INPUT, PHOTO_SHA);
        uint256 used = vm.snapshotGasLastCall("RequestGas", "CRE: request (minimal client)");
        Vm.Log[] memory logs = vm.getRecordedLogs();
        (bytes32 id,,,) = _requestedEvent(logs);
        assertEq(id, requestId);
        assertTrue(creOracle.isPending(requestId));
        assertLe(used, REQUEST_GAS_GOAL, "CRE request within 80,000 gas");
    }
}
