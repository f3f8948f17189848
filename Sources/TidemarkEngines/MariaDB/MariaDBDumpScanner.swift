import Foundation

/// Measures a `mariadb-dump` stream as it passes (WAVE2.md §B): exact rows and bytes per table,
/// the tables' foreign keys, and where each table's section starts and ends, without a second
/// pass.
///
/// It reads lines, except inside ``INSERT INTO `t` VALUES (…),(…);`` statements, which it reads
/// byte by byte with a quote-aware tuple counter (top-level parentheses; `'…'` and `"…"` strings
/// with backslash escapes and doubled quotes; `--hex-blob` binaries are `0x…` outside quotes), so
/// a statement of many megabytes is never held in memory. Statements inside `DELIMITER ;;`
/// blocks (triggers, routines, events) are never counted, whatever their bodies insert.
package struct MariaDBDumpScanner {
    /// One table as the dump holds it.
    package struct Table: Sendable, Equatable {
        package var name: String
        package var rows: Int64 = 0
        /// Bytes of the table's INSERT statements.
        package var bytes: Int64 = 0
        /// Tables its foreign keys reference.
        package var references: [String] = []
        /// The names of those foreign keys, in the same order.
        package var foreignKeys: [String] = []
        /// Where its section (structure, data, triggers) starts and ends in the stream.
        package var start: Int64
        package var end: Int64?
    }

    package private(set) var tables: [Table] = []
    /// Where the first object's section starts: the statements before it set the session up.
    package private(set) var headerEnd: Int64?
    /// Where the closing statements (restoring the session's settings) start.
    package private(set) var footerStart: Int64?
    /// Bytes scanned.
    package var size: Int64 { offset }

    private enum Mode {
        case line
        /// After ``INSERT INTO ` ``: the table name up to its closing backtick, then up to the
        /// first `(`.
        case insertName(inBackticks: Bool)
        /// Inside an INSERT statement's values: depth of parentheses, the open quote if any.
        case values(depth: Int, quote: UInt8?, escaped: Bool)
        /// After the statement's `;`, until the end of its line.
        case restOfLine
    }

    private var mode = Mode.line
    private var line: [UInt8] = []
    private var lineStart: Int64 = 0
    private var offset: Int64 = 0
    private var inDelimiterBlock = false
    private var inCreateTable: Int?
    private var insertTable: Int?
    private var insertStart: Int64 = 0
    /// Longest line kept whole; longer lines (never the ones the scanner reads) are cut.
    private let lineLimit = 64 << 10

    package init() {}

    /// Feeds the next bytes of the dump.
    package mutating func consume(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { buffer in
            var index = 0
            while index < buffer.count {
                if case .values(let depth, let quote, let escaped) = mode {
                    index = countValues(buffer, from: index, depth: depth, quote: quote, escaped: escaped)
                } else {
                    step(buffer[index])
                    offset += 1
                    index += 1
                }
            }
        }
    }

    /// The tuple counter's inner loop over an INSERT statement's values (almost all of a dump's
    /// bytes), with its state in locals rather than in ``mode`` for each byte.
    /// - Returns: the index after the last byte it took.
    private mutating func countValues(_ buffer: UnsafeBufferPointer<UInt8>, from start: Int, depth: Int, quote: UInt8?, escaped: Bool) -> Int {
        var depth = depth
        var quote = quote
        var escaped = escaped
        var index = start
        while index < buffer.count {
            let byte = buffer[index]
            index += 1
            if let open = quote {
                if escaped {
                    escaped = false
                } else if byte == Self.backslash {
                    escaped = true
                } else if byte == open {
                    quote = nil  // a doubled quote reopens at the next byte: same count
                }
                continue
            }
            switch byte {
            case Self.singleQuote, Self.doubleQuote: quote = byte
            case Self.openParenthesis:
                if depth == 0 { incrementRows() }
                depth += 1
            case Self.closeParenthesis: depth -= 1
            case Self.semicolon where depth == 0:
                offset += Int64(index - start)
                addInsertBytes(through: offset - 1)
                mode = .restOfLine
                return index
            default: break
            }
        }
        offset += Int64(index - start)
        mode = .values(depth: depth, quote: quote, escaped: escaped)
        return index
    }

    private static let backtick = UInt8(ascii: "`")
    private static let backslash = UInt8(ascii: "\\")
    private static let singleQuote = UInt8(ascii: "'")
    private static let doubleQuote = UInt8(ascii: "\"")
    private static let openParenthesis = UInt8(ascii: "(")
    private static let closeParenthesis = UInt8(ascii: ")")
    private static let semicolon = UInt8(ascii: ";")

    /// Closes the last section at the end of the stream.
    package mutating func finish() {
        if !line.isEmpty { endLine() }
        closeSection(at: footerStart ?? offset)
    }

    private mutating func step(_ byte: UInt8) {
        switch mode {
        case .line:
            if line.isEmpty { lineStart = offset }
            if byte == UInt8(ascii: "\n") {
                endLine()
                return
            }
            if line.count < lineLimit { line.append(byte) }
            if !inDelimiterBlock, line.count == Self.insertPrefix.count, line == Self.insertPrefix {
                mode = .insertName(inBackticks: true)
                insertStart = lineStart
            }
        case .insertName(var inBackticks):
            line.append(byte)
            if inBackticks {
                if byte == Self.backtick { inBackticks = false }
            } else if byte == Self.backtick {
                inBackticks = true  // a doubled backtick inside the name
            } else if byte == Self.openParenthesis {
                // The first tuple: from here on ``countValues(_:from:depth:quote:escaped:)`` reads.
                insertTable = tableIndex(named: Self.insertName(line))
                incrementRows()
                mode = .values(depth: 1, quote: nil, escaped: false)
                return
            }
            mode = .insertName(inBackticks: inBackticks)
        case .values:
            // ``consume(_:)`` hands every byte of the values to ``countValues``.
            break
        case .restOfLine:
            if byte == UInt8(ascii: "\n") {
                line = []
                mode = .line
            }
        }
    }

    private mutating func endLine() {
        defer { line = [] }
        let text = String(decoding: line, as: UTF8.self)
        if text.hasPrefix("DELIMITER ") {
            inDelimiterBlock = text != "DELIMITER ;"
            return
        }
        if inDelimiterBlock { return }
        if let name = Self.quotedName(after: "-- Table structure for table ", in: text) {
            closeSection(at: lineStartOfComment())
            headerEnd = headerEnd ?? lineStartOfComment()
            tables.append(Table(name: name, start: lineStartOfComment()))
            return
        }
        for marker in Self.otherSections where text.hasPrefix(marker) {
            closeSection(at: lineStartOfComment())
            headerEnd = headerEnd ?? lineStartOfComment()
            return
        }
        if text.hasPrefix("/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;") {
            footerStart = footerStart ?? lineStart
            closeSection(at: lineStart)
            return
        }
        if let name = Self.quotedName(after: "CREATE TABLE ", in: text) {
            inCreateTable = tables.lastIndex { $0.name == name }
            return
        }
        if let table = inCreateTable {
            if text.hasPrefix(")") {
                inCreateTable = nil
            } else if text.contains("FOREIGN KEY"), let range = text.range(of: "REFERENCES "),
                let referenced = Self.quotedName(after: "", in: String(text[range.upperBound...]))
            {
                tables[table].references.append(referenced)
                let trimmed = text.drop { $0 == " " }
                tables[table].foreignKeys.append(Self.quotedName(after: "CONSTRAINT ", in: String(trimmed)) ?? "")
            }
        }
    }

    /// mariadb-dump puts a `--` line before each section comment; the section starts there.
    private func lineStartOfComment() -> Int64 { max(0, lineStart - 3) }

    private mutating func closeSection(at position: Int64) {
        if let last = tables.indices.last, tables[last].end == nil { tables[last].end = position }
    }

    private mutating func incrementRows() {
        if let table = insertTable { tables[table].rows += 1 }
    }

    private mutating func addInsertBytes(through end: Int64) {
        if let table = insertTable { tables[table].bytes += end + 1 - insertStart }
        insertTable = nil
    }

    private mutating func tableIndex(named name: String) -> Int {
        if let index = tables.lastIndex(where: { $0.name == name }) { return index }
        // Data without a structure section (not what mariadb-dump writes): counted all the same.
        tables.append(Table(name: name, start: insertStart, end: nil))
        return tables.count - 1
    }

    static let insertPrefix = Array("INSERT INTO `".utf8)
    static let otherSections = [
        "-- Temporary table structure for view ", "-- Final view structure for view ", "-- Dumping routines for database ",
        "-- Dumping events for database ",
    ]

    /// The name in ``INSERT INTO `name` VALUES (`` (the line so far).
    static func insertName(_ line: [UInt8]) -> String {
        quotedName(after: "INSERT INTO ", in: String(decoding: line, as: UTF8.self)) ?? ""
    }

    /// The backtick-quoted name right after `prefix` in `text` (doubled backticks undone).
    static func quotedName(after prefix: String, in text: String) -> String? {
        guard text.hasPrefix(prefix + "`") else { return nil }
        var name = ""
        var iterator = text.dropFirst(prefix.count + 1).makeIterator()
        while let character = iterator.next() {
            if character == "`" {
                guard let following = iterator.next(), following == "`" else { return name }
                name.append("`")
            } else {
                name.append(character)
            }
        }
        return nil
    }
}
