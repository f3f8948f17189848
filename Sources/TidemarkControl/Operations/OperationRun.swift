import Foundation
import Logging
package import TidemarkCore

/// Observes an operation's record as it changes (the CLI's progress bar, `op logs --follow`).
package typealias OperationObserver = @Sendable (OperationRecord) -> Void

/// Records one operation in the catalog while it runs: steps, log lines, progress, its lease,
/// and the outcome — completed, retried later, resumed after a shutdown, cancelled or failed.
///
/// The record is written before any work and updated at every step, so a crash leaves a
/// record that names the step it died in; the lease (renewed by a heartbeat while `execute`
/// runs) tells other processes whether the worker is still alive. Progress is written at most
/// once a second. Not Sendable: one task drives it.
final class OperationRun {
    private(set) var record: OperationRecord
    private let catalog: any Catalog
    private let now: @Sendable () -> Date
    private let observer: OperationObserver?
    private let configuration: ControlPlane.Configuration
    private let sleep: @Sendable (TimeInterval) async throws -> Void
    private let metrics: ControlMetrics
    private let signals = OperationSignals()
    private var logger: Logger
    private var lastProgressWrite = Date.distantPast
    /// When this attempt began, for its entry in the operation's history.
    private let attemptStartedAt: Date

    /// Creates the operation record for work this process runs now: status `running`,
    /// attempt 1 of 1, leased to this process.
    convenience init(
        starting kind: OperationKind,
        summary: String,
        database: String?,
        backupID: String? = nil,
        parameters: [String: String] = [:],
        control: ControlPlane,
        observer: OperationObserver?
    ) async throws {
        let started = control.now()
        let record = OperationRecord(
            id: Identifier.make(),
            kind: kind,
            status: .running,
            step: "starting",
            attempt: 1,
            maxAttempts: 1,
            database: database,
            backupID: backupID,
            summary: summary,
            createdAt: started,
            startedAt: started,
            parameters: parameters,
            leaseOwner: control.configuration.workerID,
            leaseExpiresAt: started.addingTimeInterval(control.configuration.leaseDuration)
        )
        try await control.insertRecord(record)
        self.init(record: record, control: control, observer: observer)
        try await log("\(summary): started")
    }

    /// Wraps an operation this process has claimed (status `running`, leased to it).
    convenience init(claimed record: OperationRecord, control: ControlPlane, observer: OperationObserver?) async throws {
        self.init(record: record, control: control, observer: observer)
        try await log("\(record.summary): attempt \(record.attempt) of \(record.maxAttempts) started by \(control.configuration.workerID)")
    }

    private init(record: OperationRecord, control: ControlPlane, observer: OperationObserver?) {
        self.record = record
        attemptStartedAt = control.now()
        catalog = control.catalog
        now = control.now
        self.observer = observer
        configuration = control.configuration
        sleep = control.sleep
        metrics = control.metrics
        logger = control.logger
        logger[metadataKey: LogKey.operationID] = "\(record.id)"
        logger[metadataKey: LogKey.operationKind] = "\(record.kind.rawValue)"
        logger[metadataKey: LogKey.attempt] = "\(record.attempt)"
        if let database = record.database { logger[metadataKey: LogKey.database] = "\(database)" }
    }

    var id: String { record.id }

    /// Enters a new step and logs it.
    /// - Throws: `operation-cancelled` or `lease-lost` when the operation must stop.
    func step(_ name: String) async throws {
        try checkInterruption()
        record.step = name
        logger[metadataKey: LogKey.step] = "\(name)"
        try await catalog.updateOperation(record)
        try await log("step: \(name)")
    }

    /// Appends a log line to the operation (and the process log).
    func log(_ message: String, level: Logger.Level = .info) async throws {
        logger.log(level: level, "\(message)")
        try await catalog.appendLog(operationID: record.id, line: OperationLogLine(time: now(), level: level.rawValue, message: message))
        observer?(record)
    }

    /// Stores `value` under `key` in the operation's parameters now, before the work it
    /// describes starts (a restore's staging database), so a process that finds this
    /// operation dead knows what to clean up.
    func remember(_ key: String, _ value: String) async throws {
        try checkInterruption()
        record.parameters[key] = value
        try await catalog.updateOperation(record)
    }

    /// Records progress in memory and tells the observer; `saveProgressIfDue` persists it.
    func progress(_ update: (inout OperationProgress) -> Void) {
        update(&record.progress)
        observer?(record)
    }

    /// Writes the progress to the catalog, at most once a second, and stops the work when the
    /// operation was cancelled or its lease lost.
    func saveProgressIfDue() async throws {
        try checkInterruption()
        let time = now()
        if time.timeIntervalSince(lastProgressWrite) >= 1 {
            lastProgressWrite = time
            try? await catalog.updateOperation(record)
        }
    }

    /// Marks the operation completed with `result`.
    func complete(result: [String: String] = [:]) async throws {
        record.status = .completed
        record.finishedAt = now()
        record.result = result
        // An earlier attempt's failure stays in the history, not as this operation's error.
        record.recordAttempt(outcome: "completed", startedAt: attemptStartedAt, at: now())
        record.lastError = nil
        record.isRetryable = false
        record.step = "done"
        try await catalog.updateOperation(record)
        metrics.operationFinished(kind: record.kind, status: .completed)
        try await log("completed")
    }

    /// What happens to the operation when its work throws `error`.
    func outcome(of error: any Error) -> FailureOutcome {
        switch signals.interruption {
        case .cancelRequested: return .cancelled
        case .leaseLost: return .leaseLost
        case nil: break
        }
        if Task.isCancelled || error is CancellationError { return .resumeLater }
        let retryable = (error as? any UserFacingError)?.isRetryable ?? false
        if retryable && record.attempt < record.maxAttempts {
            return .retry(at: now().addingTimeInterval(configuration.retryDelay(afterAttempt: record.attempt)))
        }
        return .failed
    }

    /// Runs `body` while a heartbeat renews the lease, then records how it ended.
    ///
    /// Errors are rethrown after the record says what happened: `pending` again for a retry
    /// (with `notBefore`) or after a graceful shutdown (the attempt is not counted),
    /// `cancelled`, or `failed` with the step and `retryable`.
    func execute<T>(_ body: () async throws -> T) async throws -> T {
        let heartbeat = Heartbeat(
            catalog: catalog, operationID: record.id, owner: configuration.workerID,
            leaseDuration: configuration.leaseDuration, now: now, sleep: sleep, signals: signals
        )
        do {
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await heartbeat.run() }
                defer { group.cancelAll() }
                return try await body()
            }
        } catch {
            await finish(after: error)
            throw error
        }
    }

    private func finish(after error: any Error) async {
        let info = ErrorInfo(error)
        logger[metadataKey: LogKey.errorCode] = "\(info.code)"
        switch outcome(of: error) {
        case .leaseLost:
            // Another process owns the record now; writing to it would undo its work.
            logger.warning("stopped: the lease on operation \(record.id) was lost (taken over after it expired)")
        case .cancelled:
            record.status = .cancelled
            record.finishedAt = now()
            record.lastError = ErrorInfo(code: ControlError.Code.operationCancelled.rawValue, message: "operation \(record.id) was cancelled in step \(record.step)")
            record.recordAttempt(outcome: "cancelled", startedAt: attemptStartedAt, at: now(), error: record.lastError)
            record.isRetryable = true
            try? await catalog.updateOperation(record)
            metrics.operationFinished(kind: record.kind, status: .cancelled)
            try? await log("cancelled in step \(record.step)", level: .warning)
        case .resumeLater:
            record.recordAttempt(outcome: "interrupted", startedAt: attemptStartedAt, at: now(), error: info)
            record.status = .pending
            record.attempt -= 1
            try? await catalog.updateOperation(record)
            try? await log("interrupted by shutdown in step \(record.step); it resumes when a worker starts again", level: .warning)
        case .retry(let time):
            record.recordAttempt(outcome: "retry", startedAt: attemptStartedAt, at: now(), error: info)
            record.status = .pending
            record.notBefore = time
            record.lastError = info
            record.isRetryable = true
            try? await catalog.updateOperation(record)
            metrics.operationRetried(kind: record.kind)
            try? await log(
                "attempt \(record.attempt) of \(record.maxAttempts) failed in step \(record.step): \(info.code): \(info.message); retrying at \(HumanFormat.timestamp(time))",
                level: .warning
            )
        case .failed:
            record.recordAttempt(outcome: "failed", startedAt: attemptStartedAt, at: now(), error: info)
            record.status = .failed
            record.finishedAt = now()
            record.lastError = info
            record.isRetryable = (error as? any UserFacingError)?.isRetryable ?? false
            try? await catalog.updateOperation(record)
            metrics.operationFinished(kind: record.kind, status: .failed)
            try? await log("failed in step \(record.step): \(info.code): \(info.message)", level: .error)
        }
    }

    private func checkInterruption() throws {
        switch signals.interruption {
        case .cancelRequested:
            throw ControlError(.operationCancelled, "operation \(record.id) was cancelled", hint: "Start it again with 'tidemark op retry \(record.id)'.")
        case .leaseLost:
            throw ControlError(.leaseLost, "operation \(record.id) was taken over by another worker after its lease expired")
        case nil:
            try Task.checkCancellation()
        }
    }
}

/// How an operation ends after its work threw.
enum FailureOutcome: Equatable {
    /// Transient failure with attempts left: queued again for `at`.
    case retry(at: Date)
    /// The process is shutting down: queued again, attempt not counted.
    case resumeLater
    case cancelled
    case leaseLost
    case failed
}
