package import CoreMetrics
package import Foundation
package import TidemarkCore

/// The control plane's Prometheus-style metrics (SPEC §4.9), recorded through swift-metrics.
///
/// The factory is injected (the composition root passes a Prometheus factory whose registry
/// `/metrics` serves), so tests and `tidemark-bench` never touch the process-global
/// `MetricsSystem`. Labels are bounded sets only (status, kind, error code): never a database
/// name, which is unbounded and may be sensitive; per-database values (last success) are
/// read from the catalog when `/metrics` is scraped.
package struct ControlMetrics: Sendable {
    package let factory: any MetricsFactory

    package init(factory: any MetricsFactory = NOOPMetricsHandler.instance) {
        self.factory = factory
    }

    /// Metric names, shared with the docs and the tests.
    package enum Name {
        package static let backupsFinished = "tidemark_backups_finished_total"
        package static let backupDuration = "tidemark_backup_duration_seconds"
        package static let backupBytesRead = "tidemark_backup_read_bytes_total"
        package static let backupBytesStored = "tidemark_backup_stored_bytes_total"
        package static let restoresFinished = "tidemark_restores_finished_total"
        package static let restoreDuration = "tidemark_restore_duration_seconds"
        package static let operationsFinished = "tidemark_operations_finished_total"
        package static let operationRetries = "tidemark_operation_retries_total"
        package static let storageErrors = "tidemark_storage_errors_total"
        package static let schedulerLag = "tidemark_scheduler_lag_seconds"
        package static let webhookAttempts = "tidemark_webhook_attempts_total"
        package static let instanceRestarts = "tidemark_instance_restarts_total"
        package static let instancesFailing = "tidemark_instances_failing"
        package static let walPushed = "tidemark_wal_pushed_total"
        package static let walPushedBytes = "tidemark_wal_pushed_bytes_total"
        package static let walPushFailures = "tidemark_wal_push_failures_total"
        package static let walWaiting = "tidemark_wal_archive_waiting_segments"
        package static let walLag = "tidemark_wal_archive_lag_seconds"
        package static let walLastArchived = "tidemark_wal_last_archived_timestamp_seconds"
        package static let walDirectoryBytes = "tidemark_pg_wal_bytes"
        package static let walSlotActive = "tidemark_wal_slot_active"
        package static let walSlotRetained = "tidemark_wal_slot_retained_bytes"
        package static let walReceiverRestarts = "tidemark_wal_receiver_restarts_total"
        package static let restoreTestsFinished = "tidemark_restore_tests_finished_total"
        package static let restoreTestDuration = "tidemark_restore_test_duration_seconds"
        package static let lastRestoreTestSuccess = "tidemark_last_restore_test_success_timestamp_seconds"
    }

    /// What a family measures, as Prometheus shows it.
    package enum Kind: Sendable {
        case counter, gauge
        /// A duration histogram (swift-metrics `Timer`), in seconds.
        case timer
    }

    /// A metric family this plane records, with its `# HELP` text and the label sets that
    /// exist from the start (zero), so `rate()` and `absent()` work on a fresh `serve`.
    package struct Family: Sendable {
        package var name: String
        package var kind: Kind
        package var help: String
        package var initialLabels: [[(String, String)]]
    }

    /// Every family ControlMetrics records (docs/OPERATIONS.md "Metrics").
    package static let families: [Family] = {
        let finished = [["completed"], ["failed"]].map { [("status", $0[0])] }
        let kinds = OperationKind.allCases.map { [("kind", $0.rawValue)] }
        let operationOutcomes = OperationKind.allCases.flatMap { kind in
            [OperationStatus.completed, .failed, .cancelled].map { [("kind", kind.rawValue), ("status", $0.rawValue)] }
        }
        return [
            Family(name: Name.backupsFinished, kind: .counter, help: "Backups that ended, by status", initialLabels: finished),
            Family(name: Name.backupDuration, kind: .timer, help: "Duration of backups that ended, in seconds, by status", initialLabels: finished),
            Family(name: Name.backupBytesRead, kind: .counter, help: "Bytes read from databases by backups", initialLabels: [[]]),
            Family(name: Name.backupBytesStored, kind: .counter, help: "New bytes stored by backups (after deduplication and compression)", initialLabels: [[]]),
            Family(name: Name.restoresFinished, kind: .counter, help: "Restores that ended, by status", initialLabels: finished),
            Family(name: Name.restoreDuration, kind: .timer, help: "Duration of restores that ended, in seconds, by status", initialLabels: finished),
            Family(name: Name.operationsFinished, kind: .counter, help: "Operations that reached a final status, by kind and status", initialLabels: operationOutcomes),
            Family(name: Name.operationRetries, kind: .counter, help: "Operation attempts that failed transiently and were queued again, by kind", initialLabels: kinds),
            Family(
                name: Name.storageErrors, kind: .counter, help: "Failed storage calls (each attempt, retried or not), by error code",
                initialLabels: ["storage-unavailable", "endpoint-unreachable", "transfer-corrupted", "access-denied", "invalid-credentials"].map { [("code", $0)] }
            ),
            Family(name: Name.schedulerLag, kind: .gauge, help: "How late the scheduler started the most overdue plan of its last tick, in seconds", initialLabels: [[]]),
            Family(
                name: Name.webhookAttempts, kind: .counter, help: "Webhook delivery attempts, by outcome",
                initialLabels: ["delivered", "retrying", "failed"].map { [("outcome", $0)] }
            ),
            Family(name: Name.instanceRestarts, kind: .counter, help: "Managed instances serve found down and started again", initialLabels: [[]]),
            Family(name: Name.walPushed, kind: .counter, help: "WAL files wal-push handed to serve and serve stored (or found already stored)", initialLabels: [[]]),
            Family(name: Name.walPushedBytes, kind: .counter, help: "Bytes of WAL files stored by wal-push, before compression", initialLabels: [[]]),
            Family(name: Name.walPushFailures, kind: .counter, help: "WAL pushes serve could not store (PostgreSQL retries them)", initialLabels: [[]]),
            Family(name: Name.walReceiverRestarts, kind: .counter, help: "Times serve started pg_receivewal again for an external server after it ended", initialLabels: [[]]),
            Family(
                name: Name.restoreTestsFinished, kind: .counter, help: "Restore tests that ended, by outcome",
                initialLabels: ["passed", "failed"].map { [("outcome", $0)] }
            ),
            Family(
                name: Name.restoreTestDuration, kind: .timer, help: "Measured restore time (RTO) of restore tests that ended, in seconds, by outcome",
                initialLabels: ["passed", "failed"].map { [("outcome", $0)] }
            ),
            Family(name: Name.instancesFailing, kind: .gauge, help: "Managed instances that keep dying (restarted 3 times in 10 minutes, or 3 failed starts in a row)", initialLabels: [[]]),
        ]
    }()

    /// Families with one series per managed database, which appear once a database has one
    /// (like the catalog's last-success gauge); their help texts, not required at start.
    package static let perDatabaseFamilies: [Family] = [
        Family(name: Name.walWaiting, kind: .gauge, help: "WAL segments of a managed instance waiting for archiving, by database", initialLabels: []),
        Family(name: Name.walLag, kind: .gauge, help: "How long the oldest WAL segment waiting for archiving has waited, in seconds, by database", initialLabels: []),
        Family(name: Name.walLastArchived, kind: .gauge, help: "When a managed instance last archived a WAL file (Unix time), by database", initialLabels: []),
        Family(name: Name.walDirectoryBytes, kind: .gauge, help: "Size of a managed instance's pg_wal directory in bytes, by database", initialLabels: []),
        Family(name: Name.walSlotActive, kind: .gauge, help: "Whether the replication slot an external server's WAL is streamed from has a receiver (1) or not (0), by database", initialLabels: []),
        Family(name: Name.lastRestoreTestSuccess, kind: .gauge, help: "When a restore test of a database's backup last passed (Unix time), by database", initialLabels: []),
        Family(name: Name.walSlotRetained, kind: .gauge, help: "Bytes of WAL an external server keeps for Tidemark's replication slot, by database", initialLabels: []),
    ]

    /// Creates every family's initial series (at zero), so each is exposed, with its HELP and
    /// TYPE, before its first event.
    package func registerFamilies() {
        for family in Self.families {
            for labels in family.initialLabels {
                switch family.kind {
                case .counter: Counter(label: family.name, dimensions: labels, factory: factory).increment(by: 0)
                case .gauge: Gauge(label: family.name, dimensions: labels, factory: factory).record(0)
                case .timer: _ = Timer(label: family.name, dimensions: labels, factory: factory)
                }
            }
        }
    }

    /// A backup ended (completed or failed), with its duration and sizes.
    package func backupFinished(status: BackupStatus, duration: TimeInterval, bytesRead: Int64, bytesStored: Int64) {
        Counter(label: Name.backupsFinished, dimensions: [("status", status.rawValue)], factory: factory).increment()
        Timer(label: Name.backupDuration, dimensions: [("status", status.rawValue)], factory: factory).recordSeconds(max(0, duration))
        if bytesRead > 0 { Counter(label: Name.backupBytesRead, factory: factory).increment(by: bytesRead) }
        if bytesStored > 0 { Counter(label: Name.backupBytesStored, factory: factory).increment(by: bytesStored) }
    }

    /// A restore ended.
    package func restoreFinished(succeeded: Bool, duration: TimeInterval) {
        let status = succeeded ? "completed" : "failed"
        Counter(label: Name.restoresFinished, dimensions: [("status", status)], factory: factory).increment()
        Timer(label: Name.restoreDuration, dimensions: [("status", status)], factory: factory).recordSeconds(max(0, duration))
    }

    /// An operation reached a final status.
    package func operationFinished(kind: OperationKind, status: OperationStatus) {
        Counter(label: Name.operationsFinished, dimensions: [("kind", kind.rawValue), ("status", status.rawValue)], factory: factory).increment()
    }

    /// An operation failed transiently and was queued for another attempt.
    package func operationRetried(kind: OperationKind) {
        Counter(label: Name.operationRetries, dimensions: [("kind", kind.rawValue)], factory: factory).increment()
    }

    /// A storage call failed (every attempt counts, retried or not), by error code.
    package func storageError(_ error: any Error) {
        let code = (error as? any UserFacingError)?.code ?? "internal-error"
        Counter(label: Name.storageErrors, dimensions: [("code", code)], factory: factory).increment()
    }

    /// How late the scheduler started the most overdue plan of its last tick (0 when none was due).
    /// A managed instance was found down and started again.
    package func instanceRestarted() {
        Counter(label: Name.instanceRestarts, factory: factory).increment()
    }

    /// A WAL file was stored (or was already there).
    package func walPushed(bytes: Int) {
        Counter(label: Name.walPushed, factory: factory).increment()
        Counter(label: Name.walPushedBytes, factory: factory).increment(by: bytes)
    }

    /// A WAL push failed; PostgreSQL will retry it.
    package func walPushFailed() {
        Counter(label: Name.walPushFailures, factory: factory).increment()
    }

    /// A restore test ended: `seconds` from its start to its verdict.
    package func restoreTestFinished(database: String, passed: Bool, seconds: Double, at time: Date) {
        let labels = [("outcome", passed ? "passed" : "failed")]
        Counter(label: Name.restoreTestsFinished, dimensions: labels, factory: factory).increment()
        Timer(label: Name.restoreTestDuration, dimensions: labels, factory: factory).recordSeconds(max(0, seconds))
        if passed {
            Gauge(label: Name.lastRestoreTestSuccess, dimensions: [("database", database)], factory: factory).record(time.timeIntervalSince1970)
        }
    }

    /// What a managed instance's archiver reported.
    package func archiver(database: String, _ status: ArchiverStatus) {
        let labels = [("database", database)]
        Gauge(label: Name.walWaiting, dimensions: labels, factory: factory).record(status.waitingFiles)
        Gauge(label: Name.walLag, dimensions: labels, factory: factory).record(status.oldestWaitingSeconds)
        if let last = status.lastArchivedAt { Gauge(label: Name.walLastArchived, dimensions: labels, factory: factory).record(last.timeIntervalSince1970) }
        Gauge(label: Name.walDirectoryBytes, dimensions: labels, factory: factory).record(Double(status.walDirectoryBytes))
    }

    /// What an external server reported about the slot WAL is streamed from.
    package func replicationSlot(database: String, _ status: ReplicationSlotStatus?) {
        let labels = [("database", database)]
        Gauge(label: Name.walSlotActive, dimensions: labels, factory: factory).record(status?.active == true ? 1 : 0)
        Gauge(label: Name.walSlotRetained, dimensions: labels, factory: factory).record(Double(status?.retainedBytes ?? 0))
    }

    /// `pg_receivewal` was started again after it ended.
    package func walReceiverRestarted() {
        Counter(label: Name.walReceiverRestarts, factory: factory).increment()
    }

    /// How many managed instances keep dying right now.
    package func instancesFailing(_ count: Int) {
        Gauge(label: Name.instancesFailing, factory: factory).record(count)
    }

    package func schedulerLag(seconds: TimeInterval) {
        Gauge(label: Name.schedulerLag, factory: factory).record(max(0, seconds))
    }

    /// A webhook delivery attempt ended: `delivered`, `retrying` or `failed` (no attempts left).
    package func webhookAttempt(outcome: WebhookDeliveryStatus) {
        let label = outcome == .pending ? "retrying" : outcome.rawValue
        Counter(label: Name.webhookAttempts, dimensions: [("outcome", label)], factory: factory).increment()
    }
}
