package import Foundation
package import TidemarkCore

/// A requested change to a plan; nil fields keep the current value (or the default).
package struct PlanChange: Sendable {
    package var storage: String?
    package var schedule: String?
    package var policy: String?
    package var method: BackupMethod?
    /// Continuous WAL archiving on or off.
    package var pitr: Bool?
    /// The storage completed backups are copied to; `""` removes it.
    package var copyTo: String?

    package init(storage: String? = nil, schedule: String? = nil, policy: String? = nil, method: BackupMethod? = nil, pitr: Bool? = nil, copyTo: String? = nil) {
        self.storage = storage
        self.schedule = schedule
        self.policy = policy
        self.method = method
        self.pitr = pitr
        self.copyTo = copyTo
    }
}

extension PlanService {
    /// Creates or changes the plan of `database` (SPEC §2.1 `plan set`).
    ///
    /// A new plan gets `@daily` and the `default` policy unless told otherwise; its storage is
    /// the one given or, when only one is registered, that one. The next run is computed now.
    /// - Throws: `database-not-registered`, `database-deprovisioned`, `invalid-cron` (with the
    ///   field and position), `storage-not-found`, `storage-required`, `policy-not-found`,
    ///   `not-managed` for `--pitr` without `--method physical`, the replication client's
    ///   errors when an external server cannot be backed up physically (no REPLICATION role…).
    package func set(database name: String, _ change: PlanChange) async throws -> PlanRecord {
        let database = try await catalog.requireDatabase(named: name)
        if database.deprovisionedAt != nil {
            throw ControlError(.databaseDeprovisioned, "database \(name) is deprovisioned; it has no schedule any more")
        }
        let existing = try await catalog.plan(database: name)
        let storage = try await storages.resolve(change.storage ?? existing?.storage)
        let schedule = change.schedule ?? existing?.schedule ?? "@daily"
        let cron = try CronExpression(parsing: schedule)
        let policy = change.policy ?? existing?.policy ?? RetentionPolicy.defaultName
        _ = try await catalog.requirePolicy(named: policy)
        let method = change.method ?? existing?.method ?? .logical
        let pitr = change.pitr ?? existing?.pitr ?? false
        if method == .physical { try engines.requirePhysical(database.engine, database: name, pitr: pitr) }
        if pitr && method != .physical {
            throw ControlError(.notManaged, "WAL archiving needs physical base backups: add --method physical", hint: "tidemark plan set \(name) --method physical --pitr")
        }
        // An external server is asked up front whether it can be backed up physically and
        // streamed from, so a plan never promises what the role cannot do.
        if database.managed == nil, method == .physical, existing?.method != .physical || (pitr && database.walStreaming?.active != true) {
            try await walArchive.checkReplication(database)
        }
        var copyTo = change.copyTo.map { $0.isEmpty ? nil : $0 } ?? existing?.copyTo
        if let target = change.copyTo, !target.isEmpty {
            _ = try await storages.get(named: target)
        }
        if copyTo == storage.name {
            if change.copyTo == nil { copyTo = nil } else {
                throw ControlError(.copySameStorage, "the plan of \(name) backs up to \(storage.name); copies must go to another storage", hint: "Name another storage with --copy-to.")
            }
        }
        let time = now()
        let isPaused = existing?.isPaused ?? false
        var plan = PlanRecord(
            database: name,
            storage: storage.name,
            schedule: schedule,
            policy: policy,
            method: method,
            isPaused: isPaused,
            pitr: pitr,
            nextRunAt: isPaused ? nil : cron.nextRun(after: time),
            lastRunAt: existing?.lastRunAt,
            createdAt: existing?.createdAt ?? time,
            updatedAt: time
        )
        plan.copyTo = copyTo
        // Archiving first: a plan that says --pitr while the server does not archive would promise
        // a recovery window that is not there.
        if database.managed != nil {
            try await walArchive.applyArchiving(database: name, pitr: pitr)
        } else {
            try await walArchive.applyStreaming(database: name, pitr: pitr)
        }
        try await catalog.savePlan(plan)
        if existing?.policy != policy { await refreshExpiriesLogging(database: name) }
        return plan
    }

    /// The plan to create with a new database, every setting checked before anything is saved;
    /// nil when none is wanted, or when no storage is registered and none named.
    func checked(_ plan: PlanChange?) async throws -> PlanChange? {
        guard let change = plan else { return nil }
        // A plan asked for by its method or archiving is wanted even without a storage yet.
        if change.storage == nil, change.method == nil, change.pitr == nil, try await catalog.storages().isEmpty { return nil }
        _ = try await storages.resolve(change.storage)
        if let schedule = change.schedule { _ = try CronExpression(parsing: schedule) }
        _ = try await catalog.requirePolicy(named: change.policy ?? RetentionPolicy.defaultName)
        return change
    }

    /// Every plan.
    package func list() async throws -> [PlanRecord] {
        try await catalog.plans()
    }

    /// Stops automatic backups of `database` until resumed.
    package func pause(database name: String) async throws -> PlanRecord {
        var plan = try await catalog.requirePlan(database: name)
        plan.isPaused = true
        plan.nextRunAt = nil
        plan.updatedAt = now()
        try await catalog.savePlan(plan)
        return plan
    }

    /// Starts automatic backups again from the next scheduled time (missed slots are not run).
    package func resume(database name: String) async throws -> PlanRecord {
        var plan = try await catalog.requirePlan(database: name)
        let time = now()
        plan.isPaused = false
        plan.nextRunAt = try CronExpression(parsing: plan.schedule).nextRun(after: time)
        plan.updatedAt = time
        try await catalog.savePlan(plan)
        return plan
    }

    /// The next `count` run times of `plan` after now (empty while paused).
    package func upcomingRuns(of plan: PlanRecord, count: Int) -> [Date] {
        guard !plan.isPaused, let cron = try? CronExpression(parsing: plan.schedule) else { return [] }
        var runs: [Date] = []
        var time = now()
        while runs.count < count, let next = cron.nextRun(after: time) {
            runs.append(next)
            time = next
        }
        return runs
    }
}
