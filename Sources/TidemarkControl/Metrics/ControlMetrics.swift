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
    package func schedulerLag(seconds: TimeInterval) {
        Gauge(label: Name.schedulerLag, factory: factory).record(max(0, seconds))
    }

    /// A webhook delivery attempt ended: `delivered`, `retrying` or `failed` (no attempts left).
    package func webhookAttempt(outcome: WebhookDeliveryStatus) {
        let label = outcome == .pending ? "retrying" : outcome.rawValue
        Counter(label: Name.webhookAttempts, dimensions: [("outcome", label)], factory: factory).increment()
    }
}
