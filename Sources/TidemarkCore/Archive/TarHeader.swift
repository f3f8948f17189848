/// One 512-byte header of a ustar archive, as `pg_basebackup -Ft` writes them.
///
/// Only what streaming readers need: the member's path, kind and size. Sizes are octal ASCII
/// or, for members of 8 GiB and more, GNU base-256 (high bit of the first byte set), as
/// PostgreSQL's own tar writer emits.
package struct TarHeader: Sendable, Equatable {
    /// The size of one tar block; headers are one block, member data is padded to whole blocks.
    package static let blockSize = 512

    /// The path inside the archive (ustar prefix joined with the name, no leading `./`).
    package var path: String
    /// The type flag: `0` (or NUL) a regular file, `5` a directory, `2` a symbolic link,
    /// `x`/`g`/`L`/`K` extended headers whose data describes the next member.
    package var type: UInt8
    /// Bytes of member data that follow the header (padded to a multiple of 512).
    package var size: Int64
    /// Permission bits (the mode field, masked to 0o7777).
    package var mode: Int

    /// Whether every byte of `block` is zero: the end-of-archive marker (two such blocks).
    package static func isEndMarker(_ block: ArraySlice<UInt8>) -> Bool {
        block.allSatisfy { $0 == 0 }
    }

    /// Parses a header block.
    /// - Returns: nil when the block is not a valid header (bad checksum or size field).
    package init?(_ block: ArraySlice<UInt8>) {
        guard block.count == Self.blockSize else { return nil }
        let bytes = Array(block)
        var checksum = 0
        for (index, byte) in bytes.enumerated() { checksum += (148..<156).contains(index) ? 32 : Int(byte) }
        guard let stored = Self.octal(bytes[148..<156]), stored == Int64(checksum) else { return nil }
        guard let size = Self.number(bytes[124..<136]), size >= 0 else { return nil }
        let name = Self.text(bytes[0..<100])
        let isUstar = bytes[257..<262].elementsEqual("ustar".utf8)
        let prefix = isUstar ? Self.text(bytes[345..<500]) : ""
        var path = prefix.isEmpty ? name : "\(prefix)/\(name)"
        while path.hasPrefix("./") { path.removeFirst(2) }
        self.path = path
        self.type = bytes[156]
        self.size = size
        self.mode = Int((Self.octal(bytes[100..<108]) ?? 0o600) & 0o7777)
    }

    /// Whether the member is a regular file.
    package var isRegularFile: Bool { type == UInt8(ascii: "0") || type == 0 }

    /// Whether the member is a directory.
    package var isDirectory: Bool { type == UInt8(ascii: "5") }

    /// Bytes of padding after `size` bytes of member data.
    package static func padding(after size: Int64) -> Int {
        Int((Int64(blockSize) - size % Int64(blockSize)) % Int64(blockSize))
    }

    private static func text(_ field: ArraySlice<UInt8>) -> String {
        String(decoding: field.prefix { $0 != 0 }, as: UTF8.self)
    }

    private static func number(_ field: ArraySlice<UInt8>) -> Int64? {
        guard let first = field.first else { return nil }
        if first & 0x80 != 0 {
            var value: Int64 = Int64(first & 0x7f)
            for byte in field.dropFirst() {
                guard value < Int64.max >> 8 else { return nil }
                value = value << 8 | Int64(byte)
            }
            return value
        }
        return octal(field)
    }

    private static func octal(_ field: ArraySlice<UInt8>) -> Int64? {
        var value: Int64 = 0
        var seen = false
        for byte in field {
            if byte == 0 || byte == UInt8(ascii: " ") {
                if seen { break } else { continue }
            }
            guard (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(byte), value < Int64.max >> 3 else { return nil }
            value = value << 3 | Int64(byte - UInt8(ascii: "0"))
            seen = true
        }
        return value
    }
}
