import CSQLite
import Foundation

/// One connection to a SQLite database file, for the SQLite engine: open, query, copy with the
/// online backup API. Blocking: callers run it on a thread of their own (``BlockingWork``).
final class SQLiteFile {
    private var handle: OpaquePointer?
    let path: String

    /// Opens the file at `path`; never creates it unless `create`.
    /// - Parameter create: create a new file (a restore's target), refusing an existing one.
    /// - Throws: `database-not-found` when there is no such file, `permission-denied`,
    ///   `not-a-database` on the first statement when the file is something else.
    init(path: String, create: Bool = false) throws {
        self.path = path
        if !create && !FileManager.default.fileExists(atPath: path) {
            throw EngineError(.databaseNotFound, "the SQLite file \(path) does not exist", hint: "Check the path in the database URL (sqlite:///ABSOLUTE/PATH).")
        }
        // Read-write without create: a file the user cannot write is opened read-only by SQLite
        // itself, and nothing is ever written to the source by a backup.
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0)
        let status = sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "status \(status)"
            sqlite3_close_v2(handle)
            handle = nil
            if status == SQLITE_PERM || status == SQLITE_CANTOPEN {
                throw EngineError(.permissionDenied, "cannot open the SQLite file \(path)", hint: "Check that Tidemark's user may read it and its directory.", underlying: message)
            }
            throw EngineError(.databaseUnreachable, "cannot open the SQLite file \(path): \(message)")
        }
        // A writer holding the lock is waited for, not failed on (the backup API uses it too).
        sqlite3_busy_timeout(handle, 30_000)
    }

    deinit { sqlite3_close_v2(handle) }

    /// Runs `sql`, which returns no rows.
    func execute(_ sql: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(handle, sql, nil, nil, &error)
        let message = error.map { String(cString: $0) } ?? ""
        sqlite3_free(error)
        guard status == SQLITE_OK else { throw failure(status, message) }
    }

    /// The rows of `sql`, each column as text (nil for NULL).
    func rows(_ sql: String) throws -> [[String?]] {
        var statement: OpaquePointer?
        let prepared = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard prepared == SQLITE_OK, let statement else { throw failure(prepared, lastMessage) }
        defer { sqlite3_finalize(statement) }
        var result: [[String?]] = []
        while true {
            let step = sqlite3_step(statement)
            if step == SQLITE_DONE { return result }
            guard step == SQLITE_ROW else { throw failure(step, lastMessage) }
            result.append((0..<sqlite3_column_count(statement)).map { column in
                sqlite3_column_text(statement, column).map { String(cString: $0) }
            })
        }
    }

    /// The first column of the first row of `sql`.
    func value(_ sql: String) throws -> String? { try rows(sql).first?.first ?? nil }

    /// Copies every page of this database into `destination` (an empty file), in one step of
    /// the online backup API: one read transaction, so the copy is a consistent snapshot while
    /// writers go on (WAL mode), or wait for the copy's read lock (rollback journal).
    func copy(into destination: SQLiteFile) throws {
        guard let backup = sqlite3_backup_init(destination.handle, "main", handle, "main") else {
            throw failure(sqlite3_errcode(destination.handle), String(cString: sqlite3_errmsg(destination.handle)))
        }
        var status = sqlite3_backup_step(backup, -1)
        // The source's busy handler already waited; a lock still held is retried a few times.
        var attempts = 0
        while (status == SQLITE_BUSY || status == SQLITE_LOCKED) && attempts < 20 {
            attempts += 1
            sqlite3_sleep(250)
            status = sqlite3_backup_step(backup, -1)
        }
        let finished = sqlite3_backup_finish(backup)
        guard status == SQLITE_DONE else { throw failure(status, String(cString: sqlite3_errstr(status))) }
        guard finished == SQLITE_OK else { throw failure(finished, String(cString: sqlite3_errmsg(destination.handle))) }
    }

    private var lastMessage: String { String(cString: sqlite3_errmsg(handle)) }

    private func failure(_ status: Int32, _ message: String) -> EngineError {
        switch status & 0xff {
        case SQLITE_NOTADB:
            return EngineError(.notADatabase, "\(path) is not a SQLite database", hint: "Check the path in the database URL: it must name a SQLite database file.", underlying: message)
        case SQLITE_BUSY, SQLITE_LOCKED:
            return EngineError(.databaseUnreachable, "the SQLite file \(path) stayed locked by another connection", hint: "Retry when the writer holding the lock is done.", underlying: message)
        case SQLITE_PERM, SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_AUTH:
            return EngineError(.permissionDenied, "cannot read or write \(path): \(message)", hint: "Check the file's and its directory's permissions for Tidemark's user.")
        case SQLITE_FULL:
            return EngineError(.insufficientSpace, "the disk holding \(path) is full", hint: "Free space there and retry.")
        case SQLITE_CORRUPT:
            return EngineError(.notADatabase, "\(path) is a damaged SQLite database: \(message)", hint: "Run 'sqlite3 \(path) \"PRAGMA integrity_check\"' to see what is wrong.")
        default:
            return EngineError(.dumpFailed, "SQLite on \(path): \(message)")
        }
    }
}

/// The SQLite library's version, e.g. `3.40.1`.
var sqliteLibraryVersion: String { String(cString: sqlite3_libversion()) }

/// Runs blocking work (SQLite calls, file reads) on a thread outside Swift's cooperative pool,
/// so a long copy never holds back the API on a two-core machine.
enum BlockingWork {
    private static let queue = DispatchQueue(label: "tidemark.engines.blocking", qos: .utility, attributes: .concurrent)

    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try body() })
            }
        }
    }
}
