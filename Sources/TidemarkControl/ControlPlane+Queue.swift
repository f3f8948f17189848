import TidemarkCore

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

    /// Records a queued operation and its first log line.
    func insertQueued(_ operation: OperationRecord) async throws -> OperationRecord {
        try await insertRecord(operation)
        try await catalog.appendLog(operationID: operation.id, line: OperationLogLine(time: now(), level: "info", message: "\(operation.summary): queued"))
        return operation
    }
}
