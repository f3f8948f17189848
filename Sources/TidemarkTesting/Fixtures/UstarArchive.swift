import TidemarkCore

/// A minimal ustar writer, so tests control every member of an archive (`type` gives each
/// member's type flag by path: `0` file, `5` directory, `2` symbolic link).
package func ustarArchive(_ members: [(path: String, data: [UInt8], mtime: Int)], type: (String) -> UInt8 = { _ in UInt8(ascii: "0") }) -> [UInt8] {
    var archive: [UInt8] = []
    for member in members {
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int) { for (index, byte) in text.utf8.enumerated() { header[offset + index] = byte } }
        func octal(_ value: Int, digits: Int) -> String {
            let text = String(value, radix: 8)
            return String(repeating: "0", count: digits - text.count) + text
        }
        put(member.path, at: 0)
        put("0000644", at: 100)
        put("0000000", at: 108)
        put("0000000", at: 116)
        put(octal(member.data.count, digits: 11), at: 124)
        put(octal(member.mtime, digits: 11), at: 136)
        header[156] = type(member.path)
        put("ustar", at: 257)
        put("00", at: 263)
        for index in 148..<156 { header[index] = 32 }
        let sum = header.reduce(0) { $0 + Int($1) }
        put(octal(sum, digits: 6), at: 148)
        header[154] = 0
        header[155] = 32
        archive += header + member.data + [UInt8](repeating: 0, count: TarHeader.padding(after: Int64(member.data.count)))
    }
    return archive + [UInt8](repeating: 0, count: 1024)
}
