import Foundation
import TidemarkCore

extension ControlPlane {
    /// Takes a backup of database `name` now, running it in this process as an operation
    /// (``BackupJob``).
    /// - Parameters:
    ///   - storageName: the storage to use; defaults to the plan's, or the only one registered.
    ///   - observer: sees the operation's record as progress is made.
    /// - Throws: the preflight's refusals (`backup-in-progress`, `database-deprovisioned`,
    ///   `passphrase-missing`, …; nothing is recorded), the engine's connection errors, storage
    ///   errors, `wrong-passphrase`, `repository-locked`.
    func createBackup(
        database name: String,
        storage storageName: String? = nil,
        trigger: BackupTrigger = .manual,
        method: BackupMethod? = nil,
        observer: OperationObserver? = nil
    ) async throws -> BackupRecord {
        try await runner.run(BackupJob(), BackupRequest(database: name, storage: storageName, trigger: trigger, method: method), observer: observer)
    }

    /// Queues a backup of `name` for `serve` (`backup create --async`).
    /// - Throws: as ``createBackup(database:storage:trigger:method:observer:)`` before any work starts.
    func enqueueBackup(database name: String, storage storageName: String? = nil, trigger: BackupTrigger = .manual, method: BackupMethod? = nil) async throws -> OperationRecord {
        try await runner.enqueue(BackupJob(), BackupRequest(database: name, storage: storageName, trigger: trigger, method: method))
    }

    /// Backups matching `filter`, newest first.
    func backups(matching filter: BackupFilter) async throws -> [BackupRecord] {
        if let database = filter.database { _ = try await catalog.requireDatabase(named: database) }
        return try await catalog.backups(matching: filter)
    }

}
