package import Foundation
package import TidemarkCore

/// Operations (SPEC §4.13): list, follow, retry, cancel, run queued work, and catalog
/// maintenance (`maintenance prune`). It sees the catalog, the clock, this process's lease
/// settings (to claim work), a sleep (to poll while following) and the ``OperationRunner``
/// that runs, retries and cancels through the jobs.
package struct OperationService: Sendable {
    let catalog: any Catalog
    let now: @Sendable () -> Date
    let configuration: ControlPlane.Configuration
    let sleep: @Sendable (TimeInterval) async throws -> Void
    let runner: OperationRunner
}

extension OperationService {
    /// The operation `id`. - Throws: `operation-not-found`.
    package func get(id: String) async throws -> OperationRecord { try await catalog.requireOperation(id: id) }

    /// One page of operations, newest first, optionally only those with `status`.
    package func page(status: OperationStatus?, limit: Int, after: ListCursor?) async throws -> ListPage<OperationRecord> {
        try await Paging.page(limit: limit, cursor: { ListCursor(time: $0.createdAt, id: $0.id) }) {
            try await catalog.operations(status: status, limit: $0, after: after)
        }
    }

    /// Prunes the catalog's history now (``PruneJob``).
    package func prune(olderThanDays days: Int = PruneRequest.defaultDays, observer: OperationObserver? = nil) async throws -> (HistoryPruneCounts, OperationRecord) {
        try await runner.run(PruneJob(), PruneRequest(olderThanDays: days), observer: observer)
    }

    /// Queues a prune of the catalog's history for `serve`.
    package func enqueuePrune(olderThanDays days: Int = PruneRequest.defaultDays) async throws -> OperationRecord {
        try await runner.enqueue(PruneJob(), PruneRequest(olderThanDays: days))
    }

    /// Operations, newest first.
    package func list(status: OperationStatus?) async throws -> [OperationRecord] {
        try await catalog.operations(status: status)
    }

    /// The log lines of operation `id`, those after `afterSequence` only.
    /// - Throws: `operation-not-found`.
    package func logs(id: String, afterSequence: Int = 0) async throws -> [OperationLogLine] {
        _ = try await catalog.requireOperation(id: id)
        return try await catalog.logs(operationID: id, afterSequence: afterSequence)
    }

    /// Queues a failed or cancelled operation again for one more attempt
    /// (``OperationRunner/retry(id:)``).
    package func retry(id: String) async throws -> OperationRecord {
        try await runner.retry(id: id)
    }

    /// Cancels a queued operation at once, or asks the worker running it to stop at its next
    /// heartbeat (``OperationRunner/cancel(id:)``).
    package func cancel(id: String) async throws -> OperationRecord {
        try await runner.cancel(id: id)
    }

    /// Claims the queued operation `id` and runs it in this process (`op retry` without `--async`).
    /// - Throws: `backup-in-progress` when it cannot be claimed now, then the operation's error.
    package func runQueued(id: String, observer: OperationObserver? = nil) async throws -> OperationRecord {
        guard let claimed = try await claimOperation(id: id) else {
            throw ControlError(.backupInProgress, "operation \(id) cannot start now: another backup of its database is running", hint: "Wait for it, or leave the operation to 'tidemark serve'.")
        }
        return try await runClaimed(claimed, observer: observer, rethrow: true)
    }

    /// Claims the oldest runnable queued operation for this process, if any.
    package func claimNext() async throws -> OperationRecord? {
        try await claimOperation(id: nil)
    }

    /// Claims the queued operation `id` (or the oldest runnable one) under this process's lease.
    private func claimOperation(id: String?) async throws -> OperationRecord? {
        let time = now()
        return try await catalog.claimOperation(id: id, owner: configuration.workerID, now: time, leaseUntil: time.addingTimeInterval(configuration.leaseDuration))
    }

    /// Runs an operation this process claimed; its outcome is in the returned record.
    @discardableResult
    package func runClaimed(_ claimed: OperationRecord, observer: OperationObserver? = nil, rethrow: Bool = false) async throws -> OperationRecord {
        try await runner.runClaimed(claimed, observer: observer, rethrow: rethrow)
    }

    /// Reconciles operations whose worker died (``OperationRunner/reconcileExpiredLeases()``).
    @discardableResult
    package func reconcile() async throws -> [OperationRecord] {
        try await runner.reconcileExpiredLeases()
    }

    /// Follows operation `id`: its log lines after `afterSequence`, then new lines and record
    /// changes as they are written, until it ends (or the caller stops iterating).
    ///
    /// The catalog is polled every `interval` seconds: it is the one place CLI runs, `serve`
    /// workers and other processes all write to, so following works whoever runs the operation.
    /// - Throws: `operation-not-found` before the first event.
    package func follow(id: String, afterSequence: Int = 0, interval: TimeInterval = 0.5) async throws -> AsyncThrowingStream<OperationEvent, any Error> {
        let first = try await catalog.requireOperation(id: id)
        let catalog = self.catalog
        let sleep = self.sleep
        return AsyncThrowingStream { continuation in
            // Unstructured on purpose: the stream's consumer (an HTTP response body, the CLI)
            // drives it; `onTermination` cancels the task when the consumer goes away.
            let task = Task {
                do {
                    var sequence = afterSequence
                    var last: OperationRecord? = nil
                    var record = first
                    while true {
                        for line in try await catalog.logs(operationID: id, afterSequence: sequence) {
                            sequence = line.sequence
                            continuation.yield(.log(line))
                        }
                        if record != last && !record.isFinished { continuation.yield(.update(record)) }
                        last = record
                        if record.isFinished {
                            // Lines written between the last read and the finish.
                            for line in try await catalog.logs(operationID: id, afterSequence: sequence) { continuation.yield(.log(line)) }
                            continuation.yield(.finished(record))
                            continuation.finish()
                            return
                        }
                        try await sleep(interval)
                        guard let next = try await catalog.operation(id: id) else {
                            throw ControlError(.operationNotFound, "operation \(id) no longer exists")
                        }
                        record = next
                    }
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}

extension ControlPlane {
    /// Operations: list, follow, retry, cancel, queued work, maintenance.
    package var operations: OperationService {
        OperationService(catalog: catalog, now: now, configuration: configuration, sleep: sleep, runner: runner)
    }
}
