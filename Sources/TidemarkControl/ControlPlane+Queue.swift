package import TidemarkCore

extension ControlPlane {
    /// Inserts an operation record. The catalog refuses a second queued or running backup of
    /// one database in the same statement (no check-then-insert race between two commands);
    /// that refusal becomes `backup-in-progress` naming the backup that holds the place.
    /// - Throws: `ControlError` `backup-in-progress`, catalog errors.
    func insertRecord(_ operation: OperationRecord) async throws {
        do {
            try await catalog.insertOperation(operation)
        } catch {
            throw await backupInProgress(for: operation, after: error)
        }
    }

    /// `error`, or `backup-in-progress` when it is the catalog's one-active-backup refusal.
    func backupInProgress(for operation: OperationRecord, after error: any Error) async -> any Error {
        guard operation.kind == .backup, let database = operation.database,
            let refusal = error as? any UserFacingError, refusal.code == "in-use"
        else { return error }
        let active = try? await catalog.activeOperation(kind: .backup, database: database)
        return ControlError(
            .backupInProgress,
            "a backup of \(database) is already queued or running\(active.map { " (operation \($0.id))" } ?? "")",
            hint: "Wait for it ('tidemark op show \(active?.id ?? "ID")'), or cancel it with 'tidemark op cancel'."
        )
    }

    /// Queues a restore for `serve` (the API's `POST /restores`, `restore --async`), after the
    /// checks that touch nothing: the backup is completed, the name is valid, the table name
    /// parses, and no database of that name exists on the server yet (the run checks it again).
    /// The table being in the backup is checked by the run.
    /// - Throws: `backup-not-found`, `backup-not-completed`, `invalid-name`, `invalid-table-name`,
    ///   `target-exists`.
    package func enqueueRestore(_ request: RestoreRequest) async throws -> OperationRecord {
        let (backup, _) = try await checkRestoreTarget(backupID: request.backupID, newName: request.newName)
        _ = try Self.scope(for: request.table)
        return try await enqueue(.restore, summary: request.summary, database: backup.database, backupID: backup.id, parameters: request.parameters)
    }

    /// Queues a verification of a completed backup.
    package func enqueueVerify(backupID id: String, readData: Bool) async throws -> OperationRecord {
        let backup = try await completedBackup(id: id)
        return try await enqueue(
            .verify, summary: "verify backup \(id)\(readData ? " with data" : "")", database: backup.database, backupID: id,
            parameters: ["backupId": id, "readData": "\(readData)"]
        )
    }

    /// Queues the purge of a backup (any status).
    package func enqueuePurge(backupID id: String) async throws -> OperationRecord {
        let backup = try await purgeableBackup(id: id)
        return try await enqueue(.purge, summary: "purge backup \(id)", database: backup.database, backupID: id, parameters: ["backupId": id])
    }

    /// A pending operation that a worker runs with the background attempt count.
    private func enqueue(_ kind: OperationKind, summary: String, database: String?, backupID: String?, parameters: [String: String]) async throws -> OperationRecord {
        try await insertQueued(OperationRecord(
            id: Identifier.make(),
            kind: kind,
            maxAttempts: configuration.backgroundAttempts,
            database: database,
            backupID: backupID,
            summary: summary,
            createdAt: now(),
            parameters: parameters
        ))
    }

    /// Records a queued operation and its first log line.
    func insertQueued(_ operation: OperationRecord) async throws -> OperationRecord {
        try await insertRecord(operation)
        try await catalog.appendLog(operationID: operation.id, line: OperationLogLine(time: now(), level: "info", message: "\(operation.summary): queued"))
        return operation
    }
}
