package import Foundation

/// The outcome of a restore test (SPEC §4.5): the backup restored into a scratch target,
/// compared with what its manifest recorded, and the target dropped. Kept on the backup in
/// the catalog and as a sealed object in the backup's repository (docs/FORMAT.md, "Restore
/// tests"), so the evidence survives the loss of the catalog.
package struct RestoreTestResult: Sendable, Codable, Equatable {
    package var backupID: String
    package var operationID: String
    package var startedAt: Date
    package var finishedAt: Date
    package var passed: Bool
    /// Where the backup was restored: the scratch database's name (dropped afterwards).
    package var target: String
    /// Wall time per phase, in order; together they are the measured restore time (RTO).
    package var phases: [Phase]
    /// Bytes of the backup's stream restored.
    package var bytesRestored: Int64
    /// Tables compared with the manifest.
    package var tablesChecked: Int
    /// Tables whose restored rows differ from the manifest, or that are missing or extra.
    package var mismatches: [TableMismatch]
    /// Why the test failed when it did not get as far as comparing (a restore error).
    package var error: ErrorInfo?

    package init(
        backupID: String, operationID: String, startedAt: Date, finishedAt: Date, passed: Bool, target: String,
        phases: [Phase], bytesRestored: Int64, tablesChecked: Int, mismatches: [TableMismatch], error: ErrorInfo? = nil
    ) {
        self.backupID = backupID
        self.operationID = operationID
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.passed = passed
        self.target = target
        self.phases = phases
        self.bytesRestored = bytesRestored
        self.tablesChecked = tablesChecked
        self.mismatches = mismatches
        self.error = error
    }

    private enum CodingKeys: String, CodingKey {
        case backupID = "backupId", operationID = "operationId", startedAt, finishedAt, passed, target, phases, bytesRestored, tablesChecked, mismatches, error
    }


    /// Wall time from the start of the test to its verdict, in seconds.
    package var seconds: Double { finishedAt.timeIntervalSince(startedAt) }

    /// One phase of a restore test: `restore` (fetch, decrypt and load), `compare` (read the
    /// scratch target back and compare), `drop`.
    package struct Phase: Sendable, Codable, Equatable {
        package var name: String
        package var seconds: Double

        package init(name: String, seconds: Double) {
            self.name = name
            self.seconds = seconds
        }
    }
}

/// A table whose restored contents differ from what the backup recorded.
package struct TableMismatch: Sendable, Codable, Equatable {
    /// `schema.table` (or the table's name for engines without schemas).
    package var table: String
    /// Rows the manifest recorded; nil when the table is not in the backup (an extra table).
    package var expectedRows: Int64?
    /// Rows read back from the scratch target; nil when the table is missing there.
    package var actualRows: Int64?
    /// The order-independent row digests (the stored stream's and the scratch target's), for
    /// engines that have them, as 16 hex digits.
    package var expectedDigest: String?
    package var actualDigest: String?

    package init(table: String, expectedRows: Int64?, actualRows: Int64?, expectedDigest: String? = nil, actualDigest: String? = nil) {
        self.table = table
        self.expectedRows = expectedRows
        self.actualRows = actualRows
        self.expectedDigest = expectedDigest
        self.actualDigest = actualDigest
    }


    /// What differs, for people: "missing", "extra", "rows 100 → 99", "contents differ".
    package var problem: String {
        switch (expectedRows, actualRows) {
        case (nil, _): return "not in the backup, but restored"
        case (_, nil): return "in the backup, missing after the restore"
        case (let expected?, let actual?) where expected != actual: return "\(expected) rows in the backup, \(actual) restored"
        default: return "the same row count, different contents (digest \(expectedDigest ?? "?") in the backup, \(actualDigest ?? "?") restored)"
        }
    }
}

/// Order-independent digests of the rows of each table in a dump stream: each row's bytes
/// hashed (64-bit FNV-1a, then a SplitMix64 finaliser so that sums mix well), the hashes added
/// modulo 2^64. Equal tables give equal digests whatever order their rows come in.
package protocol RowDigesting: AnyObject {
    /// Feeds the next bytes of the stream.
    /// - Throws: the engine's error for a stream it cannot read.
    func consume(_ bytes: [UInt8]) throws
    /// Digest per table (`schema.table`, or the name for engines without schemas), once the
    /// whole stream was consumed.
    func digests() throws -> [String: UInt64]
}

/// The row hash ``RowDigesting`` implementations share.
package struct RowHash {
    private static let offsetBasis: UInt64 = 0xCBF2_9CE4_8422_2325
    private static let prime: UInt64 = 0x0000_0100_0000_01B3
    package private(set) var state = RowHash.offsetBasis

    package init() {}

    /// Adds `byte` to the row being hashed.
    @inline(__always)
    package mutating func add(_ byte: UInt8) {
        state = (state ^ UInt64(byte)) &* Self.prime
    }

    /// The row's hash; the hasher starts a new row.
    package mutating func finish() -> UInt64 {
        var value = state
        state = Self.offsetBasis
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }

    /// The hash of the row `bytes` (without its terminator).
    package static func of(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hash = RowHash()
        for byte in bytes { hash.add(byte) }
        return hash.finish()
    }

    /// A digest as the 16 hex digits result documents show.
    package static func hex(_ digest: UInt64) -> String {
        let digits = String(digest, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
