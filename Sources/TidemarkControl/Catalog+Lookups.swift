import TidemarkCore

/// Catalog reads that must find their row, each refusing with the error a user acts on. Every
/// service and job looks records up through these, so a missing database, backup, plan, policy
/// or operation is reported the same way everywhere.
extension Catalog {
    /// The database named `name`.
    /// - Throws: `ControlError` `database-not-registered`.
    func requireDatabase(named name: String) async throws -> DatabaseRecord {
        guard let database = try await database(named: name) else {
            throw ControlError(.databaseNotFound, "database \(name) is not registered", hint: "Run 'tidemark db list', or register it with 'tidemark db add'.")
        }
        return database
    }

    /// Refuses `name` when a database (external or managed) is registered under it.
    /// - Throws: `name-conflict`.
    func requireDatabaseNameFree(_ name: String) async throws {
        if try await database(named: name) != nil {
            throw ControlError(.nameTaken, "a database named \(name) already exists", hint: "Choose another name; 'tidemark db list' shows the registered ones.")
        }
    }

    /// The backup `id`.
    /// - Throws: `ControlError` `backup-not-found`.
    func requireBackup(id: String) async throws -> BackupRecord {
        guard let backup = try await backup(id: id) else {
            throw ControlError(.backupNotFound, "backup \(id) does not exist", hint: "Run 'tidemark backup list' to see backup ids.")
        }
        return backup
    }

    /// The backup `id`, which must be completed.
    /// - Throws: `backup-not-found`, `backup-not-restorable`.
    func requireCompletedBackup(id: String) async throws -> BackupRecord {
        let backup = try await requireBackup(id: id)
        guard backup.status == .completed else {
            throw ControlError(
                .backupNotRestorable,
                "backup \(id) is \(backup.status.rawValue), not completed",
                hint: "Only completed backups can be used; 'tidemark backup list --status completed' shows them."
            )
        }
        return backup
    }

    /// The retention policy `name`.
    /// - Throws: `policy-not-found`.
    func requirePolicy(named name: String) async throws -> RetentionPolicy {
        guard let policy = try await policy(named: name) else {
            throw ControlError(.policyNotFound, "retention policy \(name) does not exist", hint: "Create it with 'tidemark policy set \(name) --daily N', or use 'default'.")
        }
        return policy
    }

    /// The plan of database `name`.
    /// - Throws: `database-not-registered`, `plan-not-found`.
    func requirePlan(database name: String) async throws -> PlanRecord {
        _ = try await requireDatabase(named: name)
        guard let plan = try await plan(database: name) else {
            throw ControlError(.planNotFound, "database \(name) has no backup plan", hint: "Create one with 'tidemark plan set \(name) --storage STORAGE'.")
        }
        return plan
    }

    /// The operation `id`.
    /// - Throws: `ControlError` `operation-not-found`.
    func requireOperation(id: String) async throws -> OperationRecord {
        guard let operation = try await operation(id: id) else {
            throw ControlError(.operationNotFound, "operation \(id) does not exist", hint: "Run 'tidemark op list' to see operation ids.")
        }
        return operation
    }
}
