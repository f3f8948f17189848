import Foundation
import TidemarkCore

extension ControlPlane {
    /// Operations, newest first.
    func operations(status: OperationStatus?) async throws -> [OperationRecord] {
        try await catalog.operations(status: status)
    }

    /// The log lines of operation `id`, those after `afterSequence` only.
    /// - Throws: `operation-not-found`.
    func operationLogs(id: String, afterSequence: Int = 0) async throws -> [OperationLogLine] {
        _ = try await catalog.requireOperation(id: id)
        return try await catalog.logs(operationID: id, afterSequence: afterSequence)
    }

    /// Queues a failed or cancelled operation again for one more attempt
    /// (``OperationRunner/retry(id:)``).
    func retryOperation(id: String) async throws -> OperationRecord {
        try await runner.retry(id: id)
    }

    /// Cancels a queued operation at once, or asks the worker running it to stop at its next
    /// heartbeat (``OperationRunner/cancel(id:)``).
    func cancelOperation(id: String) async throws -> OperationRecord {
        try await runner.cancel(id: id)
    }

    /// Claims the queued operation `id` and runs it in this process (`op retry` without `--async`).
    /// - Throws: `backup-in-progress` when it cannot be claimed now, then the operation's error.
    func runQueuedOperation(id: String, observer: OperationObserver? = nil) async throws -> OperationRecord {
        guard let claimed = try await claimOperation(id: id) else {
            throw ControlError(.backupInProgress, "operation \(id) cannot start now: another backup of its database is running", hint: "Wait for it, or leave the operation to 'tidemark serve'.")
        }
        return try await runClaimed(claimed, observer: observer, rethrow: true)
    }

    /// Claims the oldest runnable queued operation for this process, if any.
    func claimNextOperation() async throws -> OperationRecord? {
        try await claimOperation(id: nil)
    }

    /// Claims the queued operation `id` (or the oldest runnable one) under this process's lease.
    private func claimOperation(id: String?) async throws -> OperationRecord? {
        let time = now()
        return try await catalog.claimOperation(id: id, owner: configuration.workerID, now: time, leaseUntil: time.addingTimeInterval(configuration.leaseDuration))
    }

    /// Runs an operation this process claimed; its outcome is in the returned record.
    @discardableResult
    func runClaimed(_ claimed: OperationRecord, observer: OperationObserver? = nil, rethrow: Bool = false) async throws -> OperationRecord {
        try await runner.runClaimed(claimed, observer: observer, rethrow: rethrow)
    }

    /// Reconciles operations whose worker died (``OperationRunner/reconcileExpiredLeases()``).
    @discardableResult
    func reconcileExpiredLeases() async throws -> [OperationRecord] {
        try await runner.reconcileExpiredLeases()
    }
}
