// SPDX-License-Identifier: MIT
pragma solidity 0.8.19;

/// @title FlRoundReport
/// @notice The payload a federated round's DON report carries (federated/round-report.ts writes
/// it), and its decoder that never reverts.
/// @dev `abi.encode(bytes32 taskId, uint32 round, bytes32 baseModelHash, bytes32 aggregateHash,
/// bytes32 modelFileHash, uint32 modelLossQ16, uint256[] entries)`: 8 head words (the array's
/// offset, 0xe0, and length included), then one word per committer, ascending by participant:
/// `participant << 96 | status << 88 | slashed << 80 | weightBps << 64 | lossQ16 << 32 |
/// distanceQ16`.
library FlRoundReport {
    /// @notice Words before the entries.
    uint256 internal constant HEAD_WORDS = 8;
    /// @notice Where the entries start.
    uint256 internal constant ENTRIES_OFFSET = HEAD_WORDS * 32;
    /// @notice The ABI offset of the entries array (7 static words before it).
    uint256 internal constant ARRAY_OFFSET = 7 * 32;
    /// @notice Most entries a report may hold (a task's participant limit).
    uint16 internal constant MAX_ENTRIES = 64;
    /// @notice Highest status code (federated/reasons.ts; 14 = did not reveal).
    uint8 internal constant MAX_STATUS = 14;
    /// @notice A reward weight of 100%.
    uint16 internal constant FULL_WEIGHT_BPS = 10_000;

    /// @notice The head of a report.
    struct Head {
        bytes32 taskId;
        uint32 round;
        bytes32 baseModelHash;
        bytes32 aggregateHash;
        bytes32 modelFileHash;
        uint32 modelLossQ16;
        uint256 entryCount;
    }

    /// @notice One committer's entry.
    struct Entry {
        address participant;
        uint8 status;
        bool slashed;
        uint16 weightBps;
        uint8 slashedByte;
    }

    /// @notice Decodes the head; `ok` is false unless the payload has exactly the layout (canonical
    /// offset, length matching the byte count, uint32 fields in range, at most MAX_ENTRIES). The
    /// task id and round are read whenever there are bytes for them (for the reject event).
    function decodeHead(bytes calldata payload) internal pure returns (bool ok, Head memory h) {
        if (payload.length >= 64) {
            h.taskId = bytes32(payload[0:32]);
            uint256 roundWord = uint256(bytes32(payload[32:64]));
            h.round = roundWord > type(uint32).max ? 0 : uint32(roundWord);
        }
        if (payload.length < ENTRIES_OFFSET || (payload.length - ENTRIES_OFFSET) % 32 != 0) {
            return (false, h);
        }
        uint256 count = (payload.length - ENTRIES_OFFSET) / 32;
        if (
            uint256(bytes32(payload[32:64])) > type(uint32).max
                || uint256(bytes32(payload[160:192])) > type(uint32).max
                || uint256(bytes32(payload[192:224])) != ARRAY_OFFSET
                || uint256(bytes32(payload[224:256])) != count || count > MAX_ENTRIES
        ) {
            return (false, h);
        }
        h.baseModelHash = bytes32(payload[64:96]);
        h.aggregateHash = bytes32(payload[96:128]);
        h.modelFileHash = bytes32(payload[128:160]);
        h.modelLossQ16 = uint32(uint256(bytes32(payload[160:192])));
        h.entryCount = count;
        return (true, h);
    }

    /// @notice The `i`-th entry of `entries` (the payload from ENTRIES_OFFSET on).
    function entryAt(bytes calldata entries, uint256 i) internal pure returns (Entry memory e) {
        uint256 w = uint256(bytes32(entries[i * 32:i * 32 + 32]));
        e.participant = address(uint160(w >> 96));
        e.status = uint8(w >> 88);
        e.slashedByte = uint8(w >> 80);
        e.slashed = e.slashedByte == 1;
        e.weightBps = uint16(w >> 64);
        return e;
    }

    /// @notice Whether an entry is consistent in itself: a known status, a slashed flag of 0 or 1,
    /// a weight of at most 100% and only on an accepted update, no slash of an accepted update, and
    /// a slash of every committer that did not reveal.
    function consistent(Entry memory e) internal pure returns (bool) {
        if (e.status > MAX_STATUS || e.slashedByte > 1 || e.weightBps > FULL_WEIGHT_BPS) {
            return false;
        }
        if (e.status == 0) {
            return !e.slashed;
        }
        return e.weightBps == 0 && (e.status != MAX_STATUS || e.slashed);
    }
}
