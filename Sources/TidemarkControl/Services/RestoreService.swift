import Foundation
package import TidemarkCore

/// Restores into new databases (SPEC §4.6): into a new database on the source's server, into
/// a new managed instance, to a point in time. It sees the catalog, the engines and managed
/// instances (to check that the target name is free), WAL archiving (the recovery window a
/// point-in-time restore must fall in) and the ``OperationRunner`` that restores through
/// ``RestoreJob``, whose preflight makes the same checks before any record.
package struct RestoreService: Sendable {
    let catalog: any Catalog
    let engines: Engines
    let instances: InstanceService
    let walArchive: WALArchiveService
    let runner: OperationRunner
}

extension RestoreService {
    /// Restores a completed backup into a new database on the source's server (``RestoreJob``).
    ///
    /// Every check that can fail without touching anything runs first, before the operation
    /// is recorded.
    /// - Throws: `backup-not-found`, `backup-not-completed`, `invalid-name`, `target-exists`,
    ///   `table-not-found`, `missing-dependency`, then engine and repository errors.
    package func start(_ request: RestoreRequest, observer: OperationObserver? = nil) async throws -> RestoreResult {
        try await runner.run(RestoreJob(), request, observer: observer)
    }

    /// Queues a restore for `serve` (the API's `POST /restores`, `restore --async`), after the
    /// same checks (the run checks the name again).
    package func enqueue(_ request: RestoreRequest) async throws -> OperationRecord {
        try await runner.enqueue(RestoreJob(), request)
    }

    /// The backup a restore of `source` (a backup id, or a database name: the newest base
    /// backup that reaches the moment) at `point` starts from.
    /// - Throws: `backup-not-found` (neither a backup nor a database), `outside-recovery-window`.
    package func pointInTimeBackup(source: String, at point: RestorePoint) async throws -> String {
        if (try? await catalog.backup(id: source)) ?? nil != nil { return source }
        guard let database = try await catalog.database(named: source) else {
            throw ControlError(.backupNotFound, "\(source) is neither a backup id nor a registered database", hint: "List backups with 'tidemark backup list' and databases with 'tidemark db list'.")
        }
        guard let (window, _) = try await walArchive.recoveryWindow(database: database) else {
            throw ControlError(.notManaged, "database \(source) does not archive WAL; it has no point in time to restore", hint: "Enable archiving with 'tidemark plan set \(source) --method physical --pitr'.")
        }
        return try window.plan(to: point.date).base.backupID
    }

    /// Whether a restore of backup `id` into `newName` can start (the dashboard's check as you
    /// type): a free database name on the source's server, or for a physical backup a free
    /// name for a new managed instance.
    /// - Returns: the backup.
    @discardableResult
    package func checkTarget(backupID id: String, newName: String) async throws -> BackupRecord {
        if try await catalog.requireBackup(id: id).method == .physical {
            return try await checkInstanceTarget(backupID: id, newName: newName)
        }
        return try await checkDatabaseTarget(backupID: id, newName: newName).backup
    }

    /// Checks that a restore of backup `id` into `newName` can start: the backup is completed,
    /// the name is valid and no database of that name exists on the source's server.
    /// - Throws: `backup-not-found`, `backup-not-completed`, `invalid-name`, `target-exists`,
    ///   and the engine's connection errors.
    /// - Returns: the backup and its source database, which a restore goes on to use.
    @discardableResult
    func checkDatabaseTarget(backupID id: String, newName: String) async throws -> (backup: BackupRecord, source: DatabaseRecord) {
        let backup = try await catalog.requireCompletedBackup(id: id)
        let source = try await catalog.requireDatabase(named: backup.database)
        let engine = try engines.engine(source.engine)
        try engine.checkRestoreTargetName(newName)
        if try await engine.databaseExists(newName, on: source.target) {
            throw ControlError(
                .targetExists,
                source.connection.isFile ? "\(newName) already exists" : "database \(newName) already exists on \(source.connection.placeDescription)",
                hint: source.connection.isFile
                    ? "Restores never overwrite a file; choose a path that does not exist."
                    : "Restores always create a new database; choose a name that is not in use."
            )
        }
        return (backup, source)
    }

    /// The checks of a restore into a new managed instance.
    /// - Throws: `backup-not-found`, `backup-not-completed`, `invalid-name`, `target-exists`,
    ///   `instance-limit`, `instances-unavailable`.
    func checkInstanceTarget(backupID id: String, newName: String) async throws -> BackupRecord {
        let backup = try await catalog.requireCompletedBackup(id: id)
        try NameRule.validate(newName, what: "restore target")
        let (_, root) = try instances.parts()
        if try await catalog.database(named: newName) != nil {
            throw ControlError(
                .targetExists, "a database named \(newName) is already registered",
                hint: "A physical restore creates a new managed instance; choose a name that is not in use ('tidemark db list')."
            )
        }
        if FileManager.default.fileExists(atPath: "\(root)/\(newName)") {
            throw ControlError(
                .targetExists, "the instance directory \(root)/\(newName) already exists",
                hint: "Choose another name, or remove that directory if nothing uses it."
            )
        }
        try await instances.checkLimit()
        return backup
    }
}

extension ControlPlane {
    /// Restores into new databases.
    package var restores: RestoreService {
        RestoreService(catalog: catalog, engines: engines, instances: instanceService, walArchive: walArchive, runner: runner)
    }
}
