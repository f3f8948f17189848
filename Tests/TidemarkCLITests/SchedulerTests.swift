import Foundation
import Logging
import Testing
import TidemarkCatalog
@testable import TidemarkControl
import TidemarkCore
import TidemarkEnvironment
import TidemarkEngines
import TidemarkStorage
import TidemarkTesting

/// The scheduler, plans and operation leases on the real SQLite catalog with a manual clock.
/// Nothing here runs a backup: these tests check what gets queued, claimed and reconciled.
@Suite struct SchedulerTests {
    /// A control plane on a fresh catalog with storage `local1` and databases `a` and `b`
    /// (registered straight in the catalog: no server is contacted by the scheduler).
    private func withControl(_ body: (ControlPlane, ManualTime) async throws -> Void) async throws {
        try await withTemporaryDirectory { directory in
            let time = ManualTime(utc("2026-11-21T10:00:30Z"))
            let control = try Environment.embedded(
                directory: directory,
                now: { time.now },
                passphrase: { Secret("pass") },
                configuration: ControlPlane.Configuration(workerID: "test-worker", leaseDuration: 30, backgroundAttempts: 2, retryDelay: 60),
                logger: Logger(label: "test")
            )
            let catalog = control.catalog
            try await catalog.insertStorage(StorageRecord(name: "local1", settings: .local(path: "\(directory)/repo"), repositoryID: "r", createdAt: time.now))
            for name in ["a", "b"] {
                let connection = DatabaseConnection(host: "127.0.0.1", port: 1, user: "u", database: name)
                try await catalog.insertDatabase(DatabaseRecord(name: name, engine: .postgres, connection: connection, password: nil, createdAt: time.now))
            }
            try await body(control, time)
        }
    }

    @Test("queues one automatic backup per due plan and moves the plan to its next run")
    func queuesDuePlans() async throws {
        try await withControl { control, time in
            let plan = try await control.plans.set(database: "a", PlanChange(schedule: "0 0 * * * *"))
            #expect(plan.nextRunAt == utc("2026-11-21T11:00:00Z"))
            #expect(plan.policy == "default" && plan.storage == "local1")

            time.set(utc("2026-11-21T10:59:59Z"))
            #expect(try await control.schedulerTick(at: time.now) == SchedulerTick(due: 0, queued: 0, skipped: 0, reconciled: 0))
            time.set(utc("2026-11-21T11:00:00Z"))
            #expect(try await control.schedulerTick(at: time.now) == SchedulerTick(due: 1, queued: 1, skipped: 0, reconciled: 0))

            let queued = try await control.operations.list(status: .pending)
            #expect(queued.count == 1)
            #expect(queued.first?.kind == .backup)
            #expect(try queued.first.map { try BackupRequest(from: $0) }?.trigger == .automatic)
            #expect(queued.first?.maxAttempts == 2)
            let moved = try await control.plans.get(database: "a")
            #expect(moved.nextRunAt == utc("2026-11-21T12:00:00Z"))
            #expect(moved.lastRunAt == utc("2026-11-21T11:00:00Z"))
        }
    }

    @Test("a run missed while the server was down runs once at start-up, not once per missed slot")
    func missedRunsOnce() async throws {
        try await withControl { control, time in
            _ = try await control.plans.set(database: "a", PlanChange(schedule: "0 * * * * *"))
            time.advance(by: 2 * 3_600)
            #expect(try await control.schedulerTick(at: time.now).queued == 1)
            #expect(try await control.plans.get(database: "a").nextRunAt == utc("2026-11-21T12:01:00Z"))
            #expect(try await control.schedulerTick(at: time.now).queued == 0)
        }
    }

    @Test("paused plans take no automatic backups; resuming starts from the next slot")
    func pauseAndResume() async throws {
        try await withControl { control, time in
            _ = try await control.plans.set(database: "a", PlanChange(schedule: "0 0 * * * *"))
            let paused = try await control.plans.pause(database: "a")
            #expect(paused.isPaused && paused.nextRunAt == nil)
            time.advance(by: 5 * 3_600)
            #expect(try await control.schedulerTick(at: time.now).due == 0)
            #expect(control.plans.upcomingRuns(of: paused, count: 3).isEmpty)
            let resumed = try await control.plans.resume(database: "a")
            #expect(resumed.nextRunAt == utc("2026-11-21T16:00:00Z"))
            #expect(control.plans.upcomingRuns(of: resumed, count: 3) == [utc("2026-11-21T16:00:00Z"), utc("2026-11-21T17:00:00Z"), utc("2026-11-21T18:00:00Z")])
        }
    }

    @Test("a due plan whose database still has a backup queued skips the slot; deprovisioned databases are not scheduled")
    func skipsBusyAndDeprovisioned() async throws {
        try await withControl { control, time in
            _ = try await control.plans.set(database: "a", PlanChange(schedule: "0 * * * * *"))
            _ = try await control.plans.set(database: "b", PlanChange(schedule: "0 * * * * *"))
            time.advance(by: 60)
            #expect(try await control.schedulerTick(at: time.now) == SchedulerTick(due: 2, queued: 2, skipped: 0, reconciled: 0))
            time.advance(by: 60)
            #expect(try await control.schedulerTick(at: time.now) == SchedulerTick(due: 2, queued: 0, skipped: 2, reconciled: 0))
            try await control.catalog.markDeprovisioned(database: "b", at: time.now)
            time.advance(by: 60)
            #expect(try await control.schedulerTick(at: time.now).due == 1)
        }
    }

    @Test("workers claim one backup per database at a time, oldest first")
    func claimsOneBackupPerDatabase() async throws {
        try await withControl { control, time in
            let first = try await control.backups.enqueue(database: "a")
            time.advance(by: 1)
            // A second queued backup of the same database is refused at request time…
            await #expect(throws: ControlError.self) { _ = try await control.backups.enqueue(database: "a") }
            let other = try await control.backups.enqueue(database: "b")
            let claimed = try #require(try await control.operations.claimNext())
            #expect(claimed.id == first.id)
            #expect(claimed.status == .running && claimed.attempt == 1 && claimed.leaseOwner == "test-worker")
            #expect(claimed.leaseExpiresAt == time.now.addingTimeInterval(30))
            // …and by the catalog itself, for a copy inserted behind the control plane's back.
            await #expect(throws: (any Error).self) {
                try await control.catalog.insertOperation(OperationRecord(id: "same-db", kind: .backup, database: "a", summary: "x", createdAt: time.now))
            }
            #expect(try await control.operations.claimNext()?.id == other.id)
            #expect(try await control.operations.claimNext() == nil)
        }
    }

    @Test("an operation whose worker died is queued again while attempts remain, then failed with its step")
    func reconcilesDeadWorkers() async throws {
        try await withControl { control, time in
            let queued = try await control.backups.enqueue(database: "a")
            let backupID = try #require(queued.backupID)
            try await control.catalog.insertBackup(BackupRecord(id: backupID, database: "a", storage: "local1", status: .running, trigger: .manual, method: .logical, engine: .postgres, startedAt: time.now))
            var claimed = try #require(try await control.operations.claimNext())
            claimed.step = "dumping"
            try await control.catalog.updateOperation(claimed)

            // The lease still runs: nothing to reconcile.
            time.advance(by: 29)
            #expect(try await control.operations.reconcile().isEmpty)
            time.advance(by: 2)
            let first = try await control.operations.reconcile()
            #expect(first.map(\.status) == [.pending])
            #expect(first.first?.lastError?.code == "worker-lost")
            #expect(try await control.backups.get(id: backupID).status == .pending)

            // Attempt 2 of 2 dies too: now it fails, naming the step, and the backup is failed.
            claimed = try #require(try await control.operations.claimNext())
            #expect(claimed.attempt == 2)
            claimed.step = "writing manifest"
            try await control.catalog.updateOperation(claimed)
            time.advance(by: 31)
            #expect(try await control.schedulerTick(at: time.now).reconciled == 1)
            let failed = try await control.operations.get(id: queued.id)
            #expect(failed.status == .failed)
            #expect(failed.step == "writing manifest")
            #expect(failed.isRetryable)
            #expect(failed.leaseOwner == nil && failed.leaseExpiresAt == nil)
            #expect(failed.lastError?.message.contains("stopped in step writing manifest") == true)
            #expect(try await control.backups.get(id: backupID).status == .failed)
            let logs = try await control.operations.logs(id: queued.id).map(\.message)
            #expect(logs.contains { $0.contains("stopped in step dumping") && $0.contains("queued again") })

            // op retry queues it for one more attempt; op cancel of a queued one ends it.
            let retried = try await control.operations.retry(id: queued.id)
            #expect(retried.status == .pending && retried.maxAttempts == 3)
            let cancelled = try await control.operations.cancel(id: queued.id)
            #expect(cancelled.status == .cancelled)
            await #expect(throws: ControlError.self) { _ = try await control.operations.cancel(id: queued.id) }
        }
    }

    @Test("bad cron, unknown plan, unknown policy and unknown storage are clear errors that change nothing")
    func errors() async throws {
        try await withControl { control, _ in
            let cron = await #expect(throws: CronError.self) { _ = try await control.plans.set(database: "a", PlanChange(schedule: "61 0 * * * *")) }
            #expect(cron?.message == "cron field 1 (seconds): 61 is out of range 0-59")
            let policy = await #expect(throws: ControlError.self) { _ = try await control.plans.set(database: "a", PlanChange(policy: "nope")) }
            #expect(policy?.kind == .policyNotFound)
            let storage = await #expect(throws: ControlError.self) { _ = try await control.plans.set(database: "a", PlanChange(storage: "nope")) }
            #expect(storage?.kind == .storageNotFound)
            let plan = await #expect(throws: ControlError.self) { _ = try await control.plans.get(database: "a") }
            #expect(plan?.kind == .planNotFound)
            let database = await #expect(throws: ControlError.self) { _ = try await control.plans.set(database: "zz", PlanChange()) }
            #expect(database?.kind == .databaseNotFound)
            let plans = try await control.plans.list()
            #expect(plans.isEmpty)
        }
    }
}
