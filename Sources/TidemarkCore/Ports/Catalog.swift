package import Foundation


/// Filters for listing backups.
package struct BackupFilter: Sendable, Equatable {
    package var database: String?
    package var status: BackupStatus?
    /// true: only backups of deprovisioned databases; false: only of active ones; nil: both.
    package var deprovisioned: Bool?

    package init(database: String? = nil, status: BackupStatus? = nil, deprovisioned: Bool? = nil) {
        self.database = database
        self.status = status
        self.deprovisioned = deprovisioned
    }
}

/// The control plane's durable state: storages, databases, backups, operations and their logs.
///
/// Contract (checked by `CatalogConformanceTests`):
/// - Inserting a storage or database whose name exists throws `CatalogError` `name-conflict`.
/// - Lookups of unknown names or ids return nil; deletes of unknown names throw `not-found`.
/// - Secrets (database passwords) are sealed before they reach the catalog's files and
///   unsealed on read; the file never holds them in plain text.
/// - Every write is durable when the call returns.
package protocol Catalog: Sendable {
    func insertStorage(_ storage: StorageRecord) async throws
    func storage(named name: String) async throws -> StorageRecord?
    func storages() async throws -> [StorageRecord]
    /// Replaces the settings, repository id and secret of an existing storage.
    func updateStorage(_ storage: StorageRecord) async throws
    func deleteStorage(named name: String) async throws

    func insertDatabase(_ database: DatabaseRecord) async throws
    func database(named name: String) async throws -> DatabaseRecord?
    func databases() async throws -> [DatabaseRecord]
    /// Replaces the engine, connection, password and managed-instance settings of an existing database.
    func updateDatabase(_ database: DatabaseRecord) async throws

    /// Records a new backup. An id that was purged is refused with `CatalogError`
    /// `backup-purged`, so nothing (a retried operation) brings a purged backup back.
    func insertBackup(_ backup: BackupRecord) async throws
    func updateBackup(_ backup: BackupRecord) async throws
    func backup(id: String) async throws -> BackupRecord?
    /// Records `result` as its backup's last restore test (other fields of the backup untouched).
    func recordRestoreTest(_ result: RestoreTestResult) async throws
    /// Backups matching `filter`, newest first (by start time, then id), at most `limit`
    /// (nil: all), starting after `after`. Listed backups have empty `databases` (table
    /// contents); `backup(id:)` returns them whole.
    func backups(matching filter: BackupFilter, limit: Int?, after: ListCursor?) async throws -> [BackupRecord]
    /// Purges the record of backup `id` at `time`, in one transaction: the record is deleted,
    /// the id remembered as purged, its queued operations cancelled and its finished ones made
    /// not retryable.
    func deleteBackup(id: String, at time: Date) async throws
    /// Whether backup `id` was purged.
    func wasPurged(backupID: String) async throws -> Bool
    /// Stores retention's verdict per backup id (nil: kept forever), in one transaction, so
    /// lists read `expiresAt` instead of evaluating retention per request.
    func recordExpiries(_ expiries: [String: Date?]) async throws
    /// Number of backups stored in `storage` (any status).
    func backupCount(inStorage storage: String) async throws -> Int

    /// Records an operation. At most one backup operation per database may be pending or
    /// running: a second is refused with `CatalogError` `in-use` in the same statement.
    func insertOperation(_ operation: OperationRecord) async throws
    /// Replaces an operation record (the one-active-backup rule as for inserts).
    func updateOperation(_ operation: OperationRecord) async throws
    func operation(id: String) async throws -> OperationRecord?
    /// Operations, newest first (by creation time, then id), optionally only those with
    /// `status`, at most `limit` (nil: all), starting after `after`.
    func operations(status: OperationStatus?, limit: Int?, after: ListCursor?) async throws -> [OperationRecord]
    /// Marks a database deprovisioned at `time`.
    func markDeprovisioned(database name: String, at time: Date) async throws

    /// Atomically takes the oldest runnable pending operation (`notBefore` passed; for a
    /// backup, no other backup of its database running), or the pending operation `id` when
    /// given: status `running`, attempt + 1, leased to `owner` until `leaseUntil`.
    func claimOperation(id: String?, owner: String, now: Date, leaseUntil: Date) async throws -> OperationRecord?
    /// Extends the lease of a running operation held by `owner`.
    func renewLease(operationID: String, owner: String, until: Date) async throws -> LeaseRenewal
    /// Running operations whose lease ended before `now` (their worker died).
    func operationsWithExpiredLease(now: Date) async throws -> [OperationRecord]
    /// Takes an expired lease away from `previousOwner` so exactly one process reconciles it.
    /// - Returns: false when the operation moved on (renewed, finished, or taken by another).
    func takeExpiredLease(operationID: String, previousOwner: String?, now: Date) async throws -> Bool
    /// Takes the lease of a running operation from `previousOwner`, expired or not: the owner is
    /// a process of this host that no longer exists (kill -9), so nobody will renew it.
    /// - Returns: false when the operation moved on or another process took it.
    func takeLeaseOfGoneOwner(operationID: String, previousOwner: String) async throws -> Bool
    /// Asks the worker running `operationID` to stop.
    func requestCancel(operationID: String) async throws
    /// Deletes the history older than `cutoff`: finished operations that finished before it,
    /// with their log lines — except an operation that created a backup still recorded (its
    /// log says how the backup was made) —, and webhook deliveries that ended before it.
    /// Backups are never touched. Works in short transactions, so other writers go on.
    func pruneHistory(before cutoff: Date) async throws -> HistoryPruneCounts
    /// The oldest pending or running operation of `kind` for `database`, if any.
    func activeOperation(kind: OperationKind, database: String) async throws -> OperationRecord?

    /// Creates or replaces the plan of `plan.database`.
    func savePlan(_ plan: PlanRecord) async throws
    func plan(database: String) async throws -> PlanRecord?
    func plans() async throws -> [PlanRecord]
    /// Active plans (not paused, database not deprovisioned) due at or before `now`, oldest first.
    func duePlans(now: Date, limit: Int) async throws -> [PlanRecord]
    /// In one transaction: inserts each run's operation and moves its plan to `nextRunAt`.
    func recordScheduledRuns(_ runs: [ScheduledRun]) async throws
    /// Names of databases with a pending or running backup operation.
    func databasesWithActiveBackups() async throws -> Set<String>

    /// Creates or replaces a retention policy.
    func savePolicy(_ policy: RetentionPolicy) async throws
    func policy(named name: String) async throws -> RetentionPolicy?
    func policies() async throws -> [RetentionPolicy]

    func appendLog(operationID: String, line: OperationLogLine) async throws
    /// Log lines with a sequence greater than `afterSequence` (0: all), oldest first.
    func logs(operationID: String, afterSequence: Int) async throws -> [OperationLogLine]

    /// Stores a new API token's hash. A taken name throws `CatalogError` `name-conflict`.
    func insertToken(_ token: TokenRecord) async throws
    /// The token whose hash is `hash`, if any.
    func token(hash: String) async throws -> TokenRecord?
    func tokens() async throws -> [TokenRecord]
    /// Deletes a token; unknown names throw `not-found`.
    func deleteToken(named name: String) async throws
    /// Records that a token was used at `time`.
    func touchToken(hash: String, at time: Date) async throws
    /// Registers a webhook (its secret sealed). A taken name throws `CatalogError` `name-conflict`.
    func insertWebhook(_ webhook: WebhookRecord) async throws
    func webhook(named name: String) async throws -> WebhookRecord?
    func webhooks() async throws -> [WebhookRecord]
    /// Deletes a webhook and its deliveries; unknown names throw `not-found`.
    func deleteWebhook(named name: String) async throws
    /// Queues deliveries (one transaction).
    func insertDeliveries(_ deliveries: [WebhookDelivery]) async throws
    /// Atomically takes up to `limit` pending deliveries due at `now`, oldest first, moving
    /// their next attempt to `leaseUntil` so no other process sends them meanwhile.
    func claimDueDeliveries(now: Date, leaseUntil: Date, limit: Int) async throws -> [WebhookDelivery]
    func updateDelivery(_ delivery: WebhookDelivery) async throws
    /// Deliveries, newest first, optionally of one webhook, at most `limit`.
    func deliveries(webhook: String?, limit: Int) async throws -> [WebhookDelivery]
    /// When the notice `key` (e.g. `backup.overdue:shop`) was last sent, if ever.
    func noticeSentAt(key: String) async throws -> Date?
    /// Records that the notice `key` was sent at `time`.
    func recordNotice(key: String, at time: Date) async throws

    /// Per database: its newest backup of any status, its newest completed backup, and how many
    /// of its backups failed — in a few statements, not one query per database (dashboard).
    func backupOverview() async throws -> [String: BackupOverview]
    /// Per database, the finish time of its newest completed backup (for metrics).
    func lastSuccessfulBackups() async throws -> [String: Date]
    /// Number of backups per status (for metrics).
    func backupCountsByStatus() async throws -> [BackupStatus: Int]
}

extension Catalog {
    /// Every backup matching `filter`, newest first.
    package func backups(matching filter: BackupFilter) async throws -> [BackupRecord] {
        try await backups(matching: filter, limit: nil, after: nil)
    }

    /// Every operation, newest first, optionally only those with `status`.
    package func operations(status: OperationStatus?) async throws -> [OperationRecord] {
        try await operations(status: status, limit: nil, after: nil)
    }

    /// The whole log of an operation.
    package func logs(operationID: String) async throws -> [OperationLogLine] {
        try await logs(operationID: operationID, afterSequence: 0)
    }
}
