/// Parameters of content-defined chunking, stored in the repository config (docs/FORMAT.md).
package struct ChunkerParameters: Sendable, Codable, Equatable {
    package var minimumSize: Int
    package var averageSize: Int
    package var maximumSize: Int

    package init(minimumSize: Int, averageSize: Int, maximumSize: Int) {
        self.minimumSize = minimumSize
        self.averageSize = averageSize
        self.maximumSize = maximumSize
    }

    /// 256 KiB / 1 MiB / 4 MiB: large enough that per-chunk costs (index entry, HMAC setup,
    /// zstd frame) vanish, small enough that a change near the end of a table rewrites only a
    /// few MiB.
    package static let standard = ChunkerParameters(minimumSize: 256 << 10, averageSize: 1 << 20, maximumSize: 4 << 20)
}

/// Splits a byte stream into content-defined chunks with a gear rolling hash (FastCDC style).
///
/// Bytes are appended as they arrive; `nextChunk()` returns a chunk once a cut point is
/// certain, so memory stays below `maximumSize` plus one appended buffer. The gear table is
/// derived from the repository key (see `GearTable`), so chunk boundaries do not reveal
/// content to someone who only sees chunk sizes.
package struct GearChunker: ~Copyable {
    private let parameters: ChunkerParameters
    private let gear: [UInt64]
    /// Harder mask (more bits) used before the average size, easier after: "normalized
    /// chunking", which narrows the size distribution around the average.
    private let hardMask: UInt64
    private let easyMask: UInt64
    private var buffer: [UInt8] = []

    package init(parameters: ChunkerParameters, gear: [UInt64]) {
        precondition(gear.count == 256, "the gear table has 256 entries")
        self.parameters = parameters
        self.gear = gear
        let bits = UInt64(max(1, Int.bitWidth - parameters.averageSize.leadingZeroBitCount - 1))
        // The gear hash shifts left, so bit k depends on the last k+1 bytes only: masks use
        // the top bits, which depend on the whole 64-byte window.
        self.hardMask = Self.topBits(bits + 2)
        self.easyMask = Self.topBits(bits - 2)
        buffer.reserveCapacity(parameters.maximumSize * 2)
    }

    private static func topBits(_ count: UInt64) -> UInt64 {
        count >= 64 ? UInt64.max : ~((UInt64.max) >> count)
    }

    /// Adds bytes to the stream.
    package mutating func append(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
    }

    /// The next complete chunk, or nil when more bytes are needed to place the cut.
    /// - Parameter isFinal: true after the last `append`; the remaining bytes then form chunks
    ///   even when shorter than the minimum.
    package mutating func nextChunk(isFinal: Bool) -> [UInt8]? {
        if buffer.isEmpty { return nil }
        if !isFinal && buffer.count < parameters.maximumSize { return nil }
        let cut = cutPoint()
        let chunk = Array(buffer[0..<cut])
        buffer.removeFirst(cut)
        return chunk
    }

    private func cutPoint() -> Int {
        let available = min(buffer.count, parameters.maximumSize)
        if available <= parameters.minimumSize { return available }
        let normal = min(parameters.averageSize, available)
        return buffer.withUnsafeBufferPointer { bytes in
            gear.withUnsafeBufferPointer { table in
                var hash: UInt64 = 0
                var index = parameters.minimumSize
                while index < normal {
                    hash = (hash << 1) &+ table[Int(bytes[index])]
                    if hash & hardMask == 0 { return index + 1 }
                    index += 1
                }
                while index < available {
                    hash = (hash << 1) &+ table[Int(bytes[index])]
                    if hash & easyMask == 0 { return index + 1 }
                    index += 1
                }
                return available
            }
        }
    }
}
