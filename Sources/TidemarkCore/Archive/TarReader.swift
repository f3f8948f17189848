/// Walks a tar stream member by member as its bytes arrive, in any pieces: headers, data,
/// padding and the end marker are told apart, so readers handle members, not blocks.
package struct TarReader: Sendable {
    /// What the bytes fed so far held, in order.
    package enum Event {
        /// A member starts (its data, if any, follows as `data` events).
        case member(TarHeader)
        /// The next bytes of the current member's data.
        case data(ArraySlice<UInt8>)
        /// The current member's data is complete.
        case memberEnd
        /// The end-of-archive marker: nothing after it is read.
        case end
    }

    /// A block where a header should be is not one.
    package struct MalformedArchive: Error, Sendable {}

    private enum Phase: Sendable {
        case header(padding: Int)
        case data(remaining: Int64, size: Int64)
        case done
    }

    private var phase: Phase = .header(padding: 0)
    private var pending: [UInt8] = []

    package init() {}

    /// Whether the end-of-archive marker was seen.
    package var isFinished: Bool {
        if case .done = phase { return true }
        return false
    }

    /// Reads `bytes`, calling `handle` for each event they complete.
    /// - Throws: `MalformedArchive`, or what `handle` throws.
    package mutating func feed(_ bytes: ArraySlice<UInt8>, _ handle: (Event) throws -> Void) throws {
        var slice = bytes
        while !slice.isEmpty {
            switch phase {
            case .done:
                return
            case .header(let padding):
                let wanted = padding + TarHeader.blockSize - pending.count
                pending.append(contentsOf: slice.prefix(wanted))
                slice = slice.dropFirst(wanted)
                guard pending.count == padding + TarHeader.blockSize else { continue }
                let block = pending[padding...]
                defer { pending.removeAll(keepingCapacity: true) }
                if TarHeader.isEndMarker(block) {
                    phase = .done
                    try handle(.end)
                    continue
                }
                guard let header = TarHeader(block) else { throw MalformedArchive() }
                try handle(.member(header))
                if header.size == 0 {
                    try handle(.memberEnd)
                    phase = .header(padding: 0)
                } else {
                    phase = .data(remaining: header.size, size: header.size)
                }
            case .data(let remaining, let size):
                let taken = slice.prefix(Int(min(Int64(slice.count), remaining)))
                slice = slice.dropFirst(taken.count)
                try handle(.data(taken))
                let left = remaining - Int64(taken.count)
                if left == 0 {
                    try handle(.memberEnd)
                    phase = .header(padding: TarHeader.padding(after: size))
                } else {
                    phase = .data(remaining: left, size: size)
                }
            }
        }
    }
}
