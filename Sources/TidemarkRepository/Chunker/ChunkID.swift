import TidemarkCore

/// The identity of a chunk: HMAC-SHA-256 of its plaintext under the repository's id key.
///
/// Stored as four words so that the in-memory index keys stay 32 bytes and hash fast.
package struct ChunkID: Hashable, Sendable, Comparable, CustomStringConvertible {
    package var w0: UInt64
    package var w1: UInt64
    package var w2: UInt64
    package var w3: UInt64

    /// Builds an id from 32 bytes.
    package init<Bytes: Collection<UInt8>>(bytes: Bytes) {
        precondition(bytes.count == 32, "a chunk id is 32 bytes")
        self = bytes.withContiguousStorageIfAvailable { ChunkID(rawBytes: UnsafeRawBufferPointer($0)) }
            ?? Array(bytes).withUnsafeBytes { ChunkID(rawBytes: $0) }
    }

    /// Builds an id from 32 bytes in memory (a MAC), reading four big-endian words.
    init(rawBytes: UnsafeRawBufferPointer) {
        precondition(rawBytes.count == 32, "a chunk id is 32 bytes")
        func word(_ index: Int) -> UInt64 { UInt64(bigEndian: rawBytes.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self)) }
        (w0, w1, w2, w3) = (word(0), word(1), word(2), word(3))
    }

    /// Parses 64 lowercase hex digits; nil for anything else.
    package init?(hex: some StringProtocol) {
        guard let bytes = Hex.decode(hex), bytes.count == 32 else { return nil }
        self.init(bytes: bytes)
    }

    /// The 32 bytes, big-endian word order.
    package var bytes: [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(32)
        for word in [w0, w1, w2, w3] {
            for shift in stride(from: 56, through: 0, by: -8) {
                result.append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
            }
        }
        return result
    }

    /// 64 lowercase hex digits.
    package var hex: String { Hex.encode(bytes) }
    package var description: String { hex }

    package static func < (lhs: ChunkID, rhs: ChunkID) -> Bool {
        (lhs.w0, lhs.w1, lhs.w2, lhs.w3) < (rhs.w0, rhs.w1, rhs.w2, rhs.w3)
    }
}
