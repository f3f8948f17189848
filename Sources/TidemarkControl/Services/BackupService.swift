package import Foundation
package import TidemarkCore

/// Backups (SPEC §4.2, §4.5): take, list, verify, export, purge. It sees the catalog (lists
/// and counts) and the ``OperationRunner`` that does the work through the jobs (BackupJob,
/// VerifyJob, ExportJob, PurgeJob), whose preflights refuse what cannot start before any record.
package struct BackupService: Sendable {
    let catalog: any Catalog
    let runner: OperationRunner
}

extension BackupService {
    /// Takes a backup of `database` now, in this process (``BackupJob``).
    /// - Parameters:
    ///   - storage: the storage to use; defaults to the plan's, or the only one registered.
    ///   - observer: sees the operation's record as progress is made.
    /// - Throws: the preflight's refusals (`backup-in-progress`, `database-deprovisioned`,
    ///   `passphrase-missing`, …; nothing is recorded), the engine's connection errors, storage
    ///   errors, `wrong-passphrase`, `repository-locked`.
    package func create(
        database: String, storage: String? = nil, trigger: BackupTrigger = .manual, method: BackupMethod? = nil, observer: OperationObserver? = nil
    ) async throws -> BackupRecord {
        try await runner.run(BackupJob(), BackupRequest(database: database, storage: storage, trigger: trigger, method: method), observer: observer)
    }

    /// Queues a backup of `database` for `serve` (`backup create --async`), after the same
    /// preflight.
    package func enqueue(database: String, storage: String? = nil, trigger: BackupTrigger = .manual, method: BackupMethod? = nil) async throws -> OperationRecord {
        try await runner.enqueue(BackupJob(), BackupRequest(database: database, storage: storage, trigger: trigger, method: method))
    }

    /// Backups matching `filter`, newest first.
    /// - Throws: `database-not-registered` for an unknown database filter.
    package func list(matching filter: BackupFilter) async throws -> [BackupRecord] {
        if let database = filter.database { _ = try await catalog.requireDatabase(named: database) }
        return try await catalog.backups(matching: filter)
    }

    /// One page of backups matching `filter`, newest first.
    /// - Parameters:
    ///   - limit: page size, 1 through ``Paging/maxPageSize``.
    ///   - after: the `next` cursor of the previous page.
    /// - Throws: `database-not-registered` for an unknown database filter.
    package func page(matching filter: BackupFilter, limit: Int, after: ListCursor?) async throws -> ListPage<BackupRecord> {
        if let database = filter.database { _ = try await catalog.requireDatabase(named: database) }
        return try await Paging.page(limit: limit, cursor: { ListCursor(time: $0.startedAt, id: $0.id) }) {
            try await catalog.backups(matching: filter, limit: $0, after: after)
        }
    }

    /// The backup `id`. - Throws: `backup-not-found`.
    package func get(id: String) async throws -> BackupRecord { try await catalog.requireBackup(id: id) }

    /// Verifies backup `id` now (``VerifyJob``).
    /// - Throws: `verify-failed` listing the damaged objects, after recording the report in
    ///   the operation log.
    package func verify(id: String, readData: Bool, observer: OperationObserver? = nil) async throws -> (VerifyReportRepresentation, OperationRecord) {
        try await runner.run(VerifyJob(), VerifyRequest(backupID: id, readData: readData), observer: observer)
    }

    /// Queues a verification of completed backup `id`.
    package func enqueueVerify(id: String, readData: Bool) async throws -> OperationRecord {
        try await runner.enqueue(VerifyJob(), VerifyRequest(backupID: id, readData: readData))
    }

    /// Writes backup `id` as the engine's native dump to `sink` (``ExportJob``).
    package func export(id: String, observer: OperationObserver? = nil, into sink: @escaping ([UInt8]) async throws -> Void) async throws -> OperationRecord {
        try await runner.run(ExportJob(sink: sink), ExportRequest(backupID: id), observer: observer)
    }

    /// Deletes backup `id` now, whatever its status (``PurgeJob``).
    package func purge(id: String, observer: OperationObserver? = nil) async throws -> PurgeResult {
        try await runner.run(PurgeJob(), PurgeRequest(backupID: id), observer: observer)
    }

    /// Queues the purge of backup `id`.
    package func enqueuePurge(id: String) async throws -> OperationRecord {
        try await runner.enqueue(PurgeJob(), PurgeRequest(backupID: id))
    }

    /// Copies completed backup `id` into `storage` now (``CopyJob``).
    /// - Throws: `copy-same-storage`, `copy-exists`, `storage-not-found`, `backup-not-completed`,
    ///   then the copy's storage and repository errors.
    package func copy(id: String, to storage: String, observer: OperationObserver? = nil) async throws -> BackupRecord {
        try await runner.run(CopyJob(), CopyRequest(backupID: id, storage: storage), observer: observer)
    }

    /// Queues the copy of backup `id` into `storage` for `serve`.
    package func enqueueCopy(id: String, to storage: String) async throws -> OperationRecord {
        try await runner.enqueue(CopyJob(), CopyRequest(backupID: id, storage: storage))
    }

    /// Tests backup `id` now (``RestoreTestJob``): restores it into a scratch target, compares,
    /// drops the target, records the result.
    /// - Throws: `restore-test-failed` (after recording the result) when the data differs or the
    ///   restore failed; the preflight's refusals (`restore-test-in-progress`, `insufficient-space`, …).
    package func test(id: String, observer: OperationObserver? = nil) async throws -> RestoreTestResult {
        try await runner.run(RestoreTestJob(), RestoreTestRequest(backupID: id), observer: observer)
    }

    /// Queues a restore test of backup `id` for `serve`.
    package func enqueueTest(id: String) async throws -> OperationRecord {
        try await runner.enqueue(RestoreTestJob(), RestoreTestRequest(backupID: id))
    }

    /// The queued copy operations of backup `id` (the plan's copy after a backup), oldest first.
    package func queuedCopies(of id: String) async throws -> [OperationRecord] {
        try await catalog.operations(status: .pending, limit: nil, after: nil).filter { operation in
            operation.kind == .copy && (try? CopyRequest(from: operation))?.backupID == id
        }.sorted { $0.createdAt < $1.createdAt }
    }

    /// Backups in the catalog by status (`/metrics`).
    package func countsByStatus() async throws -> [BackupStatus: Int] { try await catalog.backupCountsByStatus() }

    /// The finish time of the newest completed backup per database (`/metrics`).
    package func lastSuccessful() async throws -> [String: Date] { try await catalog.lastSuccessfulBackups() }
}

extension ControlPlane {
    /// Backups: take, list, verify, export, purge.
    package var backups: BackupService { BackupService(catalog: catalog, runner: runner) }
}
