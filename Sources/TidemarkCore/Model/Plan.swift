package import Foundation

/// How one database is backed up: schedule, storage, retention policy and method (SPEC §1).
package struct PlanRecord: Sendable, Equatable {
    package var database: String
    package var storage: String
    /// The cron expression as written (see `CronExpression`).
    package var schedule: String
    /// Name of the retention policy.
    package var policy: String
    package var method: BackupMethod
    /// Paused plans take no automatic backups.
    package var isPaused: Bool
    /// Continuous WAL archiving for point-in-time recovery (SPEC §4.8); physical plans only.
    package var pitr: Bool
    /// The storage every completed backup is copied to (SPEC §4.10); nil: no copies.
    package var copyTo: String?
    /// When the scheduler next starts a backup; nil while paused.
    package var nextRunAt: Date?
    /// When the scheduler last started a backup.
    package var lastRunAt: Date?
    package var createdAt: Date
    package var updatedAt: Date

    package init(
        database: String,
        storage: String,
        schedule: String,
        policy: String,
        method: BackupMethod = .logical,
        isPaused: Bool = false,
        pitr: Bool = false,
        nextRunAt: Date?,
        lastRunAt: Date? = nil,
        createdAt: Date,
        updatedAt: Date
    ) {
        self.database = database
        self.storage = storage
        self.schedule = schedule
        self.policy = policy
        self.method = method
        self.isPaused = isPaused
        self.pitr = pitr
        self.nextRunAt = nextRunAt
        self.lastRunAt = lastRunAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A plan whose time has come, with its next run already computed (one scheduler tick).
package struct ScheduledRun: Sendable, Equatable {
    package var database: String
    /// When this run was due.
    package var dueAt: Date
    package var nextRunAt: Date?
    /// The pending backup operation to insert; nil when a backup of the database is already
    /// queued or running (the slot is skipped, the plan still advances).
    package var operation: OperationRecord?

    package init(database: String, dueAt: Date, nextRunAt: Date?, operation: OperationRecord?) {
        self.database = database
        self.dueAt = dueAt
        self.nextRunAt = nextRunAt
        self.operation = operation
    }
}

/// The result of renewing an operation's lease.
package enum LeaseRenewal: Sendable, Equatable {
    /// Still ours; `isCancelRequested` is true after `op cancel`.
    case renewed(isCancelRequested: Bool)
    /// Another worker took the operation over, or it is no longer running.
    case lost
}
