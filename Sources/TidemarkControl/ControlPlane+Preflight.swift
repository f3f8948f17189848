package import TidemarkCore

extension ControlPlane {
    /// Runs the storage connection test on settings that are not saved yet (the dashboard's
    /// Test connection button). Nothing is recorded; a local directory that does not exist is
    /// created, exactly as saving the storage would.
    package func testStorageSettings(_ settings: StorageSettings, secret: Secret<String>?, existing name: String? = nil) async throws -> ConnectionTestReport {
        var secret = secret
        if let name, secret == nil {
            // An edit form leaves the key blank to keep the stored one.
            secret = try await storage(named: name).secretAccessKey
        }
        return await testConnection(try await openStore(try settings.normalized(), secret, name == nil ? .create : .connectionTest))
    }

    /// Checks that a restore of backup `id` into `newName` can start: the backup is completed,
    /// the name is valid and no database of that name exists on the source's server.
    /// - Throws: `backup-not-found`, `backup-not-completed`, `invalid-name`, `target-exists`,
    ///   and the engine's connection errors.
    /// - Returns: the backup and its source database, which a restore goes on to use.
    @discardableResult
    package func checkRestoreTarget(backupID id: String, newName: String) async throws -> (backup: BackupRecord, source: DatabaseRecord) {
        let backup = try await completedBackup(id: id)
        try NameRule.validate(newName, what: "restore target")
        let source = try await database(named: backup.database)
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
