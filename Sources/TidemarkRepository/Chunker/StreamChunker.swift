import TidemarkCore

/// How a stream is cut into chunks (docs/FORMAT.md "Chunking").
package enum StreamLayout: String, Sendable, Codable {
    /// Content-defined chunking of the whole stream (dumps).
    case contentDefined = "cdc"
    /// Along the members of a tar archive (base backups), see ``StreamChunker``.
    case tar
    /// Fixed blocks from the stream's start (a SQLite file copied page by page).
    case fixedBlocks = "fixed"
}

/// Cuts a stream into chunks: content-defined for dumps; for a tar archive (a
/// `pg_basebackup -Ft` stream) along its members, so that data files deduplicate from one base
/// backup to the next (docs/FORMAT.md "Chunking of base backups"):
///
/// - Each member header, with the padding that precedes it, is one small chunk.
/// - The data of a relation file (`base/<db>/<relfilenode>[_fsm|_vm|_init][.<segment>]` and
///   `global/<relfilenode>…`) is cut into fixed blocks of `blockSize` bytes at offsets aligned to
///   the file's start, i.e. at page boundaries: an unchanged megabyte of a table gives the same
///   chunk however the bytes before it moved.
/// - Other members' data goes through content-defined chunking restarted at the member's start.
/// - Whatever follows the end-of-archive marker is one more chunk.
///
/// The chunks concatenate to exactly the input, so a stored base backup exports as the same tar.
/// Memory: one chunk under construction (at most `max(blockSize, CDC maximum)`) plus the buffer
/// being appended.
package struct StreamChunker: ~Copyable {
    private enum Phase {
        /// Not a tar: everything goes through content-defined chunking.
        case plain
        /// Collecting the padding of the previous member (`padding` bytes) and the next header.
        case header(padding: Int)
        case relation(remaining: Int64)
        case other(remaining: Int64)
        /// After the end-of-archive marker.
        case trailer
        /// Fixed blocks of `blockSize` bytes, whatever the content.
        case fixed
    }

    private let blockSize: Int
    private var cdc: GearChunker
    private var phase: Phase = .header(padding: 0)
    /// Bytes of the chunk being built (header chunks, relation blocks, the trailer).
    private var current: [UInt8] = []
    private var ready: [[UInt8]] = []
    private var nextReady = 0

    /// - Parameter blockSize: bytes per relation-file block (tar layout) or per block (fixed
    ///   layout), a multiple of 512.
    package init(layout: StreamLayout, blockSize: Int, parameters: ChunkerParameters, gear: [UInt64]) {
        precondition(blockSize > 0 && blockSize % TarHeader.blockSize == 0, "the block size is a multiple of 512")
        self.blockSize = blockSize
        self.cdc = GearChunker(parameters: parameters, gear: gear)
        switch layout {
        case .contentDefined: self.phase = .plain
        case .tar: self.phase = .header(padding: 0)
        case .fixedBlocks: self.phase = .fixed
        }
    }

    /// Adds the next bytes of the archive.
    package mutating func append(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            offset += consume(bytes[offset...])
        }
    }

    /// The next complete chunk, or nil when more bytes are needed.
    /// - Parameter isFinal: true after the last `append`: what is left forms the last chunks.
    package mutating func nextChunk(isFinal: Bool) -> [UInt8]? {
        if nextReady < ready.count {
            let chunk = ready[nextReady]
            nextReady += 1
            if nextReady == ready.count {
                ready.removeAll(keepingCapacity: true)
                nextReady = 0
            }
            return chunk
        }
        if case .plain = phase { return cdc.nextChunk(isFinal: isFinal) }
        guard isFinal else { return nil }
        if case .other = phase, let chunk = cdc.nextChunk(isFinal: true) { return chunk }
        if !current.isEmpty {
            defer { current = [] }
            return current
        }
        return nil
    }

    /// Takes what the current phase needs from `bytes`; returns how many bytes it took.
    private mutating func consume(_ bytes: ArraySlice<UInt8>) -> Int {
        switch phase {
        case .plain:
            cdc.append(Array(bytes))
            return bytes.count
        case .header(let padding):
            let wanted = padding + TarHeader.blockSize - current.count
            let taken = bytes.prefix(wanted)
            current.append(contentsOf: taken)
            if current.count == padding + TarHeader.blockSize { startMember(padding: padding) }
            return taken.count
        case .relation(let remaining):
            let wanted = min(Int64(blockSize - current.count), remaining)
            let taken = bytes.prefix(Int(wanted))
            current.append(contentsOf: taken)
            let left = remaining - Int64(taken.count)
            if current.count == blockSize || left == 0 { emit() }
            phase = left == 0 ? .header(padding: paddingAfterMember) : .relation(remaining: left)
            return taken.count
        case .other(let remaining):
            let taken = bytes.prefix(Int(min(Int64(bytes.count), remaining)))
            cdc.append(Array(taken))
            let left = remaining - Int64(taken.count)
            while let chunk = cdc.nextChunk(isFinal: left == 0) { ready.append(chunk) }
            phase = left == 0 ? .header(padding: paddingAfterMember) : .other(remaining: left)
            return taken.count
        case .trailer:
            current.append(contentsOf: bytes)
            if current.count >= blockSize { emit() }
            return bytes.count
        case .fixed:
            let taken = bytes.prefix(blockSize - current.count)
            current.append(contentsOf: taken)
            if current.count == blockSize { emit() }
            return taken.count
        }
    }

    /// The padding owed after the member whose data just ended.
    private var paddingAfterMember: Int { TarHeader.padding(after: memberSize) }
    private var memberSize: Int64 = 0

    private mutating func startMember(padding: Int) {
        let block = current[(current.count - TarHeader.blockSize)...]
        if TarHeader.isEndMarker(block) {
            phase = .trailer
            return
        }
        emit()
        // A block that is no header (a corrupt or foreign stream) still chunks losslessly: the
        // rest is treated as one opaque trailer.
        guard let header = TarHeader(block) else {
            phase = .trailer
            return
        }
        memberSize = header.size
        if header.size == 0 {
            phase = .header(padding: 0)
        } else if header.isRegularFile && Self.isRelationFile(header.path) {
            phase = .relation(remaining: header.size)
        } else {
            phase = .other(remaining: header.size)
        }
    }

    private mutating func emit() {
        guard !current.isEmpty else { return }
        ready.append(current)
        current = []
        current.reserveCapacity(blockSize)
    }

    /// Whether `path` is a relation segment file: its data is 8 KiB pages.
    package static func isRelationFile(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        let file: Substring
        switch parts.count {
        case 2 where parts[0] == "global": file = parts[1]
        case 3 where parts[0] == "base" && !parts[1].isEmpty && parts[1].allSatisfy(\.isASCIIDigit): file = parts[2]
        default: return false
        }
        // <relfilenode>[_fsm|_vm|_init][.<segment>]
        var name = file
        if let dot = name.firstIndex(of: ".") {
            let segment = name[name.index(after: dot)...]
            guard !segment.isEmpty, segment.allSatisfy(\.isASCIIDigit) else { return false }
            name = name[..<dot]
        }
        for fork in ["_fsm", "_vm", "_init"] where name.hasSuffix(fork) {
            name = name.dropLast(fork.count)
            break
        }
        return !name.isEmpty && name.allSatisfy(\.isASCIIDigit)
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
