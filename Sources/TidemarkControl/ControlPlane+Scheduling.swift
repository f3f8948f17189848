package import Foundation
import Logging
import TidemarkCore

/// What one scheduler tick did.
package struct SchedulerTick: Sendable, Equatable {
    /// Plans that were due.
    package var due: Int
    /// Backups queued.
    package var queued: Int
    /// Due plans whose database already had a backup queued or running (slot skipped).
    package var skipped: Int
    /// Operations whose worker died, reconciled this tick.
    package var reconciled: Int

    package init(due: Int, queued: Int, skipped: Int, reconciled: Int) {
        self.due = due
        self.queued = queued
        self.skipped = skipped
        self.reconciled = reconciled
    }
}

extension ControlPlane {
    /// One pass of the scheduler at `time`: reconcile dead workers' operations, then queue an
    /// automatic backup for every active plan that is due and move each plan to its next run.
    ///
    /// A plan whose run was missed while nothing was running (server down) is due once, and
    /// its next run is computed from `time`, so it runs once, not once per missed slot.
    /// - Parameter limit: at most this many plans per tick; the rest are due next tick. It keeps
    ///   every tick short (1,000 plans take about 50 ms, 10,000 about 500 ms: bench/RESULTS.md)
    ///   when a whole fleet is due at once, e.g. every `@daily` plan at midnight.
    package func schedulerTick(at time: Date, limit: Int = 1_000) async throws -> SchedulerTick {
        let reconciled = try await runner.reconcileExpiredLeases()
        let due = try await catalog.duePlans(now: time, limit: limit)
        guard !due.isEmpty else {
            metrics.schedulerLag(seconds: 0)
            return SchedulerTick(due: 0, queued: 0, skipped: 0, reconciled: reconciled.count)
        }
        metrics.schedulerLag(seconds: due.compactMap(\.nextRunAt).map { time.timeIntervalSince($0) }.max() ?? 0)
        let active = try await catalog.databasesWithActiveBackups()
        var runs: [ScheduledRun] = []
        var skipped = 0
        for plan in due {
            let next: Date?
            do {
                next = try CronExpression(parsing: plan.schedule).nextRun(after: time)
            } catch {
                // Schedules are checked when saved; one that no longer parses (a zone removed
                // from the system's database) stops instead of firing every tick.
                logger.error("plan of \(plan.database): schedule '\(plan.schedule)' no longer parses: \(ErrorInfo(error).message); plan stopped")
                next = nil
            }
            var operation: OperationRecord?
            if active.contains(plan.database) {
                skipped += 1
                logger.warning("scheduled backup of \(plan.database) skipped: a backup of it is still queued or running")
            } else {
                let request = BackupRequest(database: plan.database, storage: plan.storage, trigger: .automatic, backupID: Identifier.make())
                operation = try runner.queuedRecord(
                    BackupJob.self, Preflighted(request, summary: request.summary, database: plan.database, backupID: request.backupID), createdAt: time
                )
            }
            runs.append(ScheduledRun(database: plan.database, dueAt: plan.nextRunAt ?? time, nextRunAt: next, operation: operation))
        }
        try await catalog.recordScheduledRuns(runs)
        return SchedulerTick(due: due.count, queued: runs.count - skipped, skipped: skipped, reconciled: reconciled.count)
    }
}
