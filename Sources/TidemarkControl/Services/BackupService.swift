package import Foundation
package import TidemarkCore

/// Backups (SPEC §4.2, §4.5): take, list, verify, export, purge.
///
/// Its work lives in the jobs (BackupJob, VerifyJob, ExportJob, PurgeJob) and `ControlPlane`
/// extensions (+Backups, +Lists, +Health), which this service holds privately.
package struct BackupService: Sendable {
    private let control: ControlPlane

    init(control: ControlPlane) { self.control = control }

    /// Takes a backup of `database` now. See BackupJob for what is refused before any record.
    package func create(
        database: String, storage: String? = nil, trigger: BackupTrigger = .manual, method: BackupMethod? = nil, observer: OperationObserver? = nil
    ) async throws -> BackupRecord {
        try await control.createBackup(database: database, storage: storage, trigger: trigger, method: method, observer: observer)
    }
    /// Queues a backup of `database` for `serve`.
    package func enqueue(database: String, storage: String? = nil, trigger: BackupTrigger = .manual, method: BackupMethod? = nil) async throws -> OperationRecord {
        try await control.enqueueBackup(database: database, storage: storage, trigger: trigger, method: method)
    }
    /// Backups matching `filter`, newest first.
    package func list(matching filter: BackupFilter) async throws -> [BackupRecord] { try await control.backups(matching: filter) }
    /// One page of backups matching `filter`.
    package func page(matching filter: BackupFilter, limit: Int, after: ListCursor?) async throws -> ListPage<BackupRecord> {
        try await control.backupPage(matching: filter, limit: limit, after: after)
    }
    /// The backup `id`. - Throws: `backup-not-found`.
    package func get(id: String) async throws -> BackupRecord { try await control.catalog.requireBackup(id: id) }
    /// Verifies backup `id` now. - Throws: `verify-failed` with the report.
    package func verify(id: String, readData: Bool, observer: OperationObserver? = nil) async throws -> (VerifyReportRepresentation, OperationRecord) {
        try await control.verifyBackup(id: id, readData: readData, observer: observer)
    }
    /// Queues a verification of backup `id`.
    package func enqueueVerify(id: String, readData: Bool) async throws -> OperationRecord { try await control.enqueueVerify(backupID: id, readData: readData) }
    /// Writes backup `id` as the engine's native dump to `sink`.
    package func export(id: String, observer: OperationObserver? = nil, into sink: @escaping ([UInt8]) async throws -> Void) async throws -> OperationRecord {
        try await control.exportBackup(id: id, observer: observer, into: sink)
    }
    /// Deletes backup `id` now.
    package func purge(id: String, observer: OperationObserver? = nil) async throws -> PurgeResult { try await control.purgeBackup(id: id, observer: observer) }
    /// Queues the purge of backup `id`.
    package func enqueuePurge(id: String) async throws -> OperationRecord { try await control.enqueuePurge(backupID: id) }
    /// Backups in the catalog by status (`/metrics`).
    package func countsByStatus() async throws -> [BackupStatus: Int] { try await control.catalog.backupCountsByStatus() }
    /// The finish time of the newest completed backup per database (`/metrics`).
    package func lastSuccessful() async throws -> [String: Date] { try await control.catalog.lastSuccessfulBackups() }
}

extension ControlPlane {
    /// Backups: take, list, verify, export, purge.
    package var backups: BackupService { BackupService(control: self) }
}
