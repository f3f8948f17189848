/// A database to connect to: connection settings plus the password.
package struct DatabaseTarget: Sendable {
    package var connection: DatabaseConnection
    package var password: Secret<String>?

    package init(connection: DatabaseConnection, password: Secret<String>?) {
        self.connection = connection
        self.password = password
    }

    /// The same server and credentials, another database.
    package func with(database name: String) -> DatabaseTarget {
        DatabaseTarget(connection: connection.with(database: name), password: password)
    }
}

/// One object of a logical dump and what it depends on (a table, an index, a constraint…).
///
/// Engines record these in the manifest so that a one-table restore can be planned, and
/// refused when impossible, before any data is read.
package struct DumpObject: Sendable, Codable, Equatable {
    /// The engine's id for the object inside the dump (pg_dump's dump id).
    package var id: Int
    /// The object kind as the engine names it, e.g. `TABLE`, `TABLE DATA`, `FK CONSTRAINT`.
    package var kind: String
    package var schema: String?
    package var name: String
    package var dependencies: [Int]
    /// For a foreign key: the table it references, `schema.table`.
    package var references: String?
    /// Where the object's statements are in the dump stream, for engines whose dumps are SQL
    /// text (MariaDB): a one-table restore sends these bytes only. Absent otherwise.
    package var offset: Int64?
    package var length: Int64?

    package init(
        id: Int, kind: String, schema: String?, name: String, dependencies: [Int], references: String? = nil, offset: Int64? = nil, length: Int64? = nil
    ) {
        self.id = id
        self.kind = kind
        self.schema = schema
        self.name = name
        self.dependencies = dependencies
        self.references = references
        self.offset = offset
        self.length = length
    }
}

/// What a dump captured, measured while it streamed.
package struct DumpSummary: Sendable, Codable, Equatable {
    package var serverVersion: String
    package var format: String
    package var databases: [DatabaseContents]
    package var objects: [DumpObject]
    /// What the backup holds with a caveat (MariaDB: tables outside the consistent snapshot).
    package var warnings: [String]

    package init(serverVersion: String, format: String, databases: [DatabaseContents], objects: [DumpObject], warnings: [String] = []) {
        self.serverVersion = serverVersion
        self.format = format
        self.databases = databases
        self.objects = objects
        self.warnings = warnings
    }
}

/// What part of a backup to restore.
package enum RestoreScope: Sendable, Equatable {
    case everything
    case table(schema: String, name: String)
}

/// Options that let a partial restore leave out dependencies that are not restored with it.
package struct RestoreOptions: Sendable, Equatable, Codable {
    package var skipMissingForeignKeys: Bool
    package var skipMissingSequences: Bool
    package var skipMissingViews: Bool

    package init(skipMissingForeignKeys: Bool = false, skipMissingSequences: Bool = false, skipMissingViews: Bool = false) {
        self.skipMissingForeignKeys = skipMissingForeignKeys
        self.skipMissingSequences = skipMissingSequences
        self.skipMissingViews = skipMissingViews
    }
}

/// A part of a dump stream.
package struct ByteRange: Sendable, Equatable {
    package var offset: Int64
    package var length: Int64

    package init(offset: Int64, length: Int64) {
        self.offset = offset
        self.length = length
    }
}

/// A restore the engine can carry out, already checked against the backup's dump objects.
package struct RestorePlan: Sendable, Equatable {
    package var scope: RestoreScope
    /// The dump object ids to restore, in dump order; nil restores everything.
    package var objectIDs: [Int]?
    /// Objects left out because of a skip option, for the log.
    package var skipped: [String]
    /// The parts of the stream to send, in order (SQL dumps); nil sends all of it.
    package var ranges: [ByteRange]?
    /// Foreign keys to drop after loading, as (table, constraint): they reference tables the
    /// restore leaves out.
    package var droppedForeignKeys: [ForeignKeyName]

    /// A foreign key by its table and constraint name.
    package struct ForeignKeyName: Sendable, Equatable {
        package var table: String
        package var constraint: String

        package init(table: String, constraint: String) {
            self.table = table
            self.constraint = constraint
        }
    }

    package init(scope: RestoreScope, objectIDs: [Int]?, skipped: [String], ranges: [ByteRange]? = nil, droppedForeignKeys: [ForeignKeyName] = []) {
        self.scope = scope
        self.objectIDs = objectIDs
        self.skipped = skipped
        self.ranges = ranges
        self.droppedForeignKeys = droppedForeignKeys
    }
}

/// A database engine: dumps a database as a stream and restores such a stream into a new database.
///
/// A "database name" in the restore methods is what the engine's targets are named by: a
/// database on the source's server, or an absolute file path (SQLite).
package protocol DatabaseEngine: Sendable {
    var kind: EngineKind { get }

    /// What the engine can do, and the names of its streams.
    var capabilities: EngineCapabilities { get }

    /// How the dump of `target` is cut into chunks; asked before the dump starts.
    func dumpLayout(of target: DatabaseTarget) async throws -> DumpLayout

    /// Refuses `name` as a restore target before anything is done: a database name the
    /// server accepts, or an absolute path in an existing directory.
    /// - Throws: `invalid-name`.
    func checkRestoreTargetName(_ name: String) throws

    /// The name a restore into `newName` writes to before it publishes the result under
    /// `newName` with ``renameDatabase(_:to:on:)`` (so a half restore never has the chosen name).
    func stagingName(for newName: String, operationID: String) -> String

    /// The server's version string; also proves the database is reachable with these credentials.
    /// - Throws: `EngineError` with `database-unreachable`, `authentication-failed` or `database-not-found`.
    func serverVersion(of target: DatabaseTarget) async throws -> String

    /// Whether a database named `name` exists on the server of `target`.
    func databaseExists(_ name: String, on target: DatabaseTarget) async throws -> Bool

    /// Renames database `name` to `newName` on the server of `target` (a restore publishing
    /// its staging database under the name the user chose, in one statement).
    /// - Throws: `EngineError` `restore-failed` (e.g. `newName` was taken meanwhile).
    func renameDatabase(_ name: String, to newName: String, on target: DatabaseTarget) async throws

    /// Drops database `name` on the server of `target` if it exists, ending its sessions
    /// (a half-restored staging database left by a dead process) — and first any session
    /// still creating it, whose database would otherwise appear after this call.
    func dropDatabase(_ name: String, on target: DatabaseTarget) async throws

    /// Streams a consistent logical dump of `target` into `sink`, measuring it as it passes.
    /// - Parameter progress: called with the tables dumped so far and the total.
    func dump(
        _ target: DatabaseTarget,
        into sink: ([UInt8]) async throws -> Void,
        progress: (_ tablesDone: Int, _ tablesTotal: Int) -> Void
    ) async throws -> DumpSummary

    /// A digester of this engine's dump streams for restore tests (``RowDigesting``): fed the
    /// stored stream and a dump of the restored database, equal tables give equal digests.
    /// Nil when the engine has none; a test then compares row counts only.
    func makeRowDigester() -> (any RowDigesting)?

    /// Checks a restore request against the dump's objects before any work starts.
    /// - Throws: `EngineError` with `table-not-found` or `missing-dependency`.
    func planRestore(_ scope: RestoreScope, objects: [DumpObject], options: RestoreOptions) throws -> RestorePlan

    /// Creates database `newDatabase` on the server of `server`, then restores the stream from
    /// `source` into it; drops it again when the restore fails, so no half-restored database
    /// remains. `server` connects to an existing database (the backup's source) for the
    /// create and drop statements; the source itself is never written to.
    func restore(
        _ plan: RestorePlan,
        server: DatabaseTarget,
        newDatabase: String,
        from source: () async throws -> [UInt8]?
    ) async throws
}

extension DatabaseEngine {
    package func dumpLayout(of target: DatabaseTarget) async throws -> DumpLayout { .contentDefined }

    package func makeRowDigester() -> (any RowDigesting)? { nil }

    package func checkRestoreTargetName(_ name: String) throws {
        try NameRule.validate(name, what: "restore target")
    }

    package func stagingName(for newName: String, operationID: String) -> String { "tidemark_restore_\(operationID)" }

    /// The name of the logical backup stream of `connection` in a manifest, e.g. `shop.pgdump`
    /// or, for a file, `notes.db` (the file's own name).
    package func streamName(for connection: DatabaseConnection) -> String {
        switch connection.location {
        case .server(_, _, _, let database): return "\(database).\(capabilities.streamExtension)"
        case .file(let path): return path.split(separator: "/").last.map(String.init) ?? "database.\(capabilities.streamExtension)"
        }
    }
}
