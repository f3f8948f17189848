import Foundation
import Logging
package import TidemarkCore

extension ControlPlane {
    /// Operations, newest first.
    package func operations(status: OperationStatus?) async throws -> [OperationRecord] {
        try await catalog.operations(status: status)
    }

    /// The operation `id`.
    /// - Throws: `ControlError` `operation-not-found`.
    package func operation(id: String) async throws -> OperationRecord {
        guard let operation = try await catalog.operation(id: id) else {
            throw ControlError(.operationNotFound, "operation \(id) does not exist", hint: "Run 'tidemark op list' to see operation ids.")
        }
        return operation
    }

    /// The log lines of operation `id`.
    package func operationLogs(id: String) async throws -> [OperationLogLine] {
        _ = try await operation(id: id)
        return try await catalog.logs(operationID: id)
    }

    /// Queues a failed or cancelled operation again for one more attempt.
    /// - Throws: `operation-not-found`; `operation-not-retryable` when it is still queued or
    ///   running, completed, or an export (which streams to the caller and is simply run again).
    package func retryOperation(id: String) async throws -> OperationRecord {
        var operation = try await operation(id: id)
        guard operation.status == .failed || operation.status == .cancelled else {
            throw ControlError(.operationNotRetryable, "operation \(id) is \(operation.status.rawValue); only failed or cancelled operations can be retried")
        }
        guard operation.kind.runsInBackground else {
            throw ControlError(.operationNotRetryable, "\(operation.kind.rawValue) operations cannot be retried", hint: "Run the command again.")
        }
        if let backupID = operation.backupID, try await catalog.wasPurged(backupID: backupID) {
            throw ControlError(
                .operationNotRetryable,
                "operation \(id) worked on backup \(backupID), which was purged",
                hint: operation.kind == .backup ? "Take a new backup with 'tidemark backup create \(operation.database ?? "DATABASE")'." : "Choose another backup ('tidemark backup list')."
            )
        }
        operation.status = .pending
        operation.step = "queued"
        operation.maxAttempts = operation.attempt + 1
        operation.notBefore = nil
        operation.finishedAt = nil
        do {
            try await catalog.updateOperation(operation)
        } catch {
            throw await backupInProgress(for: operation, after: error)
        }
        try await catalog.appendLog(operationID: id, line: OperationLogLine(time: now(), level: "info", message: "queued again by op retry (attempt \(operation.attempt + 1))"))
        try await markBackup(of: operation, as: .pending)
        return operation
    }

    /// Cancels a queued operation at once, or asks the worker running it to stop at its next
    /// heartbeat (the operation then ends `cancelled`).
    /// - Throws: `operation-not-found`, `operation-finished`.
    package func cancelOperation(id: String) async throws -> OperationRecord {
        var operation = try await operation(id: id)
        switch operation.status {
        case .completed, .failed, .cancelled:
            throw ControlError(.operationFinished, "operation \(id) already ended (\(operation.status.rawValue))")
        case .running:
            try await catalog.requestCancel(operationID: id)
            try await catalog.appendLog(operationID: id, line: OperationLogLine(time: now(), level: "warning", message: "cancel requested"))
            return try await self.operation(id: id)
        case .pending:
            operation.status = .cancelled
            operation.finishedAt = now()
            operation.lastError = ErrorInfo(code: ControlError.Code.operationCancelled.rawValue, message: "operation \(id) was cancelled before it ran")
            try await catalog.updateOperation(operation)
            try await catalog.appendLog(operationID: id, line: OperationLogLine(time: now(), level: "warning", message: "cancelled while queued"))
            try await markBackup(of: operation, as: .failed, error: operation.lastError)
            return operation
        }
    }

    /// Claims the queued operation `id` and runs it in this process (`op retry` without `--async`).
    /// - Throws: `backup-in-progress` when it cannot be claimed now, then the operation's error.
    package func runQueuedOperation(id: String, observer: OperationObserver? = nil) async throws -> OperationRecord {
        guard let claimed = try await claimOperation(id: id) else {
            throw ControlError(.backupInProgress, "operation \(id) cannot start now: another backup of its database is running", hint: "Wait for it, or leave the operation to 'tidemark serve'.")
        }
        return try await runClaimed(claimed, observer: observer, rethrow: true)
    }

    /// Claims the oldest runnable queued operation for this process, if any.
    package func claimNextOperation() async throws -> OperationRecord? {
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
        let run = try await OperationRun(claimed: claimed, control: self, observer: observer)
        do {
            try await run.execute { try await perform(run) }
        } catch {
            if rethrow { throw error }
        }
        if claimed.kind == .backup, run.record.status == .completed, let database = claimed.database {
            await applyRetentionAfterBackup(database: database)
        }
        return run.record
    }

    /// The work of a claimed operation, by kind.
    private func perform(_ run: OperationRun) async throws {
        let record = run.record
        switch record.kind {
        case .backup:
            _ = try await performBackup(try BackupRequest(record), run: run)
        case .restore:
            _ = try await measuredRestore(try RestoreRequest(record), run: run)
        case .verify:
            _ = try await performVerify(id: record.parameters["backupId"] ?? record.backupID ?? "", readData: record.parameters["readData"] == "true", run: run)
        case .purge:
            _ = try await performPurge(id: record.parameters["backupId"] ?? record.backupID ?? "", run: run)
        case .retention:
            _ = try await performRetention(database: record.parameters["database"], run: run)
        case .export, .deprovision:
            // Not `runsInBackground`: they stream to, or are driven by, the command that starts them.
            throw ControlError(.cannotRunInBackground, "\(record.kind.rawValue) operations run only in the command that starts them", hint: "Run the command again.")
        }
    }

    /// Reconciles operations whose worker died — its lease expired, or its process on this host
    /// is gone (kill -9; found at once, without waiting for the lease): each is queued again
    /// from its start when attempts remain — a backup first records a manifest the dead attempt
    /// already stored —, or marked failed with `worker-lost` and the step it died in. A restore
    /// first has its half-restored staging database dropped (or, when it died after publishing
    /// the database, is recorded as completed).
    /// - Returns: the reconciled operations as they are now.
    @discardableResult
    package func reconcileExpiredLeases() async throws -> [OperationRecord] {
        let time = now()
        var candidates = try await catalog.operationsWithExpiredLease(now: time)
        if let isGone = configuration.isGoneLeaseOwner {
            let known = Set(candidates.map(\.id))
            for operation in try await catalog.operations(status: .running) where !known.contains(operation.id) {
                guard let text = operation.leaseOwner, let owner = LeaseOwner(parsing: text), isGone(owner) else { continue }
                guard try await catalog.takeLeaseOfGoneOwner(operationID: operation.id, previousOwner: text) else { continue }
                candidates.append(operation)
            }
        }
        var reconciled: [OperationRecord] = []
        for var operation in candidates {
            let expired = operation.leaseExpiresAt.map { $0 < time } ?? true
            if expired {
                guard try await catalog.takeExpiredLease(operationID: operation.id, previousOwner: operation.leaseOwner, now: time) else { continue }
            }
            let owner = operation.leaseOwner ?? "an unknown process"
            let died = "the process running it (\(owner)) stopped in step \(operation.step) without finishing"
            if operation.kind == .restore, let finished = await cleanUpAbandonedRestore(operation, died: died) {
                reconciled.append(finished)
                continue
            }
            let info = ErrorInfo(
                code: ControlError.Code.workerLost.rawValue,
                message: "operation \(operation.id): \(died)",
                hint: "Nothing it wrote is shown as completed; retry it with 'tidemark op retry \(operation.id)'."
            )
            operation.recordAttempt(outcome: "worker-lost", startedAt: nil, at: time, error: info)
            operation.lastError = info
            operation.isRetryable = true
            if operation.kind.runsInBackground && operation.attempt < operation.maxAttempts {
                operation.status = .pending
                operation.notBefore = nil
                try await catalog.updateOperation(operation)
                try await catalog.appendLog(operationID: operation.id, line: OperationLogLine(time: time, level: "warning", message: "\(died) (attempt \(operation.attempt) of \(operation.maxAttempts)); queued again"))
                try await markBackup(of: operation, as: .pending, error: info)
            } else {
                operation.status = .failed
                operation.finishedAt = time
                try await catalog.updateOperation(operation)
                try await catalog.appendLog(operationID: operation.id, line: OperationLogLine(time: time, level: "error", message: "failed in step \(operation.step): \(died)"))
                try await markBackup(of: operation, as: .failed, error: info)
            }
            logger.warning("reconciled operation \(operation.id): \(died); now \(operation.status.rawValue)")
            reconciled.append(operation)
        }
        return reconciled
    }

    /// Moves the backup an operation works on (if it is not completed) to `status`: `failed`
    /// gets a finish time, `pending` loses it; `error` replaces the recorded one when given.
    private func markBackup(of operation: OperationRecord, as status: BackupStatus, error: ErrorInfo? = nil) async throws {
        guard operation.kind == .backup, let id = operation.backupID, var backup = try await catalog.backup(id: id), backup.status != .completed else { return }
        backup.status = status
        backup.finishedAt = status == .failed ? now() : nil
        if let error { backup.error = error }
        try await catalog.updateBackup(backup)
    }
}

extension OperationKind {
    /// Whether a worker can run (or rerun) the operation from its record alone. Exports stream
    /// to the command that started them and deprovisions drive a nested backup, so neither is
    /// queued, retried or resumed.
    var runsInBackground: Bool { self != .export && self != .deprovision }
}
