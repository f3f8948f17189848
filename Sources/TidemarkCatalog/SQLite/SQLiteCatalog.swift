package import Foundation
package import TidemarkCore

/// The embedded catalog: one SQLite file under `--home` (SPEC §5, embedded default).
///
/// Every query is a named method (pgBackRest `db.h` style). JSON columns hold nested values
/// (storage settings, backup contents, progress) that are read and written whole.
package final class SQLiteCatalog: Catalog {
    let connection: SQLiteConnection
    private let sealer: SecretSealer

    /// Opens (creating and migrating if needed) the catalog at `path`.
    package init(path: String, sealer: SecretSealer) throws {
        self.connection = try SQLiteConnection(path: path)
        self.sealer = sealer
        try CatalogMigrations.migrate(connection)
    }

    // MARK: Storages

    package func insertStorage(_ storage: StorageRecord) async throws {
        do {
            try connection.execute(
                "INSERT INTO storages (name, settings, repository_id, created_at, sealed_secret) VALUES (?, ?, ?, ?, ?)",
                [.text(storage.name), .text(try json(storage.settings)), .text(storage.repositoryID), date(storage.createdAt), try sealedSecret(of: storage)]
            )
        } catch let error as CatalogError where error.kind == .nameConflict {
            throw CatalogError(.nameConflict, "a storage named \(storage.name) already exists", hint: "Choose another name, or remove it first with 'tidemark storage remove \(storage.name)'.")
        }
    }

    package func storage(named name: String) async throws -> StorageRecord? {
        try connection.query("SELECT * FROM storages WHERE name = ?", [.text(name)]).first.map(storageRecord)
    }

    package func storages() async throws -> [StorageRecord] {
        try connection.query("SELECT * FROM storages ORDER BY name").map(storageRecord)
    }

    package func updateStorage(_ storage: StorageRecord) async throws {
        guard try await self.storage(named: storage.name) != nil else {
            throw CatalogError(.notFound, "storage \(storage.name) does not exist", hint: "Run 'tidemark storage list' to see registered storages.")
        }
        try connection.execute(
            "UPDATE storages SET settings = ?, repository_id = ?, sealed_secret = ? WHERE name = ?",
            [.text(try json(storage.settings)), .text(storage.repositoryID), try sealedSecret(of: storage), .text(storage.name)]
        )
    }

    package func deleteStorage(named name: String) async throws {
        guard try await storage(named: name) != nil else {
            throw CatalogError(.notFound, "storage \(name) does not exist", hint: "Run 'tidemark storage list' to see registered storages.")
        }
        try connection.execute("DELETE FROM storages WHERE name = ?", [.text(name)])
    }

    private func storageRecord(_ row: SQLiteRow) throws -> StorageRecord {
        let name = row["name"].string ?? ""
        return StorageRecord(
            name: name,
            settings: try decode(StorageSettings.self, row["settings"]),
            repositoryID: row["repository_id"].string ?? "",
            createdAt: dateValue(row["created_at"]) ?? Date(timeIntervalSince1970: 0),
            secretAccessKey: try opened(row["sealed_secret"], label: "storage:\(name)")
        )
    }

    private func sealedSecret(of storage: StorageRecord) throws -> SQLiteValue {
        try sealed(storage.secretAccessKey, label: "storage:\(storage.name)")
    }

    // MARK: Databases

    package func insertDatabase(_ database: DatabaseRecord) async throws {
        let sealed = try sealed(database.password, label: "database:\(database.name)")
        do {
            try connection.execute(
                "INSERT INTO databases (id, name, engine, connection, sealed_password, created_at, deprovisioned_at, managed, wal_streaming) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    .text(database.id), .text(database.name), .text(database.engine.rawValue), .text(try json(database.connection)), sealed,
                    date(database.createdAt), database.deprovisionedAt.map(date) ?? .null, try jsonValue(database.managed), try jsonValue(database.walStreaming),
                ]
            )
        } catch let error as CatalogError where error.kind == .nameConflict {
            throw CatalogError(.nameConflict, "a database named \(database.name) already exists", hint: "Choose another name; 'tidemark db list' shows the registered ones.")
        }
    }

    package func updateDatabase(_ database: DatabaseRecord) async throws {
        let sealed = try sealed(database.password, label: "database:\(database.name)")
        let updated = try connection.query(
            "UPDATE databases SET engine = ?, connection = ?, sealed_password = ?, managed = ?, wal_streaming = ? WHERE name = ? RETURNING name",
            [.text(database.engine.rawValue), .text(try json(database.connection)), sealed, try jsonValue(database.managed), try jsonValue(database.walStreaming), .text(database.name)]
        )
        guard !updated.isEmpty else {
            throw CatalogError(.notFound, "database \(database.name) is not registered", hint: "Run 'tidemark db list' to see the registered databases.")
        }
    }

    package func database(named name: String) async throws -> DatabaseRecord? {
        try connection.query("SELECT * FROM databases WHERE name = ?", [.text(name)]).first.map(databaseRecord)
    }

    package func databases() async throws -> [DatabaseRecord] {
        try connection.query("SELECT * FROM databases ORDER BY name").map(databaseRecord)
    }

    func databaseRecord(_ row: SQLiteRow) throws -> DatabaseRecord {
        let name = row["name"].string ?? ""
        let password = try opened(row["sealed_password"], label: "database:\(name)")
        return DatabaseRecord(
            id: row["id"].string ?? "",
            name: name,
            engine: EngineKind(rawValue: row["engine"].string ?? "") ?? .postgres,
            connection: try decode(DatabaseConnection.self, row["connection"]),
            password: password,
            createdAt: dateValue(row["created_at"]) ?? Date(timeIntervalSince1970: 0),
            deprovisionedAt: dateValue(row["deprovisioned_at"]),
            managed: row["managed"].string == nil ? nil : try decode(ManagedInstance.self, row["managed"]),
            walStreaming: row["wal_streaming"].string == nil ? nil : try decode(WALStreaming.self, row["wal_streaming"])
        )
    }

    /// A nullable JSON column.
    private func jsonValue<T: Encodable>(_ value: T?) throws -> SQLiteValue {
        guard let value else { return .null }
        return .text(try json(value))
    }

    // MARK: Backups

    package func insertBackup(_ backup: BackupRecord) async throws {
        let inserted = try connection.query(
            """
            INSERT INTO backups (id, database, storage, status, trigger, method, engine, server_version, started_at,
                finished_at, logical_bytes, stored_bytes, error, operation_id, contents, physical, warnings, copy_of)
            SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
            WHERE NOT EXISTS (SELECT 1 FROM purged_backups WHERE id = ?1)
            RETURNING id
            """,
            try backupValues(backup)
        )
        guard !inserted.isEmpty else { throw Self.purged(backup.id) }
    }

    static func purged(_ id: String) -> CatalogError {
        CatalogError(
            .purged, "backup \(id) was purged and cannot be written again",
            hint: "Take a new backup with 'tidemark backup create DATABASE'."
        )
    }

    package func updateBackup(_ backup: BackupRecord) async throws {
        var values = try backupValues(backup)
        values.append(values.removeFirst())
        try connection.execute(
            """
            UPDATE backups SET database = ?, storage = ?, status = ?, trigger = ?, method = ?, engine = ?, server_version = ?,
                started_at = ?, finished_at = ?, logical_bytes = ?, stored_bytes = ?, error = ?, operation_id = ?, contents = ?,
                physical = ?, warnings = ?, copy_of = ?
            WHERE id = ?
            """,
            values
        )
    }

    package func recordRestoreTest(_ result: RestoreTestResult) async throws {
        try connection.execute("UPDATE backups SET last_test = ? WHERE id = ?", [try jsonValue(result), .text(result.backupID)])
    }

    package func backup(id: String) async throws -> BackupRecord? {
        try connection.query("SELECT * FROM backups WHERE id = ?", [.text(id)]).first.map(backupRecord)
    }

    package func backups(matching filter: BackupFilter, limit: Int?, after: ListCursor?) async throws -> [BackupRecord] {
        var clauses: [String] = []
        var bindings: [SQLiteValue] = []
        if let database = filter.database {
            clauses.append("database = ?")
            bindings.append(.text(database))
        }
        if let status = filter.status {
            // With a database filter, "+status" keeps SQLite on the database index: without
            // statistics it picks the status index and scans every completed backup (100,000
            // rows for one database's 100: 30 ms instead of 0.2 ms, bench/api.sh).
            clauses.append(filter.database == nil ? "status = ?" : "+status = ?")
            bindings.append(.text(status.rawValue))
        }
        if let deprovisioned = filter.deprovisioned {
            clauses.append("database \(deprovisioned ? "" : "NOT ")IN (SELECT name FROM databases WHERE deprovisioned_at IS NOT NULL)")
        }
        // Lists never show table contents: skipping that JSON column is what keeps a page of
        // 50, and the retention evaluation behind its expiry dates, in single milliseconds.
        let columns = "id, database, storage, status, trigger, method, engine, server_version, started_at, finished_at, logical_bytes, stored_bytes, error, operation_id, '[]' AS contents, expires_at, expiry_evaluated, physical, copy_of, last_test"
        return try newestFirst(columns, from: "backups", by: "started_at", clauses, bindings, after: after, limit: limit).map(backupRecord)
    }

    /// Rows of `table` matching every clause, ordered by `timeColumn` DESC then id, strictly
    /// after `cursor` (keyset pagination), at most `limit` (nil: all).
    private func newestFirst(
        _ columns: String, from table: String, by timeColumn: String,
        _ clauses: [String], _ bindings: [SQLiteValue], after cursor: ListCursor?, limit: Int?
    ) throws -> [SQLiteRow] {
        var clauses = clauses
        var bindings = bindings
        if let cursor {
            // The leading `<=` bounds the index range; without it SQLite scans the index from the
            // newest row to the cursor (a page near the end of 100,000 backups: 88 ms, not 2).
            clauses.append("\(timeColumn) <= ? AND (\(timeColumn) < ? OR id > ?)")
            bindings += [date(cursor.time), date(cursor.time), .text(cursor.id)]
        }
        let whereClause = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        let limitClause = limit.map { " LIMIT \(max(0, $0))" } ?? ""
        return try connection.query("SELECT \(columns) FROM \(table) \(whereClause) ORDER BY \(timeColumn) DESC, id\(limitClause)", bindings)
    }

    package func backupOverview() async throws -> [String: BackupOverview] {
        let columns = "id, database, storage, status, trigger, method, engine, server_version, started_at, finished_at, logical_bytes, stored_bytes, error, operation_id, '[]' AS contents, expires_at, expiry_evaluated, physical, copy_of, last_test"
        // One index seek per database inside one statement (backups_by_database).
        func newest(_ condition: String) throws -> [BackupRecord] {
            try connection.query(
                """
                SELECT \(columns) FROM backups WHERE id IN (
                    SELECT (SELECT b.id FROM backups b WHERE b.database = d.name \(condition) ORDER BY b.started_at DESC, b.id LIMIT 1)
                    FROM databases d)
                """
            ).map(backupRecord)
        }
        var overview: [String: BackupOverview] = [:]
        for backup in try newest("") { overview[backup.database, default: BackupOverview()].latest = backup }
        for backup in try newest("AND +b.status = 'completed'") { overview[backup.database, default: BackupOverview()].latestCompleted = backup }
        for row in try connection.query("SELECT database, count(*) AS n FROM backups WHERE status = 'failed' GROUP BY database") {
            overview[row["database"].string ?? "", default: BackupOverview()].failedCount = Int(row["n"].int ?? 0)
        }
        return overview
    }

    package func deleteBackup(id: String, at time: Date) async throws {
        try connection.transaction { run in
            _ = try run("DELETE FROM backups WHERE id = ?", [.text(id)])
            _ = try run("INSERT OR IGNORE INTO purged_backups (id, purged_at) VALUES (?, ?)", [.text(id), date(time)])
            let error = try json(ErrorInfo(code: "operation-cancelled", message: "the backup \(id) this operation works on was purged"))
            _ = try run(
                """
                UPDATE operations SET status = 'cancelled', finished_at = ?, last_error = ?, retryable = 0
                WHERE backup_id = ? AND status = 'pending'
                """,
                [date(time), .text(error), .text(id)]
            )
            _ = try run("UPDATE operations SET retryable = 0 WHERE backup_id = ? AND status IN ('failed', 'cancelled')", [.text(id)])
            return ()
        }
    }

    package func wasPurged(backupID: String) async throws -> Bool {
        !(try connection.query("SELECT 1 FROM purged_backups WHERE id = ?", [.text(backupID)])).isEmpty
    }

    package func recordExpiries(_ expiries: [String: Date?]) async throws {
        guard !expiries.isEmpty else { return }
        try connection.transaction { run in
            for (id, expiry) in expiries {
                _ = try run("UPDATE backups SET expires_at = ?, expiry_evaluated = 1 WHERE id = ?", [expiry.map(date) ?? .null, .text(id)])
            }
            return ()
        }
    }

    package func backupCount(inStorage storage: String) async throws -> Int {
        Int(try connection.query("SELECT count(*) AS n FROM backups WHERE storage = ?", [.text(storage)]).first?["n"].int ?? 0)
    }

    private func backupValues(_ backup: BackupRecord) throws -> [SQLiteValue] {
        [
            .text(backup.id), .text(backup.database), .text(backup.storage), .text(backup.status.rawValue),
            .text(backup.trigger.rawValue), .text(backup.method.rawValue), .text(backup.engine.rawValue),
            backup.serverVersion.map(SQLiteValue.text) ?? .null, date(backup.startedAt), backup.finishedAt.map(date) ?? .null,
            .integer(backup.logicalBytes), .integer(backup.storedBytes), try backup.error.map { .text(try json($0)) } ?? .null,
            backup.operationID.map(SQLiteValue.text) ?? .null, .text(try json(backup.databases)),
            try backup.physical.map { .text(try json($0)) } ?? .null,
            backup.warnings.isEmpty ? .null : .text(try json(backup.warnings)),
            backup.copyOf.map(SQLiteValue.text) ?? .null,
        ]
    }

    func backupRecord(_ row: SQLiteRow) throws -> BackupRecord {
        var record = BackupRecord(
            id: row["id"].string ?? "",
            database: row["database"].string ?? "",
            storage: row["storage"].string ?? "",
            status: BackupStatus(rawValue: row["status"].string ?? "") ?? .failed,
            trigger: BackupTrigger(rawValue: row["trigger"].string ?? "") ?? .manual,
            method: BackupMethod(rawValue: row["method"].string ?? "") ?? .logical,
            engine: EngineKind(rawValue: row["engine"].string ?? "") ?? .postgres,
            serverVersion: row["server_version"].string,
            startedAt: dateValue(row["started_at"]) ?? Date(timeIntervalSince1970: 0),
            finishedAt: dateValue(row["finished_at"]),
            logicalBytes: row["logical_bytes"].int ?? 0,
            storedBytes: row["stored_bytes"].int ?? 0,
            error: try row["error"].string.map { try decode(ErrorInfo.self, .text($0)) },
            operationID: row["operation_id"].string,
            databases: try decode([DatabaseContents].self, row["contents"]),
            physical: try row["physical"].string.map { try decode(PhysicalBackupInfo.self, .text($0)) }
        )
        // Lists select no warnings column; the record then has none, as lists show none.
        record.warnings = try row["warnings"].string.map { try decode([String].self, .text($0)) } ?? []
        record.copyOf = row["copy_of"].string
        record.lastTest = try row["last_test"].string.map { try decode(RestoreTestResult.self, .text($0)) }
        if row["expiry_evaluated"].int == 1 {
            record.storedExpiry = dateValue(row["expires_at"]).map(StoredExpiry.at) ?? .never
        }
        return record
    }

    // MARK: Operations

    package func insertOperation(_ operation: OperationRecord) async throws {
        do {
            try connection.execute(Self.insertOperationSQL, try insertOperationValues(operation))
        } catch let error as CatalogError where error.kind == .nameConflict {
            throw Self.activeBackupConflict(operation, error)
        }
    }

    /// The unique index `operations_one_active_backup` refused a second queued or running
    /// backup of one database (operation ids are random, so a conflict on insert is this).
    static func activeBackupConflict(_ operation: OperationRecord, _ error: CatalogError) -> CatalogError {
        guard operation.kind == .backup, let database = operation.database else { return error }
        return CatalogError(
            .inUse, "database \(database) already has a queued or running backup",
            hint: "Wait for it ('tidemark op list --status running'), or cancel it with 'tidemark op cancel ID'."
        )
    }

    /// One statement for every operation insert (commands and scheduler ticks alike).
    static let insertOperationSQL = """
        INSERT INTO operations (id, kind, status, step, attempt, max_attempts, retryable, last_error, database, backup_id,
            summary, created_at, started_at, finished_at, progress, result, parameters, not_before, attempts,
            request_version, lease_owner, lease_expires_at, cancel_requested)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    func insertOperationValues(_ operation: OperationRecord) throws -> [SQLiteValue] {
        try operationValues(operation) + [
            operation.leaseOwner.map(SQLiteValue.text) ?? .null, operation.leaseExpiresAt.map(date) ?? .null,
            .integer(operation.isCancelRequested ? 1 : 0),
        ]
    }

    package func updateOperation(_ operation: OperationRecord) async throws {
        var values = try operationValues(operation)
        let id = values.removeFirst()
        values += [.text(operation.status.rawValue), .text(operation.status.rawValue), id]
        do {
            try connection.execute(
            """
            UPDATE operations SET kind = ?, status = ?, step = ?, attempt = ?, max_attempts = ?, retryable = ?, last_error = ?,
                database = ?, backup_id = ?, summary = ?, created_at = ?, started_at = ?, finished_at = ?, progress = ?, result = ?,
                parameters = ?, not_before = ?, attempts = ?, request_version = ?,
                lease_owner = CASE WHEN ? = 'running' THEN lease_owner END,
                lease_expires_at = CASE WHEN ? = 'running' THEN lease_expires_at END
            WHERE id = ?
            """,
            values
            )
        } catch let error as CatalogError where error.kind == .nameConflict {
            throw Self.activeBackupConflict(operation, error)
        }
    }

    package func operation(id: String) async throws -> OperationRecord? {
        try connection.query("SELECT * FROM operations WHERE id = ?", [.text(id)]).first.map(operationRecord)
    }

    package func operations(status: OperationStatus?, limit: Int?, after: ListCursor?) async throws -> [OperationRecord] {
        let clauses = status == nil ? [] : ["status = ?"]
        let bindings = status.map { [SQLiteValue.text($0.rawValue)] } ?? []
        return try newestFirst("*", from: "operations", by: "created_at", clauses, bindings, after: after, limit: limit).map(operationRecord)
    }

    package func appendLog(operationID: String, line: OperationLogLine) async throws {
        try connection.execute(
            "INSERT INTO operation_logs (operation_id, time, level, message) VALUES (?, ?, ?, ?)",
            [.text(operationID), date(line.time), .text(line.level), .text(line.message)]
        )
    }

    package func logs(operationID: String, afterSequence: Int) async throws -> [OperationLogLine] {
        try connection.query(
            "SELECT * FROM operation_logs WHERE operation_id = ? AND sequence > ? ORDER BY sequence",
            [.text(operationID), .integer(Int64(afterSequence))]
        ).map { row in
            OperationLogLine(
                sequence: Int(row["sequence"].int ?? 0),
                time: dateValue(row["time"]) ?? Date(timeIntervalSince1970: 0),
                level: row["level"].string ?? "info",
                message: row["message"].string ?? ""
            )
        }
    }

    func operationValues(_ operation: OperationRecord) throws -> [SQLiteValue] {
        [
            .text(operation.id), .text(operation.kind.rawValue), .text(operation.status.rawValue), .text(operation.step),
            .integer(Int64(operation.attempt)), .integer(Int64(operation.maxAttempts)), .integer(operation.isRetryable ? 1 : 0),
            try operation.lastError.map { .text(try json($0)) } ?? .null, operation.database.map(SQLiteValue.text) ?? .null,
            operation.backupID.map(SQLiteValue.text) ?? .null, .text(operation.summary), date(operation.createdAt),
            operation.startedAt.map(date) ?? .null, operation.finishedAt.map(date) ?? .null, .text(try json(operation.progress)),
            .text(try json(operation.result)), .text(operation.request.json), operation.notBefore.map(date) ?? .null,
            .text(try json(operation.attempts)), .integer(Int64(operation.request.version)),
        ]
    }

    func operationRecord(_ row: SQLiteRow) throws -> OperationRecord {
        OperationRecord(
            id: row["id"].string ?? "",
            kind: OperationKind(rawValue: row["kind"].string ?? "") ?? .backup,
            status: OperationStatus(rawValue: row["status"].string ?? "") ?? .failed,
            step: row["step"].string ?? "",
            attempt: Int(row["attempt"].int ?? 0),
            maxAttempts: Int(row["max_attempts"].int ?? 1),
            isRetryable: row["retryable"].int == 1,
            lastError: try row["last_error"].string.map { try decode(ErrorInfo.self, .text($0)) },
            database: row["database"].string,
            backupID: row["backup_id"].string,
            summary: row["summary"].string ?? "",
            createdAt: dateValue(row["created_at"]) ?? Date(timeIntervalSince1970: 0),
            startedAt: dateValue(row["started_at"]),
            finishedAt: dateValue(row["finished_at"]),
            progress: try decode(OperationProgress.self, row["progress"]),
            result: try decode([String: String].self, row["result"]),
            request: StoredRequest(version: Int(row["request_version"].int ?? 1), json: row["parameters"].string ?? "{}"),
            notBefore: dateValue(row["not_before"]),
            leaseOwner: row["lease_owner"].string,
            leaseExpiresAt: dateValue(row["lease_expires_at"]),
            isCancelRequested: row["cancel_requested"].int == 1,
            attempts: try decode([OperationAttempt].self, row["attempts"])
        )
    }

    // MARK: Encoding

    func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    func decode<T: Decodable>(_ type: T.Type, _ value: SQLiteValue) throws -> T {
        guard let text = value.string else {
            throw CatalogError(.queryFailed, "the catalog holds an empty value where \(T.self) was expected")
        }
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw CatalogError(.queryFailed, "the catalog holds an unreadable \(T.self)", underlying: "\(error)")
        }
    }

    /// A secret as stored: sealed under the catalog key and bound to `label` (what it belongs
    /// to), so a sealed value copied to another row does not open; NULL when there is none.
    func sealed(_ secret: Secret<String>?, label: String) throws -> SQLiteValue {
        try secret.map { .blob(try sealer.seal($0.revealed, label: label)) } ?? .null
    }

    /// The secret `sealed(_:label:)` stored, or nil for NULL.
    func opened(_ value: SQLiteValue, label: String) throws -> Secret<String>? {
        try value.bytes.map { Secret(try sealer.open($0, label: label)) }
    }

    func date(_ value: Date) -> SQLiteValue { .real(value.timeIntervalSince1970) }
    func dateValue(_ value: SQLiteValue) -> Date? { value.double.map(Date.init(timeIntervalSince1970:)) }
}
