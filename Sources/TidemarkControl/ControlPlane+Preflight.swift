import TidemarkCore

extension ControlPlane {
    /// Checks that a restore of backup `id` into `newName` can start: the backup is completed,
    /// the name is valid and no database of that name exists on the source's server.
    /// - Throws: `backup-not-found`, `backup-not-completed`, `invalid-name`, `target-exists`,
    ///   and the engine's connection errors.
    /// - Returns: the backup and its source database, which a restore goes on to use.
    @discardableResult
    func checkRestoreTarget(backupID id: String, newName: String) async throws -> (backup: BackupRecord, source: DatabaseRecord) {
        let backup = try await catalog.requireCompletedBackup(id: id)
        try NameRule.validate(newName, what: "restore target")
        let source = try await catalog.requireDatabase(named: backup.database)
        if try await engine(source.engine).databaseExists(newName, on: source.target) {
            throw ControlError(
                .targetExists,
                "database \(newName) already exists on \(source.connection.host):\(source.connection.port)",
                hint: "Restores always create a new database; choose a name that is not in use."
            )
        }
        return (backup, source)
    }
}
