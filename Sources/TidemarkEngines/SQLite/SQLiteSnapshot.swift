import Foundation
import TidemarkCore

/// The consistent copy of a SQLite database and what it holds, read from the copy itself (so
/// the counts are of the same snapshot as the bytes).
struct SQLiteSnapshot: Sendable {
    /// The tables of the copy, by name.
    var tableNames: [String]

    /// Copies `source` into the new file `copyPath` with the online backup API and lists the
    /// copy's tables. What they hold is counted by ``contents(of:tables:)``, which can run
    /// while the copy streams.
    static func take(of source: String, into copyPath: String) throws -> SQLiteSnapshot {
        let database = try SQLiteFile(path: source)
        // Proves it is a database before the copy (a clear not-a-database error).
        _ = try database.value("SELECT count(*) FROM sqlite_schema")
        let copy = try SQLiteFile(path: copyPath, create: true)
        // The copy is scratch, deleted after the backup: neither a journal nor an fsync of it
        // protects anything.
        try copy.execute("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF")
        try database.copy(into: copy)
        let names = try copy.rows("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
        return SQLiteSnapshot(tableNames: names.compactMap { $0.first ?? nil })
    }

    /// Exact rows and the bytes of each table of the copy at `copyPath` (the same snapshot as
    /// the streamed bytes).
    static func contents(of copyPath: String, tables: [String]) throws -> [TableContents] {
        let copy = try SQLiteFile(path: copyPath)
        let bytesByTable = (try? tableBytes(copy)) ?? [:]
        return try tables.map { name in
            let rows = Int64(try copy.value("SELECT count(*) FROM \(quoted(name))") ?? "0") ?? 0
            return TableContents(schema: "main", name: name, bytes: bytesByTable[name] ?? 0, rows: rows)
        }
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
