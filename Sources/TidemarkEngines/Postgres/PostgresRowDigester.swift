import TidemarkCore

/// Order-independent row digests of a pg_dump custom archive, per table (restore tests):
/// the archive scanner with row hashing on.
final class PostgresRowDigester: RowDigesting {
    private var scanner = CustomArchiveScanner(digestsRows: true)

    func consume(_ bytes: [UInt8]) throws {
        try scanner.consume(bytes)
    }

    func digests() throws -> [String: UInt64] {
        try scanner.finish()
        var digests: [String: UInt64] = [:]
        for entry in scanner.entries where entry.kind == "TABLE DATA" {
            digests["\(entry.namespace ?? "").\(entry.tag)"] = scanner.statistics[entry.dumpID]?.digest ?? 0
        }
        return digests
    }
}
