package import Foundation
package import TidemarkCore

/// Operations (SPEC §4.13): list, follow, retry, cancel, run queued work, and catalog
/// maintenance (`maintenance prune`). Its work lives in ``OperationRunner``, PruneJob and
/// `ControlPlane` extensions (+Operations, +Lists, +Follow), which this service holds privately.
package struct OperationService: Sendable {
    private let control: ControlPlane

    init(control: ControlPlane) { self.control = control }

    /// Operations, newest first.
    package func list(status: OperationStatus?) async throws -> [OperationRecord] { try await control.operations(status: status) }
    /// One page of operations.
    package func page(status: OperationStatus?, limit: Int, after: ListCursor?) async throws -> ListPage<OperationRecord> {
        try await control.operationPage(status: status, limit: limit, after: after)
    }
    /// The operation `id`. - Throws: `operation-not-found`.
    package func get(id: String) async throws -> OperationRecord { try await control.catalog.requireOperation(id: id) }
    /// The log lines of operation `id` after `afterSequence`.
    package func logs(id: String, afterSequence: Int = 0) async throws -> [OperationLogLine] { try await control.operationLogs(id: id, afterSequence: afterSequence) }
    /// New log lines and progress of operation `id` until it ends.
    package func follow(id: String, afterSequence: Int = 0, interval: TimeInterval = 0.5) async throws -> AsyncThrowingStream<OperationEvent, any Error> {
        try await control.followOperation(id: id, afterSequence: afterSequence, interval: interval)
    }
    /// Queues a failed or cancelled operation again.
    package func retry(id: String) async throws -> OperationRecord { try await control.retryOperation(id: id) }
    /// Cancels a queued operation, or asks its worker to stop.
    package func cancel(id: String) async throws -> OperationRecord { try await control.cancelOperation(id: id) }
    /// Claims the queued operation `id` and runs it here.
    package func runQueued(id: String, observer: OperationObserver? = nil) async throws -> OperationRecord {
        try await control.runQueuedOperation(id: id, observer: observer)
    }
    /// Claims the oldest runnable queued operation, if any.
    package func claimNext() async throws -> OperationRecord? { try await control.claimNextOperation() }
    /// Runs a claimed operation; its outcome is in the returned record.
    @discardableResult
    package func runClaimed(_ claimed: OperationRecord, observer: OperationObserver? = nil, rethrow: Bool = false) async throws -> OperationRecord {
        try await control.runClaimed(claimed, observer: observer, rethrow: rethrow)
    }
    /// Reconciles operations whose worker died.
    @discardableResult
    package func reconcile() async throws -> [OperationRecord] { try await control.reconcileExpiredLeases() }
    /// Prunes old history now.
    package func prune(olderThanDays days: Int = PruneRequest.defaultDays, observer: OperationObserver? = nil) async throws -> (HistoryPruneCounts, OperationRecord) {
        try await control.pruneHistory(olderThanDays: days, observer: observer)
    }
    /// Queues a prune of old history.
    package func enqueuePrune(olderThanDays days: Int = PruneRequest.defaultDays) async throws -> OperationRecord { try await control.enqueuePrune(olderThanDays: days) }
}

extension ControlPlane {
    /// Operations: list, follow, retry, cancel, queued work, maintenance.
    package var operations: OperationService { OperationService(control: self) }
}
