import Foundation
package import Logging
package import TidemarkCore

/// Observes an operation's record as it changes (the CLI's progress bar, `op logs --follow`).
package typealias OperationObserver = @Sendable (OperationRecord) -> Void

/// One attempt of an operation, as its job sees it: steps, log lines, progress and the
/// completion, each written to the catalog as it happens.
///
/// The record is written before any work and updated at every step, so a crash leaves a
/// record that names the step it died in; the lease (renewed by a heartbeat while the
/// ``OperationRunner`` runs the job) tells other processes whether the worker is still alive.
/// Progress is written at most once a second. How the attempt ends is decided by the
/// ``OperationLifecycle``. Not Sendable: one task drives it.
package final class OperationRun {
    package private(set) var record: OperationRecord
    private let control: ControlPlane
    private let observer: OperationObserver?
    let signals = OperationSignals()
    private(set) var logger: Logger
    private var lastProgressWrite = Date.distantPast
    /// When this attempt began, for its entry in the operation's history.
    let attemptStartedAt: Date

    init(record: OperationRecord, control: ControlPlane, observer: OperationObserver?) {
        self.record = record
        self.control = control
        self.observer = observer
        attemptStartedAt = control.now()
        logger = control.logger
        logger[metadataKey: LogKey.operationID] = "\(record.id)"
        logger[metadataKey: LogKey.operationKind] = "\(record.kind.rawValue)"
        logger[metadataKey: LogKey.attempt] = "\(record.attempt)"
        if let database = record.database { logger[metadataKey: LogKey.database] = "\(database)" }
    }

    package var id: String { record.id }

    /// Enters a new step and logs it.
    /// - Throws: `operation-cancelled` or `lease-lost` when the operation must stop.
    package func step(_ name: String) async throws {
        try checkInterruption()
        record.step = name
        logger[metadataKey: LogKey.step] = "\(name)"
        try await control.catalog.updateOperation(record)
        try await log("step: \(name)")
    }

    /// Appends a log line to the operation (and the process log).
    package func log(_ message: String, level: Logger.Level = .info) async throws {
        logger.log(level: level, "\(message)")
        try await control.catalog.appendLog(operationID: record.id, line: OperationLogLine(time: control.now(), level: level.rawValue, message: message))
        observer?(record)
    }

    /// Stores `request` as the operation's request now, before the work it describes starts
    /// (a restore's staging database), so a process that finds this operation dead knows what
    /// to clean up.
    func update<R: JobRequest>(request: R) async throws {
        try checkInterruption()
        record.request = try request.stored()
        try await control.catalog.updateOperation(record)
    }

    /// Records progress in memory and tells the observer; `saveProgressIfDue` persists it.
    package func progress(_ update: (inout OperationProgress) -> Void) {
        update(&record.progress)
        observer?(record)
    }

    /// Writes the progress to the catalog, at most once a second, and stops the work when the
    /// operation was cancelled or its lease lost.
    package func saveProgressIfDue() async throws {
        try checkInterruption()
        let time = control.now()
        if time.timeIntervalSince(lastProgressWrite) >= 1 {
            lastProgressWrite = time
            try? await control.catalog.updateOperation(record)
        }
    }

    /// Marks the operation completed with `result`.
    package func complete(result: [String: String] = [:]) async throws {
        try await apply(.completed(result: result), throwing: true)
    }

    /// The interruption the work was stopped by, if any: `op cancel`, a lost lease, or this
    /// process shutting down (task cancellation).
    func interruption(after error: any Error) -> OperationInterruption? {
        if let signal = signals.interruption { return signal }
        if Task.isCancelled || error is CancellationError { return .shutdown }
        return nil
    }

    /// How the attempt ends when its work throws `error` (a job's own records, such as a
    /// backup's status, follow it).
    package func outcome(of error: any Error) -> OperationOutcome {
        control.lifecycle.outcome(of: record, retryable: Self.isRetryable(error), interruption: interruption(after: error), at: control.now())
    }

    /// Records how the attempt ended after its work threw `error`; nothing here throws.
    func finish(after error: any Error) async {
        let info = ErrorInfo(error)
        logger[metadataKey: LogKey.errorCode] = "\(info.code)"
        try? await apply(.threw(info, retryable: Self.isRetryable(error), interruption: interruption(after: error)), throwing: false)
    }

    /// Applies a lifecycle event to this attempt's record and carries out its actions.
    private func apply(_ event: LifecycleEvent, throwing: Bool) async throws {
        guard case .next(let next, let actions) = control.lifecycle.transition(record, on: event, at: control.now(), attemptStartedAt: attemptStartedAt) else { return }
        record = next
        for action in actions {
            do {
                switch action {
                case .log(let level, let message):
                    try await log(message, level: Logger.Level(rawValue: level) ?? .info)
                default:
                    try await OperationActions(control: control).carryOut(action, for: record, logger: logger)
                }
            } catch {
                if throwing { throw error }
            }
        }
    }

    static func isRetryable(_ error: any Error) -> Bool {
        (error as? any UserFacingError)?.isRetryable ?? false
    }

    private func checkInterruption() throws {
        switch signals.interruption {
        case .cancelRequested:
            throw ControlError(.operationCancelled, "operation \(record.id) was cancelled", hint: "Start it again with 'tidemark op retry \(record.id)'.")
        case .leaseLost:
            throw ControlError(.leaseLost, "operation \(record.id) was taken over by another worker after its lease expired")
        case .shutdown, nil:
            try Task.checkCancellation()
        }
    }
}
