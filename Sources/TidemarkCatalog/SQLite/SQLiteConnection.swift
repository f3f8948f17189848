import CSQLite
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A value bound to or read from a SQLite statement.
enum SQLiteValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    var int: Int64? { if case .integer(let value) = self { value } else { nil } }
    var string: String? { if case .text(let value) = self { value } else { nil } }
    var bytes: [UInt8]? { if case .blob(let value) = self { value } else { nil } }
    var double: Double? {
        switch self {
        case .real(let value): value
        case .integer(let value): Double(value)
        default: nil
        }
    }
}

/// One row of a result, by column name.
struct SQLiteRow {
    var values: [String: SQLiteValue]
    subscript(_ column: String) -> SQLiteValue { values[column] ?? .null }
}

/// A SQLite database handle guarded by a mutex, so one catalog can be shared between tasks.
///
/// Calls are short (single-row writes, indexed reads) and run synchronously under the lock;
/// SQLite's own busy timeout handles other processes (the CLI and `serve` share one file).
final class SQLiteConnection: Sendable {
    // The handle is only touched while `lock` is held, which makes this type safe to share.
    private let lock: Mutex<OpaquePointer?>
    let path: String

    init(path: String) throws {
        Self.restrictPermissions(of: path)
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX
        guard sqlite3_open_v2(path, &handle, flags, nil) == SQLITE_OK else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(handle)
            throw CatalogError(.cannotOpen, "cannot open the catalog \(path): \(message)", hint: "Check that --home points to a writable directory.")
        }
        sqlite3_busy_timeout(handle, 10_000)
        self.path = path
        self.lock = Mutex(handle)
        try execute("PRAGMA journal_mode=WAL")
        try execute("PRAGMA synchronous=FULL")
        try execute("PRAGMA foreign_keys=ON")
        // The -wal and -shm files exist now; SQLite gives new ones the database file's mode,
        // but files left by an older Tidemark may still be world-readable.
        Self.restrictPermissions(of: path)
    }

    /// Makes the catalog file (created empty here if missing, so SQLite never creates it with
    /// the umask's 0644) and its -wal and -shm companions readable by this user only: they
    /// hold operation logs and sealed secrets.
    private static func restrictPermissions(of path: String) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if descriptor >= 0 { close(descriptor) }
        for file in [path, path + "-wal", path + "-shm"] {
            var info = stat()
            if stat(file, &info) == 0, info.st_mode & 0o077 != 0 { chmod(file, 0o600) }
        }
    }

    deinit {
        lock.withLock { handle in
            sqlite3_close(handle)
            handle = nil
        }
    }

    /// Runs statements that return no rows.
    func execute(_ sql: String, _ bindings: [SQLiteValue] = []) throws {
        _ = try query(sql, bindings)
    }

    /// Runs one statement and returns its rows.
    @discardableResult
    func query(_ sql: String, _ bindings: [SQLiteValue] = []) throws -> [SQLiteRow] {
        try lock.withLock { handle in
            try Self.run(handle, sql, bindings)
        }
    }

    /// Runs `body` inside one transaction (BEGIN IMMEDIATE, so writers queue instead of failing).
    func transaction<T>(_ body: (_ run: (String, [SQLiteValue]) throws -> [SQLiteRow]) throws -> T) throws -> T {
        try lock.withLock { handle in
            _ = try Self.run(handle, "BEGIN IMMEDIATE", [])
            do {
                let result = try body { sql, bindings in try Self.run(handle, sql, bindings) }
                _ = try Self.run(handle, "COMMIT", [])
                return result
            } catch {
                _ = try? Self.run(handle, "ROLLBACK", [])
                throw error
            }
        }
    }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    private static func run(_ handle: OpaquePointer?, _ sql: String, _ bindings: [SQLiteValue]) throws -> [SQLiteRow] {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK else {
            throw failure(handle, sql)
        }
        defer { sqlite3_finalize(statement) }
        for (offset, value) in bindings.enumerated() {
            let index = Int32(offset + 1)
            switch value {
            case .null: sqlite3_bind_null(statement, index)
            case .integer(let number): sqlite3_bind_int64(statement, index, number)
            case .real(let number): sqlite3_bind_double(statement, index, number)
            case .text(let text): sqlite3_bind_text(statement, index, text, -1, transient)
            case .blob(let bytes):
                _ = bytes.withUnsafeBytes { sqlite3_bind_blob(statement, index, $0.baseAddress, Int32($0.count), transient) }
            }
        }
        var rows: [SQLiteRow] = []
        while true {
            let step = sqlite3_step(statement)
            if step == SQLITE_DONE { break }
            guard step == SQLITE_ROW else { throw failure(handle, sql) }
            var values: [String: SQLiteValue] = [:]
            for column in 0..<sqlite3_column_count(statement) {
                let name = String(cString: sqlite3_column_name(statement, column))
                switch sqlite3_column_type(statement, column) {
                case SQLITE_INTEGER: values[name] = .integer(sqlite3_column_int64(statement, column))
                case SQLITE_FLOAT: values[name] = .real(sqlite3_column_double(statement, column))
                case SQLITE_TEXT: values[name] = .text(String(cString: sqlite3_column_text(statement, column)))
                case SQLITE_BLOB:
                    let count = Int(sqlite3_column_bytes(statement, column))
                    if let base = sqlite3_column_blob(statement, column) {
                        values[name] = .blob(Array(UnsafeRawBufferPointer(start: base, count: count)))
                    } else {
                        values[name] = .blob([])
                    }
                default: values[name] = .null
                }
            }
            rows.append(SQLiteRow(values: values))
        }
        return rows
    }

    private static func failure(_ handle: OpaquePointer?, _ sql: String) -> CatalogError {
        let code = sqlite3_extended_errcode(handle)
        let message = String(cString: sqlite3_errmsg(handle))
        if code == SQLITE_CONSTRAINT | (8 << 8) || code == SQLITE_CONSTRAINT | (6 << 8) {
            return CatalogError(.nameConflict, message)
        }
        return CatalogError(.queryFailed, "catalog query failed: \(message)", underlying: sql)
    }
}
