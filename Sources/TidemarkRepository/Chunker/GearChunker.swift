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
    /// Bytes not yet cut, from `start` on; cut chunks leave `buffer` by moving `start`, and the
    /// consumed front is dropped only once it is two maximum chunks long (removing each chunk's
    /// bytes from the front would move the rest, megabytes, once per chunk; this moves about
    /// half of the stream in all, against three times before).
    private var buffer: [UInt8] = []
    private var start = 0

    package init(parameters: ChunkerParameters, gear: [UInt64]) {
        precondition(gear.count == 256, "the gear table has 256 entries")
        self.parameters = parameters
        self.gear = gear
        let bits = UInt64(max(1, Int.bitWidth - parameters.averageSize.leadingZeroBitCount - 1))
        // The gear hash shifts left, so bit k depends on the last k+1 bytes only: masks use
        // the top bits, which depend on the whole 64-byte window.
        self.hardMask = Self.topBits(bits + 2)
        self.easyMask = Self.topBits(bits - 2)
        buffer.reserveCapacity(parameters.maximumSize * 4)
    }

    private static func topBits(_ count: UInt64) -> UInt64 {
        count >= 64 ? UInt64.max : ~((UInt64.max) >> count)
    }

    /// Bytes appended and not yet cut.
    private var pending: Int { buffer.count - start }

    /// Adds bytes to the stream.
    package mutating func append(_ bytes: [UInt8]) {
        if start >= 2 * parameters.maximumSize {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete chunk, or nil when more bytes are needed to place the cut.
    /// - Parameter isFinal: true after the last `append`; the remaining bytes then form chunks
    ///   even when shorter than the minimum.
    package mutating func nextChunk(isFinal: Bool) -> [UInt8]? {
        if pending == 0 { return nil }
        if !isFinal && pending < parameters.maximumSize { return nil }
        let cut = cutPoint()
        let chunk = Array(buffer[start..<(start + cut)])
        start += cut
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        return chunk
    }

    /// The length of the next chunk.
    private func cutPoint() -> Int {
        let available = min(pending, parameters.maximumSize)
        if available <= parameters.minimumSize { return available }
        let normal = min(parameters.averageSize, available)
        return buffer.withUnsafeBufferPointer { whole in
            gear.withUnsafeBufferPointer { table in
                guard let base = whole.baseAddress, let gear = table.baseAddress else { return available }
                let bytes = base + start
                var hash: UInt64 = 0
                var index = parameters.minimumSize
                while index < normal {
                    hash = (hash << 1) &+ gear[Int(bytes[index])]
                    if hash & hardMask == 0 { return index + 1 }
                    index += 1
                }
                while index < available {
                    hash = (hash << 1) &+ gear[Int(bytes[index])]
                    if hash & easyMask == 0 { return index + 1 }
                    index += 1
                }
                return available
            }
        }
    }
}
