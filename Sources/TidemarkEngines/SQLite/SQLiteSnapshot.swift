import Foundation
import TidemarkCore

/// The consistent copy of a SQLite database and what it holds, read from the copy itself (so
/// the counts are of the same snapshot as the bytes).
struct SQLiteSnapshot: Sendable {
    var tables: [TableContents]

    /// Copies `source` into the new file `copyPath` with the online backup API and counts the
    /// rows of every table in the copy.
    static func take(of source: String, into copyPath: String) throws -> SQLiteSnapshot {
        let database = try SQLiteFile(path: source)
        // Proves it is a database before the copy (a clear not-a-database error).
        _ = try database.value("SELECT count(*) FROM sqlite_schema")
        let copy = try SQLiteFile(path: copyPath, create: true)
        try database.copy(into: copy)
        let bytesByTable = (try? tableBytes(copy)) ?? [:]
        var tables: [TableContents] = []
        for row in try copy.rows("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name") {
            guard let name = row.first ?? nil else { continue }
            let rows = Int64(try copy.value("SELECT count(*) FROM \(quoted(name))") ?? "0") ?? 0
            tables.append(TableContents(schema: "main", name: name, bytes: bytesByTable[name] ?? 0, rows: rows))
        }
        return SQLiteSnapshot(tables: tables)
    }

    /// Bytes of each table's pages (`dbstat`; indexes not included).
    private static func tableBytes(_ file: SQLiteFile) throws -> [String: Int64] {
        var bytes: [String: Int64] = [:]
        for row in try file.rows("SELECT name, sum(pgsize) FROM dbstat GROUP BY name") {
            if let name = row[0], let size = row[1].flatMap({ Int64($0) }) { bytes[name] = size }
        }
        return bytes
    }

    /// Opens the restored file and runs `PRAGMA integrity_check`.
    /// - Throws: `restore-failed` with SQLite's first complaint.
    static func checkIntegrity(of path: String) throws {
        let file = try SQLiteFile(path: path)
        let report = try file.rows("PRAGMA integrity_check").compactMap { $0.first ?? nil }
        guard report == ["ok"] else {
            throw EngineError(.restoreFailed, "the restored file failed SQLite's integrity check: \(report.prefix(3).joined(separator: "; "))", hint: "Verify the backup with 'tidemark backup verify ID --read-data'.")
        }
    }

    /// `name` as a SQLite identifier.
    static func quoted(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
}
