import Foundation
import TidemarkCore
import TidemarkRepository

/// Point-in-time restores (SPEC §4.8): a base backup and the archived WAL after it, replayed
/// by PostgreSQL into a new managed instance up to the chosen moment.
extension ControlPlane {
    /// What the restore replays: the WAL proven contiguous from its backup to the moment, and
    /// the repository it is in. Called by the preflight (so a moment outside the window is
    /// refused before anything is recorded) and again by the run.
    /// - Throws: `outside-recovery-window`, `not-managed`, `pitr-unavailable`.
    func recoveryPlan(for request: RestoreRequest) async throws -> (plan: RecoveryPlan, repository: Repository, point: RestorePoint)? {
        guard let point = request.pointInTime else { return nil }
        _ = try walExecutable()
        let backup = try await catalog.requireCompletedBackup(id: request.backupID)
        guard backup.method == .physical, let database = try await catalog.database(named: backup.database),
              let (window, repository) = try await walArchive.recoveryWindow(database: database)
        else {
            throw ControlError(.notManaged, "backup \(backup.id) of \(backup.database) has no archived WAL after it; restore it without --at", hint: "Point-in-time restores need a physical backup of a database whose plan has --pitr.")
        }
        return (try window.plan(to: point.date, backupID: backup.id), repository, point)
    }

    /// Runs `body` with the recovery settings of `recovery`: a spool the WAL is fetched into
    /// ahead of the server while `body` runs, removed afterwards.
    func withRecoverySpool<T: Sendable>(
        _ recovery: (plan: RecoveryPlan, repository: Repository, point: RestorePoint)?, run: OperationRun,
        _ body: (RecoveryTarget?) async throws -> T
    ) async throws -> T {
        guard let recovery else { return try await body(nil) }
        let (manager, root) = try instanceService.parts()
        let executable = try walExecutable()
        let directory = "\(root)/.wal-spool-\(run.id)"
        try manager.prepareSpool(at: directory)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spool = WALSpool(directory: directory)
        try spool.writePlan(recovery.plan.files.map(\.name.description))
        let feeder = Task { await WALSpoolFeeder(spool: spool, files: recovery.plan.files, repository: recovery.repository).run() }
        defer { feeder.cancel() }
        try await run.log(
            "recovering to \(recovery.point) from backup \(recovery.plan.base.backupID): \(recovery.plan.files.count) archived WAL files on timeline \(recovery.plan.base.timeline)"
        )
        let command = "\(WALArchiveService.shellQuoted(executable)) wal-fetch %f %p --spool \(WALArchiveService.shellQuoted(directory)) --timeout \(Int(configuration.walFetchTimeout))"
        do {
            return try await body(RecoveryTarget(restoreCommand: command, time: recovery.point.date, timeline: recovery.plan.base.timeline))
        } catch {
            if let failure = spool.failure() {
                throw TidemarkError(
                    code: "wal-unavailable", message: "recovery stopped because archived WAL could not be fetched: \(failure)",
                    hint: "Check the storage ('tidemark storage test'); 'tidemark op retry' tries again.", category: .unavailable
                )
            }
            throw error
        }
    }
}
