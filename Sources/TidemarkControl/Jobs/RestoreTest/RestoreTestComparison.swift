package import TidemarkCore

/// Compares what a backup recorded with what its restore gave back (restore tests).
package enum RestoreTestComparison {
    /// The tables that differ: missing, extra, other row counts, or — where both sides have a
    /// digest — the same count with other contents. Tables are matched by ``key(of:defaultSchema:)``.
    package static func mismatches(
        expected: [TableContents], actual: [TableContents], expectedDigests: [String: UInt64], actualDigests: [String: UInt64], defaultSchema: String?
    ) -> [TableMismatch] {
        let restored = Dictionary(actual.map { (key(of: $0, defaultSchema: defaultSchema), $0.rows) }, uniquingKeysWith: +)
        let recorded = Dictionary(expected.map { (key(of: $0, defaultSchema: defaultSchema), $0.rows) }, uniquingKeysWith: +)
        var mismatches: [TableMismatch] = []
        for table in recorded.keys.sorted() {
            let rows = recorded[table]
            let back = restored[table]
            let before = expectedDigests[table].map(RowHash.hex)
            let after = actualDigests[table].map(RowHash.hex)
            if rows != back || (before != nil && after != nil && before != after) {
                mismatches.append(TableMismatch(table: table, expectedRows: rows, actualRows: back, expectedDigest: before, actualDigest: after))
            }
        }
        for table in restored.keys.sorted() where recorded[table] == nil {
            mismatches.append(TableMismatch(table: table, expectedRows: nil, actualRows: restored[table], actualDigest: actualDigests[table].map(RowHash.hex)))
        }
        return mismatches
    }

    /// How a table is named in a result: `schema.table`; the bare name for engines without
    /// schemas (MariaDB and SQLite name the database there, which the scratch target renames).
    package static func key(of table: TableContents, defaultSchema: String?) -> String {
        defaultSchema == nil ? table.name : "\(table.schema).\(table.name)"
    }
}
