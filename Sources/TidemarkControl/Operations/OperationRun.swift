import Foundation
import Logging
package import TidemarkCore

/// Observes an operation's record as it changes (the CLI's progress bar, `op logs --follow`).
package typealias OperationObserver = @Sendable (OperationRecord) -> Void

/// Records one operation in the catalog while it runs: steps, log lines, progress, and the
/// final status with the error and whether retrying may help.
///
/// The record is written before any work and updated at every step, so a crash leaves a
/// record that names the step it died in. Progress is written at most once a second.
/// Not Sendable: one task drives it.
final class OperationRun {
    private(set) var record: OperationRecord
    private let catalog: any Catalog
    private let now: @Sendable () -> Date
    private let observer: OperationObserver?
    private var logger: Logger
    private var lastProgressWrite = Date.distantPast

    /// Creates the operation record (status `running`, attempt 1).
    init(
        kind: OperationKind,
        summary: String,
        database: String?,
        backupID: String? = nil,
        control: ControlPlane,
        observer: OperationObserver?
    ) async throws {
        let started = control.now()
        record = OperationRecord(
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
            startedAt: started
        )
        catalog = control.catalog
        now = control.now
        self.observer = observer
        logger = control.logger
        logger[metadataKey: LogKey.operationID] = "\(record.id)"
        logger[metadataKey: LogKey.operationKind] = "\(kind.rawValue)"
        if let database { logger[metadataKey: LogKey.database] = "\(database)" }
        try await catalog.insertOperation(record)
        try await log("\(summary): started")
    }

    var id: String { record.id }

    /// Enters a new step and logs it.
    func step(_ name: String) async throws {
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

    /// Records progress in memory and tells the observer; `saveProgressIfDue` persists it.
    func progress(_ update: (inout OperationProgress) -> Void) {
        update(&record.progress)
        observer?(record)
    }

    /// Writes the progress to the catalog, at most once a second.
    func saveProgressIfDue() async {
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
        record.step = "done"
        try await catalog.updateOperation(record)
        try await log("completed")
    }

    /// Marks the operation failed in its current step with `error`.
    func fail(_ error: any Error) async {
        let info = ErrorInfo(error)
        record.status = .failed
        record.finishedAt = now()
        record.lastError = info
        record.isRetryable = (error as? any UserFacingError)?.isRetryable ?? false
        logger[metadataKey: LogKey.errorCode] = "\(info.code)"
        try? await catalog.updateOperation(record)
        try? await log("failed in step \(record.step): \(info.code): \(info.message)", level: .error)
    }

    /// Runs `body`, marking the operation failed (and rethrowing) if it throws.
    func run<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            await fail(error)
            throw error
        }
    }
}
