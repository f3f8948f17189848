package import TidemarkCore

/// Restores into new databases (SPEC §4.6). Its work lives in RestoreJob, which this service
/// runs through the control plane it holds privately.
package struct RestoreService: Sendable {
    private let control: ControlPlane

    init(control: ControlPlane) { self.control = control }

    /// Restores now, in this process. See RestoreJob for what is refused before any record.
    package func start(_ request: RestoreRequest, observer: OperationObserver? = nil) async throws -> RestoreResult {
        try await control.restore(request, observer: observer)
    }
    /// The backup a point-in-time restore of `source` (a backup id or a database name) at
    /// `point` starts from. - Throws: `backup-not-found`, `outside-recovery-window`.
    package func pointInTimeBackup(source: String, at point: RestorePoint) async throws -> String {
        try await control.pointInTimeBackup(source: source, at: point)
    }
    /// Queues a restore for `serve`.
    package func enqueue(_ request: RestoreRequest) async throws -> OperationRecord { try await control.enqueueRestore(request) }
    /// Whether a restore of backup `id` into `newName` can start (the dashboard's check as you
    /// type): a free database name on the source's server, or for a physical backup a free
    /// name for a new managed instance.
    /// - Returns: the backup.
    @discardableResult
    package func checkTarget(backupID id: String, newName: String) async throws -> BackupRecord {
        if try await control.catalog.requireBackup(id: id).method == .physical {
            return try await control.checkInstanceTarget(backupID: id, newName: newName)
        }
        return try await control.checkRestoreTarget(backupID: id, newName: newName).backup
    }
}

extension ControlPlane {
    /// Restores into new databases.
    package var restores: RestoreService { RestoreService(control: self) }
}
