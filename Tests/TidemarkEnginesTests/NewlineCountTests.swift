import Testing
@testable import TidemarkEngines

/// The scanner's vectorised row count (issue 14, item 17) agrees with a byte-by-byte count.
@Suite struct NewlineCountTests {
    @Test("newlines are counted exactly at every length and alignment, also past 255 blocks of one lane")
    func countsExactly() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt8 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
        for length in Array(0..<300) + [32 * 255, 32 * 255 + 1, 32 * 256 + 7, 100_003] {
            // Mostly newlines in some buffers, so lanes fill up; rare ones in others.
            let dense = length % 2 == 0
            let bytes = (0..<length).map { _ in dense ? (next() < 200 ? 0x0A : 0x41) : (next() == 0 ? 0x0A : next()) }
            for start in [0, 1, 3] where start <= bytes.count {
                let slice = Array(bytes[start...])
                let expected = Int64(slice.filter { $0 == 0x0A }.count)
                let counted = slice.withUnsafeBytes { CustomArchiveScanner.newlines(in: $0.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, count: $0.count) }
                #expect(counted == expected, "length \(length), start \(start)")
            }
        }
    }
}
