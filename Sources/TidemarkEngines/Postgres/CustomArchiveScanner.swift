import Foundation
import TidemarkCore

/// Reads a pg_dump custom-format archive (`pg_dump -Fc -Z0`) as it streams past, without
/// holding more than one TOC entry in memory, and measures each table's data.
///
/// Events in, facts out (postgres-nio style): `consume(_:)` takes the bytes in stream order;
/// `summary()` gives the header, the TOC and, per `TABLE DATA` entry, the bytes and the exact
/// number of rows of its COPY data. COPY text escapes newlines inside values as `\n`, so every
/// raw newline byte ends exactly one row: counting them is an exact row count, with no second
/// scan of the database.
///
/// Format reference: PostgreSQL's `pg_backup_archiver.c` (`WriteHead`, `WriteToc`) and
/// `pg_backup_custom.c` (`_StartData`, `_CustomWriteFunc`, `_EndData`), archive versions
/// 1.12–1.16 (pg_dump 11–17). docs/FORMAT.md describes the parts this scanner relies on.
package struct CustomArchiveScanner {
    /// One TOC entry, as far as Tidemark needs it.
    package struct Entry: Sendable, Equatable {
        package var dumpID: Int
        package var kind: String
        package var namespace: String?
        package var tag: String
        package var dependencies: [Int]
        /// For `FK CONSTRAINT` entries: the referenced table from the definition.
        package var references: String?
    }

    /// Bytes and rows seen for one data entry.
    package struct DataStatistics: Sendable, Equatable {
        package var bytes: Int64 = 0
        package var rows: Int64 = 0
        /// The sum of the rows' hashes (``RowHash``) when the scanner digests rows; else 0.
        package var digest: UInt64 = 0
    }

    /// What the header says.
    package struct Header: Sendable {
        package var version: (major: UInt8, minor: UInt8, revision: UInt8) = (0, 0, 0)
        package var intSize = 4
        package var offsetSize = 8
        package var compression = 0
        package var databaseName = ""
        package var serverVersion = ""
        package var dumpVersion = ""


        var versionNumber: Int { Int(version.major) << 16 | Int(version.minor) << 8 | Int(version.revision) }
    }

    private enum Phase {
        case header
        case tocCount
        case toc(remaining: Int)
        case data(DataState)
    }

    private enum DataState {
        case blockType
        case blockID(type: UInt8)
        case chunkLength(dumpID: Int, isBlob: Bool)
        case chunkData(dumpID: Int, remaining: Int, isBlob: Bool)
        case blobOID(dumpID: Int)
    }

    private var phase: Phase = .header
    private var pending: [UInt8] = []
    private var pendingStart = 0
    package private(set) var header = Header()
    package private(set) var entries: [Entry] = []
    package private(set) var statistics: [Int: DataStatistics] = [:]
    /// Data entries whose data has been seen completely.
    package private(set) var tablesDone = 0

    /// Whether each row is hashed into its table's ``DataStatistics/digest``: for restore
    /// tests only, as it reads every byte once more.
    package let digestsRows: Bool
    private var rowHash = RowHash()

    package init(digestsRows: Bool = false) {
        self.digestsRows = digestsRows
    }

    /// Number of `TABLE DATA` entries in the TOC.
    package var tablesTotal: Int { entries.filter { $0.kind == "TABLE DATA" }.count }

    /// Feeds the next bytes of the archive.
    /// - Throws: `EngineError` `archive-unreadable` when the bytes are not a supported archive.
    package mutating func consume(_ bytes: [UInt8]) throws {
        if case .data = phase, pending.count == pendingStart {
            try bytes.withUnsafeBytes { try scanData($0) }
            return
        }
        pending.append(contentsOf: bytes)
        try parseMetadata()
        if case .data = phase {
            let rest = Array(pending[pendingStart...])
            pending = []
            pendingStart = 0
            try rest.withUnsafeBytes { try scanData($0) }
        }
    }

    /// Checks that the archive ended at a block boundary.
    /// - Throws: `EngineError` `archive-unreadable` for a truncated archive.
    package func finish() throws {
        guard case .data(let state) = phase, case .blockType = state, fieldLength == 0 else {
            throw Self.unreadable("the archive ended in the middle of its \(phaseName)")
        }
    }

    private var phaseName: String {
        switch phase {
        case .header: "header"
        case .tocCount, .toc: "table of contents"
        case .data: "data"
        }
    }

    // MARK: Header and TOC

    private struct NeedMore: Error {}

    private struct Cursor {
        let bytes: [UInt8]
        var position: Int
        let intSize: Int

        mutating func byte() throws -> UInt8 {
            guard position < bytes.count else { throw NeedMore() }
            defer { position += 1 }
            return bytes[position]
        }

        mutating func int() throws -> Int {
            guard position + 1 + intSize <= bytes.count else { throw NeedMore() }
            let negative = bytes[position] != 0
            var value = 0
            for index in 0..<intSize {
                value |= Int(bytes[position + 1 + index]) << (8 * index)
            }
            position += 1 + intSize
            return negative ? -value : value
        }

        mutating func string() throws -> String? {
            let length = try int()
            if length < 0 { return nil }
            guard position + length <= bytes.count else { throw NeedMore() }
            defer { position += length }
            return String(decoding: bytes[position..<(position + length)], as: UTF8.self)
        }

        mutating func skip(_ count: Int) throws {
            guard position + count <= bytes.count else { throw NeedMore() }
            position += count
        }
    }

    private mutating func parseMetadata() throws {
        while true {
            var cursor = Cursor(bytes: pending, position: pendingStart, intSize: header.intSize)
            do {
                switch phase {
                case .header:
                    try parseHeader(&cursor)
                    phase = .tocCount
                case .tocCount:
                    let count = try cursor.int()
                    guard count >= 0 else { throw Self.unreadable("the table of contents has a negative size") }
                    phase = count == 0 ? .data(.blockType) : .toc(remaining: count)
                case .toc(let remaining):
                    entries.append(try parseEntry(&cursor))
                    phase = remaining == 1 ? .data(.blockType) : .toc(remaining: remaining - 1)
                case .data:
                    return
                }
            } catch is NeedMore {
                if pendingStart > 1 << 20 {
                    pending.removeFirst(pendingStart)
                    pendingStart = 0
                }
                return
            }
            pendingStart = cursor.position
        }
    }

    private mutating func parseHeader(_ cursor: inout Cursor) throws {
        guard pending.count - pendingStart >= 11 else { throw NeedMore() }
        let magic = pending[pendingStart..<(pendingStart + 5)]
        guard magic.elementsEqual("PGDMP".utf8) else {
            throw Self.unreadable("the stream does not start with a pg_dump archive header")
        }
        try cursor.skip(5)
        header.version = (try cursor.byte(), try cursor.byte(), try cursor.byte())
        guard header.version.major == 1, (12...16).contains(header.version.minor) else {
            throw Self.unreadable("pg_dump archive version \(header.version.major).\(header.version.minor) is not supported")
        }
        header.intSize = Int(try cursor.byte())
        header.offsetSize = Int(try cursor.byte())
        guard (1...8).contains(header.intSize), (1...8).contains(header.offsetSize) else {
            throw Self.unreadable("the archive declares invalid integer sizes")
        }
        let format = try cursor.byte()
        guard format == 1 else { throw Self.unreadable("the archive is not in custom format (format \(format))") }
        cursor = Cursor(bytes: pending, position: cursor.position, intSize: header.intSize)
        if header.versionNumber >= 0x010F00 {
            header.compression = Int(try cursor.byte())
        } else {
            header.compression = try cursor.int()
        }
        guard header.compression == 0 else {
            throw Self.unreadable("the archive is compressed; Tidemark dumps with -Z0 so chunks deduplicate")
        }
        for _ in 0..<7 { _ = try cursor.int() }
        header.databaseName = try cursor.string() ?? ""
        header.serverVersion = try cursor.string() ?? ""
        header.dumpVersion = try cursor.string() ?? ""
    }

    private func parseEntry(_ cursor: inout Cursor) throws -> Entry {
        let dumpID = try cursor.int()
        _ = try cursor.int()
        _ = try cursor.string()
        _ = try cursor.string()
        let tag = try cursor.string() ?? ""
        let kind = try cursor.string() ?? ""
        _ = try cursor.int()
        let definition = try cursor.string()
        _ = try cursor.string()
        _ = try cursor.string()
        let namespace = try cursor.string()
        _ = try cursor.string()
        if header.versionNumber >= 0x010E00 { _ = try cursor.string() }
        if header.versionNumber >= 0x011000 { _ = try cursor.int() }
        _ = try cursor.string()
        _ = try cursor.string()
        var dependencies: [Int] = []
        while let dependency = try cursor.string() {
            if let value = Int(dependency) { dependencies.append(value) }
        }
        try cursor.skip(1 + header.offsetSize)
        let references = kind == "FK CONSTRAINT" ? definition.flatMap(Self.referencedTable) : nil
        return Entry(dumpID: dumpID, kind: kind, namespace: namespace, tag: tag, dependencies: dependencies, references: references)
    }

    /// `schema.table` from `... REFERENCES schema.table(col)`, with identifier quotes removed.
    static func referencedTable(in definition: String) -> String? {
        guard let range = definition.range(of: "REFERENCES ") else { return nil }
        var name = ""
        var inQuotes = false
        for character in definition[range.upperBound...] {
            if character == "\"" {
                inQuotes.toggle()
                continue
            }
            if !inQuotes && (character == "(" || character == " ") { break }
            name.append(character)
        }
        return name.isEmpty ? nil : name
    }

    // MARK: Data blocks

    private var field: [UInt8] = Array(repeating: 0, count: 9)
    private var fieldLength = 0
    /// The last five bytes of the current table's data, packed (the newest in the low byte),
    /// to recognise the COPY terminator `\.\n\n\n`; `tailLength` counts how many are real.
    private var tail: UInt64 = 0
    private var tailLength = 0
    private static let copyTerminator: UInt64 = 0x5C_2E_0A_0A_0A
    private static let copyTerminatorLength = 5
    /// The current table's statistics, kept here and stored once its data ends: with -Z0
    /// pg_dump writes every row as its own data chunk, so per-chunk dictionary updates cost
    /// more than counting the bytes.
    private var current = DataStatistics()

    /// Collects a fixed-size field that may span buffers; returns nil until complete.
    private mutating func takeField(_ size: Int, from bytes: UnsafeRawBufferPointer, at index: inout Int) -> [UInt8]? {
        while fieldLength < size && index < bytes.count {
            field[fieldLength] = bytes[index]
            fieldLength += 1
            index += 1
        }
        guard fieldLength == size else { return nil }
        fieldLength = 0
        return Array(field[0..<size])
    }

    private func decodeInt(_ bytes: [UInt8]) -> Int {
        var value = 0
        for index in 0..<header.intSize {
            value |= Int(bytes[1 + index]) << (8 * index)
        }
        return bytes[0] != 0 ? -value : value
    }

    private mutating func scanData(_ bytes: UnsafeRawBufferPointer) throws {
        guard case .data(var state) = phase else { return }
        defer { phase = .data(state) }
        var index = 0
        let intLength = 1 + header.intSize
        while index < bytes.count {
            switch state {
            case .blockType:
                guard let value = takeField(1, from: bytes, at: &index) else { return }
                guard value[0] == 1 || value[0] == 3 else {
                    throw Self.unreadable("the archive has an unknown data block type \(value[0])")
                }
                state = .blockID(type: value[0])
            case .blockID(let type):
                guard let value = takeField(intLength, from: bytes, at: &index) else { return }
                let dumpID = decodeInt(value)
                state = type == 1 ? .chunkLength(dumpID: dumpID, isBlob: false) : .blobOID(dumpID: dumpID)
            case .chunkLength(let dumpID, let isBlob):
                // Fast path: a whole length field in this buffer (rows are one chunk each with -Z0).
                let length: Int
                if fieldLength == 0 && index + intLength <= bytes.count {
                    var value = 0
                    for offset in 0..<header.intSize {
                        value |= Int(bytes[index + 1 + offset]) << (8 * offset)
                    }
                    length = bytes[index] != 0 ? -value : value
                    index += intLength
                } else {
                    guard let value = takeField(intLength, from: bytes, at: &index) else { return }
                    length = decodeInt(value)
                }
                guard length >= 0 else { throw Self.unreadable("the archive has a negative data chunk length") }
                if length == 0 {
                    if isBlob {
                        state = .blobOID(dumpID: dumpID)
                    } else {
                        if tailLength >= Self.copyTerminatorLength && tail == Self.copyTerminator {
                            current.rows -= 3
                            current.bytes -= Int64(Self.copyTerminatorLength)
                            current.digest &-= Self.terminatorRowsDigest
                        }
                        statistics[dumpID, default: DataStatistics()].bytes += current.bytes
                        statistics[dumpID, default: DataStatistics()].rows += current.rows
                        statistics[dumpID, default: DataStatistics()].digest &+= current.digest
                        current = DataStatistics()
                        tail = 0
                        tailLength = 0
                        tablesDone += 1
                        state = .blockType
                    }
                } else {
                    state = .chunkData(dumpID: dumpID, remaining: length, isBlob: isBlob)
                }
            case .chunkData(let dumpID, let remaining, let isBlob):
                let take = min(remaining, bytes.count - index)
                if !isBlob, let base = bytes.baseAddress {
                    let start = base.assumingMemoryBound(to: UInt8.self) + index
                    current.bytes += Int64(take)
                    current.rows += Self.newlines(in: UnsafeRawPointer(start), count: take)
                    for offset in max(0, take - Self.copyTerminatorLength)..<take {
                        tail = (tail << 8 | UInt64(start[offset])) & 0xFF_FFFF_FFFF
                    }
                    tailLength += take
                    if digestsRows { hashRows(start, count: take) }
                }
                index += take
                state = remaining == take ? .chunkLength(dumpID: dumpID, isBlob: isBlob) : .chunkData(dumpID: dumpID, remaining: remaining - take, isBlob: isBlob)
            case .blobOID(let dumpID):
                guard let value = takeField(intLength, from: bytes, at: &index) else { return }
                state = decodeInt(value) == 0 ? .blockType : .chunkLength(dumpID: dumpID, isBlob: true)
            }
        }
    }

    /// The three "rows" of pg_dump's COPY terminator `\.\n\n\n`, taken out of the digest as
    /// they are out of the count.
    private static let terminatorRowsDigest = RowHash.of(Array("\\.".utf8)) &+ RowHash.of([]) &+ RowHash.of([])

    /// Hashes the rows in `count` bytes at `start` into the current table's digest; a row may
    /// continue in the next data chunk.
    private mutating func hashRows(_ start: UnsafePointer<UInt8>, count: Int) {
        var hash = rowHash
        var digest = current.digest
        for offset in 0..<count {
            let byte = start[offset]
            if byte == 0x0A {
                digest &+= hash.finish()
            } else {
                hash.add(byte)
            }
        }
        rowHash = hash
        current.digest = digest
    }

    /// The number of newline bytes in `count` bytes at `start`, eight at a time (SWAR): a
    /// byte-wise loop here was 80% of the scanner's time, a 300 MB dump being 300 million
    /// comparisons. No popcount (generic x86-64 has none, and its emulation was as slow):
    /// matches are summed per byte lane and the lanes added up every 255 words.
    static func newlines(in start: UnsafeRawPointer, count: Int) -> Int64 {
        let newlines: UInt64 = 0x0A0A_0A0A_0A0A_0A0A
        let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        let evenBytes: UInt64 = 0x00FF_00FF_00FF_00FF
        var total: Int64 = 0
        var offset = 0
        while count - offset >= 8 {
            var lanes: UInt64 = 0
            var words = 0
            while words < 255 && count - offset >= 8 {
                // Bytes equal to 0x0A become 0; a byte's high bit then says "not zero", exactly
                // (no borrow from one byte into the next, unlike the subtract-one trick).
                let word = start.loadUnaligned(fromByteOffset: offset, as: UInt64.self) ^ newlines
                let nonzero = ((word & low7) &+ low7) | word
                lanes &+= (~nonzero & ~low7) >> 7
                offset += 8
                words += 1
            }
            // Eight lanes of at most 255: pairs into 16-bit lanes, then one multiply adds them.
            let pairs = (lanes & evenBytes) &+ ((lanes >> 8) & evenBytes)
            total += Int64((pairs &* 0x0001_0001_0001_0001) >> 48)
        }
        while offset < count {
            if start.load(fromByteOffset: offset, as: UInt8.self) == 0x0A { total += 1 }
            offset += 1
        }
        return total
    }

    private static func unreadable(_ message: String) -> EngineError {
        EngineError(.archiveUnreadable, message, hint: "This is a bug or a pg_dump version Tidemark does not know; please report it.")
    }
}
