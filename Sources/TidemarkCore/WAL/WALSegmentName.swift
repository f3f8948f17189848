/// A PostgreSQL WAL file name: a 24-hex-digit segment (`000000010000000000000003`: timeline,
/// log, segment) or a timeline history file (`00000002.history`).
///
/// Segment arithmetic needs the cluster's segment size (`wal_segment_size`, 16 MiB unless
/// initdb was told otherwise): a log holds `0x1_0000_0000 / segmentSize` segments.
package struct WALFileName: Sendable, Hashable, Comparable, CustomStringConvertible {
    package enum Kind: Sendable, Hashable {
        /// A segment: its number counted from LSN 0 (log × segments per log + segment).
        case segment(UInt64)
        case history
    }

    package let timeline: UInt32
    package let kind: Kind
    /// Segments per log for `segment` names; kept so that `description` can print the name.
    private let segmentsPerLog: UInt64

    /// Parses a name as PostgreSQL writes it (upper-case hex); nil for anything else
    /// (`.partial`, `.backup` and temporary files included).
    package init?(_ name: String, segmentSize: Int) {
        guard segmentSize > 0, 0x1_0000_0000 % UInt64(segmentSize) == 0 else { return nil }
        let perLog = 0x1_0000_0000 / UInt64(segmentSize)
        let upper = name.uppercased()
        if upper.count == 24, upper.allSatisfy(\.isHexDigit) {
            let digits = Array(upper)
            guard let timeline = UInt32(String(digits[0..<8]), radix: 16),
                  let log = UInt64(String(digits[8..<16]), radix: 16),
                  let segment = UInt64(String(digits[16..<24]), radix: 16),
                  timeline > 0, segment < perLog
            else { return nil }
            self.init(timeline: timeline, kind: .segment(log * perLog + segment), segmentsPerLog: perLog)
        } else if upper.hasSuffix(".HISTORY"), upper.count == 16, upper.prefix(8).allSatisfy(\.isHexDigit),
                  let timeline = UInt32(String(upper.prefix(8)), radix: 16), timeline > 0 {
            self.init(timeline: timeline, kind: .history, segmentsPerLog: perLog)
        } else {
            return nil
        }
    }

    /// The segment of `timeline` holding `lsn` (e.g. `0/3000028`).
    package init?(timeline: UInt32, lsn: String, segmentSize: Int) {
        guard segmentSize > 0, 0x1_0000_0000 % UInt64(segmentSize) == 0, let position = Self.parseLSN(lsn) else { return nil }
        self.init(timeline: timeline, kind: .segment(position / UInt64(segmentSize)), segmentsPerLog: 0x1_0000_0000 / UInt64(segmentSize))
    }

    private init(timeline: UInt32, kind: Kind, segmentsPerLog: UInt64) {
        self.timeline = timeline
        self.kind = kind
        self.segmentsPerLog = segmentsPerLog
    }

    /// The segment after this one on the same timeline (nil for history files).
    package var next: WALFileName? {
        guard case .segment(let number) = kind else { return nil }
        return WALFileName(timeline: timeline, kind: .segment(number + 1), segmentsPerLog: segmentsPerLog)
    }

    /// Segment `number` of this file's timeline (nil for history files).
    package func segment(_ number: UInt64) -> WALFileName? {
        guard case .segment = kind else { return nil }
        return WALFileName(timeline: timeline, kind: .segment(number), segmentsPerLog: segmentsPerLog)
    }

    /// The segment number, nil for history files.
    package var segmentNumber: UInt64? {
        if case .segment(let number) = kind { return number }
        return nil
    }

    /// Whether `name` is `<segment>.partial`: the growing segment `pg_receivewal` writes (a
    /// partial snapshot once archived) or the last segment of a timeline a promotion ended.
    package static func isPartialName(_ name: some StringProtocol) -> Bool {
        name.count == 32 && name.hasSuffix(".partial")
    }

    /// The history file of `timeline`.
    package static func history(of timeline: UInt32, segmentSize: Int) -> WALFileName {
        WALFileName(timeline: timeline, kind: .history, segmentsPerLog: 0x1_0000_0000 / UInt64(max(segmentSize, 1)))
    }

    /// The name as PostgreSQL writes it.
    package var description: String {
        switch kind {
        case .segment(let number):
            return Self.hex(timeline) + Self.hex(UInt32(truncatingIfNeeded: number / segmentsPerLog)) + Self.hex(UInt32(truncatingIfNeeded: number % segmentsPerLog))
        case .history:
            return Self.hex(timeline) + ".history"
        }
    }

    package static func < (lhs: WALFileName, rhs: WALFileName) -> Bool {
        if lhs.timeline != rhs.timeline { return lhs.timeline < rhs.timeline }
        switch (lhs.kind, rhs.kind) {
        case (.history, .segment): return true
        case (.segment, .history), (.history, .history): return false
        case (.segment(let left), .segment(let right)): return left < right
        }
    }

    package static func == (lhs: WALFileName, rhs: WALFileName) -> Bool {
        lhs.timeline == rhs.timeline && lhs.kind == rhs.kind
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(timeline)
        hasher.combine(kind)
    }

    /// `X/Y` (hex) as a 64-bit WAL position.
    package static func parseLSN(_ lsn: String) -> UInt64? {
        let parts = lsn.split(separator: "/")
        guard parts.count == 2, let high = UInt64(parts[0], radix: 16), let low = UInt64(parts[1], radix: 16), high <= UInt32.max, low <= UInt32.max else { return nil }
        return high << 32 | low
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}
